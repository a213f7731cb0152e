package shop

import (
	"bufio"
	_ "embed"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
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

// emailProfile is how an email is normalised: the PRECIS identifier class
// (RFC 8264: letters, digits and printable ASCII; no spaces, symbols or
// emoji), full-width forms folded to their usual width, lower case
// (RFC 8265's UsernameCaseMapped) and Unicode NFKC, so "ＡＤＡ@Example.com",
// "ada@example.com" and "ａｄａ@ｅｘａｍｐｌｅ.com" are one address. For ASCII
// it is plain lower-casing.
var emailProfile = precis.NewIdentifier(precis.FoldWidth, precis.LowerCase(), precis.Norm(norm.NFKC), precis.BidiRule)

// NormalizeEmail returns an email the way it is stored and compared
// (unique regardless of letter case, width and Unicode composition):
// surrounding spaces trimmed, then emailProfile. An email the profile
// refuses is only trimmed and lower-cased, for showing back; emailProblem
// refuses it.
func NormalizeEmail(email string) string {
	email = strings.TrimSpace(email)
	if len(email) > 4*MaxEmailLen {
		// Far over the limit whatever normalising would make of it: not
		// worth the work, and emailProblem refuses it by its length.
		return email
	}
	if normal, err := emailProfile.String(email); err == nil {
		return normal
	}
	return strings.ToLower(email)
}

// emailProblem returns a message for people when email (normalized) is not
// an acceptable address, or "".
func emailProblem(email string) string {
	switch {
	case email == "":
		return "Enter your email address."
	case len(email) > MaxEmailLen:
		return emailLenMessage
	case hasControl(email) || strings.ContainsAny(email, " <>\"(),;:\\[]"):
		return "Enter a valid email address, like name@example.com."
	}
	if normal, err := emailProfile.String(email); err != nil || normal != email {
		return "Enter a valid email address, like name@example.com: letters, digits and punctuation, no symbols or emoji."
	}
	addr, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	if err != nil || addr.Address != email || at < 1 ||
		!strings.Contains(email[at+1:], ".") || strings.HasSuffix(email, ".") {
		return "Enter a valid email address, like name@example.com."
	}
	if mixesScripts(email[:at]) || slices.ContainsFunc(strings.Split(email[at+1:], "."), mixesScripts) {
		return "This email address mixes letters of different alphabets (such as Latin and Cyrillic) " +
			"that look alike. Check it and type it with the letters of one alphabet."
	}
	return ""
}

// mixesScripts reports whether part of an email (the local part, or one
// label of the domain) mixes writing systems the way look-alike addresses
// do: "pаypal" with a Cyrillic "а". It follows the "highly restrictive"
// level of Unicode TS #39 (5.2): the letters of one script, or Latin with
// the scripts written together with it in Chinese, Japanese and Korean;
// digits and punctuation (scripts Common and Inherited) go with any.
func mixesScripts(part string) bool {
	scripts := map[string]bool{}
	for _, r := range part {
		if r < utf8.RuneSelf && !unicode.IsLetter(r) {
			continue
		}
		if name := scriptOf(r); name != "" && name != "Common" && name != "Inherited" {
			scripts[name] = true
		}
	}
	if len(scripts) <= 1 {
		return false
	}
	for _, allowed := range [][]string{
		{"Latin", "Han", "Hiragana", "Katakana"}, // Japanese
		{"Latin", "Han", "Bopomofo"},             // Chinese
		{"Latin", "Han", "Hangul"},               // Korean
	} {
		covered := 0
		for _, name := range allowed {
			if scripts[name] {
				covered++
			}
		}
		if covered == len(scripts) {
			return false
		}
	}
	return true
}

// scriptOf returns the Unicode script of r, or "" for an unassigned rune.
func scriptOf(r rune) string {
	if r < utf8.RuneSelf {
		if unicode.IsLetter(r) {
			return "Latin"
		}
		return "Common"
	}
	for name, table := range unicode.Scripts {
		if unicode.Is(table, r) {
			return name
		}
	}
	return ""
}

// passwordProblem returns a message for people when password breaks the
// password policy, or "". Length counts Unicode characters; the password is
// never trimmed or truncated, and no composition rules apply (NIST 800-63B).
// email and name are the account's (name may be empty): with the shop's
// name they are the context words a password must not be built from.
func (s *Service) passwordProblem(password, email string, name ...string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return "Enter a password."
	case n < MinPasswordLen:
		return passwordShort
	case n > MaxPasswordLen:
		return passwordLong
	case !utf8.ValidString(password):
		return "Password contains characters that are not allowed."
	case IsCommonPassword(password):
		return "This password is too common and easy to guess. Choose another."
	case email != "" && (strings.EqualFold(password, email) || sameLetters(password, email)):
		return "Password must not be your email address."
	case sameLetters(password, s.cfg.ShopName):
		return "Password must not be the shop's name."
	}
	return guessableProblem(password, contextWords(append([]string{email, s.cfg.ShopName}, name...)...))
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
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r) && r != '\u200d' && r != '\u200c' {
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
		fe.add("postal_code", postalCodeMessage)
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
