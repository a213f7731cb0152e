package imaging

import (
	"encoding/binary"
	"image"
)

// Cameras and phones store pixels as the sensor saw them and say in the
// EXIF Orientation tag (1 to 8) how to turn them upright. Process drops
// every tag, so it applies the orientation to the pixels instead; otherwise
// a phone's portrait photo would show on its side.

// jpegOrientation returns the EXIF Orientation of a JPEG, or 1 (upright)
// when it has none or it cannot be read: a damaged tag costs the rotation,
// never the upload.
func jpegOrientation(data []byte) int {
	// Markers after SOI (FF D8): FF xx, then a big-endian length that
	// counts itself. EXIF is an APP1 (FF E1) segment before the scan.
	for i := 2; i+4 <= len(data) && data[i] == 0xff; {
		marker := data[i+1]
		length := int(binary.BigEndian.Uint16(data[i+2:]))
		if marker == 0xda || marker == 0xd9 || length < 2 || i+2+length > len(data) {
			return 1 // start of scan, end of image, or damaged
		}
		segment := data[i+4 : i+2+length]
		if marker == 0xe1 && len(segment) > 6 && string(segment[:6]) == "Exif\x00\x00" {
			return tiffOrientation(segment[6:])
		}
		i += 2 + length
	}
	return 1
}

// tiffOrientation reads tag 0x0112 of the first IFD of a TIFF structure.
func tiffOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > len(tiff) {
		return 1
	}
	entries := int(order.Uint16(tiff[ifd:]))
	for e := 0; e < entries; e++ {
		at := ifd + 2 + 12*e
		if at+12 > len(tiff) {
			return 1
		}
		// An entry is tag, type, count (uint32), value; SHORT (type 3)
		// values sit in the first two bytes of the value field.
		if order.Uint16(tiff[at:]) == 0x0112 && order.Uint16(tiff[at+2:]) == 3 {
			if o := int(order.Uint16(tiff[at+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}

// swapsSides reports whether orientation o turns the image by a quarter,
// so its width becomes its height.
func swapsSides(o int) bool { return o >= 5 && o <= 8 }

// orient returns img turned upright for EXIF orientation o, as a new image
// (img itself when o is 1).
func orient(img *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return img
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	dw, dh := w, h
	if swapsSides(o) {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Where the stored pixel (x, y) lands upright.
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // upside down, mirrored
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // stored turned a quarter left: turn right
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // stored turned a quarter right: turn left
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dst.PixOffset(dx, dy):][:4], img.Pix[img.PixOffset(x, y):][:4])
		}
	}
	return dst
}
