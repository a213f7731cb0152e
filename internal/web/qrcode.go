package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// qrQuietZone is the blank margin around a QR code, in modules (the
// standard asks for 4, so that scanners find the code).
const qrQuietZone = 4

// qrSVG draws text as a QR code in SVG, made here on the server: the
// second factor's secret goes to no other service, and an inline <svg>
// needs no image source or style that the Content-Security-Policy would
// have to allow. The markup is built only from numbers, so it is safe to
// embed.
func qrSVG(text, label string) (template.HTML, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	size := code.Bounds().Dx()
	var path strings.Builder
	for y := range size {
		for x := range size {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 { // a dark module
				fmt.Fprintf(&path, "M%d %dh1v1h-1z", x+qrQuietZone, y+qrQuietZone)
			}
		}
	}
	full := size + 2*qrQuietZone
	// #nosec G203 -- every value is a number written above, and label is escaped
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" class="qr-code"><rect width="%d" height="%d" fill="#fff"/><path d="%s" fill="#000"/></svg>`,
		full, full, full*5, full*5, template.HTMLEscapeString(label), full, full, path.String())), nil
}
