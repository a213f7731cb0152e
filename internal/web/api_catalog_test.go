package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestAPICategories(t *testing.T) {
	e := newEnv(t)
	res := e.do(apiReq{Method: "GET", Path: "/api/v1/categories"})
	res.want(t, 200, "")
	var got struct{ Items []categoryJSON }
	res.decode(t, &got)
	want := []categoryJSON{{"empty", "Empty", 0}, {"garden", "Garden", 1}, {"home", "Home", 2}, {"kitchen", "Kitchen", 3}, {"paper", "Paper", 16}}
	if !slices.Equal(got.Items, want) {
		t.Errorf("GET /categories = %+v; want %+v (by name, counting products on sale)", got.Items, want)
	}
}

func TestAPIProducts(t *testing.T) {
	e := newEnv(t)
	ids := func(path string) ([]string, productPageJSON) {
		t.Helper()
		res := e.do(apiReq{Method: "GET", Path: path})
		res.want(t, 200, "")
		var page productPageJSON
		res.decode(t, &page)
		var ids []string
		for _, p := range page.Items {
			ids = append(ids, p.ID)
		}
		return ids, page
	}
	cases := []struct {
		path                   string
		want                   []string
		page, perPage, wantTot int
	}{
		{"/api/v1/products", append([]string{"pan", "kettle", "trowel", "chair"}, notebooks(1, 8)...), 1, 12, 22},
		{"/api/v1/products?sort=price_desc", append([]string{"chair", "lamp", "kettle", "pan", "trowel", "mug"}, notebooks(16, 11)...), 1, 12, 22},
		{"/api/v1/products?sort=price_asc&category=kitchen", []string{"mug", "pan", "kettle"}, 1, 12, 3},
		{"/api/v1/products?sort=newest", notebooks(16, 5), 1, 12, 22},
		{"/api/v1/products?sort=newest&category=kitchen", []string{"pan", "mug", "kettle"}, 1, 12, 3},
		{"/api/v1/products?q=TEA", []string{"mug"}, 1, 12, 1},
		{"/api/v1/products?per_page=2&page=2", []string{"trowel", "chair"}, 2, 2, 22},
		{"/api/v1/products?per_page=100&page=3", nil, 3, 100, 22},
		{"/api/v1/products?category=empty", nil, 1, 12, 0},
	}
	for _, c := range cases {
		got, page := ids(c.path)
		if !slices.Equal(got, c.want) || page.Page != c.page || page.PerPage != c.perPage || page.Total != c.wantTot {
			t.Errorf("GET %s = %v page %d per_page %d total %d; want %v page %d per_page %d total %d",
				c.path, got, page.Page, page.PerPage, page.Total, c.want, c.page, c.perPage, c.wantTot)
		}
	}

	for _, c := range []struct{ query, field string }{
		{"page=0", "page"}, {"page=abc", "page"}, {"page=-1", "page"}, {"page=1.5", "page"}, {"page=10001", "page"},
		{"per_page=0", "per_page"}, {"per_page=101", "per_page"}, {"per_page=1e1", "per_page"},
		{"sort=cheapest", "sort"}, {"category=no%20such", "category"},
		// Broken percent-encoding is refused, not taken as no parameter.
		{"per_page=%", "per_page"}, {"q=kettle&page=%2", "page"}, {"%zz=1", "query"}, {"page=2;per_page=3", "query"},
		{"Per-Page=%", "query"},
	} {
		res := e.do(apiReq{Method: "GET", Path: "/api/v1/products?" + c.query})
		res.want(t, 422, "validation_failed")
		if fields := res.fields(t); len(fields[c.field]) != 1 {
			t.Errorf("GET /products?%s: fields = %v; want %s named", c.query, fields, c.field)
		}
	}
}

func TestAPIProduct(t *testing.T) {
	e := newEnv(t)
	res := e.do(apiReq{Method: "GET", Path: "/api/v1/products/pan"})
	res.want(t, 200, "")
	var got productJSON
	res.decode(t, &got)
	want := productJSON{ID: "pan", Name: "Cast Iron Pan", Description: "Heavy and lasting.", Category: "kitchen",
		PriceCents: 2500, Currency: "USD", Stock: 2, ImageURL: "/images/products/pan.svg"}
	if got != want {
		t.Errorf("GET /products/pan = %+v; want %+v", got, want)
	}

	// A product withdrawn from sale is shown, but cannot be bought.
	e.do(apiReq{Method: "GET", Path: "/api/v1/products/old-hose"}).decode(t, &got)
	if got.Stock != 0 {
		t.Errorf("withdrawn product: stock = %d; want 0", got.Stock)
	}

	for _, id := range []string{"nope", "bad%20id", "x%2Fy", strings.Repeat("a", 65)} {
		e.do(apiReq{Method: "GET", Path: "/api/v1/products/" + id}).want(t, 404, "not_found")
	}
}

// TestAPIProductsSearchTextMessages: a control character in q gets a
// message about the character, not the length one; text that is not UTF-8
// is searched as valid text (U+FFFD for each bad sequence), not refused.
func TestAPIProductsSearchTextMessages(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{"%00", "mug%09tea", "a%0Ab"} {
		res := e.do(apiReq{Method: "GET", Path: "/api/v1/products?q=" + q})
		res.want(t, 422, "validation_failed")
		if msgs := res.fields(t)["q"]; len(msgs) != 1 || !strings.Contains(msgs[0], "control") || strings.Contains(msgs[0], "at most") {
			t.Errorf("GET /products?q=%s: q messages %v; want one about control characters", q, msgs)
		}
	}
	res := e.do(apiReq{Method: "GET", Path: "/api/v1/products?q=" + strings.Repeat("x", 101)})
	res.want(t, 422, "validation_failed")
	if msgs := res.fields(t)["q"]; len(msgs) != 1 || !strings.Contains(msgs[0], "at most 100 characters") {
		t.Errorf("GET /products?q=(101 characters): q messages %v; want the length one", msgs)
	}
	res = e.do(apiReq{Method: "GET", Path: "/api/v1/products?q=%ff"})
	res.want(t, 200, "")
	var page productPageJSON
	res.decode(t, &page)
	if page.Total != 0 {
		t.Errorf("GET /products?q=%%ff = total %d; want 0 (nothing matches U+FFFD)", page.Total)
	}
}

// TestAPIProductsPageWithCursor: the cursor says where its page starts, so
// a page beside it is refused naming page, never answered with a page
// number that is not the page returned; the cursor alone still walks on.
func TestAPIProductsPageWithCursor(t *testing.T) {
	e := newEnv(t)
	var first productPageJSON
	e.do(apiReq{Method: "GET", Path: "/api/v1/products?per_page=5"}).decode(t, &first)
	if first.Next == "" {
		t.Fatal("the first page of 5 has no next cursor")
	}
	cursor := url.QueryEscape(first.Next)
	for _, page := range []string{"5", "2"} {
		res := e.do(apiReq{Method: "GET", Path: "/api/v1/products?per_page=5&cursor=" + cursor + "&page=" + page})
		res.want(t, 422, "validation_failed")
		if msgs := res.fields(t)["page"]; len(msgs) != 1 || !strings.Contains(msgs[0], "not both") {
			t.Errorf("GET /products?cursor=C&page=%s: fields %v; want page refused beside the cursor", page, res.fields(t))
		}
	}
	for _, path := range []string{"/api/v1/products?per_page=5&cursor=" + cursor, "/api/v1/products?per_page=5&page=1&cursor=" + cursor} {
		res := e.do(apiReq{Method: "GET", Path: path})
		res.want(t, 200, "")
		var next productPageJSON
		res.decode(t, &next)
		if len(next.Items) != 5 || next.Items[0].ID == first.Items[0].ID {
			t.Errorf("GET %s = %+v; want the 5 products after the first page", path, next.Items)
		}
	}
}

// notebooks returns the ids notebook-FROM to notebook-TO of the test
// catalog, counting down when from > to.
func notebooks(from, to int) []string {
	var ids []string
	for i := from; ; {
		ids = append(ids, fmt.Sprintf("notebook-%02d", i))
		if i == to {
			return ids
		}
		if from < to {
			i++
		} else {
			i--
		}
	}
}
