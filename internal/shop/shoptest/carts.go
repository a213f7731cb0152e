package shoptest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

// MustSaveCart saves a cart with lines, or fails the test.
func MustSaveCart(t *testing.T, s shop.Store, id string, lines ...shop.CartLine) *shop.Cart {
	t.Helper()
	c := &shop.Cart{ID: id, Lines: lines, UpdatedAt: at(30 * time.Minute)}
	if err := s.SaveCart(t.Context(), c); err != nil {
		t.Fatalf("SaveCart(%q) = %v; want nil", id, err)
	}
	return c
}

func readCart(t *testing.T, s shop.Store, id string) *shop.Cart {
	t.Helper()
	c, err := s.Cart(t.Context(), id)
	if err != nil {
		t.Fatalf("Cart(%q) = %v; want nil", id, err)
	}
	if c == nil {
		t.Fatalf("Cart(%q) = nil cart, nil error; want a cart", id)
	}
	return c
}

func checkCart(t *testing.T, call string, got, want *shop.Cart) {
	t.Helper()
	if got.ID != want.ID {
		t.Errorf("%s ID = %q; want %q", call, got.ID, want.ID)
	}
	if !slices.Equal(got.Lines, want.Lines) {
		t.Errorf("%s Lines = %+v; want %+v", call, got.Lines, want.Lines)
	}
	if len(want.Lines) > 0 && !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s UpdatedAt = %v; want %v", call, got.UpdatedAt, want.UpdatedAt)
	}
	if got.Version != want.Version {
		t.Errorf("%s Version = %q; want %q", call, got.Version, want.Version)
	}
}

func testCarts(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("NeverSaved", func(t *testing.T) {
		s := newStore(t)
		c := readCart(t, s, "guest-abc")
		if c.ID != "guest-abc" || len(c.Lines) != 0 {
			t.Errorf("Cart(never saved) = %+v; want empty cart with ID guest-abc", *c)
		}
	})
	t.Run("SaveReplaceDelete", func(t *testing.T) {
		s := newStore(t)
		// Line order is the shopper's order of adding, not by id.
		want := MustSaveCart(t, s, "user-u1",
			shop.CartLine{ProductID: "zebra-mug", Quantity: 2, SeenPriceCents: 1500},
			shop.CartLine{ProductID: "apple-tray", Quantity: 99, SeenPriceCents: 1},
			shop.CartLine{ProductID: "mango-bowl", Quantity: 1, SeenPriceCents: 123456})
		other := MustSaveCart(t, s, "guest-x", shop.CartLine{ProductID: "apple-tray", Quantity: 1, SeenPriceCents: 2})
		checkCart(t, "Cart(user-u1)", readCart(t, s, "user-u1"), want)

		want = &shop.Cart{ID: "user-u1", UpdatedAt: at(time.Hour), Version: want.Version, Lines: []shop.CartLine{
			{ProductID: "mango-bowl", Quantity: 3, SeenPriceCents: 120000},
			{ProductID: "kiwi-cup", Quantity: 1, SeenPriceCents: 700}}}
		if err := s.SaveCart(t.Context(), want); err != nil {
			t.Fatalf("SaveCart(user-u1, replaced lines) = %v; want nil", err)
		}
		checkCart(t, "Cart(user-u1) after replacing lines", readCart(t, s, "user-u1"), want)
		checkCart(t, "Cart(guest-x) after saving user-u1", readCart(t, s, "guest-x"), other)

		if err := s.SaveCart(t.Context(), &shop.Cart{ID: "user-u1", UpdatedAt: at(2 * time.Hour), Version: want.Version}); err != nil {
			t.Fatalf("SaveCart(user-u1, no lines) = %v; want nil", err)
		}
		if c := readCart(t, s, "user-u1"); c.ID != "user-u1" || len(c.Lines) != 0 {
			t.Errorf("Cart(user-u1) after saving no lines = %+v; want empty cart with its ID", *c)
		}
	})
	t.Run("CompareAndSet", func(t *testing.T) { testCartCompareAndSet(t, newStore(t)) })
	t.Run("ConcurrentAdds", func(t *testing.T) { testCartConcurrentAdds(t, newStore(t)) })
}

// saveCartAt saves a cart with lines over version, returning the error.
func saveCartAt(t *testing.T, s shop.Store, id, version string, lines ...shop.CartLine) (*shop.Cart, error) {
	t.Helper()
	c := &shop.Cart{ID: id, Lines: lines, UpdatedAt: at(time.Hour), Version: version}
	return c, s.SaveCart(t.Context(), c)
}

func testCartCompareAndSet(t *testing.T, s shop.Store) {
	mug := shop.CartLine{ProductID: "mug", Quantity: 1, SeenPriceCents: 900}
	cup := shop.CartLine{ProductID: "cup", Quantity: 2, SeenPriceCents: 400}
	if v := readCart(t, s, "user-u1").Version; v != "" {
		t.Fatalf("Cart(never saved).Version = %q; want \"\"", v)
	}
	v1, err := saveCartAt(t, s, "user-u1", "", mug)
	if err != nil || v1.Version == "" {
		t.Fatalf("SaveCart(new cart) = %v, version %q; want nil and a new version", err, v1.Version)
	}
	checkCart(t, "Cart(user-u1) after the first save", readCart(t, s, "user-u1"), v1)

	// A second writer that also read "no cart" lost the race.
	if _, err := saveCartAt(t, s, "user-u1", "", cup); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("SaveCart(second create over version \"\") = %v; want ErrConflict", err)
	}
	v2, err := saveCartAt(t, s, "user-u1", v1.Version, mug, cup)
	if err != nil || v2.Version == "" || v2.Version == v1.Version {
		t.Fatalf("SaveCart(at the current version) = %v, version %q; want nil and a version other than %q", err, v2.Version, v1.Version)
	}
	// A stale writer, and one whose change would empty the cart.
	if _, err := saveCartAt(t, s, "user-u1", v1.Version, cup); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("SaveCart(stale version) = %v; want ErrConflict", err)
	}
	if _, err := saveCartAt(t, s, "user-u1", v1.Version); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("SaveCart(no lines, stale version) = %v; want ErrConflict", err)
	}
	checkCart(t, "Cart(user-u1) after refused saves", readCart(t, s, "user-u1"), v2)

	// No ABA: a cart placed as an order (deleted) and saved again never
	// takes a save read before the placement, whatever the versions.
	p := NewProduct("mug", 900, 5)
	MustSaveProduct(t, s, p)
	placed, err := saveCartAt(t, s, "user-u1", v2.Version, mug)
	if err != nil {
		t.Fatalf("SaveCart(at the current version) = %v; want nil", err)
	}
	mustPlaceOrder(t, s, NewOrder("o1", "u1", at(time.Hour), LineOf(p, 1)), placed)
	again, err := saveCartAt(t, s, "user-u1", "", cup)
	if err != nil {
		t.Fatalf("SaveCart(new cart after the order) = %v; want nil", err)
	}
	for _, stale := range []string{v1.Version, v2.Version, placed.Version} {
		if _, err := saveCartAt(t, s, "user-u1", stale, mug, cup); !errors.Is(err, shop.ErrConflict) {
			t.Errorf("SaveCart(version %q from before the order) = %v; want ErrConflict", stale, err)
		}
	}
	checkCart(t, "Cart(user-u1) after stale saves", readCart(t, s, "user-u1"), again)

	// Emptying the cart over its version deletes it.
	if _, err := saveCartAt(t, s, "user-u1", again.Version); err != nil {
		t.Fatalf("SaveCart(no lines, current version) = %v; want nil", err)
	}
	checkCart(t, "Cart(user-u1) after emptying it", readCart(t, s, "user-u1"), &shop.Cart{ID: "user-u1", Lines: []shop.CartLine{}})
}

// testCartConcurrentAdds has writers each add their own line to one cart
// the way the service does (read, change, save over the version read, again
// on ErrConflict): every line must be there.
func testCartConcurrentAdds(t *testing.T, s shop.Store) {
	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for range 1000 {
				c, err := s.Cart(t.Context(), "user-u1")
				if err != nil {
					errs[i] = err
					return
				}
				c.Lines = append(c.Lines, shop.CartLine{ProductID: fmt.Sprintf("p%d", i), Quantity: i + 1, SeenPriceCents: 100})
				errs[i] = s.SaveCart(t.Context(), c)
				if !errors.Is(errs[i], shop.ErrConflict) {
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: read-add-save = %v; want nil", i, err)
		}
	}
	got := readCart(t, s, "user-u1")
	if len(got.Lines) != writers {
		t.Fatalf("Cart after %d concurrent adds has lines %+v; want %d lines", writers, got.Lines, writers)
	}
	for _, l := range got.Lines {
		var i int
		if _, err := fmt.Sscanf(l.ProductID, "p%d", &i); err != nil || l.Quantity != i+1 {
			t.Errorf("Cart line %+v; want product p<i> with quantity i+1", l)
		}
	}
}
