package shop

import (
	"bufio"
	_ "embed"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Input rules of the contract.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
	MaxEmailLen    = 254
	MaxNameLen     = 100
	MaxAddressLen  = 100
	MaxPostalLen   = 16
)

//go:embed commonpasswords.txt
var commonPasswordsText string

// commonPasswords is the set of refused common passwords, lower-cased.
var commonPasswords = func() map[string]bool {
	set := make(map[string]bool, 20000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = true
	}
	return set
}()

// IsCommonPassword reports whether password is on the common-password list,
// ignoring letter case.
func IsCommonPassword(password string) bool {
	return commonPasswords[strings.ToLower(password)]
}

// NormalizeEmail trims surrounding spaces and lower-cases an email, which is
// how emails are stored and compared (unique regardless of letter case).
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// emailProblem returns a message for people when email (normalized) is not
// an acceptable address, or "".
func emailProblem(email string) string {
	switch {
	case email == "":
		return "Enter your email address."
	case len(email) > MaxEmailLen:
		return "Email must be at most 254 characters."
	case hasControl(email) || strings.ContainsAny(email, " <>\"(),;:\\[]"):
		return "Enter a valid email address, like name@example.com."
	}
	addr, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	if err != nil || addr.Address != email || at < 1 ||
		!strings.Contains(email[at+1:], ".") || strings.HasSuffix(email, ".") {
		return "Enter a valid email address, like name@example.com."
	}
	return ""
}

// passwordProblem returns a message for people when password breaks the
// password policy, or "". Length counts Unicode characters; the password is
// never trimmed or truncated, and no composition rules apply (NIST 800-63B).
func (s *Service) passwordProblem(password, email string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return "Enter a password."
	case n < MinPasswordLen:
		return "Password must be at least 12 characters."
	case n > MaxPasswordLen:
		return "Password must be at most 128 characters."
	case !utf8.ValidString(password):
		return "Password contains characters that are not allowed."
	case IsCommonPassword(password):
		return "This password is too common and easy to guess. Choose another."
	case email != "" && (strings.EqualFold(password, email) || sameLetters(password, email)):
		return "Password must not be your email address."
	case sameLetters(password, s.cfg.ShopName):
		return "Password must not be the shop's name."
	}
	return ""
}

// sameLetters reports whether password spells word, ignoring letter case
// and everything but letters: "Storefront 2024!" spells "Storefront". A
// context word dressed up with digits, symbols or spaces is as easy to
// guess as the word itself (NIST 800-63B 5.1.1.2: context-specific words).
func sameLetters(password, word string) bool {
	letters := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) {
				return unicode.ToLower(r)
			}
			return -1
		}, s)
	}
	w := letters(word)
	return w != "" && letters(password) == w
}

// textProblem checks a free-text field of 1 (or 0 when optional) to max
// characters without control characters; label names the field for people.
func textProblem(value, label string, max int, optional bool) string {
	n := utf8.RuneCountInString(value)
	switch {
	case n == 0 && !optional:
		return "Enter " + label + "."
	case n > max:
		return capitalize(label) + " must be at most " + itoa(max) + " characters."
	case !utf8.ValidString(value) || hasControl(value):
		return capitalize(label) + " contains characters that are not allowed."
	}
	return ""
}

// cleanText trims surrounding white space of a name or address field.
func cleanText(s string) string { return strings.TrimSpace(s) }

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r) && r != '\u200d' {
			return true
		}
	}
	return false
}

// capitalize turns a field label into the start of a sentence:
// "your full name" -> "Full name", "the city" -> "The city".
func capitalize(s string) string {
	s = strings.TrimPrefix(s, "your ")
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// ValidateAddress cleans and checks a shipping address. Field keys are
// full_name, line1, line2, city, postal_code, country.
func ValidateAddress(a Address) (Address, error) {
	a = Address{
		FullName: cleanText(a.FullName), Line1: cleanText(a.Line1), Line2: cleanText(a.Line2),
		City: cleanText(a.City), PostalCode: strings.ToUpper(cleanText(a.PostalCode)),
		Country: strings.ToUpper(cleanText(a.Country)),
	}
	fe := fieldErrors{}
	if m := textProblem(a.FullName, "your full name", MaxNameLen, false); m != "" {
		fe.add("full_name", m)
	}
	if m := textProblem(a.Line1, "the street address", MaxAddressLen, false); m != "" {
		fe.add("line1", m)
	}
	if m := textProblem(a.Line2, "the second address line", MaxAddressLen, true); m != "" {
		fe.add("line2", m)
	}
	if m := textProblem(a.City, "the city", MaxAddressLen, false); m != "" {
		fe.add("city", m)
	}
	switch {
	case a.PostalCode == "":
		fe.add("postal_code", "Enter the postal code.")
	case len(a.PostalCode) > MaxPostalLen || !isPostalCode(a.PostalCode):
		fe.add("postal_code", "Enter a valid postal code: letters, digits, spaces and hyphens, at most 16.")
	}
	switch {
	case a.Country == "":
		fe.add("country", "Choose the country.")
	case CountryName(a.Country) == "":
		fe.add("country", "Choose a country from the list.")
	}
	return a, fe.err()
}

func isPostalCode(s string) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ' ' || r == '-') {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
