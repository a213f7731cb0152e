package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// shopClient drives the running program over HTTP: the JSON API directly,
// the pages through browser.
type shopClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

// The JSON the test reads.
type (
	productJSON struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		PriceCents int64  `json:"price_cents"`
		Currency   string `json:"currency"`
		Stock      int    `json:"stock"`
	}
	userJSON struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	lineJSON struct {
		ProductID      string `json:"product_id"`
		Name           string `json:"name"`
		UnitPriceCents int64  `json:"unit_price_cents"`
		Quantity       int    `json:"quantity"`
		LineTotalCents int64  `json:"line_total_cents"`
	}
	orderJSON struct {
		ID              string            `json:"id"`
		Status          string            `json:"status"`
		CreatedAt       string            `json:"created_at"`
		Currency        string            `json:"currency"`
		Items           []lineJSON        `json:"items"`
		ItemCount       int64             `json:"item_count"`
		SubtotalCents   int64             `json:"subtotal_cents"`
		ShippingCents   int64             `json:"shipping_cents"`
		TotalCents      int64             `json:"total_cents"`
		ShippingAddress map[string]string `json:"shipping_address"`
	}
)

// call sends a JSON API request (body nil: none) and decodes the answer
// into out (when not nil). It fails the test unless the status is
// wantStatus; 0 accepts any. It returns the status.
func (c *shopClient) call(method, path, token string, headers map[string]string, body any, wantStatus int, out any) int {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	if wantStatus != 0 && res.StatusCode != wantStatus {
		c.t.Fatalf("%s %s = %d; want %d\n%s", method, path, res.StatusCode, wantStatus, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %v\n%s", method, path, err, data)
		}
	}
	return res.StatusCode
}

// product reads a product through the API.
func (c *shopClient) product(id string) productJSON {
	c.t.Helper()
	var p productJSON
	c.call(http.MethodGet, "/api/v1/products/"+id, "", nil, nil, http.StatusOK, &p)
	if p.ID != id || p.Name == "" || p.PriceCents <= 0 || p.Currency != "USD" {
		c.t.Fatalf("GET /api/v1/products/%s = %+v; want the product with a name and a USD price", id, p)
	}
	return p
}

// token signs in through the API.
func (c *shopClient) token(email string) string {
	c.t.Helper()
	var tok struct {
		Token string `json:"token"`
	}
	c.call(http.MethodPost, "/api/v1/tokens", "", nil, map[string]string{"email": email, "password": testPassword}, http.StatusCreated, &tok)
	if tok.Token == "" {
		c.t.Fatalf("POST /api/v1/tokens for %s answered no token", email)
	}
	return tok.Token
}

// me reads the signed-in user and checks the email.
func (c *shopClient) me(token, email string) userJSON {
	c.t.Helper()
	var u userJSON
	c.call(http.MethodGet, "/api/v1/me", token, nil, nil, http.StatusOK, &u)
	if u.ID == "" || u.Email != email {
		c.t.Fatalf("GET /api/v1/me = %+v; want an id and email %s", u, email)
	}
	return u
}

// checkOrderJSON checks the order the API answered against w, created_at
// aside (checked against the table).
func (c *shopClient) checkOrderJSON(label string, got orderJSON, w *wantOrder) {
	c.t.Helper()
	want := orderJSON{ID: w.id, Status: "placed", CreatedAt: got.CreatedAt, Currency: "USD", ItemCount: w.itemCount(),
		SubtotalCents: w.subtotal(), ShippingCents: w.shipping(), TotalCents: w.total(), ShippingAddress: w.address}
	for _, l := range w.lines {
		want.Items = append(want.Items, lineJSON{l.productID, l.name, l.unitPriceCents, l.qty, l.unitPriceCents * int64(l.qty)})
	}
	gotJSON, err := json.Marshal(got)
	if err != nil {
		c.t.Fatal(err)
	}
	wantJSON, err := json.Marshal(want)
	if err != nil {
		c.t.Fatal(err)
	}
	if !bytes.Equal(gotJSON, wantJSON) {
		c.t.Errorf("%s answered\n%s\nwant\n%s", label, gotJSON, wantJSON)
	}
}

// browser is one browser on the shop: a cookie jar, redirects not
// followed (the test checks them), and the shop's Origin on every POST, as
// the cross-origin protection expects of a same-origin form.
type browser struct {
	c  *shopClient
	hc *http.Client
}

type pageAnswer struct {
	t      *testing.T
	what   string
	status int
	header http.Header
	body   string
}

func (c *shopClient) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return &browser{c: c, hc: &http.Client{Jar: jar, Timeout: c.hc.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) *pageAnswer {
	b.c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.c.base+path, nil)
	if err != nil {
		b.c.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) *pageAnswer {
	b.c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.c.base)
	return b.do(req)
}

func (b *browser) do(req *http.Request) *pageAnswer {
	b.c.t.Helper()
	res, err := b.hc.Do(req)
	if err != nil {
		b.c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.c.t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return &pageAnswer{t: b.c.t, what: req.Method + " " + req.URL.Path, status: res.StatusCode, header: res.Header, body: string(body)}
}

// want fails the test unless the answer has the status.
func (a *pageAnswer) want(status int) *pageAnswer {
	a.t.Helper()
	if a.status != status {
		a.t.Fatalf("%s = %d (Location %q); want %d\n%s", a.what, a.status, a.header.Get("Location"), status, a.body)
	}
	return a
}
