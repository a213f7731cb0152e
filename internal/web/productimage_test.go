package web

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"storefront/internal/shop"
)

// svgDoc is what checkProductSVG learns while decoding an image.
type svgDoc struct {
	root  xml.StartElement
	title string
	texts []string
}

// checkProductSVG decodes every token of an image, failing t when it is not
// well-formed XML or holds anything a product image must not: scripts,
// styles, foreign content, links or event handlers.
func checkProductSVG(t *testing.T, img []byte) svgDoc {
	t.Helper()
	var doc svgDoc
	dec := xml.NewDecoder(bytes.NewReader(img))
	var stack []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("image is not well-formed XML: %v\n%s", err, img)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				doc.root = tok.Copy()
			}
			stack = append(stack, tok.Name.Local)
			switch strings.ToLower(tok.Name.Local) {
			case "script", "style", "foreignobject", "image", "use", "a", "iframe":
				t.Errorf("image holds a <%s> element", tok.Name.Local)
			}
			for _, a := range tok.Attr {
				name := strings.ToLower(a.Name.Local)
				if strings.HasPrefix(name, "on") || name == "href" || name == "style" {
					t.Errorf("element <%s> has attribute %s", tok.Name.Local, a.Name.Local)
				}
				if strings.Contains(strings.ToLower(a.Value), "url(") {
					t.Errorf("element <%s> refers to %s", tok.Name.Local, a.Value)
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if strings.TrimSpace(string(tok)) != "" {
					t.Errorf("text outside the root element: %q", tok)
				}
				continue
			}
			switch stack[len(stack)-1] {
			case "title":
				doc.title += string(tok)
			case "text":
				doc.texts = append(doc.texts, string(tok))
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed elements %v", stack)
	}
	return doc
}

func svgAttr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestProductSVGDemoCatalog(t *testing.T) {
	_, products := shop.DemoCatalog()
	seen := map[string]string{}
	for _, p := range products {
		img := productSVG(p)
		if !bytes.Equal(img, productSVG(p)) {
			t.Errorf("%s: two calls gave different images", p.ID)
		}
		if len(img) > 16<<10 {
			t.Errorf("%s: image is %d bytes, want a small one", p.ID, len(img))
		}
		doc := checkProductSVG(t, img)
		if doc.root.Name.Local != "svg" || doc.root.Name.Space != "http://www.w3.org/2000/svg" {
			t.Errorf("%s: root element is %v, want svg in the SVG namespace", p.ID, doc.root.Name)
		}
		for attr, want := range map[string]string{"viewBox": "0 0 400 300", "width": "400", "height": "300", "role": "img"} {
			if got := svgAttr(doc.root, attr); got != want {
				t.Errorf("%s: root %s = %q, want %q", p.ID, attr, got, want)
			}
		}
		if doc.title != p.Name {
			t.Errorf("%s: title %q, want %q", p.ID, doc.title, p.Name)
		}
		if other, dup := seen[string(img)]; dup {
			t.Errorf("%s and %s have the same image", other, p.ID)
		}
		seen[string(img)] = p.ID
	}
}

func TestProductSVGEscapesName(t *testing.T) {
	for _, name := range []string{
		`<script>&"`,
		`<script>alert(1)</script> & 'quotes' "double"`,
		"]]> <!-- --> <![CDATA[ x",
		"control\x00\x07chars and bad utf-8 \xff\xfe",
		"A very long product name that goes on and on <script> well past the band",
	} {
		img := productSVG(shop.Product{ID: "evil", Name: name, Category: "kitchen"})
		if bytes.Contains(bytes.ToLower(img), []byte("<script")) {
			t.Errorf("name %q: image contains a raw <script:\n%s", name, img)
		}
		doc := checkProductSVG(t, img)
		if strings.ContainsRune(name, 0) || strings.Contains(name, "\xff") {
			continue // invalid characters are replaced, so the title differs
		}
		if doc.title != name {
			t.Errorf("title %q, want %q", doc.title, name)
		}
	}
}

func TestProductSVGVariesByCategoryAndID(t *testing.T) {
	base := shop.Product{ID: "same-id", Name: "Same Name"}
	categories := []string{"kitchen", "outdoor", "office", "home", "audio", "apparel", "garden", ""}
	seen := map[string]string{}
	for _, c := range categories {
		p := base
		p.Category = c
		img := string(productSVG(p))
		checkProductSVG(t, []byte(img))
		if other, dup := seen[img]; dup {
			t.Errorf("categories %q and %q give the same image", other, c)
		}
		seen[img] = c
	}

	a := productSVG(shop.Product{ID: "one", Name: "Same Name", Category: "audio"})
	b := productSVG(shop.Product{ID: "two", Name: "Same Name", Category: "audio"})
	if bytes.Equal(a, b) {
		t.Error("two ids in one category give the same image")
	}
}

func TestProductSVGShortNameAndInitials(t *testing.T) {
	for _, tc := range []struct{ name, initials, short string }{
		{"Speckled Enamel Kettle", "SE", "Speckled Enamel Kettle"},
		{"Walnut End-Grain Cutting Board", "WE", "Walnut End-Grain Cutting Board"},
		{"A Really Quite Long Name That Will Not Fit", "AR", "A Really Quite Long Name..."},
		{"  (odd)   spacing  ", "OS", "(odd) spacing"},
		{"", "X", ""},
	} {
		if got := svgInitials(tc.name, "x-id"); got != tc.initials {
			t.Errorf("svgInitials(%q) = %q, want %q", tc.name, got, tc.initials)
		}
		if got := svgShortName(tc.name, 30); got != tc.short {
			t.Errorf("svgShortName(%q) = %q, want %q", tc.name, got, tc.short)
		}
	}
}

// TestProductSVGContrast checks that both texts of the image (the name on
// the plate, the initials on the ink badge) meet WCAG AA at every hue.
func TestProductSVGContrast(t *testing.T) {
	for hue := 0; hue < 360; hue++ {
		pal := svgPaletteFor(float64(hue), uint32(hue))
		if r := svgContrastRatio(t, pal.text, pal.plate); r < 7 {
			t.Errorf("hue %d: name contrast %.2f, want >= 7", hue, r)
		}
		if r := svgContrastRatio(t, pal.plate, pal.ink); r < 4.5 {
			t.Errorf("hue %d: initials contrast %.2f, want >= 4.5", hue, r)
		}
		if r := svgContrastRatio(t, pal.text, pal.bg); r < 4.5 {
			t.Errorf("hue %d: text on background contrast %.2f, want >= 4.5", hue, r)
		}
	}
}

func svgContrastRatio(t *testing.T, a, b string) float64 {
	la, lb := svgLuminance(t, a), svgLuminance(t, b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func svgLuminance(t *testing.T, hex string) float64 {
	t.Helper()
	if len(hex) != 7 || hex[0] != '#' {
		t.Fatalf("color %q is not #rrggbb", hex)
	}
	var lum float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatalf("color %q: %v", hex, err)
		}
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		lum += w * c
	}
	return lum
}
