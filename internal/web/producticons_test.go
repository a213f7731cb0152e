package web

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode"

	"storefront/internal/shop"
)

// TestIconForDemoCatalog: every demo product's picture shows what it is:
// an icon chosen by a word of its own name (never the category's
// fallback, never the price tag), and the products of a category do not
// all look alike.
func TestIconForDemoCatalog(t *testing.T) {
	_, products := shop.DemoCatalog()
	perCategory := map[string]map[string]bool{}
	for _, p := range products {
		icon, word := iconFor(p)
		words := strings.FieldsFunc(strings.ToLower(p.Name), func(r rune) bool { return !unicode.IsLetter(r) })
		if !slices.Contains(words, word) || !slices.Contains(icon.Keywords, word) {
			t.Errorf("%s (%q): icon %q chosen by %q; want one chosen by a word of the name", p.ID, p.Name, icon.Name, word)
		}
		if perCategory[p.Category] == nil {
			perCategory[p.Category] = map[string]bool{}
		}
		perCategory[p.Category][icon.Name] = true
	}
	for category, icons := range perCategory {
		if len(icons) < 4 {
			t.Errorf("category %s shows only the icons %v; want its products told apart", category, icons)
		}
	}
}

// TestIconFor: the examples, the head noun winning over earlier
// words, and the fallbacks.
func TestIconFor(t *testing.T) {
	for _, tc := range []struct {
		name, category, wantIcon, wantWord string
	}{
		{"Adjustable Task Lamp", "office", "lamp", "lamp"},
		{"Bedside Glass Carafe", "home", "bottle", "carafe"},
		{"Walnut Headphone Stand", "audio", "headphones", "headphone"},
		{"Carbon Steel Chef's Knife", "kitchen", "knife", "knife"},
		{"Belt-Drive Turntable", "audio", "turntable", "turntable"},
		{"Lamplighter Mystery", "home", "house", "home"}, // no word names an icon: the category's
		{"Something", "garden", "tag", ""},               // nor the category: the price tag
	} {
		icon, word := iconFor(shop.Product{ID: "p", Name: tc.name, Category: tc.category})
		if icon.Name != tc.wantIcon || word != tc.wantWord {
			t.Errorf("iconFor(%q in %s) = %q by %q; want %q by %q", tc.name, tc.category, icon.Name, word, tc.wantIcon, tc.wantWord)
		}
	}
}

// TestProductIconsDraw: every icon draws shapes, and makes a well-formed,
// self-contained picture; each word of an icon chooses it.
func TestProductIconsDraw(t *testing.T) {
	icons := append(slices.Clone(productIcons), tagIcon)
	for _, icon := range categoryIcons {
		icons = append(icons, icon)
	}
	for _, icon := range icons {
		var b bytes.Buffer
		icon.draw(iconDrawer{b: &b, pal: svgPaletteFor(200, 0)})
		if !strings.HasPrefix(b.String(), "<") {
			t.Errorf("icon %s draws nothing", icon.Name)
		}
	}
	for _, icon := range productIcons {
		for _, k := range icon.Keywords {
			p := shop.Product{ID: "p-" + k, Name: "Test " + k, Category: "nowhere"}
			if got, _ := iconFor(p); got.Name != icon.Name {
				t.Errorf("iconFor(%q) = %q; want %q", p.Name, got.Name, icon.Name)
			}
			checkProductSVG(t, productSVG(p))
		}
	}
}
