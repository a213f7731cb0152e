package shoptest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"storefront/internal/shop"
)

// testCatalogAdmin checks the store methods of the staff's catalog
// management and the catalog import and export.
func testCatalogAdmin(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("CreateProduct", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 5)
		p.Photo = shop.ProductPhoto{Card: "card.jpg", Page: "page.jpg"}
		if err := s.CreateProduct(t.Context(), p); err != nil {
			t.Fatalf("CreateProduct(p1) = %v; want nil", err)
		}
		got, err := s.Product(t.Context(), "p1")
		if err != nil {
			t.Fatalf("Product(p1) = %v; want nil", err)
		}
		checkProduct(t, "Product(p1) after CreateProduct", got, p)
		other := NewProduct("p1", 2000, 9)
		other.Name = "Another"
		if err := s.CreateProduct(t.Context(), other); !errors.Is(err, shop.ErrProductExists) {
			t.Fatalf("CreateProduct(p1 again) = %v; want ErrProductExists", err)
		}
		got, err = s.Product(t.Context(), "p1")
		if err != nil {
			t.Fatalf("Product(p1) = %v; want nil", err)
		}
		checkProduct(t, "Product(p1) after a refused CreateProduct", got, p)
	})
	t.Run("SaveProducts", func(t *testing.T) {
		s := newStore(t)
		MustSaveProduct(t, s, NewProduct("p00", 100, 1))
		// More than one DynamoDB batch (25), the first one replaced.
		var products []shop.Product
		for i := range 30 {
			p := NewProduct(fmt.Sprintf("p%02d", i), shop.Money(100+i), i)
			p.Active = i%2 == 0
			p.CreatedAt = at(time.Duration(i) * time.Minute)
			products = append(products, *p)
		}
		products[0].Name, products[0].Description, products[0].Category = "Renamed", "New words.", "garden"
		products[1].Photo = shop.ProductPhoto{Card: "card.jpg", Page: "page.jpg"} // whole products, photos too
		if err := s.SaveProducts(t.Context(), products); err != nil {
			t.Fatalf("SaveProducts(30 products) = %v; want nil", err)
		}
		for i := range products {
			got, err := s.Product(t.Context(), products[i].ID)
			if err != nil {
				t.Fatalf("Product(%s) after SaveProducts = %v; want nil", products[i].ID, err)
			}
			checkProduct(t, "Product("+products[i].ID+") after SaveProducts", got, &products[i])
		}
		if n, err := s.CountProducts(t.Context()); err != nil || n != 30 {
			t.Errorf("CountProducts() after SaveProducts = %d, %v; want 30", n, err)
		}
		// The same products again converge: nothing doubles.
		if err := s.SaveProducts(t.Context(), products); err != nil {
			t.Fatalf("SaveProducts(the same again) = %v; want nil", err)
		}
		if n, err := s.CountProducts(t.Context()); err != nil || n != 30 {
			t.Errorf("CountProducts() after SaveProducts twice = %d, %v; want 30", n, err)
		}
		if err := s.SaveProducts(t.Context(), nil); err != nil {
			t.Errorf("SaveProducts(none) = %v; want nil", err)
		}
	})
	t.Run("LowStockProducts", func(t *testing.T) {
		s := newStore(t)
		withdrawn := NewProduct("withdrawn", 100, 0)
		withdrawn.Active = false
		b, a := NewProduct("b", 100, 2), NewProduct("a", 100, 2)
		a.Name = "Product b" // same name as b: ties by id
		MustSaveProduct(t, s, NewProduct("plenty", 100, shop.LowStockLevel+1), NewProduct("three", 100, 3), b, a,
			NewProduct("none", 100, 0), withdrawn)
		got, err := shop.NewService(s, shop.Config{}).LowStockProducts(t.Context())
		if err != nil {
			t.Fatalf("LowStockProducts() = %v; want nil", err)
		}
		if ids, want := productIDs(got), []string{"none", "a", "b", "three"}; !slices.Equal(ids, want) {
			t.Errorf("LowStockProducts() = %v; want %v (active, stock at most LowStockLevel, fewest first, then name, then id)", ids, want)
		}
	})
	t.Run("EachProduct", func(t *testing.T) {
		s := newStore(t)
		for _, id := range []string{"m", "b", "z", "a"} {
			p := NewProduct(id, 100, 1)
			p.Active = id != "z"
			MustSaveProduct(t, s, p)
		}
		want := []string{"a", "b", "m", "z"}
		var got []string
		if err := s.EachProduct(t.Context(), func(p *shop.Product) error {
			got = append(got, p.ID)
			return nil
		}); err != nil {
			t.Fatalf("EachProduct() = %v; want nil", err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("EachProduct() visited %v; want %v (every product, in id order)", got, want)
		}
		stop := errors.New("stop")
		visited := 0
		err := s.EachProduct(t.Context(), func(*shop.Product) error {
			visited++
			return stop
		})
		if !errors.Is(err, stop) || visited != 1 {
			t.Errorf("EachProduct(failing) = %v after %d calls; want its error after 1", err, visited)
		}
	})
}
