package web

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"storefront/internal/shop"
)

// Product images are generated, not stored: productSVG draws a small
// illustration of a product from its id, name and category. The drawing is
// deterministic (the same product always gives the same bytes, so responses
// cache well) and self-contained: no scripts, no event handlers, no <style>
// element, no external references; colors and fonts are presentation
// attributes, which the page CSP allows.
//
// The category chooses the base hue and the name the icon (iconFor: a task
// lamp shows a lamp); an FNV hash of the id varies the hue slightly, the
// accent color, the background pattern, and the icon's rotation and size,
// so products in one category look related but not identical.

// Image size in CSS pixels, also the viewBox.
const (
	productImageWidth  = 400
	productImageHeight = 300
)

// svgCategoryHues are the base hues (degrees) of the demo categories; any other
// category gets a hue from a hash of its id.
var svgCategoryHues = map[string]float64{
	"kitchen": 14,
	"outdoor": 145,
	"office":  212,
	"home":    40,
	"audio":   265,
	"apparel": 182,
}

// productSVG returns the SVG image of p.
func productSVG(p shop.Product) []byte {
	h := svgHash(p.ID)

	hue, ok := svgCategoryHues[p.Category]
	if !ok {
		hue = float64(svgHash("category:"+p.Category) % 360)
	}
	hue += float64(int(h%21) - 10) // +-10 degrees per product
	pal := svgPaletteFor(hue, (h>>5)%4)
	rotation := int((h>>8)%21) - 10 // degrees
	scale := 0.92 + float64((h>>13)%5)*0.04
	pattern := (h >> 16) % 4
	offset := int((h >> 20) % 24)

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`,
		productImageWidth, productImageHeight, productImageWidth, productImageHeight)
	b.WriteString("<title>")
	svgText(&b, p.Name)
	b.WriteString("</title>")

	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="%s"/>`, productImageWidth, productImageHeight, pal.bg)
	svgPattern(&b, pattern, offset, pal.motif)

	// The plate and the icon.
	fmt.Fprintf(&b, `<circle cx="200" cy="122" r="92" fill="%s"/>`, pal.plate)
	fmt.Fprintf(&b, `<circle cx="200" cy="122" r="92" fill="none" stroke="%s" stroke-width="3" stroke-dasharray="6 8"/>`, pal.motif)
	fmt.Fprintf(&b, `<g transform="translate(200 122) rotate(%d) scale(%.2f)">`, rotation, scale)
	icon, _ := iconFor(p) // producticons.go
	icon.draw(iconDrawer{b: &b, pal: pal})
	b.WriteString("</g>")

	// The initials badge.
	fmt.Fprintf(&b, `<circle cx="46" cy="46" r="26" fill="%s"/>`, pal.ink)
	fmt.Fprintf(&b, `<text x="46" y="53" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" font-size="19" font-weight="700" fill="%s">`, pal.plate)
	svgText(&b, svgInitials(p.Name, p.ID))
	b.WriteString("</text>")

	// The name band.
	short := svgShortName(p.Name, 30)
	size := 22
	if utf8.RuneCountInString(short) > 26 {
		size = 19
	}
	fmt.Fprintf(&b, `<rect x="0" y="236" width="%d" height="64" fill="%s" fill-opacity="0.92"/>`, productImageWidth, pal.plate)
	fmt.Fprintf(&b, `<rect x="0" y="236" width="%d" height="4" fill="%s"/>`, productImageWidth, pal.accent)
	fmt.Fprintf(&b, `<text x="200" y="276" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" font-size="%d" font-weight="600" fill="%s">`, size, pal.text)
	svgText(&b, short)
	b.WriteString("</text>")

	b.WriteString("</svg>\n")
	return b.Bytes()
}

// svgPalette holds the colors of one image, as #rrggbb.
type svgPalette struct {
	bg, motif, plate, ink, accent, text string
}

// svgAccentShifts are the hue offsets an accent color may take.
var svgAccentShifts = [...]float64{28, 160, 200, -36}

// svgPaletteFor returns the colors for a base hue and one of the accent
// variants. The texts (text on plate, plate on ink) keep a WCAG contrast
// ratio well above 4.5 at every hue; the background, motif and accent are
// decoration.
func svgPaletteFor(hue float64, accent uint32) svgPalette {
	return svgPalette{
		bg:     svgHSL(hue, 0.55, 0.89),
		motif:  svgHSL(hue, 0.45, 0.79),
		plate:  svgHSL(hue, 0.60, 0.97),
		ink:    svgHSL(hue, 0.45, 0.27),
		accent: svgHSL(hue+svgAccentShifts[accent%uint32(len(svgAccentShifts))], 0.62, 0.56),
		text:   svgHSL(hue, 0.50, 0.16),
	}
}

// svgPattern draws one of four light background patterns behind the plate.
func svgPattern(b *bytes.Buffer, kind uint32, offset int, color string) {
	switch kind {
	case 0: // dots
		fmt.Fprintf(b, `<g fill="%s">`, color)
		for y := 12 + offset%28; y < 236; y += 28 {
			for x := 12 + offset; x < productImageWidth; x += 28 {
				fmt.Fprintf(b, `<circle cx="%d" cy="%d" r="4"/>`, x, y)
			}
		}
	case 1: // diagonal stripes
		fmt.Fprintf(b, `<g stroke="%s" stroke-width="10">`, color)
		for x := -300 + offset; x < productImageWidth; x += 36 {
			fmt.Fprintf(b, `<line x1="%d" y1="0" x2="%d" y2="300"/>`, x, x+300)
		}
	case 2: // rings from a corner
		fmt.Fprintf(b, `<g fill="none" stroke="%s" stroke-width="8">`, color)
		for r := 30 + offset; r < 520; r += 34 {
			fmt.Fprintf(b, `<circle cx="400" cy="0" r="%d"/>`, r)
		}
	default: // waves
		fmt.Fprintf(b, `<g fill="none" stroke="%s" stroke-width="6" stroke-linecap="round">`, color)
		for y := 20 + offset; y < 236; y += 30 {
			fmt.Fprintf(b, `<path d="M-20 %d q25 -14 50 0 t50 0 t50 0 t50 0 t50 0 t50 0 t50 0 t50 0 t50 0"/>`, y)
		}
	}
	b.WriteString("</g>")
}

// svgInitials returns up to two upper-case initials of name's words, or the
// first letter of id when name has none.
func svgInitials(name, id string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		for _, r := range id {
			return string(unicode.ToUpper(r))
		}
		return "?"
	}
	return string(out)
}

// svgShortName returns name cut to at most limit runes, at a word boundary when
// one is near, with "..." marking the cut.
func svgShortName(name string, limit int) string {
	name = strings.Join(strings.Fields(name), " ")
	runes := []rune(name)
	if len(runes) <= limit {
		return name
	}
	cut := limit - 3
	for i := cut; i > limit/2; i-- {
		if runes[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(runes[:cut]), " -") + "..."
}

// svgText writes s escaped as XML character data (invalid characters
// become U+FFFD, so the document stays well-formed).
func svgText(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // writing to a bytes.Buffer cannot fail
}

// svgHash is the 32-bit FNV-1a hash of s.
func svgHash(s string) uint32 {
	f := fnv.New32a()
	_, _ = f.Write([]byte(s)) // a hash.Hash never fails to write
	return f.Sum32()
}

// svgHSL converts a color from HSL (hue in degrees, any value; saturation
// and lightness in 0..1) to #rrggbb.
func svgHSL(h, s, l float64) string {
	h = math.Mod(h, 360)
	if h < 0 {
		h += 360
	}
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, bl float64
	switch {
	case h < 60:
		r, g, bl = c, x, 0
	case h < 120:
		r, g, bl = x, c, 0
	case h < 180:
		r, g, bl = 0, c, x
	case h < 240:
		r, g, bl = 0, x, c
	case h < 300:
		r, g, bl = x, 0, c
	default:
		r, g, bl = c, 0, x
	}
	to := func(v float64) int { return int(math.Round((v + m) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", to(r), to(g), to(bl))
}
