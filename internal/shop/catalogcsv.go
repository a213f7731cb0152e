package shop

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of a product, beyond the URL-safe id of IsID.
const (
	MaxProductNameLen = 200  // characters
	MaxDescriptionLen = 5000 // characters
	MaxPriceCents     = Money(99_999_999)
	MaxStock          = 1_000_000
)

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula. A name or description may not start with one, so a
// catalog export opened in a spreadsheet can never run one (CSV injection)
// and the file still round-trips unchanged.
const formulaStarts = "=+-@"

// reservedProductIDs are the ids that name the staff's own pages under
// /admin/products/ (new, export, import): a product with one of them
// could not be reached at /admin/products/{id}, so none is given one.
var reservedProductIDs = map[string]bool{"new": true, "export": true, "import": true}

var reservedIDMessage = "The ids new, export and import are reserved for the staff pages; choose another id, such as new-desk-lamp."

// ValidateProduct cleans and checks the fields a seller sets: the id
// (IsID, and none of reservedProductIDs), name (1 to MaxProductNameLen
// characters), description (up to MaxDescriptionLen; line breaks allowed
// and stored as "\n"), category (IsID), price (0 to MaxPriceCents) and
// stock (0 to MaxStock). Name and description are trimmed of surrounding
// spaces. A bad field is a *ValidationError keyed by the API's field
// names: id, name, description, category, price_cents, stock. CreatedAt
// and Active are not checked.
func ValidateProduct(p Product) (Product, error) {
	p.Name = cleanText(p.Name)
	p.Description = cleanText(strings.ReplaceAll(p.Description, "\r\n", "\n"))
	fields := fieldErrors{}
	if !IsID(p.ID) {
		fields.add("id", "The id must be 1 to 64 letters (a to z, A to Z; the case counts), digits, hyphens or underscores, such as desk-lamp-2.")
	} else if reservedProductIDs[p.ID] {
		fields.add("id", reservedIDMessage)
	}
	if m := textProblem(p.Name, "the name", MaxProductNameLen, false); m != "" {
		fields.add("name", m)
	} else if strings.ContainsAny(p.Name[:1], formulaStarts) {
		fields.add("name", "The name may not start with =, +, - or @, which spreadsheets read as a formula.")
	}
	// The description may hold line breaks, and nothing else a person
	// cannot see.
	if m := textProblem(strings.ReplaceAll(p.Description, "\n", " "), "the description", MaxDescriptionLen, true); m != "" {
		fields.add("description", m)
	} else if p.Description != "" && strings.ContainsAny(p.Description[:1], formulaStarts) {
		fields.add("description", "The description may not start with =, +, - or @, which spreadsheets read as a formula.")
	}
	if !IsID(p.Category) {
		fields.add("category", "The category must be a category id: 1 to 64 letters (a to z, A to Z; the case counts), digits, hyphens or underscores.")
	}
	if p.PriceCents < 0 || p.PriceCents > MaxPriceCents {
		fields.add("price_cents", priceMessage)
	}
	if p.Stock < 0 || p.Stock > MaxStock {
		fields.add("stock", stockMessage)
	}
	return p, fields.err()
}

var (
	priceMessage = "The price must be a whole number of cents from 0 to " + itoa(int(MaxPriceCents)) +
		", such as 1250 for $12.50."
	stockMessage = "The stock must be a whole number from 0 to " + itoa(MaxStock) + "."
)

// CatalogCSVHeader is the first line of a catalog CSV file: its columns in
// order, each named as the product field of the JSON API.
var CatalogCSVHeader = []string{"id", "name", "description", "category", "price_cents", "stock", "active"}

// ProductRow is one valid row of a catalog CSV file.
type ProductRow struct {
	Line    int     // the line of the file the row starts on; the header is line 1
	Product Product // valid (ValidateProduct); CreatedAt is zero
}

// RowError is one problem of a catalog CSV file.
type RowError struct {
	Line    int    // the line the row starts on; 1 for the header
	Field   string // the column, or "" for the row (or the file) as a whole
	Message string // for people
}

// CSVError lists every problem of a catalog CSV file, in file order and,
// within a row, in column order.
type CSVError struct {
	Rows []RowError
}

func (e *CSVError) Error() string {
	if len(e.Rows) == 0 {
		return "catalog CSV: invalid"
	}
	first := e.Rows[0]
	return fmt.Sprintf("catalog CSV: %d problems, the first on line %d: %s", len(e.Rows), first.Line, first.Message)
}

// ReadCatalogCSV reads a catalog file: the CatalogCSVHeader line (a UTF-8
// byte order mark before it is allowed), then one product per row, RFC 4180
// quoting (a field with commas, quotes or line breaks is quoted, a quote in
// it doubled). Every row is checked: UTF-8 text, price_cents and stock
// plain whole numbers (ParseCount), active true or false (any letter case),
// the fields by ValidateProduct, and each id at most once in the file. If
// any row is bad it returns no rows and a *CSVError naming every problem of
// every row; other errors come from reading r.
func ReadCatalogCSV(r io.Reader) ([]ProductRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(CatalogCSVHeader)
	cr.ReuseRecord = true // the fields' strings are fresh each row; only the slice is reused
	var problems []RowError
	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, &CSVError{Rows: []RowError{{Line: 1, Message: "The file is empty. " + headerMessage}}}
	case err != nil && !isCSVSyntax(err):
		return nil, fmt.Errorf("read catalog CSV: %w", err)
	case err != nil || !isCatalogHeader(header):
		return nil, &CSVError{Rows: []RowError{{Line: 1, Message: headerMessage}}}
	}
	var rows []ProductRow
	lineOfID := map[string]int{}
	afterQuoteError := false // the last record was a quote error spanning lines
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			if afterQuoteError {
				// The quote error took the rest of the file: its quote was
				// never closed.
				last := &problems[len(problems)-1]
				last.Message = unclosedQuoteMessage(last.Line)
			}
			break
		}
		afterQuoteError = false
		if err != nil {
			var perr *csv.ParseError
			if !errors.As(err, &perr) || !isCSVSyntax(err) {
				return nil, fmt.Errorf("read catalog CSV: %w", err)
			}
			problems = append(problems, RowError{Line: perr.StartLine, Message: syntaxMessage(perr)})
			afterQuoteError = errors.Is(err, csv.ErrQuote) && perr.Line > perr.StartLine
			continue
		}
		line, _ := cr.FieldPos(0)
		p, rowProblems := parseCatalogRow(record, line)
		if len(rowProblems) == 0 {
			if first, seen := lineOfID[p.ID]; seen {
				rowProblems = append(rowProblems, RowError{Line: line, Field: "id", Message: fmt.Sprintf(
					"The id %s is already on line %d; each product may appear once.", p.ID, first)})
			} else {
				lineOfID[p.ID] = line
			}
		}
		if len(rowProblems) > 0 {
			problems = append(problems, rowProblems...)
			continue
		}
		if len(problems) == 0 {
			rows = append(rows, ProductRow{Line: line, Product: p})
		}
	}
	if len(problems) > 0 {
		return nil, &CSVError{Rows: problems}
	}
	return rows, nil
}

var headerMessage = "The first line must be the header " + strings.Join(CatalogCSVHeader, ",") + "."

func isCatalogHeader(header []string) bool {
	if len(header) != len(CatalogCSVHeader) {
		return false
	}
	for i, name := range header {
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // spreadsheets' "CSV UTF-8" starts so
		}
		if name != CatalogCSVHeader[i] {
			return false
		}
	}
	return true
}

// isCSVSyntax reports whether err is a problem of the file's text (which
// the reader skips past) rather than of reading it.
func isCSVSyntax(err error) bool {
	return errors.Is(err, csv.ErrFieldCount) || errors.Is(err, csv.ErrQuote) || errors.Is(err, csv.ErrBareQuote)
}

func syntaxMessage(perr *csv.ParseError) string {
	if errors.Is(perr, csv.ErrFieldCount) {
		return fmt.Sprintf("The row must have %d fields, like the header; put a field holding commas in double quotes.",
			len(CatalogCSVHeader))
	}
	return fmt.Sprintf("Line %d has a stray double quote: a field with quotes must be quoted whole, "+
		`with each quote inside it doubled ("a ""quoted"" word").`, perr.Line)
}

// unclosedQuoteMessage is the problem of a record starting on line whose
// quoted field is never closed: the reader took the rest of the file into it.
func unclosedQuoteMessage(line int) string {
	return fmt.Sprintf("The quoted field that starts on line %d is never closed, so the rest of the file was read as part of it: "+
		`close its double quote, and double each quote inside it ("a ""quoted"" word").`, line)
}

// parseCatalogRow turns one record into a product, or lists its problems.
func parseCatalogRow(record []string, line int) (Product, []RowError) {
	var problems []RowError
	problem := func(field, message string) {
		problems = append(problems, RowError{Line: line, Field: field, Message: message})
	}
	valid := make([]bool, len(record))
	for i, value := range record {
		if valid[i] = utf8.ValidString(value); !valid[i] {
			problem(CatalogCSVHeader[i], "The "+CatalogCSVHeader[i]+" is not UTF-8 text: save the file as CSV in UTF-8.")
		}
	}
	p := Product{ID: record[0], Name: record[1], Description: record[2], Category: record[3]}
	if valid[4] {
		price, ok := ParseCount(record[4], int(MaxPriceCents))
		if !ok {
			problem("price_cents", priceMessage)
		}
		p.PriceCents = Money(price)
	}
	if valid[5] {
		stock, ok := ParseCount(record[5], MaxStock)
		if !ok {
			problem("stock", stockMessage)
		}
		p.Stock = stock
	}
	switch {
	case !valid[6]:
	case strings.EqualFold(record[6], "true"):
		p.Active = true
	case strings.EqualFold(record[6], "false"):
		p.Active = false
	default:
		problem("active", "Active must be true or false.")
	}
	p, err := ValidateProduct(p)
	var verr *ValidationError
	if errors.As(err, &verr) {
		for i, field := range CatalogCSVHeader[:4] {
			if m, ok := verr.Fields[field]; ok && valid[i] {
				problem(field, m)
			}
		}
	}
	sortByColumn(problems)
	return p, problems
}

// sortByColumn orders one row's problems by column, so they read left to
// right like the file.
func sortByColumn(problems []RowError) {
	column := func(field string) int {
		for i, name := range CatalogCSVHeader {
			if name == field {
				return i
			}
		}
		return len(CatalogCSVHeader)
	}
	for i := 1; i < len(problems); i++ {
		for j := i; j > 0 && column(problems[j].Field) < column(problems[j-1].Field); j-- {
			problems[j], problems[j-1] = problems[j-1], problems[j]
		}
	}
}

// WriteCatalogCSV writes products, in the order given, as a catalog file
// that ReadCatalogCSV reads back to the same products (CatalogCSVWriter).
func WriteCatalogCSV(w io.Writer, products []Product) error {
	cw, err := NewCatalogCSVWriter(w)
	if err != nil {
		return err
	}
	for i := range products {
		if err := cw.Write(&products[i]); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// CatalogCSVWriter writes a catalog file one product at a time, so an
// export streams: the header, then one row per product, quoted where
// needed, lines ending in CRLF as RFC 4180 has them (a line break inside a
// description is written as CRLF too and read back as "\n").
type CatalogCSVWriter struct {
	cw     *csv.Writer
	record []string
}

// NewCatalogCSVWriter writes the header to w and returns the writer of
// the rows.
func NewCatalogCSVWriter(w io.Writer) (*CatalogCSVWriter, error) {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(CatalogCSVHeader); err != nil {
		return nil, fmt.Errorf("write catalog CSV: %w", err)
	}
	return &CatalogCSVWriter{cw: cw, record: make([]string, len(CatalogCSVHeader))}, nil
}

// Write writes the row of p.
func (c *CatalogCSVWriter) Write(p *Product) error {
	r := c.record
	r[0], r[1], r[2], r[3] = p.ID, p.Name, p.Description, p.Category
	r[4] = strconv.FormatInt(int64(p.PriceCents), 10)
	r[5] = strconv.Itoa(p.Stock)
	r[6] = strconv.FormatBool(p.Active)
	if err := c.cw.Write(r); err != nil {
		return fmt.Errorf("write catalog CSV: %w", err)
	}
	return nil
}

// Flush writes what is buffered and reports any write error.
func (c *CatalogCSVWriter) Flush() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return fmt.Errorf("write catalog CSV: %w", err)
	}
	return nil
}
