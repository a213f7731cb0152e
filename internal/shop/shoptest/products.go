package shoptest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// NewProduct returns an active product fixture with the given price and
// stock, in category "kitchen".
func NewProduct(id string, price shop.Money, stock int) *shop.Product {
	return &shop.Product{ID: id, Name: "Product " + id, Description: "The description of " + id + ".",
		Category: "kitchen", PriceCents: price, Stock: stock, Active: true, CreatedAt: at(0)}
}

// MustSaveProduct saves products or fails the test.
func MustSaveProduct(t *testing.T, s shop.Store, products ...*shop.Product) {
	t.Helper()
	for _, p := range products {
		if err := s.SaveProduct(t.Context(), p); err != nil {
			t.Fatalf("SaveProduct(%q) = %v; want nil", p.ID, err)
		}
	}
}

func checkProduct(t *testing.T, call string, got, want *shop.Product) {
	t.Helper()
	checkRecord(t, call, got, want, func(r *shop.Product) *time.Time { return &r.CreatedAt })
}

// stockOf returns the stock of product id.
func stockOf(t *testing.T, s shop.Store, id string) int {
	t.Helper()
	p, err := s.Product(t.Context(), id)
	if err != nil {
		t.Fatalf("Product(%q) = %v; want nil", id, err)
	}
	return p.Stock
}

func testProducts(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("SaveAndRead", func(t *testing.T) {
		s := newStore(t)
		p := &shop.Product{ID: "enamel-kettle", Name: "Enamel Kettle", Description: "Boils water. Whistles when done.",
			Category: "kitchen", PriceCents: 3999, Stock: 7, Active: true, CreatedAt: at(time.Hour)}
		MustSaveProduct(t, s, p)
		got, err := s.Product(t.Context(), p.ID)
		if err != nil {
			t.Fatalf("Product(%q) = %v; want nil", p.ID, err)
		}
		checkProduct(t, "Product(enamel-kettle)", got, p)
	})
	t.Run("Replace", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 5)
		MustSaveProduct(t, s, p, NewProduct("p2", 2000, 3))
		replaced := *p
		replaced.Name, replaced.Description, replaced.Category = "Renamed", "New text.", "home"
		replaced.PriceCents, replaced.Stock, replaced.Active = 1250, 0, false
		MustSaveProduct(t, s, &replaced)
		got, err := s.Product(t.Context(), "p1")
		if err != nil {
			t.Fatalf("Product(p1) = %v; want nil", err)
		}
		checkProduct(t, "Product(p1) after replacing it", got, &replaced)
		got, err = s.Product(t.Context(), "p2")
		if err != nil {
			t.Fatalf("Product(p2) = %v; want nil", err)
		}
		checkProduct(t, "Product(p2) after replacing p1", got, NewProduct("p2", 2000, 3))
		if n, err := s.CountProducts(t.Context()); err != nil || n != 2 {
			t.Errorf("CountProducts() after a replace = %d, %v; want 2, nil", n, err)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		MustSaveProduct(t, s, NewProduct("p1", 1000, 5))
		if _, err := s.Product(t.Context(), "p2"); !errors.Is(err, shop.ErrNotFound) {
			t.Fatalf("Product(missing) = %v; want ErrNotFound", err)
		}
	})
	t.Run("Products", func(t *testing.T) {
		s := newStore(t)
		p1, p2, p3 := NewProduct("p1", 1000, 5), NewProduct("p2", 2000, 0), NewProduct("p3", 3000, 1)
		p2.Active = false
		MustSaveProduct(t, s, p1, p2, p3)
		got, err := s.Products(t.Context(), []string{"p3", "missing", "p2"})
		if err != nil {
			t.Fatalf("Products(p3, missing, p2) = %v; want nil", err)
		}
		slices.SortFunc(got, func(a, b shop.Product) int { return strings.Compare(a.ID, b.ID) })
		if ids := productIDs(got); !slices.Equal(ids, []string{"p2", "p3"}) {
			t.Fatalf("Products(p3, missing, p2) = %v; want p2, p3 (in any order)", ids)
		}
		checkProduct(t, "Products(...)[p2]", &got[0], p2)
		checkProduct(t, "Products(...)[p3]", &got[1], p3)
		got, err = s.Products(t.Context(), []string{"missing"})
		if err != nil || len(got) != 0 {
			t.Errorf("Products(missing) = %v, %v; want none, nil", productIDs(got), err)
		}
		got, err = s.Products(t.Context(), nil)
		if err != nil || len(got) != 0 {
			t.Errorf("Products(no ids) = %v, %v; want none, nil", productIDs(got), err)
		}
	})
	t.Run("CountProducts", func(t *testing.T) {
		s := newStore(t)
		if n, err := s.CountProducts(t.Context()); err != nil || n != 0 {
			t.Fatalf("CountProducts() of an empty store = %d, %v; want 0, nil", n, err)
		}
		inactive := NewProduct("p3", 3000, 0)
		inactive.Active = false
		MustSaveProduct(t, s, NewProduct("p1", 1000, 5), NewProduct("p2", 2000, 0), inactive)
		if n, err := s.CountProducts(t.Context()); err != nil || n != 3 {
			t.Fatalf("CountProducts() = %d, %v; want 3, nil (active or not)", n, err)
		}
	})
	t.Run("HasProducts", func(t *testing.T) {
		s := newStore(t)
		if has, err := s.HasProducts(t.Context()); err != nil || has {
			t.Fatalf("HasProducts() of an empty store = %v, %v; want false, nil", has, err)
		}
		inactive := NewProduct("p1", 1000, 0)
		inactive.Active = false
		MustSaveProduct(t, s, inactive)
		if has, err := s.HasProducts(t.Context()); err != nil || !has {
			t.Fatalf("HasProducts() with one inactive product = %v, %v; want true, nil", has, err)
		}
		MustSaveProduct(t, s, NewProduct("p2", 2000, 5), NewProduct("p3", 3000, 1))
		if has, err := s.HasProducts(t.Context()); err != nil || !has {
			t.Fatalf("HasProducts() with three products = %v, %v; want true, nil", has, err)
		}
	})
}

func productIDs(products []shop.Product) []string {
	ids := make([]string, len(products))
	for i, p := range products {
		ids[i] = p.ID
	}
	return ids
}

// catalogFixture is a small catalog with ties in every sort order, an
// inactive product matching common words, and descriptions holding the
// LIKE wildcards '%' and '_'.
func catalogFixture() ([]shop.Category, []*shop.Product) {
	p := func(id, name, desc, category string, price shop.Money, created time.Duration) *shop.Product {
		return &shop.Product{ID: id, Name: name, Description: desc, Category: category, PriceCents: price,
			Stock: 4, Active: true, CreatedAt: at(created)}
	}
	lamp := p("f-lamp", "Brass Lamp", "A warm kettle-shaped lamp.", "home", 4500, 5*time.Hour)
	lamp.Active = false
	return []shop.Category{{ID: "kitchen", Name: "Kitchen"}, {ID: "home", Name: "Home & Living"}, {ID: "garden", Name: "Garden"}},
		[]*shop.Product{
			p("a-kettle", "Enamel Kettle", "Boils water on any stove.", "kitchen", 3900, 1*time.Hour),
			p("b-mug", "Stoneware Mug", "Holds 350 ml of coffee.", "kitchen", 1500, 3*time.Hour),
			p("c-teapot", "Cast Iron Teapot", "Brews loose-leaf TEA; keeps it warm.", "kitchen", 3900, 2*time.Hour),
			p("d-blanket", "Wool Blanket", "100% merino wool, warm and soft.", "home", 8900, 3*time.Hour),
			p("e-candle", "Soy Candle", "Smells of cedar_wood and smoke.", "home", 1500, 4*time.Hour),
			p("g-mug", "Stoneware Mug", "A bigger mug for the sofa.", "home", 1600, 0),
			lamp,
		}
}

func saveCatalog(t *testing.T, s shop.Store) []shop.Product {
	t.Helper()
	categories, products := catalogFixture()
	for i := range categories {
		if err := s.SaveCategory(t.Context(), &categories[i]); err != nil {
			t.Fatalf("SaveCategory(%q) = %v; want nil", categories[i].ID, err)
		}
	}
	// Saved in reverse id order, so a store breaking ties by insertion
	// order fails.
	for i := len(products) - 1; i >= 0; i-- {
		MustSaveProduct(t, s, products[i])
	}
	all := make([]shop.Product, len(products))
	for i, p := range products {
		all[i] = *p
	}
	return all
}

// testCatalogSearch: the service's catalog search over the store: the read
// model loaded from the store and brought up to date through its feed
// (no following server: every query refreshes first), so each store's
// EachProduct, Categories and change feed give the model what it needs.
func testCatalogSearch(t *testing.T, newStore func(t *testing.T) shop.Store) {
	s := newStore(t)
	all := saveCatalog(t, s)
	svc := shop.NewService(s, shop.Config{})
	q := func(text, category, sortBy string, page, perPage int) shop.ProductQuery {
		return shop.ProductQuery{Text: text, Category: category, Sort: sortBy, Page: page, PerPage: perPage}
	}
	staff := func(q shop.ProductQuery) shop.ProductQuery {
		q.IncludeInactive = true
		return q
	}
	tests := []struct {
		name  string
		q     shop.ProductQuery
		want  []string
		total int
	}{
		{"all by name", q("", "", shop.SortName, 1, 100), []string{"c-teapot", "a-kettle", "e-candle", "b-mug", "g-mug", "d-blanket"}, 6},
		{"all by price ascending", q("", "", shop.SortPriceAsc, 1, 100), []string{"b-mug", "e-candle", "g-mug", "a-kettle", "c-teapot", "d-blanket"}, 6},
		{"all by price descending", q("", "", shop.SortPriceDesc, 1, 100), []string{"d-blanket", "a-kettle", "c-teapot", "g-mug", "b-mug", "e-candle"}, 6},
		{"all newest first", q("", "", shop.SortNewest, 1, 100), []string{"e-candle", "b-mug", "d-blanket", "c-teapot", "a-kettle", "g-mug"}, 6},
		{"word in name, other case", q("STONEWARE", "", shop.SortName, 1, 100), []string{"b-mug", "g-mug"}, 2},
		{"word in description, other case", q("WaRm", "", shop.SortName, 1, 100), []string{"c-teapot", "d-blanket"}, 2},
		{"plural finds singular", q("kettles", "", shop.SortName, 1, 100), []string{"a-kettle"}, 1},
		{"singular finds plural", q("smoke", "", shop.SortName, 1, 100), []string{"e-candle"}, 1},
		{"words, not substrings", q("ware", "", shop.SortName, 1, 100), []string{}, 0},
		{"every word must match", q("stoneware sofa", "", shop.SortName, 1, 100), []string{"g-mug"}, 1},
		{"words across name and description", q("kettle boils", "", shop.SortName, 1, 100), []string{"a-kettle"}, 1},
		{"punctuation separates words", q("cedar wood", "", shop.SortName, 1, 100), []string{"e-candle"}, 1},
		{"stop words are not required", q("a mug for the sofa", "", shop.SortName, 1, 100), []string{"g-mug"}, 1},
		{"inactive excluded though matching", q("kettle", "", shop.SortName, 1, 100), []string{"a-kettle"}, 1},
		{"staff see inactive too", staff(q("kettle", "", shop.SortName, 1, 100)), []string{"f-lamp", "a-kettle"}, 2},
		{"name match above description match", staff(q("kettle", "", shop.SortRelevance, 1, 100)), []string{"a-kettle", "f-lamp"}, 2},
		{"no word at all", q(`\`, "", shop.SortName, 1, 100), []string{}, 0},
		{"no match", q("bicycle", "", shop.SortName, 1, 100), []string{}, 0},
		{"category", q("", "home", shop.SortName, 1, 100), []string{"e-candle", "g-mug", "d-blanket"}, 3},
		{"category and text", q("mug", "home", shop.SortName, 1, 100), []string{"g-mug"}, 1},
		{"unknown category", q("", "garden", shop.SortName, 1, 100), []string{}, 0},
		{"first page", q("", "", shop.SortPriceAsc, 1, 4), []string{"b-mug", "e-candle", "g-mug", "a-kettle"}, 6},
		{"second page", q("", "", shop.SortPriceAsc, 2, 4), []string{"c-teapot", "d-blanket"}, 6},
		{"middle page", q("", "", shop.SortNewest, 2, 2), []string{"d-blanket", "c-teapot"}, 6},
		{"page past the end", q("", "", shop.SortPriceAsc, 3, 4), []string{}, 6},
		{"far page past the end", q("", "", shop.SortName, 10000, 100), []string{}, 6},
		{"filtered second page", q("", "kitchen", shop.SortPriceDesc, 2, 2), []string{"b-mug"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := svc.SearchProducts(t.Context(), tt.q)
			if err != nil {
				t.Fatalf("SearchProducts(%+v) = %v; want nil", tt.q, err)
			}
			if got := productIDs(page.Items); !slices.Equal(got, tt.want) || page.Total != tt.total {
				t.Errorf("SearchProducts(%+v) = %v (total %d); want %v (total %d)", tt.q, got, page.Total, tt.want, tt.total)
			}
		})
	}
	t.Run("full products", func(t *testing.T) {
		page, err := svc.SearchProducts(t.Context(), q("", "", shop.SortName, 1, 100))
		if err != nil {
			t.Fatalf("SearchProducts(all) = %v; want nil", err)
		}
		byID := map[string]shop.Product{}
		for _, p := range all {
			byID[p.ID] = p
		}
		for _, got := range page.Items {
			want := byID[got.ID]
			checkProduct(t, fmt.Sprintf("SearchProducts(all) item %s", got.ID), &got, &want)
		}
	})
	t.Run("category counts of the search", func(t *testing.T) {
		c, err := svc.BrowseCatalog(t.Context(), shop.CatalogRequest{Text: "warm", Category: "home", WithCategories: true})
		if err != nil {
			t.Fatalf("BrowseCatalog(warm in home) = %v; want nil", err)
		}
		counts := map[string]int{}
		for _, category := range c.Categories {
			counts[category.ID] = category.ProductCount
		}
		if want := map[string]int{"kitchen": 1, "home": 1, "garden": 0}; !maps.Equal(counts, want) || productIDs(c.Products)[0] != "d-blanket" {
			t.Errorf("BrowseCatalog(warm in home) = %v with counts %v; want d-blanket, counts %v (the search's, before its category)", productIDs(c.Products), counts, want)
		}
	})
	t.Run("accents and case", func(t *testing.T) {
		s := newStore(t)
		svc := shop.NewService(s, shop.Config{})
		torch := NewProduct("torch", 2900, 3)
		torch.Name, torch.Description = "Crème Brûlée Torch", "Caramelizes sugar."
		ramekin := NewProduct("ramekin", 900, 3)
		ramekin.Name, ramekin.Description = "Ramekin", "For ÉCLAIRS, soufflés and more."
		MustSaveProduct(t, s, torch, ramekin)
		for text, want := range map[string][]string{"CRÈME": {"torch"}, "brulee": {"torch"}, "éclair": {"ramekin"}, "SOUFFLES": {"ramekin"}} {
			query := q(text, "", shop.SortName, 1, 100)
			page, err := svc.SearchProducts(t.Context(), query)
			if err != nil {
				t.Fatalf("SearchProducts(%+v) = %v; want nil", query, err)
			}
			if got := productIDs(page.Items); !slices.Equal(got, want) || page.Total != len(want) {
				t.Errorf("SearchProducts(%+v) = %v (total %d); want %v (total %d)", query, got, page.Total, want, len(want))
			}
		}
	})
	t.Run("withdrawn after replace", func(t *testing.T) {
		_, products := catalogFixture()
		mug := products[1]
		mug.Active = false
		MustSaveProduct(t, s, mug)
		query := q("stoneware", "", shop.SortName, 1, 100)
		page, err := svc.SearchProducts(t.Context(), query)
		if err != nil {
			t.Fatalf("SearchProducts(%+v) = %v; want nil", query, err)
		}
		if got := productIDs(page.Items); !slices.Equal(got, []string{"g-mug"}) || page.Total != 1 {
			t.Errorf("SearchProducts(%+v) after withdrawing b-mug = %v (total %d); want [g-mug] (total 1)", query, got, page.Total)
		}
	})
}

func testCategories(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("ByNameWithoutCounts", func(t *testing.T) {
		s := newStore(t)
		saveCatalog(t, s)
		if err := s.SaveCategory(t.Context(), &shop.Category{ID: "attic", Name: "Attic"}); err != nil {
			t.Fatalf("SaveCategory(attic) = %v; want nil", err)
		}
		old := NewProduct("old-chair", 500, 1)
		old.Category, old.Active = "attic", false
		MustSaveProduct(t, s, old)
		got, err := s.Categories(t.Context())
		if err != nil {
			t.Fatalf("Categories() = %v; want nil", err)
		}
		// The read model counts the products (shop.Service.Categories).
		want := []shop.Category{{ID: "attic", Name: "Attic"}, {ID: "garden", Name: "Garden"},
			{ID: "home", Name: "Home & Living"}, {ID: "kitchen", Name: "Kitchen"}}
		if !slices.Equal(got, want) {
			t.Errorf("Categories() = %+v; want %+v", got, want)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		s := newStore(t)
		got, err := s.Categories(t.Context())
		if err != nil || len(got) != 0 {
			t.Errorf("Categories() of an empty store = %+v, %v; want none, nil", got, err)
		}
	})
	t.Run("Replace", func(t *testing.T) {
		s := newStore(t)
		MustSaveProduct(t, s, NewProduct("p1", 100, 1))
		for _, c := range []shop.Category{{ID: "kitchen", Name: "Kitchen"}, {ID: "kitchen", Name: "Cooking", ProductCount: 42}, {ID: "bath", Name: "Bath"}} {
			if err := s.SaveCategory(t.Context(), &c); err != nil {
				t.Fatalf("SaveCategory(%+v) = %v; want nil", c, err)
			}
		}
		got, err := s.Categories(t.Context())
		if err != nil {
			t.Fatalf("Categories() = %v; want nil", err)
		}
		want := []shop.Category{{ID: "bath", Name: "Bath"}, {ID: "kitchen", Name: "Cooking"}}
		if !slices.Equal(got, want) {
			t.Errorf("Categories() after renaming kitchen = %+v; want %+v (ProductCount of SaveCategory ignored)", got, want)
		}
	})
}
