package shop

import (
	"fmt"
	"strings"
	"time"
)

// ParseCount parses a whole number written the plain way: ASCII digits only,
// no sign, no spaces, no leading zeros, no decimal point or exponent, at most
// max. It refuses "-1", "1.5", "1e3", " 1", "０１" (full-width) and "١"
// (Arabic-Indic) alike, so one rule holds for every quantity, page number
// and count that arrives as text. ok is false for anything else.
func ParseCount(s string, max int) (n int, ok bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if n > max {
		return 0, false
	}
	return n, true
}

// ParseQuantity parses a cart quantity from a form: 1 to 99, or 0 as well
// when allowZero (setting a line's quantity to 0 removes it). A bad value is
// a *ValidationError with key quantity, whose message names the range the
// form takes.
func ParseQuantity(s string, allowZero bool) (int, error) {
	n, ok := ParseCount(s, MaxLineQuantity)
	switch {
	case !ok && allowZero:
		return 0, &ValidationError{Fields: map[string]string{"quantity": quantityOrZeroMessage}}
	case !ok || n == 0 && !allowZero:
		return 0, &ValidationError{Fields: map[string]string{"quantity": quantityMessage}}
	}
	return n, nil
}

// quantityOrZeroMessage is quantityMessage for a form where 0 is allowed.
var quantityOrZeroMessage = fmt.Sprintf("Quantity must be a whole number from 0 to %d; 0 removes the product.", MaxLineQuantity)

// ParsePage parses a page number (1 to MaxPage); "" means 1. A bad value is a
// *ValidationError with key page. It reads the text as BrowseCatalog reads
// its page parameter (countParam).
func ParsePage(s string) (int, error) {
	switch n := countParam(s, MaxPage); n {
	case 0:
		return 1, nil
	case -1:
		return 0, &ValidationError{Fields: map[string]string{"page": pageMessage}}
	default:
		return n, nil
	}
}

// IsLocalPath reports whether next is safe to redirect to after sign-in: a
// path on this site ("/checkout"), never another origin ("//evil.example",
// "/\evil.example", "https://evil.example") nor control characters.
func IsLocalPath(next string) bool {
	if len(next) == 0 || len(next) > 2000 || next[0] != '/' {
		return false
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return false
	}
	for i := 0; i < len(next); i++ {
		if next[i] < 0x20 || next[i] == 0x7f || next[i] == '\\' {
			return false
		}
	}
	return true
}

// timeCursor is the text of a keyset cursor after an item listed by time
// and id (the audit log, the staff's orders): the page after one ending
// with the item starts after it.
func timeCursor(at time.Time, id string) string {
	return at.UTC().Format(time.RFC3339Nano) + "~" + id
}

// parseTimeCursor reads a timeCursor; ok false for text that is none.
func parseTimeCursor(text string) (at time.Time, id string, ok bool) {
	atText, id, found := strings.Cut(text, "~")
	t, err := time.Parse(time.RFC3339Nano, atText)
	return t.UTC(), id, found && err == nil && id != ""
}
