package shop

import (
	"reflect"
	"strings"
	"testing"
)

// TestDemoCatalogContract checks the demo catalog against the "Demo catalog"
// section of the contract, plus what makes the demo useful: prices on both
// sides of free shipping, distinct creation times for the newest sort, and
// ASCII text so substring search behaves alike in every store.
func TestDemoCatalogContract(t *testing.T) {
	categories, products := DemoCatalog()

	if len(categories) < 6 {
		t.Errorf("got %d categories, want at least 6", len(categories))
	}
	if len(products) < 48 {
		t.Errorf("got %d products, want at least 48", len(products))
	}

	categoryIDs := map[string]bool{}
	for _, c := range categories {
		if !IsID(c.ID) || c.ID != strings.ToLower(c.ID) {
			t.Errorf("category id %q is not a lower-case URL-safe id", c.ID)
		}
		if categoryIDs[c.ID] {
			t.Errorf("category id %q is duplicated", c.ID)
		}
		categoryIDs[c.ID] = true
		if strings.TrimSpace(c.Name) == "" {
			t.Errorf("category %q has no name", c.ID)
		}
	}

	ids := map[string]bool{}
	names := map[string]bool{}
	created := map[int64]string{}
	perCategory := map[string]int{}
	var lowStock, outOfStock, under, over int
	for _, p := range products {
		if !IsID(p.ID) || p.ID != strings.ToLower(p.ID) {
			t.Errorf("product id %q is not a lower-case URL-safe id", p.ID)
		}
		if ids[p.ID] {
			t.Errorf("product id %q is duplicated", p.ID)
		}
		ids[p.ID] = true

		if strings.TrimSpace(p.Name) == "" {
			t.Errorf("product %q has no name", p.ID)
		}
		if names[p.Name] {
			t.Errorf("product name %q is duplicated", p.Name)
		}
		names[p.Name] = true

		if !categoryIDs[p.Category] {
			t.Errorf("product %q is in unknown category %q", p.ID, p.Category)
		}
		perCategory[p.Category]++

		desc := strings.TrimSpace(p.Description)
		if sentences := strings.Count(desc, ". ") + 1; sentences < 2 || len(desc) < 60 || !strings.HasSuffix(desc, ".") {
			t.Errorf("product %q description is not a few sentences: %q", p.ID, desc)
		}
		for _, s := range []string{p.ID, p.Name, p.Description} {
			if !demoTextIsASCII(s) {
				t.Errorf("product %q has non-ASCII text: %q", p.ID, s)
			}
		}

		if p.PriceCents <= 0 {
			t.Errorf("product %q has price %d, want > 0", p.ID, p.PriceCents)
		}
		if p.PriceCents < FreeShippingThreshold {
			under++
		} else {
			over++
		}

		switch {
		case p.Stock < 0:
			t.Errorf("product %q has negative stock %d", p.ID, p.Stock)
		case p.Stock == 0:
			outOfStock++
		case p.Stock <= 3:
			lowStock++
		}

		if !p.Active {
			t.Errorf("product %q is not active", p.ID)
		}
		if p.CreatedAt.IsZero() || p.CreatedAt.Year() != 2026 {
			t.Errorf("product %q has creation time %v, want one in 2026", p.ID, p.CreatedAt)
		}
		if other, dup := created[p.CreatedAt.UnixNano()]; dup {
			t.Errorf("products %q and %q have the same creation time", other, p.ID)
		}
		created[p.CreatedAt.UnixNano()] = p.ID
	}

	if lowStock < 1 {
		t.Error("no product has stock 1 to 3")
	}
	if outOfStock < 1 {
		t.Error("no product has stock 0")
	}
	if under < 5 || over < 5 {
		t.Errorf("%d products under and %d at or over free shipping, want several of each", under, over)
	}
	for id := range categoryIDs {
		if perCategory[id] == 0 {
			t.Errorf("category %q has no product", id)
		}
	}
}

// TestDemoCatalogDeterministic checks that every call returns the same data
// in fresh slices, so a caller modifying one cannot change the next.
func TestDemoCatalogDeterministic(t *testing.T) {
	c1, p1 := DemoCatalog()
	c2, p2 := DemoCatalog()
	if !reflect.DeepEqual(c1, c2) || !reflect.DeepEqual(p1, p2) {
		t.Fatal("DemoCatalog returned different data on two calls")
	}
	p1[0].Stock = -42
	c1[0].Name = "changed"
	if _, p3 := DemoCatalog(); p3[0].Stock == -42 {
		t.Error("DemoCatalog shares its product slice between calls")
	}
	if c3, _ := DemoCatalog(); c3[0].Name == "changed" {
		t.Error("DemoCatalog shares its category slice between calls")
	}
}

func demoTextIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
