package imaging

import (
	"errors"
	"fmt"
)

// The kinds of refusal. Process returns an *Error whose Kind is one of
// these, so errors.Is(err, ErrTooLarge) holds; the web layer maps them all
// to 422 and shows Error.Message next to the file field.
var (
	// ErrTooLarge: the file is over MaxUploadBytes.
	ErrTooLarge = errors.New("image file too large")
	// ErrUnsupportedType: the declared type, or the format the bytes are
	// in, is none of JPEG, PNG and WebP (a GIF, an SVG, a PDF).
	ErrUnsupportedType = errors.New("unsupported image type")
	// ErrTypeMismatch: the bytes are in another supported format than the
	// one declared (a PNG sent as image/jpeg or named photo.jpg).
	ErrTypeMismatch = errors.New("image type does not match its content")
	// ErrTooManyPixels: the header claims more than MaxPixels (a
	// decompression bomb); nothing was decoded.
	ErrTooManyPixels = errors.New("image has too many pixels")
	// ErrNotAnImage: the bytes do not decode (empty, truncated, corrupt).
	ErrNotAnImage = errors.New("file is not a readable image")
)

// Error is a refused upload: Kind says why, for code; Message says it for
// people, naming the limit when there is one. It never holds the file's
// bytes or name, so it is safe to log.
type Error struct {
	Kind    error
	Message string
	cause   error // the decoder's error, for logs; nil when there is none
}

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%v: %v", e.Kind, e.cause)
	}
	return e.Kind.Error()
}

// Unwrap lets errors.Is match the Kind (and the decoder's error, if any).
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Kind, e.cause}
	}
	return []error{e.Kind}
}

func refuse(kind error, message string, cause error) *Error {
	return &Error{Kind: kind, Message: message, cause: cause}
}
