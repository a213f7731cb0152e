package shop

import (
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/unicode/norm"
)

// searchTerms returns the words of text as the catalog search compares
// them: split at anything not a letter or digit, lower-cased, accents
// removed ("Café" is "cafe") and reduced to their English stem by the
// Snowball (Porter2) stemmer, so "Kettles" and "kettle" are one term.
// Each term appears once, in the order of its first occurrence.
func searchTerms(text string) []string {
	return terms(text, false)
}

// queryTerms are the terms a shopper's query must all match: its search
// terms without English stop words ("mug for tea" asks for mugs and tea),
// unless the query has nothing else.
func queryTerms(text string) []string {
	if content := terms(text, true); len(content) > 0 {
		return content
	}
	return terms(text, false)
}

func terms(text string, withoutStopWords bool) []string {
	var found []string
	seen := map[string]bool{}
	for _, word := range strings.FieldsFunc(foldText(text), isWordSeparator) {
		if withoutStopWords && english.IsStopWord(word) {
			continue
		}
		term := english.Stem(word, true)
		if term != "" && !seen[term] {
			seen[term] = true
			found = append(found, term)
		}
	}
	return found
}

// foldText lower-cases text and removes its accents: decomposed (NFD),
// combining marks dropped.
func foldText(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range norm.NFD.String(text) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func isWordSeparator(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
