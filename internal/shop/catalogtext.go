package shop

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/unicode/norm"
)

// searchTerms returns the words of text as the catalog search compares
// them: split at anything not a letter or digit, lower-cased, accents
// removed ("Café" is "cafe") and reduced to their English stem by the
// Snowball (Porter2) stemmer, so "Kettles" and "kettle" are one term.
// Each term appears once, in the order of its first occurrence.
func searchTerms(text string) []string {
	return terms(text, false, nil)
}

// queryTerms are the terms a shopper's query must all match: its search
// terms without English stop words ("mug for tea" asks for mugs and tea),
// unless the query has nothing else.
func queryTerms(text string) []string {
	if content := terms(text, true, nil); len(content) > 0 {
		return content
	}
	return terms(text, false, nil)
}

// stemCache remembers the stem of each word a catalog holds: a catalog of
// 100,000 products has millions of words but few thousand distinct ones,
// and stemming is most of the cost of indexing them.
type stemCache map[string]string

func (c stemCache) stem(word string) string {
	if term, ok := c[word]; ok {
		return term
	}
	term := english.Stem(word, true)
	c[word] = term
	return term
}

func terms(text string, withoutStopWords bool, cache stemCache) []string {
	var found []string
	for _, word := range strings.FieldsFunc(foldText(text), isWordSeparator) {
		if withoutStopWords && english.IsStopWord(word) {
			continue
		}
		var term string
		if cache != nil {
			term = cache.stem(word)
		} else {
			term = english.Stem(word, true)
		}
		if term != "" && !slices.Contains(found, term) {
			found = append(found, term)
		}
	}
	return found
}

// foldText lower-cases text and removes its accents: decomposed (NFD),
// combining marks dropped.
func foldText(text string) string {
	if isASCII(text) {
		return strings.ToLower(text)
	}
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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
