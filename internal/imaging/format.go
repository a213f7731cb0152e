package imaging

import (
	"bytes"
	"fmt"
	"mime"
	"path"
	"strings"
)

// Format is an accepted upload format, named by its media type.
type Format string

// The accepted formats.
const (
	JPEG Format = "image/jpeg"
	PNG  Format = "image/png"
	WebP Format = "image/webp"
)

// label names f for people.
func (f Format) label() string {
	switch f {
	case JPEG:
		return "JPEG"
	case PNG:
		return "PNG"
	case WebP:
		return "WebP"
	}
	return string(f)
}

// mediaTypes and extensions map what uploaders declare to a Format,
// including the aliases browsers and cameras still use.
var (
	mediaTypes = map[string]Format{
		"image/jpeg": JPEG, "image/jpg": JPEG, "image/pjpeg": JPEG,
		"image/png": PNG, "image/x-png": PNG,
		"image/webp": WebP,
	}
	extensions = map[string]Format{
		".jpg": JPEG, ".jpeg": JPEG, ".jpe": JPEG, ".jfif": JPEG,
		".png":  PNG,
		".webp": WebP,
	}
)

const unsupportedMessage = "Upload a photo in JPEG, PNG or WebP format."

// declaredFormat reads declared (a media type, a file name or an extension)
// as a Format; "" when nothing was declared. A declared type that is none
// of the accepted ones is ErrUnsupportedType.
func declaredFormat(declared string) (Format, error) {
	declared = strings.ToLower(strings.TrimSpace(declared))
	if declared == "" || strings.HasPrefix(declared, "application/octet-stream") {
		return "", nil
	}
	if strings.Contains(declared, "/") {
		if mediaType, _, err := mime.ParseMediaType(declared); err == nil {
			if f, ok := mediaTypes[mediaType]; ok {
				return f, nil
			}
			return "", refuse(ErrUnsupportedType, unsupportedMessage, fmt.Errorf("declared %q", mediaType))
		}
	}
	ext := path.Ext(declared)
	if ext == "" {
		ext = "." + declared // a bare extension: "jpg"
	}
	if f, ok := extensions[ext]; ok {
		return f, nil
	}
	return "", refuse(ErrUnsupportedType, unsupportedMessage, fmt.Errorf("declared extension %q", ext))
}

// otherImageMagic are the starts of image files the shop does not accept,
// so their uploaders hear "unsupported" rather than "not an image".
var otherImageMagic = [][]byte{
	[]byte("GIF87a"), []byte("GIF89a"),
	[]byte("BM"),                         // BMP
	[]byte("II*\x00"), []byte("MM\x00*"), // TIFF
	[]byte("\x00\x00\x00\x0cjP  "), // JPEG 2000
	[]byte("<svg"), []byte("<?xml"),
	[]byte("%PDF-"),
}

// sniff tells the format from the file's first bytes, never from what was
// declared. HEIC and AVIF start with an ISO box ("....ftyp") and are
// unsupported too.
func sniff(data []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return JPEG, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WebP, nil
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		return "", refuse(ErrUnsupportedType, unsupportedMessage, fmt.Errorf("ISO media file %q", data[8:12]))
	}
	for _, magic := range otherImageMagic {
		if bytes.HasPrefix(data, magic) {
			return "", refuse(ErrUnsupportedType, unsupportedMessage, nil)
		}
	}
	return "", refuse(ErrNotAnImage, "The file is not a photo: upload a JPEG, PNG or WebP image.", nil)
}
