package shop

// Fuzz targets for the parsers and validators not covered in parse_test.go.
// `make test` runs their seed corpora; `make fuzz` runs each for longer.
// Each asserts that what is accepted obeys the documented rule, and that
// nothing panics.

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// countSeeds are the inputs every whole-number parser must get right.
var countSeeds = []string{"", "0", "1", "7", "99", "100", "10000", "10001", "-1", "+1", "1.5", "1e3", "1E0", " 1", "1 ",
	"01", "0x1", "１", "١", "۱", "true", "null", "99999999999999999999", "9223372036854775808", "1_0", "\x00", "1\x00"}

// isCanonical reports whether s is n written the plain way.
func isCanonical(s string, n int) bool { return itoa(n) == s }

func FuzzParseQuantity(f *testing.F) {
	for _, s := range countSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, allowZero bool) {
		n, err := ParseQuantity(s, allowZero)
		if err != nil {
			if verr, ok := err.(*ValidationError); !ok || verr.Fields["quantity"] == "" {
				t.Fatalf("ParseQuantity(%q) = %v; want a quantity message", s, err)
			}
			return
		}
		min := 1
		if allowZero {
			min = 0
		}
		if n < min || n > MaxLineQuantity || !isCanonical(s, n) {
			t.Fatalf("ParseQuantity(%q, %v) = %d; accepted a non-canonical or out-of-range quantity", s, allowZero, n)
		}
	})
}

func FuzzParsePage(f *testing.F) {
	for _, s := range countSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParsePage(s)
		if err != nil {
			if verr, ok := err.(*ValidationError); !ok || verr.Fields["page"] == "" {
				t.Fatalf("ParsePage(%q) = %v; want a page message", s, err)
			}
			return
		}
		if s == "" && n == 1 {
			return
		}
		if n < 1 || n > 10000 || !isCanonical(s, n) {
			t.Fatalf("ParsePage(%q) = %d; accepted a non-canonical or out-of-range page", s, n)
		}
	})
}

func FuzzIsCheckoutKey(f *testing.F) {
	for _, s := range []string{"", "1234567", "12345678", "key-0001", strings.Repeat("k", 128), strings.Repeat("k", 129),
		"key 0001", "key\t0001", "ключ-0001", "key-0001\x00", "key-0001\x7f", NewCheckoutKey()} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if !IsCheckoutKey(key) {
			return
		}
		if len(key) < 8 || len(key) > 128 {
			t.Fatalf("IsCheckoutKey accepted %d bytes", len(key))
		}
		for _, r := range key {
			if r <= ' ' || r > '~' {
				t.Fatalf("IsCheckoutKey accepted %q with %U", key, r)
			}
		}
	})
}

func FuzzIsID(f *testing.F) {
	for _, s := range []string{"", "kettle", "notebook-01", "A_b-9", strings.Repeat("x", 64), strings.Repeat("x", 65), "a b", "a/b", "..",
		"%2e", "é", "a\x00", "a\n", newID("o")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !IsID(s) {
			return
		}
		// URL-safe: a path segment as it is, and safe in HTML and SQL text.
		if len(s) == 0 || len(s) > 64 || url.PathEscape(s) != s || strings.ContainsAny(s, `./\'"<>&%?#`) {
			t.Fatalf("IsID accepted %q", s)
		}
	})
}

func FuzzValidateProductQuery(f *testing.F) {
	f.Add("", "", "", 0, 0)
	f.Add("mug", "kitchen", "price_asc", 2, 100)
	f.Add(" mug ", "a b", "random", -1, 101)
	f.Add(strings.Repeat("é", 101), "x/y", "NAME", 10001, -5)
	f.Add("tab\there", "kitchen", "newest", 1, 1)
	f.Add("\u202emug", "k", "price_desc", 10000, 0)
	f.Add("0", "", "", 22, 0) // a search's default order: relevance
	f.Add("", "", "relevance", 1, 12)
	f.Fuzz(func(t *testing.T, text, category, sortBy string, page, perPage int) {
		q, err := ValidateProductQuery(ProductQuery{Text: text, Category: category, Sort: sortBy, Page: page, PerPage: perPage})
		if err != nil {
			if verr, ok := err.(*ValidationError); !ok || len(verr.Fields) == 0 {
				t.Fatalf("ValidateProductQuery = %v; want field messages", err)
			}
			return
		}
		switch q.Sort {
		case SortName, SortPriceAsc, SortPriceDesc, SortNewest, SortRelevance:
		default:
			t.Fatalf("accepted sort %q", q.Sort)
		}
		if q.Page < 1 || q.Page > 10000 || q.PerPage < 1 || q.PerPage > MaxPerPage {
			t.Fatalf("accepted page %d per_page %d", q.Page, q.PerPage)
		}
		if utf8.RuneCountInString(q.Text) > MaxQueryLen || hasControl(q.Text) || q.Text != strings.TrimSpace(q.Text) {
			t.Fatalf("accepted text %q", q.Text)
		}
		if q.Category != "" && !IsID(q.Category) {
			t.Fatalf("accepted category %q", q.Category)
		}
	})
}

func FuzzTextFields(f *testing.F) {
	for _, s := range []string{"", " ", "Ada", " Ada ", "Ada\x00", "Ada\u202e", "Ada\u2028", "Zoë", "👩‍💻", strings.Repeat("é", 100),
		strings.Repeat("é", 101), "\xff\xfe", "<script>"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, optional bool) {
		v := cleanText(s)
		if textProblem(v, "your name", MaxNameLen, optional) != "" {
			return
		}
		if !utf8.ValidString(v) || hasControl(v) || utf8.RuneCountInString(v) > MaxNameLen || (v == "" && !optional) {
			t.Fatalf("textProblem accepted %q (optional %v)", v, optional)
		}
		if v != strings.TrimSpace(v) {
			t.Fatalf("cleanText left spaces around %q", v)
		}
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"ada@example.com", " Ada@Example.COM ", "a@b", "ada@example.com.", "<ada@example.com>", "Ada <ada@example.com>",
		"ada@exa mple.com", "ada@@example.com", "\u0130@example.com", "ada@example.com\n", strings.Repeat("a", 250) + "@e.co"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := NormalizeEmail(s)
		if NormalizeEmail(e) != e {
			t.Fatalf("NormalizeEmail is not idempotent on %q", s)
		}
		if emailProblem(e) != "" {
			return
		}
		at := strings.LastIndexByte(e, '@')
		if len(e) > MaxEmailLen || at < 1 || !strings.Contains(e[at+1:], ".") || strings.ContainsAny(e, " <>\"(),;:\\[]") || hasControl(e) {
			t.Fatalf("emailProblem accepted %q", e)
		}
	})
}

func FuzzParsePHC(f *testing.F) {
	h := newPasswordHasher(PasswordParams{MemoryKiB: 8, Iterations: 1, Threads: 1})
	f.Add(h.hash("correct horse battery staple"))
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5")
	f.Add("$argon2id$v=19$m=0,t=0,p=0$$")
	f.Add("$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdA$a2V5")
	f.Add("$argon2i$v=19$m=8,t=1,p=1$c2FsdA$a2V5")
	f.Add("$2a$10$abcdefghijklmnopqrstuv")
	f.Add("")
	f.Fuzz(func(t *testing.T, encoded string) {
		p, salt, key, err := parsePHC(encoded)
		if err != nil {
			return
		}
		// Parameters a stored hash may ask for are bounded, so a corrupt
		// or planted hash cannot make a sign-in exhaust memory or time.
		if p.MemoryKiB == 0 || p.MemoryKiB > 1<<21 || p.Iterations == 0 || p.Iterations > 64 || p.Threads == 0 || len(key) == 0 {
			t.Fatalf("parsePHC(%q) accepted %+v salt %d key %d", encoded, p, len(salt), len(key))
		}
	})
}

// TestPasswordSaltsAreUnique: every hash gets a fresh 128-bit salt, so equal
// passwords never share a hash (ASVS V2.4.2).
func TestPasswordSaltsAreUnique(t *testing.T) {
	h := newPasswordHasher(PasswordParams{MemoryKiB: 8, Iterations: 1, Threads: 1})
	seen := map[string]bool{}
	for range 100 {
		enc := h.hash("correct horse battery staple")
		_, salt, _, err := parsePHC(enc)
		if err != nil || len(salt) < 16 || seen[string(salt)] {
			t.Fatalf("hash %q: salt of %d bytes, %v, repeated %v; want 16 fresh bytes", enc, len(salt), err, seen[string(salt)])
		}
		seen[string(salt)] = true
	}
}

// FuzzPasswordHashExact: a hash verifies its password exactly: never a
// trimmed, truncated, extended or re-cased variant.
func FuzzPasswordHashExact(f *testing.F) {
	h := newPasswordHasher(PasswordParams{MemoryKiB: 8, Iterations: 1, Threads: 1})
	for _, s := range []string{"correct horse battery staple", "  spaces  ", strings.Repeat("🐈", 128), strings.Repeat("a", 73), "Aa", "\x00x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		enc := h.hash(pw)
		if ok, weak := h.verify(pw, enc); !ok || weak {
			t.Fatalf("verify(%q, own hash) = %v, weak %v", pw, ok, weak)
		}
		variants := []string{pw + "x", strings.TrimSpace(pw), strings.ToUpper(pw), strings.ToLower(pw)}
		if len(pw) > 0 {
			variants = append(variants, pw[:len(pw)-1])
		}
		for _, v := range variants {
			if v == pw {
				continue
			}
			if ok, _ := h.verify(v, enc); ok {
				t.Fatalf("hash of %q verifies %q", pw, v)
			}
		}
	})
}
