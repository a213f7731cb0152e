package shop

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// searchTerms returns the words of text as the catalog search compares
// them: split at anything not a letter or digit, lower-cased, accents
// removed ("Café" is "cafe") and reduced to their English stem by the
// Snowball (Porter2) stemmer, so "Kettles" and "kettle" are one term
// ("knives" and "knife" too: stem).
// Each term appears once, in the order of its first occurrence.
func searchTerms(text string) []string {
	return terms(text, false, nil)
}

// queryTerms are the terms a shopper's query must all match: its search
// terms without English function words ("mug for tea" asks for mugs and
// tea: queryStopWords), unless the query has nothing else.
func queryTerms(text string) []string {
	if content := terms(text, true, nil); len(content) > 0 {
		return content
	}
	return terms(text, false, nil)
}

// queryStopWords are the words a query does without: English function
// words that say nothing of a product. Snowball's English list has more,
// but words such as "down", "over", "can", "off", "no" and "all" name
// products ("down jacket", "over-ear headphones", "can opener") and must
// match like any other.
var queryStopWords = func() map[string]bool {
	words := map[string]bool{}
	for _, w := range strings.Fields(`a about am an and are as at be been being but by did do does doing for from
		had has have having he her here hers herself him himself his how i if in into is it its itself me my myself
		of on or our ours ourselves she so than that the their theirs them themselves then there these they this
		those to too was we were what when where which while who whom why will with would you your yours yourself
		yourselves`) {
		words[w] = true
	}
	return words
}()

// stemCache remembers the stem of each word a catalog holds: a catalog of
// 100,000 products has millions of words but few thousand distinct ones,
// and stemming is most of the cost of indexing them.
type stemCache map[string]string

func (c stemCache) stem(word string) string {
	if term, ok := c[word]; ok {
		return term
	}
	term := stem(word)
	c[word] = term
	return term
}

// stem is the search term of a folded word: its English stem (Snowball,
// Porter2), of the singular when the word is a plural the stemmer leaves
// apart from it (irregularPlurals).
func stem(word string) string {
	if singular, ok := irregularPlurals[word]; ok {
		word = singular
	}
	return english.Stem(word, true)
}

// irregularPlurals are plurals of things a shop sells that Porter2 does
// not bring to their singular's stem ("knives" stems to "knive", "knife"
// to "knife"; "mice" is not "mous"), each to its singular. Plurals whose
// stem is another word's ("lives" and "live") are left out.
var irregularPlurals = map[string]string{
	"knives": "knife", "shelves": "shelf", "halves": "half", "loaves": "loaf", "leaves": "leaf",
	"scarves": "scarf", "wolves": "wolf", "calves": "calf", "hooves": "hoof", "wives": "wife",
	"mice": "mouse", "geese": "goose", "teeth": "tooth", "feet": "foot", "cacti": "cactus",
	"men": "man", "women": "woman", "children": "child", "people": "person",
	// The possessives as typed without their apostrophe ("mens jacket").
	"mens": "man", "womens": "woman", "childrens": "child",
}

func terms(text string, withoutStopWords bool, cache stemCache) []string {
	var found []string
	for _, word := range strings.FieldsFunc(withoutPossessives(foldText(text)), isWordSeparator) {
		if !strings.ContainsFunc(word, isLetterOrDigit) {
			continue // marks alone (after an emoji): no word
		}
		if withoutStopWords && queryStopWords[word] {
			continue
		}
		var term string
		if cache != nil {
			term = cache.stem(word)
		} else {
			term = stem(word)
		}
		if term != "" && !slices.Contains(found, term) {
			found = append(found, term)
		}
	}
	return found
}

// apostrophes are the characters typed as one: the ASCII apostrophe, the
// right single quotation mark and the modifier letter apostrophe.
const apostrophes = "'\u2019\u02bc"

// withoutPossessives drops the possessive "'s" of every word of folded
// text ("men's jacket" is "men jacket"), which the split at the apostrophe
// would leave as a word "s" of its own that every query for it had to
// match. Other apostrophes stay separators ("o'neill" is "o" and "neill").
func withoutPossessives(text string) string {
	if !strings.ContainsAny(text, apostrophes) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if strings.ContainsRune(apostrophes, r) && isPossessiveAt(text, i, size) {
			i += size + len("s")
			continue
		}
		b.WriteString(text[i : i+size])
		i += size
	}
	return b.String()
}

// isPossessiveAt reports whether the apostrophe text[i:i+size] follows a
// letter or digit and is followed by an "s" that ends the word.
func isPossessiveAt(text string, i, size int) bool {
	before, _ := utf8.DecodeLastRuneInString(text[:i])
	after, ok := strings.CutPrefix(text[i+size:], "s")
	if i == 0 || !ok || !isLetterOrDigit(before) {
		return false
	}
	next, _ := utf8.DecodeRuneInString(after)
	return after == "" || isWordSeparator(next)
}

// foldText makes text comparable as a shopper types it: case-folded
// ("Straße" is "strasse", a final sigma is sigma), compatibility forms
// made plain (ligatures, full-width letters: NFKD), the accents of Latin,
// Greek and Cyrillic letters and the optional vowel marks of Arabic and
// Hebrew removed, and the letters without a decomposition spelt in plain
// Latin (ø, æ, ł, ı: foldedLetters); the marks of other scripts, which
// make their letters what they are (Devanagari vowel signs, kana
// voicing), kept. Zero-width joiners, the Arabic tatweel and emoji
// variation selectors go, so Persian typed with or without joiners is one
// word.
func foldText(text string) string {
	if isASCII(text) {
		return strings.ToLower(text)
	}
	var b strings.Builder
	b.Grow(len(text))
	accentable := false // whether the last letter was Latin, Greek or Cyrillic
	for _, r := range norm.NFKD.String(cases.Fold().String(text)) {
		switch {
		case r == '\u200c' || r == '\u200d' || r == '\u0640' || unicode.Is(unicode.Variation_Selector, r):
		case unicode.Is(unicode.Mn, r):
			if !accentable {
				b.WriteRune(r)
			}
		default:
			accentable = unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Arabic, unicode.Hebrew)
			if plain, ok := foldedLetters[r]; ok {
				b.WriteString(plain)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return b.String()
}

// foldedLetters spell in plain Latin the letters that have no
// decomposition to one, as shoppers type them on a keyboard without them.
var foldedLetters = map[rune]string{
	'ø': "o", 'æ': "ae", 'œ': "oe", 'ł': "l", 'ı': "i", 'đ': "d", 'ð': "d", 'þ': "th", 'ħ': "h", 'ŧ': "t",
}

// compareNames orders names as a shopper reads a list: letter case and
// accents aside ("apple" before "Zebra", "Éclair" among the e's), then as
// written, so that the order is total.
func compareNames(a, b string) int { return compareNameKeys(a, nameKey(a), b, nameKey(b)) }

// nameKey is what compareNames compares of a name besides the name
// itself: its folded form (foldText), or "" for an ASCII name, which is
// compared as it is, letter case aside. The catalog keeps each product's,
// so that sorting folds each name once, not at every comparison.
func nameKey(name string) string {
	if isASCII(name) {
		return ""
	}
	return foldText(name)
}

// compareNameKeys is compareNames of a and b given their nameKeys.
func compareNameKeys(a, keyA, b, keyB string) int {
	if keyA == "" && keyB == "" {
		for i := 0; i < len(a) && i < len(b); i++ {
			if c := cmp.Compare(lowerASCII(a[i]), lowerASCII(b[i])); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(len(a), len(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	}
	if keyA == "" {
		keyA = strings.ToLower(a)
	}
	if keyB == "" {
		keyB = strings.ToLower(b)
	}
	return cmp.Or(strings.Compare(keyA, keyB), strings.Compare(a, b))
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// isWordSeparator reports whether r ends a word: anything but a letter, a
// digit or a mark (a vowel sign of an Indic script is part of its word).
func isWordSeparator(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
