package shoptest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"storefront/internal/shop"
)

// NewOrder returns an order of userID for the given lines, priced and
// totalled as the service does, created at created.
func NewOrder(id, userID string, created time.Time, lines ...shop.OrderLine) *shop.Order {
	o := &shop.Order{ID: id, UserID: userID, UserEmail: userID + "@example.com", Status: shop.OrderStatusPlaced,
		CreatedAt: created, Currency: shop.Currency,
		ShippingAddress: shop.Address{FullName: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"}}
	for _, l := range lines {
		l.LineTotalCents = l.UnitPriceCents * shop.Money(l.Quantity)
		o.Items = append(o.Items, l)
		o.ItemCount += l.Quantity
		o.SubtotalCents += l.LineTotalCents
	}
	o.ShippingCents = shop.ShippingFor(o.SubtotalCents)
	o.TotalCents = o.SubtotalCents + o.ShippingCents
	return o
}

// LineOf returns an order line buying quantity of p at its current price.
func LineOf(p *shop.Product, quantity int) shop.OrderLine {
	return shop.OrderLine{ProductID: p.ID, Name: p.Name, UnitPriceCents: p.PriceCents, Quantity: quantity}
}

// cartOf saves cart id holding the lines of o.
func cartOf(t *testing.T, s shop.Store, id string, o *shop.Order) *shop.Cart {
	t.Helper()
	lines := make([]shop.CartLine, len(o.Items))
	for i, l := range o.Items {
		lines[i] = shop.CartLine{ProductID: l.ProductID, Quantity: l.Quantity, SeenPriceCents: l.UnitPriceCents}
	}
	return MustSaveCart(t, s, id, lines...)
}

func checkOrder(t *testing.T, call string, got, want *shop.Order) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s = nil order; want %+v", call, *want)
	}
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) {
		t.Errorf("%s CreatedAt = %v; want %v", call, g.CreatedAt, w.CreatedAt)
	}
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %+v; want %+v", call, g, w)
	}
}

func mustPlaceOrder(t *testing.T, s shop.Store, o *shop.Order, cart *shop.Cart) {
	t.Helper()
	if err := s.PlaceOrder(t.Context(), o, cart); err != nil {
		t.Fatalf("PlaceOrder(%s) = %v; want nil", o.ID, err)
	}
}

// checkStocks fails unless every product has the given stock.
func checkStocks(t *testing.T, s shop.Store, when string, want map[string]int) {
	t.Helper()
	for id, w := range want {
		if got := stockOf(t, s, id); got != w {
			t.Errorf("%s: stock of %s = %d; want %d", when, id, got, w)
		}
	}
}

func checkNoOrder(t *testing.T, s shop.Store, when, id string) {
	t.Helper()
	if _, err := s.Order(t.Context(), id); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("%s: Order(%s) = %v; want ErrNotFound", when, id, err)
	}
}

func testOrders(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		checkNoOrder(t, s, "in an empty store", "o1")
	})
	t.Run("OrdersByUser", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 2500, 10)
		MustSaveProduct(t, s, p)
		place := func(id, userID string, created time.Duration, qty int) *shop.Order {
			o := NewOrder(id, userID, at(created), LineOf(p, qty))
			mustPlaceOrder(t, s, o, cartOf(t, s, shop.UserCartID(userID), o))
			return o
		}
		a1 := place("oa1", "ua", time.Hour, 1)
		a3 := place("oa3", "ua", 3*time.Hour, 3)
		b1 := place("ob1", "ub", 4*time.Hour, 1)
		a2 := place("oa2", "ua", 2*time.Hour+time.Millisecond, 2)

		got, err := s.OrdersByUser(t.Context(), "ua")
		if err != nil {
			t.Fatalf("OrdersByUser(ua) = %v; want nil", err)
		}
		want := []*shop.Order{a3, a2, a1}
		if len(got) != len(want) {
			t.Fatalf("OrdersByUser(ua) = %d orders; want %d", len(got), len(want))
		}
		for i := range want {
			checkOrder(t, fmt.Sprintf("OrdersByUser(ua)[%d]", i), &got[i], want[i])
		}
		got, err = s.OrdersByUser(t.Context(), "ub")
		if err != nil || len(got) != 1 {
			t.Fatalf("OrdersByUser(ub) = %d orders, %v; want 1, nil", len(got), err)
		}
		checkOrder(t, "OrdersByUser(ub)[0]", &got[0], b1)
		got, err = s.OrdersByUser(t.Context(), "nobody")
		if err != nil || len(got) != 0 {
			t.Errorf("OrdersByUser(nobody) = %d orders, %v; want 0, nil", len(got), err)
		}
	})
}

// mustRefuse places o and returns the store's *shop.PlacementRefused,
// failing the test on any other outcome.
func mustRefuse(t *testing.T, s shop.Store, o *shop.Order, cart *shop.Cart) *shop.PlacementRefused {
	t.Helper()
	err := s.PlaceOrder(t.Context(), o, cart)
	var refused *shop.PlacementRefused
	if !errors.As(err, &refused) {
		t.Fatalf("PlaceOrder(%s) = %v (%T); want a *shop.PlacementRefused", o.ID, err, err)
	}
	return refused
}

// checkReported checks that the refusal reports at least the products
// mustReport and only products of saved (the order's lines), each in its
// saved state (nil: reported missing). A store may report lines whose
// condition held too.
func checkReported(t *testing.T, refused *shop.PlacementRefused, saved map[string]*shop.Product, mustReport ...string) {
	t.Helper()
	for _, id := range mustReport {
		if _, ok := refused.Products[id]; !ok {
			t.Errorf("PlaceOrder refusal reports %v; want product %s among them", reportedIDs(refused), id)
		}
	}
	if len(refused.Products) == 0 {
		t.Errorf("PlaceOrder refusal reports no product; want the refused lines'")
	}
	for id, got := range refused.Products {
		w, ok := saved[id]
		switch {
		case !ok:
			t.Errorf("PlaceOrder refusal reports %s, which is no line of the order", id)
		case w == nil && got != nil:
			t.Errorf("PlaceOrder refusal reports %s = %+v; want nil (missing)", id, *got)
		case w != nil:
			checkProduct(t, "PlaceOrder refusal's "+id, got, w)
		}
	}
}

func reportedIDs(refused *shop.PlacementRefused) []string {
	ids := make([]string, 0, len(refused.Products))
	for id := range refused.Products {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
