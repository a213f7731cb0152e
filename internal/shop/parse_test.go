package shop

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseCount(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"1", 1, true}, {"99", 99, true}, {"0", 0, true},
		{"100", 0, false}, {"-1", 0, false}, {"+1", 0, false}, {"1.5", 0, false}, {"1e3", 0, false},
		{" 1", 0, false}, {"1 ", 0, false}, {"01", 0, false}, {"", 0, false}, {"0x1", 0, false},
		{"１", 0, false}, // full-width digit one
		{"١", 0, false}, // Arabic-Indic digit one
		{"99999999999999999999", 0, false}, {"true", 0, false}, {"1_0", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseCount(tt.in, 99)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseCount(%q, 99) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseQuantity(t *testing.T) {
	if _, err := ParseQuantity("0", false); err == nil {
		t.Error("ParseQuantity(0, no zero) = nil error; want refused")
	}
	if n, err := ParseQuantity("0", true); err != nil || n != 0 {
		t.Errorf("ParseQuantity(0, zero allowed) = %d, %v; want 0", n, err)
	}
	if n, err := ParseQuantity("42", false); err != nil || n != 42 {
		t.Errorf("ParseQuantity(42) = %d, %v", n, err)
	}
	if _, err := ParseQuantity("1.5", false); err == nil || err.(*ValidationError).Fields["quantity"] == "" {
		t.Errorf("ParseQuantity(1.5) = %v; want a quantity message", err)
	}
	// Each message names the range its form takes: 0 removes a line.
	for _, tt := range []struct {
		in        string
		allowZero bool
		want      string
	}{
		{"abc", false, "from 1 to 99"}, {"0", false, "from 1 to 99"}, {"100", false, "from 1 to 99"},
		{"abc", true, "from 0 to 99"}, {"-1", true, "from 0 to 99"}, {"100", true, "from 0 to 99"},
	} {
		_, err := ParseQuantity(tt.in, tt.allowZero)
		var verr *ValidationError
		if !errors.As(err, &verr) || !strings.Contains(verr.Fields["quantity"], tt.want) {
			t.Errorf("ParseQuantity(%q, allowZero %v) = %v; want a quantity message saying %q", tt.in, tt.allowZero, err, tt.want)
		}
	}
}

func TestParsePage(t *testing.T) {
	for in, want := range map[string]int{"": 1, "1": 1, "7": 7, "10000": 10000} {
		if got, err := ParsePage(in); err != nil || got != want {
			t.Errorf("ParsePage(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "10001", "1.0", "a", " 2"} {
		if _, err := ParsePage(in); err == nil {
			t.Errorf("ParsePage(%q) = nil error; want refused", in)
		}
	}
}

func TestIsLocalPath(t *testing.T) {
	for _, ok := range []string{"/", "/checkout", "/products?q=mug&page=2", "/orders/abc"} {
		if !IsLocalPath(ok) {
			t.Errorf("IsLocalPath(%q) = false; want true", ok)
		}
	}
	for _, bad := range []string{"", "//evil.example", "/\\evil.example", "https://evil.example", "http:/evil", "evil.example",
		"/\tevil", "/a\nb", "javascript:alert(1)", "/a\\b", " /x"} {
		if IsLocalPath(bad) {
			t.Errorf("IsLocalPath(%q) = true; want false", bad)
		}
	}
}

func TestMoneyString(t *testing.T) {
	for m, want := range map[Money]string{0: "$0.00", 5: "$0.05", 1234: "$12.34", 500000: "$5000.00", -250: "-$2.50"} {
		if got := m.String(); got != want {
			t.Errorf("Money(%d).String() = %q; want %q", int64(m), got, want)
		}
	}
}

func TestAvailability(t *testing.T) {
	tests := []struct {
		p    Product
		want string
	}{
		{Product{Active: true, Stock: 10}, "In stock"},
		{Product{Active: true, Stock: 4}, "In stock"},
		{Product{Active: true, Stock: 2}, "Only 2 left"},
		{Product{Active: true, Stock: 0}, "Out of stock"},
		{Product{Active: false, Stock: 9}, "No longer sold"}, // as its structured data says: Discontinued
	}
	for _, tt := range tests {
		if got := tt.p.Availability(); got != tt.want {
			t.Errorf("Availability(stock %d, active %v) = %q; want %q", tt.p.Stock, tt.p.Active, got, tt.want)
		}
	}
}

func TestValidateAddress(t *testing.T) {
	good := Address{FullName: " Ada ", Line1: "1 Main St", City: "Springfield", PostalCode: "ab1 2cd", Country: "gb"}
	a, err := ValidateAddress(good)
	if err != nil {
		t.Fatalf("ValidateAddress(good) = %v", err)
	}
	if a.FullName != "Ada" || a.PostalCode != "AB1 2CD" || a.Country != "GB" {
		t.Errorf("cleaned address = %+v", a)
	}
	tests := []struct {
		field  string
		mutate func(*Address)
	}{
		{"full_name", func(a *Address) { a.FullName = "" }},
		{"full_name", func(a *Address) { a.FullName = strings.Repeat("x", 101) }},
		{"line1", func(a *Address) { a.Line1 = "1 Main\nSt" }},
		{"line2", func(a *Address) { a.Line2 = "Flat\x1b2" }},
		{"city", func(a *Address) { a.City = "" }},
		{"postal_code", func(a *Address) { a.PostalCode = "" }},
		{"postal_code", func(a *Address) { a.PostalCode = "12<34" }},
		{"country", func(a *Address) { a.Country = "" }},
		{"country", func(a *Address) { a.Country = "XX" }},
		{"country", func(a *Address) { a.Country = "GBR" }},
	}
	for _, tt := range tests {
		in := good
		tt.mutate(&in)
		_, err := ValidateAddress(in)
		verr, ok := err.(*ValidationError)
		if !ok || verr.Fields[tt.field] == "" || len(verr.Fields) != 1 {
			t.Errorf("ValidateAddress(%+v) = %v; want exactly a %s message", in, err, tt.field)
		}
	}
}

func TestCommonPasswordList(t *testing.T) {
	if len(commonPasswords) < 10000 {
		t.Errorf("common password list has %d entries; want at least 10,000", len(commonPasswords))
	}
	for _, p := range []string{"password", "123456", "qwerty123456", "Password"} {
		if !IsCommonPassword(p) {
			t.Errorf("IsCommonPassword(%q) = false", p)
		}
	}
	if IsCommonPassword("violet kangaroo tuesday") {
		t.Error("IsCommonPassword(a passphrase) = true")
	}
}

func TestOrderIDIsURLSafeAndDeterministic(t *testing.T) {
	a, b := OrderID("u1", "key-12345678"), OrderID("u1", "key-12345678")
	if a != b || !IsID(a) || OrderID("u1", "key-12345679") == a {
		t.Errorf("OrderID = %q, %q; want deterministic, URL-safe, key-dependent", a, b)
	}
}

func TestPasswordHashRoundTrip(t *testing.T) {
	h := newPasswordHasher(PasswordParams{MemoryKiB: 64, Iterations: 1, Threads: 1})
	enc := h.hash("a long enough password")
	if ok, weak := h.verify("a long enough password", enc); !ok || weak {
		t.Errorf("verify(right) = %v, weak %v; want ok, not weak", ok, weak)
	}
	if ok, _ := h.verify("a long enough passworD", enc); ok {
		t.Error("verify(wrong) = true")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=64,t=1,p=1$$", "$2a$10$abc", enc[:len(enc)-5] + "!!!!!"} {
		if ok, _ := h.verify("x", bad); ok {
			t.Errorf("verify against %q = true", bad)
		}
	}
}

// The fuzz targets below run their seed corpora in `make test` and longer
// under `make fuzz`: parsers and validators must never panic, and what they
// accept must satisfy their documented rules.

func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"1", "99", "-1", "0", "1.5", "1e3", " 1", "１", "١", "true", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseCount(s, 99)
		if !ok {
			return
		}
		if n < 0 || n > 99 || itoa(n) != s {
			t.Fatalf("ParseCount(%q) = %d; accepted a non-canonical or out-of-range number", s, n)
		}
	})
}

func FuzzIsLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/checkout", "//evil.example", "/\\evil.example", "https://evil.example", "/%2F%2Fevil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !IsLocalPath(s) {
			return
		}
		if s[0] != '/' || strings.HasPrefix(s, "//") || strings.Contains(s, "\\") || strings.ContainsAny(s, "\r\n\t") {
			t.Fatalf("IsLocalPath(%q) = true", s)
		}
	})
}

func FuzzValidateAddress(f *testing.F) {
	f.Add("Ada", "1 Main St", "", "London", "SW1A 1AA", "GB")
	f.Add("", "\x00", "\u202e", "x", "<>", "gbr")
	f.Fuzz(func(t *testing.T, name, l1, l2, city, postal, country string) {
		a, err := ValidateAddress(Address{name, l1, l2, city, postal, country})
		if err != nil {
			return
		}
		for _, v := range []string{a.FullName, a.Line1, a.Line2, a.City, a.PostalCode} {
			if hasControl(v) || !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxAddressLen {
				t.Fatalf("ValidateAddress accepted %q", v)
			}
		}
		if CountryName(a.Country) == "" || a.FullName == "" || a.Line1 == "" || a.City == "" {
			t.Fatalf("ValidateAddress accepted %+v", a)
		}
	})
}

func FuzzEmailAndPasswordRules(f *testing.F) {
	f.Add("ada@example.com", "correct horse battery")
	f.Add("a@b", "short")
	f.Add("x\x00@example.com", "password1234")
	s := NewService(nil, Config{PasswordParams: &PasswordParams{MemoryKiB: 8, Iterations: 1, Threads: 1}})
	f.Fuzz(func(t *testing.T, email, password string) {
		email = NormalizeEmail(email)
		if emailProblem(email) == "" {
			if len(email) > MaxEmailLen || !strings.Contains(email, "@") || hasControl(email) {
				t.Fatalf("emailProblem accepted %q", email)
			}
		}
		if s.passwordProblem(password, email) == "" {
			n := utf8.RuneCountInString(password)
			if n < MinPasswordLen || n > MaxPasswordLen || IsCommonPassword(password) || strings.EqualFold(password, email) {
				t.Fatalf("passwordProblem accepted %q", password)
			}
		}
	})
}
