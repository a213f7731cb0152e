// Package imaging turns a staff upload into the product photos the shop
// serves. It refuses anything that is not a JPEG, PNG or WebP within the
// limits below, and re-encodes the rest, with no metadata (EXIF, GPS, ICC,
// comments) carried over, at the fixed sizes the pages show. It is pure:
// bytes in, bytes out; reading the upload, storing and serving the photos
// belong to the caller.
package imaging

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Limits of an upload. MaxPixels and MaxDecodedBytes are checked on the
// header alone, before a single pixel is decoded: a small file can claim
// a huge canvas, and decoding allocates 1 to 8 bytes a pixel by the
// image's colour model (8 for a 16-bit RGBA PNG, which compresses a
// uniform 40-megapixel canvas into a few hundred kilobytes).
const (
	MaxUploadBytes  = 5 << 20     // 5 MiB
	MaxPixels       = 40_000_000  // 40 megapixels, width × height
	MaxDecodedBytes = 160_000_000 // 40 megapixels at 4 bytes each
)

// Size is a box a photo is fitted into: scaled down, keeping its aspect
// ratio, until both sides fit; never scaled up, since that only adds bytes.
// Both boxes are 4:3 like the generated product image (400×300 CSS pixels),
// so a photo of that shape fills the same frame.
type Size struct {
	Name          string
	Width, Height int
}

// The sizes Process makes. Card is twice the cards' 300 CSS pixels wide
// (sharp on high-density screens, small enough for a grid of them); Page is
// twice the product page's image at its widest (600 CSS pixels).
var (
	Card = Size{Name: "card", Width: 600, Height: 450}
	Page = Size{Name: "page", Width: 1200, Height: 900}
)

// jpegQuality balances size and artefacts for product photos.
const jpegQuality = 85

// hashHexLen is how many hex digits of the SHA-256 of an encoded photo name
// it: 128 bits, so a name is never reused for other bytes and a URL that
// holds it can be cached for good.
const hashHexLen = 32

// Image is one encoded photo of one Size.
type Image struct {
	Size          string // Card.Name or Page.Name
	Width, Height int    // the encoded pixels, within the Size's box
	ContentType   string // "image/jpeg", or "image/png" when the photo has transparency
	Data          []byte
	Hash          string // hashHexLen hex digits of the SHA-256 of Data
}

// FileName is the content-hashed name of the photo, such as
// "3f2a….jpg": the same bytes always get the same name, other bytes never.
func (im Image) FileName() string {
	if im.ContentType == string(PNG) {
		return im.Hash + ".png"
	}
	return im.Hash + ".jpg"
}

// Photos are the encoded sizes of one upload.
type Photos struct {
	Card Image
	Page Image
}

// All lists the photos, for storing them one by one.
func (p Photos) All() []Image { return []Image{p.Card, p.Page} }

// Process checks an upload and re-encodes it at every Size. declaredType is
// what the uploader said the file is: the part's Content-Type, or its file
// name or extension when the browser sent none or
// "application/octet-stream"; "" means nothing was declared and the bytes
// alone decide. The checks run cheapest first and stop at the first
// refusal, which is an *Error:
//
//   - over MaxUploadBytes: ErrTooLarge;
//   - declared as, or sniffed as, a type other than JPEG, PNG and WebP:
//     ErrUnsupportedType;
//   - declared as one of them but holding another: ErrTypeMismatch;
//   - a header claiming more than MaxPixels: ErrTooManyPixels, before
//     anything is decoded;
//   - anything that does not decode completely: ErrNotAnImage.
//
// A JPEG's EXIF orientation is applied to the pixels, since the tag itself
// is dropped with the rest of the metadata. Photos with any transparent
// pixel are encoded as PNG, all others as JPEG (Go has no WebP encoder).
// The same input always gives the same bytes.
func Process(data []byte, declaredType string) (Photos, error) {
	if len(data) > MaxUploadBytes {
		return Photos{}, refuse(ErrTooLarge, fmt.Sprintf(
			"The photo is %.1f MB; upload one of at most 5 MB.", float64(len(data))/(1<<20)), nil)
	}
	declared, err := declaredFormat(declaredType)
	if err != nil {
		return Photos{}, err
	}
	format, err := sniff(data)
	if err != nil {
		return Photos{}, err
	}
	if declared != "" && declared != format {
		return Photos{}, refuse(ErrTypeMismatch, fmt.Sprintf(
			"The file is said to be a %s but holds a %s. Upload it again with its own type or file extension.",
			declared.label(), format.label()), nil)
	}
	src, err := decode(data, format)
	if err != nil {
		return Photos{}, err
	}
	orientation := 1
	if format == JPEG {
		orientation = jpegOrientation(data)
	}
	opaque := isOpaque(src)
	// The page size is scaled from the upload and the card from the page
	// size: the same look, for a fraction of the work on large uploads.
	// Turning upright comes after scaling, on the few pixels left, so the
	// stored pixels fit the box turned with them.
	pageBox := Page
	if swapsSides(orientation) {
		pageBox.Width, pageBox.Height = Page.Height, Page.Width
	}
	pageImg := orient(fit(src, pageBox), orientation)
	cardImg := fit(pageImg, Card)
	var photos Photos
	if photos.Page, err = encode(pageImg, Page, opaque); err != nil {
		return Photos{}, err
	}
	if photos.Card, err = encode(cardImg, Card, opaque); err != nil {
		return Photos{}, err
	}
	return photos, nil
}

// decode reads the header first and refuses a canvas over MaxPixels before
// the decoder allocates it.
func decode(data []byte, format Format) (image.Image, error) {
	decodeConfig, decodeImage := jpeg.DecodeConfig, jpeg.Decode
	switch format {
	case PNG:
		decodeConfig, decodeImage = png.DecodeConfig, png.Decode
	case WebP:
		decodeConfig, decodeImage = webp.DecodeConfig, webp.Decode
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, notAnImage(format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, notAnImage(format, fmt.Errorf("size %d×%d", cfg.Width, cfg.Height))
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > MaxPixels {
		return nil, refuse(ErrTooManyPixels, fmt.Sprintf(
			"The photo is %d × %d pixels; upload one of at most 40 megapixels (such as 7,300 × 5,475).",
			cfg.Width, cfg.Height), nil)
	}
	if size := pixels * bytesPerPixel(cfg.ColorModel); size > MaxDecodedBytes {
		return nil, refuse(ErrTooManyPixels, fmt.Sprintf(
			"The photo is %d × %d pixels of 16 bits a colour, too much to read; save it with 8 bits a colour, "+
				"or upload one of at most %d megapixels.", cfg.Width, cfg.Height, MaxDecodedBytes/bytesPerPixel(cfg.ColorModel)/1_000_000), nil)
	}
	img, err := decodeImage(bytes.NewReader(data))
	if err != nil {
		return nil, notAnImage(format, err)
	}
	return img, nil
}

// bytesPerPixel is what decoding an image of colour model m allocates a
// pixel, at most (a JPEG's YCbCr is counted without subsampling).
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	}
	if _, paletted := m.(color.Palette); paletted {
		return 1
	}
	return 4
}

func notAnImage(format Format, cause error) *Error {
	return refuse(ErrNotAnImage, fmt.Sprintf(
		"The file could not be read as a %s: it may be damaged or cut short. Upload it again, or export it anew.",
		format.label()), cause)
}

// fit returns src scaled to fit size's box, keeping its aspect ratio, as a
// new *image.RGBA at origin (0, 0); a src that already fits keeps its
// pixels and is only copied.
func fit(src image.Image, size Size) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > size.Width || h > size.Height {
		// Scale by the tighter side; round, and keep at least one pixel
		// for extreme shapes (a 40000×2 strip).
		if w*size.Height >= h*size.Width {
			w, h = size.Width, max(1, (h*size.Width+w/2)/w)
		} else {
			w, h = max(1, (w*size.Height+h/2)/h), size.Height
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	}
	return dst
}

// isOpaque reports whether every pixel of img is fully opaque; every image
// type of the standard decoders can tell.
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// encode writes img as JPEG, or as PNG when the upload had transparency
// (which JPEG cannot hold). The encoders write pixels only: nothing of the
// upload's metadata exists in img to carry over.
func encode(img *image.RGBA, size Size, opaque bool) (Image, error) {
	var buf bytes.Buffer
	contentType := JPEG
	var err error
	if opaque {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	} else {
		contentType = PNG
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img)
	}
	if err != nil {
		// Encoding into memory fails only on a programming error.
		return Image{}, fmt.Errorf("encode %s photo: %w", size.Name, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return Image{
		Size: size.Name, Width: img.Rect.Dx(), Height: img.Rect.Dy(),
		ContentType: string(contentType), Data: buf.Bytes(),
		Hash: hex.EncodeToString(sum[:])[:hashHexLen],
	}, nil
}
