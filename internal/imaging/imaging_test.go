package imaging

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"testing"
)

// gradient is an opaque w×h image whose pixels all differ a little, so
// encoders cannot shrink it to nothing.
func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	return img
}

// halfTransparent is a w×h image whose left half is fully transparent.
func halfTransparent(w, h int) *image.NRGBA {
	img := gradient(w, h)
	for y := range h {
		for x := range w / 2 {
			img.SetNRGBA(x, y, color.NRGBA{})
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatalf("png.Encode: %v", err)
	}
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatalf("jpeg.Encode: %v", err)
	}
	return buf.Bytes()
}

// readTestdata reads a file of testdata/. Go has no WebP encoder, so the
// WebP files were made once with libwebp's cwebp (1.2.4): opaque-lossy.webp
// is a 64×48 opaque gradient (cwebp -q 80), alpha-lossless.webp a 32×32
// image whose left half is transparent (cwebp -lossless).
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkImage decodes im and checks that it is what its fields say.
func checkImage(t *testing.T, im Image, size Size, wantType Format, wantW, wantH int) {
	t.Helper()
	if im.Size != size.Name || im.ContentType != string(wantType) || im.Width != wantW || im.Height != wantH {
		t.Errorf("%s photo = {Size %q, %s, %d×%d}; want {Size %q, %s, %d×%d}",
			size.Name, im.Size, im.ContentType, im.Width, im.Height, size.Name, wantType, wantW, wantH)
	}
	if im.Width > size.Width || im.Height > size.Height {
		t.Errorf("%s photo is %d×%d, outside its %d×%d box", size.Name, im.Width, im.Height, size.Width, size.Height)
	}
	decoded, format, err := image.Decode(bytes.NewReader(im.Data))
	if err != nil {
		t.Fatalf("%s photo does not decode: %v", size.Name, err)
	}
	if "image/"+format != im.ContentType {
		t.Errorf("%s photo is encoded as %s; ContentType says %s", size.Name, format, im.ContentType)
	}
	if b := decoded.Bounds(); b.Dx() != im.Width || b.Dy() != im.Height {
		t.Errorf("%s photo decodes to %d×%d; fields say %d×%d", size.Name, b.Dx(), b.Dy(), im.Width, im.Height)
	}
	sum := sha256.Sum256(im.Data)
	if want := hex.EncodeToString(sum[:])[:hashHexLen]; im.Hash != want {
		t.Errorf("%s photo Hash = %q; want the SHA-256 prefix %q", size.Name, im.Hash, want)
	}
	ext := ".jpg"
	if wantType == PNG {
		ext = ".png"
	}
	if got := im.FileName(); got != im.Hash+ext {
		t.Errorf("FileName() = %q; want %q", got, im.Hash+ext)
	}
}

func TestProcessFitsEachSize(t *testing.T) {
	tests := []struct {
		name         string
		data         []byte
		declared     string
		wantType     Format
		pageW, pageH int
		cardW, cardH int
	}{
		{"wide PNG", encodePNG(t, gradient(3000, 1500)), "image/png", JPEG, 1200, 600, 600, 300},
		{"tall JPEG", encodeJPEG(t, gradient(1000, 4000)), "image/jpeg", JPEG, 225, 900, 113, 450},
		{"4:3 JPEG", encodeJPEG(t, gradient(2400, 1800)), "photo.JPG", JPEG, 1200, 900, 600, 450},
		{"small JPEG is not scaled up", encodeJPEG(t, gradient(500, 300)), "", JPEG, 500, 300, 500, 300},
		{"between the sizes", encodePNG(t, gradient(800, 600)), "png", JPEG, 800, 600, 600, 450},
		{"extreme strip keeps a pixel", encodePNG(t, gradient(4000, 2)), "image/png", JPEG, 1200, 1, 600, 1},
		{"transparent PNG stays PNG", encodePNG(t, halfTransparent(1600, 1200)), "image/png", PNG, 1200, 900, 600, 450},
		{"lossy WebP", readTestdata(t, "opaque-lossy.webp"), "image/webp", JPEG, 64, 48, 64, 48},
		{"lossless WebP with alpha", readTestdata(t, "alpha-lossless.webp"), "image.webp", PNG, 32, 32, 32, 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			photos, err := Process(tt.data, tt.declared)
			if err != nil {
				t.Fatalf("Process(%s, %q) = %v; want photos", tt.name, tt.declared, err)
			}
			checkImage(t, photos.Page, Page, tt.wantType, tt.pageW, tt.pageH)
			checkImage(t, photos.Card, Card, tt.wantType, tt.cardW, tt.cardH)
			if all := photos.All(); len(all) != 2 || all[0].Size != Card.Name || all[1].Size != Page.Name {
				t.Errorf("All() sizes = %v; want card then page", all)
			}
		})
	}
}

func TestProcessKeepsTransparencyAndColor(t *testing.T) {
	photos, err := Process(encodePNG(t, halfTransparent(40, 20)), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(photos.Card.Data))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, a := img.At(5, 10).RGBA(); a != 0 {
		t.Errorf("left half alpha = %d; want 0 (transparent)", a)
	}
	if _, _, _, a := img.At(35, 10).RGBA(); a != 0xffff {
		t.Errorf("right half alpha = %d; want opaque", a)
	}
}

func TestProcessIsDeterministic(t *testing.T) {
	data := encodeJPEG(t, gradient(1300, 1000))
	first, err := Process(data, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	second, err := Process(data, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if first.Page.Hash != second.Page.Hash || !bytes.Equal(first.Card.Data, second.Card.Data) {
		t.Errorf("two runs on one upload gave different photos: %s vs %s", first.Page.Hash, second.Page.Hash)
	}
	if first.Card.Hash == first.Page.Hash {
		t.Errorf("card and page photos share hash %s", first.Card.Hash)
	}
}

func TestProcessDeclaredType(t *testing.T) {
	pngData := encodePNG(t, gradient(20, 20))
	jpegData := encodeJPEG(t, gradient(20, 20))
	webpData := readTestdata(t, "opaque-lossy.webp")
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, gradient(20, 20), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		data     []byte
		declared string
		want     error // nil: accepted
	}{
		{"PNG as image/png", pngData, "image/png", nil},
		{"PNG with parameters", pngData, "Image/PNG; name=x.png", nil},
		{"PNG as image/x-png", pngData, "image/x-png", nil},
		{"PNG by file name", pngData, "Shelf Photo.png", nil},
		{"PNG undeclared", pngData, "", nil},
		{"PNG as octet-stream", pngData, "application/octet-stream", nil},
		{"JPEG as image/jpg", jpegData, "image/jpg", nil},
		{"JPEG by .jpeg", jpegData, "lamp.jpeg", nil},
		{"WebP by extension", webpData, "webp", nil},
		{"PNG declared as image/jpeg", pngData, "image/jpeg", ErrTypeMismatch},
		{"PNG named .jpg", pngData, "photo.jpg", ErrTypeMismatch},
		{"JPEG declared as image/png", jpegData, "image/png", ErrTypeMismatch},
		{"WebP declared as image/jpeg", webpData, "image/jpeg", ErrTypeMismatch},
		{"JPEG declared as image/webp", jpegData, "image/webp", ErrTypeMismatch},
		{"declared GIF", pngData, "image/gif", ErrUnsupportedType},
		{"declared SVG", pngData, "image/svg+xml", ErrUnsupportedType},
		{"HEIC by name", jpegData, "IMG_0001.HEIC", ErrUnsupportedType},
		{"GIF bytes undeclared", gifBuf.Bytes(), "", ErrUnsupportedType},
		{"GIF bytes named .png", gifBuf.Bytes(), "a.png", ErrUnsupportedType},
		{"SVG bytes", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "", ErrUnsupportedType},
		{"HEIC bytes", append([]byte("\x00\x00\x00\x18ftypheic"), make([]byte, 20)...), "", ErrUnsupportedType},
		{"text named .png", []byte("just some words"), "notes.png", ErrNotAnImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(tt.data, tt.declared)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Process(%q) = %v; want photos", tt.declared, err)
				}
				return
			}
			checkRefusal(t, err, tt.want)
		})
	}
}

// checkRefusal checks that err is an *Error of kind want with a message
// for people.
func checkRefusal(t *testing.T, err, want error) {
	t.Helper()
	var ierr *Error
	if !errors.As(err, &ierr) || !errors.Is(err, want) {
		t.Fatalf("Process = %v; want an *Error of kind %v", err, want)
	}
	if ierr.Kind != want || ierr.Message == "" {
		t.Errorf("Error{Kind: %v, Message: %q}; want Kind %v and a message", ierr.Kind, ierr.Message, want)
	}
}

func TestProcessRefusesDamagedFiles(t *testing.T) {
	pngData := encodePNG(t, gradient(300, 200))
	jpegData := encodeJPEG(t, gradient(300, 200))
	webpData := readTestdata(t, "opaque-lossy.webp")
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"PNG signature only", pngData[:8]},
		{"truncated PNG", pngData[:len(pngData)/2]},
		{"PNG with a corrupt byte in its data", corruptAt(pngData, len(pngData)/2)},
		{"JPEG markers only", jpegData[:3]},
		{"truncated JPEG", jpegData[:len(jpegData)/2]},
		{"truncated WebP", webpData[:len(webpData)-40]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(tt.data, "")
			checkRefusal(t, err, ErrNotAnImage)
		})
	}
}

func corruptAt(data []byte, i int) []byte {
	out := bytes.Clone(data)
	out[i] ^= 0xff
	return out
}

func TestProcessRefusesTooLargeFirst(t *testing.T) {
	// Over the limit by one byte, and not an image: the size is refused
	// before anything reads the content.
	_, err := Process(make([]byte, MaxUploadBytes+1), "image/png")
	checkRefusal(t, err, ErrTooLarge)

	// At the limit exactly, the content is judged.
	data := encodePNG(t, gradient(10, 10))
	padded := append(bytes.Clone(data), make([]byte, MaxUploadBytes-len(data))...)
	if _, err := Process(padded, "image/png"); err != nil {
		t.Errorf("Process(PNG padded to MaxUploadBytes) = %v; want photos", err)
	}
}

// pngChunk returns a PNG chunk with its CRC.
func pngChunk(kind string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	out = append(out, kind...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(kind), body...)))
}

// pngHeaderOnly is a PNG that claims w×h RGBA pixels and holds none.
func pngHeaderOnly(w, h uint32) []byte { return pngHeaderOfDepth(w, h, 8) }

// pngHeaderOfDepth is a PNG of RGBA pixels, depth bits a channel (8 or
// 16), claiming w×h, without pixel data.
func pngHeaderOfDepth(w, h uint32, depth byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, 6, 0, 0, 0) // RGBA, no interlace
	out := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	return append(out, pngChunk("IEND", nil)...)
}

// jpegHeaderOnly is a baseline JPEG claiming w×h, without tables or data.
func jpegHeaderOnly(w, h uint16) []byte {
	sof := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 17, 8}
	sof = binary.BigEndian.AppendUint16(sof, h)
	sof = binary.BigEndian.AppendUint16(sof, w)
	sof = append(sof, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0)
	// The start of scan, where a decoder starts allocating the pixels.
	return append(sof, 0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0)
}

// webpHeaderOnly is a lossless WebP header claiming w×h (at most 16384).
func webpHeaderOnly(w, h uint32) []byte {
	bits := (w - 1) | (h-1)<<14
	body := binary.LittleEndian.AppendUint32([]byte{0x2f}, bits)
	out := binary.LittleEndian.AppendUint32([]byte("VP8L"), uint32(len(body)))
	out = append(out, body...)
	riff := binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(4+len(out)))
	return append(append(riff, "WEBP"...), out...)
}

func TestProcessRefusesDecompressionBombs(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"PNG 10000×10000", pngHeaderOnly(10000, 10000)},
		{"PNG 8001×5000, just over", pngHeaderOnly(8001, 5000)},
		{"PNG 100000×100000", pngHeaderOnly(100000, 100000)},
		{"JPEG 65535×65535", jpegHeaderOnly(65535, 65535)},
		{"WebP 16384×16384", webpHeaderOnly(16384, 16384)},
		// 8 bytes a pixel: 35 megapixels would take 280 MB.
		{"16-bit PNG 7000×5000", pngHeaderOfDepth(7000, 5000, 16)},
		{"16-bit PNG 5000×4001, just over", pngHeaderOfDepth(5000, 4001, 16)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Process(tt.data, "")
			runtime.ReadMemStats(&after)
			checkRefusal(t, err, ErrTooManyPixels)
			if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 1<<20 {
				t.Errorf("refusing the bomb allocated %d bytes; want under 1 MiB (nothing decoded)", allocated)
			}
		})
	}

	// 40 megapixels exactly is allowed: the header passes, and the missing
	// pixel data is what gets it refused.
	_, err := Process(pngHeaderOnly(8000, 5000), "")
	checkRefusal(t, err, ErrNotAnImage)
	// So are 20 megapixels of 16 bits a channel (160 MB decoded).
	_, err = Process(pngHeaderOfDepth(5000, 4000, 16), "")
	checkRefusal(t, err, ErrNotAnImage)
}

// withSegment inserts a JPEG marker segment right after the SOI marker.
func withSegment(jpegData []byte, marker byte, body []byte) []byte {
	seg := []byte{0xff, marker}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(body)+2))
	seg = append(seg, body...)
	out := append([]byte{}, jpegData[:2]...)
	out = append(out, seg...)
	return append(out, jpegData[2:]...)
}

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifBody is an APP1 EXIF body with IFD0 holding Orientation and an
// ImageDescription that stands for the private data a camera writes.
func exifBody(order byteOrder, orientation uint16, secret string) []byte {
	tiff := []byte("II*\x00")
	if order.String() == binary.BigEndian.String() {
		tiff = []byte("MM\x00*")
	}
	tiff = order.AppendUint32(tiff, 8)
	tiff = order.AppendUint16(tiff, 2) // two entries
	tiff = order.AppendUint16(tiff, 0x0112)
	tiff = order.AppendUint16(tiff, 3)
	tiff = order.AppendUint32(tiff, 1)
	tiff = order.AppendUint16(tiff, orientation)
	tiff = append(tiff, 0, 0)
	descOffset := uint32(8 + 2 + 2*12 + 4)
	tiff = order.AppendUint16(tiff, 0x010e) // ImageDescription, ASCII
	tiff = order.AppendUint16(tiff, 2)
	tiff = order.AppendUint32(tiff, uint32(len(secret)+1))
	tiff = order.AppendUint32(tiff, descOffset)
	tiff = order.AppendUint32(tiff, 0) // no next IFD
	tiff = append(tiff, secret...)
	tiff = append(tiff, 0)
	return append([]byte("Exif\x00\x00"), tiff...)
}

// jpegSegments lists the markers of the segments before the scan.
func jpegSegments(t *testing.T, data []byte) []byte {
	t.Helper()
	var markers []byte
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			t.Fatalf("no marker at offset %d", i)
		}
		markers = append(markers, data[i+1])
		if data[i+1] == 0xda {
			return markers
		}
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
	t.Fatal("no start of scan")
	return nil
}

func TestProcessDropsMetadata(t *testing.T) {
	const secret = "GPS 48.8584N 2.2945E, owner Ada"
	source := withSegment(encodeJPEG(t, gradient(700, 500)), 0xe1, exifBody(binary.LittleEndian, 1, secret))
	source = withSegment(source, 0xfe, []byte("comment: "+secret))
	if got := jpegSegments(t, source); !bytes.Contains(got, []byte{0xe1}) {
		t.Fatalf("test source has segments %x; want an APP1", got)
	}
	photos, err := Process(source, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range photos.All() {
		for _, marker := range jpegSegments(t, im.Data) {
			if marker >= 0xe1 && marker <= 0xef || marker == 0xfe {
				t.Errorf("%s photo has segment FF%X (APPn or comment); want none", im.Size, marker)
			}
		}
		if bytes.Contains(im.Data, []byte("Exif")) || bytes.Contains(im.Data, []byte(secret)) {
			t.Errorf("%s photo carries the upload's metadata", im.Size)
		}
	}

	// A PNG's text chunks are not carried into a PNG photo either.
	withText := encodePNG(t, halfTransparent(50, 50))
	iend := len(withText) - 12
	withText = append(append(bytes.Clone(withText[:iend]), pngChunk("tEXt", []byte("Author\x00"+secret))...), withText[iend:]...)
	photos, err = Process(withText, "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(photos.Page.Data, []byte(secret)) || bytes.Contains(photos.Page.Data, []byte("tEXt")) {
		t.Error("PNG photo carries the upload's text chunk")
	}
}

func TestProcessTurnsPhotosUpright(t *testing.T) {
	// Stored 80×40: red left half, blue right half. Orientation 6 says the
	// camera was turned a quarter: upright it is 40×80, red on top.
	stored := image.NewNRGBA(image.Rect(0, 0, 80, 40))
	for y := range 40 {
		for x := range 80 {
			c := color.NRGBA{220, 0, 0, 255}
			if x >= 40 {
				c = color.NRGBA{0, 0, 220, 255}
			}
			stored.SetNRGBA(x, y, c)
		}
	}
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		data := withSegment(encodeJPEG(t, stored), 0xe1, exifBody(order, 6, "x"))
		photos, err := Process(data, "image/jpeg")
		if err != nil {
			t.Fatal(err)
		}
		if photos.Page.Width != 40 || photos.Page.Height != 80 {
			t.Fatalf("%v: upright photo is %d×%d; want 40×80", order, photos.Page.Width, photos.Page.Height)
		}
		img, err := jpeg.Decode(bytes.NewReader(photos.Page.Data))
		if err != nil {
			t.Fatal(err)
		}
		if r, _, b, _ := img.At(20, 10).RGBA(); r < b {
			t.Errorf("%v: top of the upright photo is not red (r %d, b %d)", order, r, b)
		}
		if r, _, b, _ := img.At(20, 70).RGBA(); b < r {
			t.Errorf("%v: bottom of the upright photo is not blue (r %d, b %d)", order, r, b)
		}
	}

	// A large portrait photo stored sideways fits the page box upright.
	data := withSegment(encodeJPEG(t, gradient(2400, 1800)), 0xe1, exifBody(binary.BigEndian, 8, "x"))
	photos, err := Process(data, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if photos.Page.Width != 675 || photos.Page.Height != 900 || photos.Card.Width != 338 || photos.Card.Height != 450 {
		t.Errorf("sideways 2400×1800 gave page %d×%d, card %d×%d; want 675×900, 338×450",
			photos.Page.Width, photos.Page.Height, photos.Card.Width, photos.Card.Height)
	}
}

func TestJPEGOrientation(t *testing.T) {
	plain := encodeJPEG(t, gradient(8, 8))
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"no EXIF", plain, 1},
		{"little-endian 3", withSegment(plain, 0xe1, exifBody(binary.LittleEndian, 3, "")), 3},
		{"big-endian 8", withSegment(plain, 0xe1, exifBody(binary.BigEndian, 8, "")), 8},
		{"out of range 9", withSegment(plain, 0xe1, exifBody(binary.LittleEndian, 9, "")), 1},
		{"XMP APP1 is not EXIF", withSegment(plain, 0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<x/>")), 1},
		{"truncated TIFF", withSegment(plain, 0xe1, exifBody(binary.LittleEndian, 6, "")[:16]), 1},
		{"segment longer than the file", append([]byte{0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff}, "Exif"...), 1},
		{"only SOI", []byte{0xff, 0xd8}, 1},
	}
	for _, tt := range tests {
		if got := jpegOrientation(tt.data); got != tt.want {
			t.Errorf("jpegOrientation(%s) = %d; want %d", tt.name, got, tt.want)
		}
	}
}

func TestOrient(t *testing.T) {
	// A 3×2 image of pixels a..f, and each orientation's upright grid as
	// EXIF 2.3 (tag 0x0112) defines it by where row 0 and column 0 go.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i, v := range []byte("abcdef") {
		src.Pix[4*i] = v
	}
	want := map[int][]string{
		1: {"abc", "def"},
		2: {"cba", "fed"},
		3: {"fed", "cba"},
		4: {"def", "abc"},
		5: {"ad", "be", "cf"},
		6: {"da", "eb", "fc"},
		7: {"fc", "eb", "da"},
		8: {"cf", "be", "ad"},
	}
	for o := 1; o <= 8; o++ {
		img := orient(src, o)
		var rows []string
		for y := range img.Rect.Dy() {
			var row []byte
			for x := range img.Rect.Dx() {
				row = append(row, img.Pix[img.PixOffset(x, y)])
			}
			rows = append(rows, string(row))
		}
		if len(rows) != len(want[o]) || fmtRows(rows) != fmtRows(want[o]) {
			t.Errorf("orient(abc/def, %d) = %s; want %s", o, fmtRows(rows), fmtRows(want[o]))
		}
	}
}

func fmtRows(rows []string) string {
	var b bytes.Buffer
	for i, r := range rows {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(r)
	}
	return b.String()
}

// FuzzProcess checks that no upload panics the decoders or Process, and
// that whatever is accepted comes out as photos within their boxes.
func FuzzProcess(f *testing.F) {
	f.Add(encodePNG(f, halfTransparent(9, 7)), "image/png")
	f.Add(encodeJPEG(f, gradient(9, 7)), "image/jpeg")
	f.Add(withSegment(encodeJPEG(f, gradient(9, 7)), 0xe1, exifBody(binary.BigEndian, 6, "x")), "")
	f.Add(readTestdata(f, "opaque-lossy.webp"), "image/webp")
	f.Add(readTestdata(f, "alpha-lossless.webp"), "a.webp")
	f.Add(pngHeaderOnly(10000, 10000), "")
	f.Fuzz(func(t *testing.T, data []byte, declared string) {
		photos, err := Process(data, declared)
		var ierr *Error
		if err != nil {
			if !errors.As(err, &ierr) || ierr.Message == "" {
				t.Fatalf("Process = %v; want an *Error with a message", err)
			}
			return
		}
		for i, size := range []Size{Card, Page} {
			im := photos.All()[i]
			if im.Width < 1 || im.Height < 1 || im.Width > size.Width || im.Height > size.Height || len(im.Data) == 0 {
				t.Fatalf("%s photo is %d×%d with %d bytes; want within %d×%d", size.Name, im.Width, im.Height,
					len(im.Data), size.Width, size.Height)
			}
		}
	})
}

// BenchmarkProcess processes a 12-megapixel JPEG, a phone camera's photo.
func BenchmarkProcess(b *testing.B) {
	data := encodeJPEG(b, gradient(4000, 3000))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Process(data, "image/jpeg"); err != nil {
			b.Fatal(err)
		}
	}
}
