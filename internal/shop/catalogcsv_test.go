package shop

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

const csvHeaderLine = "id,name,description,category,price_cents,stock,active\r\n"

func TestReadCatalogCSVParsesQuotingAndUnicode(t *testing.T) {
	file := "\ufeff" + csvHeaderLine +
		"desk-lamp,\"Lamp, \"\"Arc\"\" edition\",\"Bright.\r\nDimmable, too.\",office,4500,3,true\r\n" +
		"cafe_mug,Café „Zürich“ 東京,,kitchen,0,0,FALSE\n" +
		"\n" + // blank lines are skipped
		"x1,  Spaced name  ,\"  A description.\n\",home,99999999,1000000,True"
	rows, err := ReadCatalogCSV(strings.NewReader(file))
	if err != nil {
		t.Fatalf("ReadCatalogCSV = %v; want rows", err)
	}
	want := []ProductRow{
		{Line: 2, Product: Product{ID: "desk-lamp", Name: `Lamp, "Arc" edition`, Description: "Bright.\nDimmable, too.",
			Category: "office", PriceCents: 4500, Stock: 3, Active: true}},
		{Line: 4, Product: Product{ID: "cafe_mug", Name: "Café „Zürich“ 東京", Category: "kitchen"}},
		{Line: 6, Product: Product{ID: "x1", Name: "Spaced name", Description: "A description.", Category: "home",
			PriceCents: MaxPriceCents, Stock: MaxStock, Active: true}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("ReadCatalogCSV =\n%+v\nwant\n%+v", rows, want)
	}
}

func TestReadCatalogCSVHeaderOnly(t *testing.T) {
	rows, err := ReadCatalogCSV(strings.NewReader(csvHeaderLine))
	if err != nil || len(rows) != 0 {
		t.Errorf("ReadCatalogCSV(header only) = %v, %v; want no rows, no error", rows, err)
	}
}

func TestReadCatalogCSVRefusesBadHeader(t *testing.T) {
	for _, file := range []string{
		"",
		"\n\n",
		"id,name,description,category,price_cents,stock\n",
		"id,name,description,category,price_cents,stock,active,image\n",
		"name,id,description,category,price_cents,stock,active\n",
		"ID,Name,Description,Category,Price_cents,Stock,Active\n",
		"desk-lamp,Lamp,,office,4500,3,true\n", // a row without the header
		"\"id,name,description,category,price_cents,stock,active\n",
	} {
		_, err := ReadCatalogCSV(strings.NewReader(file))
		var cerr *CSVError
		if !errors.As(err, &cerr) || len(cerr.Rows) != 1 || cerr.Rows[0].Line != 1 || cerr.Rows[0].Field != "" ||
			!strings.Contains(cerr.Rows[0].Message, strings.Join(CatalogCSVHeader, ",")) {
			t.Errorf("ReadCatalogCSV(%q) = %v; want one problem on line 1 naming the header", file, err)
		}
	}
}

func TestReadCatalogCSVReportsEveryBadRow(t *testing.T) {
	type bad struct {
		line   int
		fields []string // "" for the row as a whole
	}
	var file strings.Builder
	var want []bad
	line := 1
	file.WriteString(csvHeaderLine)
	add := func(row string, fields ...string) {
		line++
		file.WriteString(row + "\r\n")
		if len(fields) > 0 {
			want = append(want, bad{line, fields})
		}
		line += strings.Count(row, "\n")
	}
	add("good-1,Good,,home,100,1,true")
	add("bad id,Name,,home,100,1,true", "id")
	add(strings.Repeat("a", 65)+",Name,,home,100,1,true", "id")
	add("empty-name,,,home,100,1,true", "name")
	add("blank-name,   ,,home,100,1,true", "name")
	add("long-name,"+strings.Repeat("é", 201)+",,home,100,1,true", "name")
	add("max-name," + strings.Repeat("é", 200) + ",,home,100,1,true")
	add("formula,\"=HYPERLINK(\"\"http://x\"\")\",,home,100,1,true", "name")
	add("formula-desc,Name,@SUM(A1),home,100,1,true", "description")
	add("newline-name,\"Two\nlines\",,home,100,1,true", "name")
	add("long-desc,Name,"+strings.Repeat("d", 5001)+",home,100,1,true", "description")
	add("control-desc,Name,bell\a,home,100,1,true", "description")
	add("bad-category,Name,,Home Goods,100,1,true", "category")
	add("no-category,Name,,,100,1,true", "category")
	add("negative-price,Name,,home,-100,1,true", "price_cents")
	add("dollar-price,Name,,home,12.50,1,true", "price_cents")
	add("huge-price,Name,,home,100000000,1,true", "price_cents")
	add("empty-price,Name,,home,,1,true", "price_cents")
	add("negative-stock,Name,,home,100,-1,true", "stock")
	add("huge-stock,Name,,home,100,1000001,true", "stock")
	add("padded-stock,Name,,home,100,007,true", "stock")
	add("yes,Name,,home,100,1,yes", "active")
	add("latin1,Caf\xe9,,home,100,1,true", "name")
	add("latin1-desc,Name,\xff,home,100,1,true", "description")
	add("short-row,Name,,home,100,1", "")
	add("long-row,Name,,home,100,1,true,extra", "")
	add("bare-quote,Na\"me,,home,100,1,true", "")
	add("many bad,,,,-1,x,maybe", "id", "name", "category", "price_cents", "stock", "active")
	add("new,Name,,home,100,1,true", "id")
	add("export,Name,,home,100,1,true", "id")
	add("good-1,Again,,home,100,1,true", "id")
	add("good-2,Good,,home,0,0,false")

	rows, err := ReadCatalogCSV(strings.NewReader(file.String()))
	if rows != nil {
		t.Errorf("ReadCatalogCSV returned %d rows with bad rows in the file; want none", len(rows))
	}
	var cerr *CSVError
	if !errors.As(err, &cerr) {
		t.Fatalf("ReadCatalogCSV = %v; want a *CSVError", err)
	}
	var got []bad
	for _, p := range cerr.Rows {
		if p.Message == "" {
			t.Errorf("line %d field %q has no message", p.Line, p.Field)
		}
		if n := len(got); n > 0 && got[n-1].line == p.Line {
			got[n-1].fields = append(got[n-1].fields, p.Field)
		} else {
			got = append(got, bad{p.Line, []string{p.Field}})
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems (line, fields) =\n%v\nwant\n%v", got, want)
	}
	last := cerr.Rows[len(cerr.Rows)-1]
	if !strings.Contains(last.Message, "line 2") {
		t.Errorf("duplicate id message %q; want it to name line 2, where the id first is", last.Message)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("%d problems", len(cerr.Rows))) {
		t.Errorf("Error() = %q; want the number of problems", err.Error())
	}
}

func TestReadCatalogCSVPassesOnReadErrors(t *testing.T) {
	boom := errors.New("disk gone")
	_, err := ReadCatalogCSV(iotest.ErrReader(boom))
	var cerr *CSVError
	if !errors.Is(err, boom) || errors.As(err, &cerr) {
		t.Errorf("ReadCatalogCSV(failing reader) = %v; want the read error, not a *CSVError", err)
	}
}

// trickyProducts are valid products whose text needs quoting.
func trickyProducts() []Product {
	return []Product{
		{ID: "a", Name: "Plain", Description: "Plain.", Category: "c", PriceCents: 1, Stock: 1, Active: true},
		{ID: "comma", Name: "Salt, pepper", Description: "One, two, three.", Category: "kitchen", PriceCents: 1250},
		{ID: "quote", Name: `The "Best" mug`, Description: `"Quoted" start and end "`, Category: "kitchen", Stock: 7, Active: true},
		{ID: "newline", Name: "Notebook", Description: "First paragraph.\n\nSecond, after a blank line.\nThird.", Category: "office"},
		{ID: "unicode", Name: "Tasse « Café » 東京 🍵", Description: "Ünïcödé — ✓, \"and\" more", Category: "home", PriceCents: MaxPriceCents, Stock: MaxStock},
		{ID: "Mixed_Case-9", Name: "Ends with a quote\"", Description: "", Category: "Z_9", Active: true},
		{ID: "zwj", Name: "Family 👩‍👩‍👧 pack", Description: "a\u00a0b", Category: "toys"},
	}
}

func TestWriteCatalogCSVRoundTrips(t *testing.T) {
	products := trickyProducts()
	for _, p := range products {
		if v, err := ValidateProduct(p); err != nil || !reflect.DeepEqual(v, p) {
			t.Fatalf("test product %s is not valid as it stands: %v", p.ID, err)
		}
	}
	var buf bytes.Buffer
	if err := WriteCatalogCSV(&buf, products); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, csvHeaderLine) {
		t.Errorf("output starts %q; want the header and CRLF", out[:min(len(out), 60)])
	}
	for _, want := range []string{"\r\ncomma,\"Salt, pepper\",\"One, two, three.\",kitchen,1250,0,false\r\n",
		`quote,"The ""Best"" mug","""Quoted"" start and end """,kitchen,0,7,true`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks the RFC 4180 row %q:\n%s", want, out)
		}
	}
	rows, err := ReadCatalogCSV(&buf)
	if err != nil {
		t.Fatalf("ReadCatalogCSV(WriteCatalogCSV(products)) = %v", err)
	}
	got := make([]Product, len(rows))
	for i, r := range rows {
		got[i] = r.Product
	}
	if !reflect.DeepEqual(got, products) {
		t.Errorf("round trip =\n%+v\nwant\n%+v", got, products)
	}
	// The description of "newline" spans lines 5 to 8.
	if rows[3].Line != 5 || rows[4].Line != 9 {
		t.Errorf("lines of a 4-line row and the next = %d, %d; want 5, 9", rows[3].Line, rows[4].Line)
	}
}

func TestValidateProduct(t *testing.T) {
	_, demo := DemoCatalog()
	for _, p := range demo {
		v, err := ValidateProduct(p)
		if err != nil || !reflect.DeepEqual(v, p) {
			t.Errorf("ValidateProduct(demo %s) = %v; want it valid and unchanged", p.ID, err)
		}
	}
	valid := Product{ID: "p", Name: "Name", Category: "c", PriceCents: 100, Stock: 1, Active: true,
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	tests := []struct {
		name   string
		change func(*Product)
		field  string // "" for valid
	}{
		{"valid", func(p *Product) {}, ""},
		{"CRLF description", func(p *Product) { p.Description = "a\r\nb" }, ""},
		{"zero price and stock", func(p *Product) { p.PriceCents, p.Stock = 0, 0 }, ""},
		{"negative price", func(p *Product) { p.PriceCents = -1 }, "price_cents"},
		{"price over the limit", func(p *Product) { p.PriceCents = MaxPriceCents + 1 }, "price_cents"},
		{"negative stock", func(p *Product) { p.Stock = -1 }, "stock"},
		{"stock over the limit", func(p *Product) { p.Stock = MaxStock + 1 }, "stock"},
		{"id with a slash", func(p *Product) { p.ID = "a/b" }, "id"},
		{"empty category", func(p *Product) { p.Category = "" }, "category"},
		{"name of spaces", func(p *Product) { p.Name = " \t " }, "name"},
		{"formula name", func(p *Product) { p.Name = "+1 cable" }, "name"},
		{"formula description", func(p *Product) { p.Description = "-1" }, "description"},
		{"lone CR in description", func(p *Product) { p.Description = "a\rb" }, "description"},
		{"bidi override in name", func(p *Product) { p.Name = "abc\u202edef" }, "name"},
	}
	for _, tt := range tests {
		p := valid
		tt.change(&p)
		got, err := ValidateProduct(p)
		var verr *ValidationError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: ValidateProduct = %v; want valid", tt.name, err)
		case tt.field == "":
			if got.CreatedAt != valid.CreatedAt || strings.Contains(got.Description, "\r") {
				t.Errorf("%s: ValidateProduct = %+v; want CreatedAt kept and no CR", tt.name, got)
			}
		case !errors.As(err, &verr) || len(verr.Fields) != 1 || verr.Fields[tt.field] == "":
			t.Errorf("%s: ValidateProduct = %v; want a message for %s only", tt.name, err, tt.field)
		}
	}
}

// TestValidateProductRefusesReservedIDs: new, export and import name the
// staff's pages under /admin/products/, so no product may take one (the
// staff form, the API and a catalog file alike); ids that only contain
// them, or differ in case, are products' own.
func TestValidateProductRefusesReservedIDs(t *testing.T) {
	valid := Product{ID: "p", Name: "Name", Category: "c", PriceCents: 100, Stock: 1, Active: true}
	for _, id := range []string{"new", "export", "import"} {
		p := valid
		p.ID = id
		_, err := ValidateProduct(p)
		var verr *ValidationError
		if !errors.As(err, &verr) || len(verr.Fields) != 1 || !strings.Contains(verr.Fields["id"], "new, export and import are reserved") {
			t.Errorf("ValidateProduct(id %s) = %v; want only the id refused, as reserved", id, err)
		}
	}
	for _, id := range []string{"new-lamp", "renew", "exports", "import-duty", "New", "EXPORT"} {
		p := valid
		p.ID = id
		if _, err := ValidateProduct(p); err != nil {
			t.Errorf("ValidateProduct(id %s) = %v; want valid", id, err)
		}
	}
	file := csvHeaderLine + "mug,Mug,,home,100,1,true\r\nimport,Import Duty,,home,100,1,true\r\n"
	var cerr *CSVError
	if _, err := ReadCatalogCSV(strings.NewReader(file)); !errors.As(err, &cerr) || len(cerr.Rows) != 1 ||
		cerr.Rows[0].Line != 3 || cerr.Rows[0].Field != "id" || !strings.Contains(cerr.Rows[0].Message, "reserved") {
		t.Errorf("ReadCatalogCSV(a row with id import) = %v; want line 3's id refused as reserved", err)
	}
}

// catalogFile returns a catalog file of n valid rows.
func catalogFile(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString(csvHeaderLine)
	for i := range n {
		fmt.Fprintf(&buf, "product-%d,\"Product %d, size M\",\"A product made for the benchmark, "+
			"described in a sentence or two.\nIt has a second line.\",category-%d,%d,%d,%t\r\n",
			i, i, i%20, 100+i, i%50, i%7 != 0)
	}
	return buf.Bytes()
}

func TestReadCatalogCSVManyRows(t *testing.T) {
	const n = 100_000
	rows, err := ReadCatalogCSV(bytes.NewReader(catalogFile(n)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("ReadCatalogCSV read %d rows; want %d", len(rows), n)
	}
	last := rows[n-1]
	if last.Product.ID != fmt.Sprintf("product-%d", n-1) || last.Line != 2+2*(n-1) || last.Product.PriceCents != Money(100+n-1) {
		t.Errorf("last row = %+v; want product-%d on line %d", last, n-1, 2+2*(n-1))
	}
}

// BenchmarkReadCatalogCSV reads a 100,000-row file, the size the contract
// requires to import in under a minute.
func BenchmarkReadCatalogCSV(b *testing.B) {
	file := catalogFile(100_000)
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		if _, err := ReadCatalogCSV(bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzReadCatalogCSV(f *testing.F) {
	f.Add([]byte(csvHeaderLine + "a,b,c,d,1,2,true\r\n"))
	f.Add([]byte(csvHeaderLine + "a,\"b\"\"\n\",c,d,1,2,TRUE\nb,\xff,,d,0,0,false"))
	f.Add([]byte(csvHeaderLine + "a,b\"c,d,1,2,true\n\"unterminated"))
	f.Add([]byte("\ufeff" + csvHeaderLine + "a,b,,d,-1,1e3,yes\na,b,,d,1,1,true\na,b,,d,1,1,true\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadCatalogCSV(bytes.NewReader(data))
		var cerr *CSVError
		if errors.As(err, &cerr) {
			if rows != nil || len(cerr.Rows) == 0 {
				t.Fatalf("ReadCatalogCSV = %d rows, %d problems; want no rows and some problems", len(rows), len(cerr.Rows))
			}
			for _, p := range cerr.Rows {
				if p.Line < 1 || p.Message == "" {
					t.Fatalf("problem %+v: want a line and a message", p)
				}
			}
			return
		}
		if err != nil {
			t.Fatalf("ReadCatalogCSV = %v; want rows or a *CSVError", err)
		}
		// What is read is valid, and writing it gives a file that reads
		// back to the same products.
		products := make([]Product, len(rows))
		for i, r := range rows {
			if v, err := ValidateProduct(r.Product); err != nil || !reflect.DeepEqual(v, r.Product) {
				t.Fatalf("row %d: ReadCatalogCSV returned %+v, which ValidateProduct changes or refuses (%v)", r.Line, r.Product, err)
			}
			products[i] = r.Product
		}
		checkRoundTrip(t, products)
	})
}

func FuzzWriteCatalogCSVRoundTrip(f *testing.F) {
	for _, p := range trickyProducts() {
		f.Add(p.ID, p.Name, p.Description, p.Category, int64(p.PriceCents), p.Stock, p.Active)
	}
	f.Add("id", "a\r\nb", "\r\n\r\n", "c", int64(-1), -1, false)
	f.Fuzz(func(t *testing.T, id, name, description, category string, price int64, stock int, active bool) {
		p, err := ValidateProduct(Product{ID: id, Name: name, Description: description, Category: category,
			PriceCents: Money(price), Stock: stock, Active: active})
		if err != nil {
			return
		}
		checkRoundTrip(t, []Product{p})
	})
}

func checkRoundTrip(t *testing.T, products []Product) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteCatalogCSV(&buf, products); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadCatalogCSV(&buf)
	if err != nil {
		t.Fatalf("ReadCatalogCSV(WriteCatalogCSV(%+v)) = %v", products, err)
	}
	if len(rows) != len(products) {
		t.Fatalf("round trip read %d rows; want %d", len(rows), len(products))
	}
	for i, r := range rows {
		if !reflect.DeepEqual(r.Product, products[i]) {
			t.Fatalf("round trip = %+v; want %+v", r.Product, products[i])
		}
	}
}

// TestReadCatalogCSVUnclosedQuote: a quote never closed swallows the lines
// after it; the problem is reported at the line where the field began,
// saying so (it was reported at the line where the reader gave up, as a
// stray quote there).
func TestReadCatalogCSVUnclosedQuote(t *testing.T) {
	file := csvHeaderLine + "mug,Mug,,home,100,1,true\r\n" +
		"lamp,\"Desk Lamp,,home,100,1,true\r\n" +
		"pan,Pan,,home,100,1,true\r\n" +
		"pot,Pot,,home,100,1,true\r\n"
	_, err := ReadCatalogCSV(strings.NewReader(file))
	var cerr *CSVError
	if !errors.As(err, &cerr) || len(cerr.Rows) != 1 {
		t.Fatalf("ReadCatalogCSV(an unclosed quote on line 3) = %v; want one problem", err)
	}
	if got := cerr.Rows[0]; got.Line != 3 || !strings.Contains(got.Message, "starts on line 3 is never closed") {
		t.Errorf("problem = %+v; want line 3, saying its quoted field is never closed", got)
	}
}

// TestReadCatalogCSVStrayQuoteAfterAMultiLineField: a quoted field that
// spans lines and is closed, then a stray quote in a later field of the
// record, is the stray quote's problem, at its line, not an unclosed one.
func TestReadCatalogCSVStrayQuoteAfterAMultiLineField(t *testing.T) {
	file := csvHeaderLine + "lamp,Desk Lamp,\"Line one\r\nline two\",ho\"me,100,1,true\r\n" +
		"pan,Pan,,home,100,1,true\r\n"
	_, err := ReadCatalogCSV(strings.NewReader(file))
	var cerr *CSVError
	if !errors.As(err, &cerr) || len(cerr.Rows) != 1 {
		t.Fatalf("ReadCatalogCSV(a stray quote after a multi-line field) = %v; want one problem", err)
	}
	if got := cerr.Rows[0]; got.Line != 2 || !strings.Contains(got.Message, "Line 3 has a stray double quote") {
		t.Errorf("problem = %+v; want the record of line 2, its stray quote on line 3", got)
	}
}
