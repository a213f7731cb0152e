package shop

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestValidateProductQuerySearchText: the search text is trimmed and made
// valid UTF-8 (each invalid sequence one U+FFFD), so pages and API show
// and search the same text; too long and control characters are refused
// each with its own message.
func TestValidateProductQuerySearchText(t *testing.T) {
	for in, want := range map[string]string{
		"  mug ":          "mug",
		"\xff":            "\uFFFD",
		"caf\xe9 au lait": "caf\uFFFD au lait",
		"Crème brûlée":    "Crème brûlée",
	} {
		q, err := ValidateProductQuery(ProductQuery{Text: in})
		if err != nil || q.Text != want || !utf8.ValidString(q.Text) {
			t.Errorf("ValidateProductQuery(text %q) = text %q, %v; want %q", in, q.Text, err, want)
		}
	}
	for _, tt := range []struct {
		text, want, notWant string
	}{
		{"a\x00b", "control", "at most"},
		{"lamp\tdesk", "control", "at most"},
		{"zero\u200bwidth", "invisible", "at most"},
		{strings.Repeat("x", MaxQueryLen+1), "at most 100 characters", "control"},
	} {
		_, err := ValidateProductQuery(ProductQuery{Text: tt.text})
		var verr *ValidationError
		if !errors.As(err, &verr) || !strings.Contains(verr.Fields["q"], tt.want) || strings.Contains(verr.Fields["q"], tt.notWant) {
			t.Errorf("ValidateProductQuery(text %.20q) = %v; want a q message saying %q", tt.text, err, tt.want)
		}
	}
}

// TestValidateProductQueryPageWithCursor: a cursor says where its page
// starts, so a page number after the first beside it is refused, naming
// page, rather than answered with a number that is not the page's.
func TestValidateProductQueryPageWithCursor(t *testing.T) {
	cursor := cursorAfter(ProductQuery{Sort: SortName}, &Product{ID: "mug", Name: "Mug"}, 0)
	q, err := ValidateProductQuery(ProductQuery{Cursor: cursor})
	if err != nil || q.Page != 1 {
		t.Errorf("ValidateProductQuery(cursor) = page %d, %v; want page 1, nil", q.Page, err)
	}
	if q, err := ValidateProductQuery(ProductQuery{Cursor: cursor, Page: 1}); err != nil || q.Page != 1 {
		t.Errorf("ValidateProductQuery(cursor, page 1) = page %d, %v; want page 1 taken, nil (a client may keep it)", q.Page, err)
	}
	for _, page := range []int{5, 2} {
		_, err := ValidateProductQuery(ProductQuery{Cursor: cursor, Page: page})
		var verr *ValidationError
		if !errors.As(err, &verr) || len(verr.Fields) != 1 || !strings.Contains(verr.Fields["page"], "not both") {
			t.Errorf("ValidateProductQuery(cursor, page %d) = %v; want page refused beside the cursor", page, err)
		}
	}
}
