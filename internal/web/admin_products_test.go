package web

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// The staff's catalog pages and API calls: products listed with the
// withdrawn ones, created, edited and restocked; categories; the catalog
// file uploaded and downloaded. Who may reach them is admin_routes_test.go's.

// product reads product id from the store, or fails the test.
func (e *testEnv) product(id string) *shop.Product {
	e.tb.Helper()
	p, err := e.store.Product(e.tb.Context(), id)
	if err != nil {
		e.tb.Fatalf("Product(%s) = %v", id, err)
	}
	return p
}

// postFile posts a multipart form with one file part named field (none
// when data is nil), as a browser's upload form does.
func (c *pageClient) postFile(path, field, fileName string, data []byte) *pageResp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if data != nil {
		part, err := mw.CreateFormFile(field, fileName)
		if err != nil {
			c.t.Fatal(err)
		}
		part.Write(data)
	}
	mw.Close()
	r, err := http.NewRequest(http.MethodPost, c.env.srv.URL+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Origin", c.origin)
	return c.do(r)
}

func TestAdminProductList(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	res := st.Page.get("/admin/products").wantStatus(http.StatusOK)
	res.wantContains(`data-product-id="old-hose"`, "Withdrawn", `data-product-id="notebook-16"`, `href="/admin/products/mug"`,
		`action="/admin/products/import"`, `enctype="multipart/form-data"`)
	st.Page.get("/admin/products?q=hose").wantStatus(http.StatusOK).
		wantContains(`data-product-id="old-hose"`).wantNotContains(`data-product-id="mug"`)
	st.Page.get("/admin/products?category=kitchen").wantStatus(http.StatusOK).
		wantContains(`data-product-id="mug"`).wantNotContains(`data-product-id="old-hose"`)
	st.Page.get("/admin/products?page=0").wantStatus(http.StatusUnprocessableEntity)
	for i := range 40 { // 63 products: two pages of 50
		p := shop.Product{ID: fmt.Sprintf("extra-%02d", i), Name: fmt.Sprintf("Zinc Thing %02d", i), Category: "home",
			PriceCents: 100, Active: true}
		if err := e.store.SaveProduct(t.Context(), &p); err != nil {
			t.Fatal(err)
		}
	}
	st.Page.get("/admin/products").wantContains(`rel="next"`, "page 1 of 2")
	st.Page.get("/admin/products?page=2").wantContains(`rel="prev"`, `data-product-id="extra-39"`)
}

func TestAdminProductCreate(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	st.Page.get("/admin/products/new").wantStatus(http.StatusOK).wantContains(`<option value="kitchen"`)
	form := url.Values{"id": {"desk-lamp"}, "name": {"Desk Lamp"}, "description": {"Bright.\r\nAdjustable."},
		"category": {"home"}, "price_cents": {"-5"}, "stock": {"4"}, "active": {"true"}}
	res := st.Page.post("/admin/products", form).wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("price_cents", "whole number of cents")
	if got := res.inputValue("name"); got != "Desk Lamp" {
		t.Errorf("name after a refused form = %q; want the value kept", got)
	}
	res.wantContains("Bright.\r\nAdjustable.</textarea>", `role="alert"`)
	if _, err := e.store.Product(t.Context(), "desk-lamp"); err == nil {
		t.Fatal("a refused form saved the product")
	}
	form.Set("price_cents", "2500")
	st.Page.post("/admin/products", form).wantRedirect("/admin/products/desk-lamp?saved=created")
	if p := e.product("desk-lamp"); p.PriceCents != 2500 || p.Stock != 4 || !p.Active || p.Description != "Bright.\nAdjustable." {
		t.Errorf("created product = %+v; want price 2500, stock 4, on sale", p)
	}
	st.Page.get("/admin/products/desk-lamp?saved=created").wantStatus(http.StatusOK).wantContains("The product was created.")
	res = st.Page.post("/admin/products", form).wantStatus(http.StatusConflict)
	res.wantFieldError("id", "exists already")
	// The shopper sees it at once.
	e.client().get("/products/desk-lamp").wantStatus(http.StatusOK).wantContains("Desk Lamp")
}

func TestAdminProductEditAndWithdraw(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	shopper := e.client()
	shopper.addToCart("mug", 1)
	st.Page.get("/admin/products/mug").wantStatus(http.StatusOK).wantContains(`value="1250"`, `id="product-stock"`)
	form := url.Values{"name": {"Stoneware Mug"}, "description": {"Holds tea or coffee."}, "category": {"kitchen"},
		"price_cents": {"1400"}, "active": {"true"}}
	st.Page.post("/admin/products/mug", form).wantRedirect("/admin/products/mug?saved=edited")
	if p := e.product("mug"); p.PriceCents != 1400 || !p.Active || p.Stock != 2 {
		t.Errorf("mug after the edit = %+v; want price 1400, on sale, stock 2", p)
	}
	// The shopper whose cart holds it is asked to confirm the new price.
	shopper.get("/cart").wantContains(`action="/cart/confirm-prices"`, "$14.00")

	bad := url.Values{"name": {""}, "description": {""}, "category": {"attic"}, "price_cents": {"1400"}}
	res := st.Page.post("/admin/products/mug", bad).wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("name", "Enter the name")
	res.wantFieldError("category", "Choose a category")

	form.Del("active") // an unticked box sends nothing
	st.Page.post("/admin/products/mug", form).wantRedirect("/admin/products/mug?saved=edited")
	if e.product("mug").Active {
		t.Error("mug after unticking On sale is still active")
	}
	e.client().get("/products").wantNotContains(`href="/products/mug"`)
	st.Page.get("/admin/products/nope").wantStatus(http.StatusNotFound)
}

func TestAdminProductStock(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	st.Page.post("/admin/products/mug/stock", url.Values{"delta": {"+10"}}).wantRedirect("/admin/products/mug?saved=stock")
	st.Page.post("/admin/products/mug/stock", url.Values{"delta": {"-3"}}).wantRedirect("/admin/products/mug?saved=stock")
	if got := e.product("mug").Stock; got != 9 {
		t.Errorf("stock of mug after +10 and -3 from 2 = %d; want 9", got)
	}
	res := st.Page.post("/admin/products/mug/stock", url.Values{"delta": {"-10"}}).wantStatus(http.StatusConflict)
	res.wantFieldError("delta", "at most 9")
	if got := res.inputValue("delta"); got != "-10" {
		t.Errorf("delta after a refused -10 = %q; want the value kept", got)
	}
	for _, delta := range []string{"2.5", "12abc"} {
		res = st.Page.post("/admin/products/mug/stock", url.Values{"delta": {delta}}).wantStatus(http.StatusUnprocessableEntity)
		res.wantFieldError("delta", "whole number")
		if got := res.inputValue("delta"); got != delta {
			t.Errorf("delta after a refused %s = %q; want the value kept", delta, got)
		}
		if got := res.inputValue("price_cents"); got != "1250" {
			t.Errorf("price after a refused restock = %q; want the product's, 1250", got)
		}
	}
	if got := e.product("mug").Stock; got != 9 {
		t.Errorf("stock of mug after refusals = %d; want 9", got)
	}
}

// TestAdminProductPagesDescribeThemselves: the staff's product pages carry
// the staff area's meta description, not the description field of their
// form (which the view once named Description, hiding the layout's).
func TestAdminProductPagesDescribeThemselves(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	want := `<meta name="description" content="` + staffDescription + `">`
	refused := url.Values{"id": {"desk-lamp"}, "name": {""}, "description": {"Bright."}, "category": {"home"},
		"price_cents": {"100"}, "stock": {"1"}}
	for name, res := range map[string]*pageResp{
		"GET /admin/products/mug":      st.Page.get("/admin/products/mug").wantStatus(http.StatusOK),
		"GET /admin/products/new":      st.Page.get("/admin/products/new").wantStatus(http.StatusOK),
		"a refused new product":        st.Page.post("/admin/products", refused).wantStatus(http.StatusUnprocessableEntity),
		"a refused restock of the mug": st.Page.post("/admin/products/mug/stock", url.Values{"delta": {"x"}}).wantStatus(http.StatusUnprocessableEntity),
	} {
		if !strings.Contains(res.Body, want) {
			m := regexp.MustCompile(`<meta name="description"[^>]*>`).FindString(res.Body)
			t.Errorf("%s: meta description %s; want %s", name, m, want)
		}
	}
}

// TestAdminProductReservedIDs: new, export and import are the addresses of
// staff pages under /admin/products/, so a product with such an id could
// not be managed there: the staff form, the API and the catalog file all
// refuse them with the id's message, and create nothing.
func TestAdminProductReservedIDs(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	form := url.Values{"id": {"new"}, "name": {"New Lamp"}, "description": {"Bright."}, "category": {"home"},
		"price_cents": {"2500"}, "stock": {"4"}, "active": {"true"}}
	res := st.Page.post("/admin/products", form).wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("id", "new, export and import are reserved")
	if got := res.inputValue("id"); got != "new" {
		t.Errorf("id after a refused form = %q; want the value kept", got)
	}

	create := map[string]any{"id": "export", "name": "Export Crate", "description": "Sturdy.", "category": "home",
		"price_cents": 2500, "stock": 4, "active": true}
	api := e.do(apiReq{Method: "POST", Path: "/api/v1/admin/products", Token: st.Token, Body: apiJSON(create)})
	api.want(t, 422, "validation_failed")
	if msgs := api.fields(t)["id"]; len(msgs) != 1 || !strings.Contains(msgs[0], "reserved") {
		t.Errorf("POST admin/products with id export: id messages %v; want it reserved", msgs)
	}

	file := csvHeaderText + "\nimport,Import Duty,Paid.,home,100,1,true\n"
	res = st.Page.postFile("/admin/products/import", "file", "catalog.csv", []byte(file)).wantStatus(http.StatusUnprocessableEntity)
	res.wantContains(`<tr><th scope="row">2</th><td>id</td><td>The ids new, export and import are reserved`)

	for _, id := range []string{"new", "export", "import"} {
		if _, err := e.store.Product(t.Context(), id); err == nil {
			t.Errorf("a refused create saved product %s", id)
		}
	}
}

func TestAdminDashboardListsLowStockFirst(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	res := st.Page.get("/admin").wantStatus(http.StatusOK)
	section, ok := res.byID("low-stock")
	if !ok {
		t.Fatalf("no #low-stock on the dashboard\n%s", res.Body)
	}
	// lamp 0, then mug and pan 2 by name; old-hose is withdrawn, kettle has 10.
	lamp, pan, mug := strings.Index(section, "Reading Lamp"), strings.Index(section, "Cast Iron Pan"), strings.Index(section, "Stoneware Mug")
	if lamp < 0 || pan < 0 || mug < 0 || !(lamp < pan && pan < mug) {
		t.Errorf("#low-stock = %s; want Reading Lamp, Cast Iron Pan, Stoneware Mug in that order", section)
	}
	if strings.Contains(section, "Old Hose") || strings.Contains(section, "Enamel Kettle") {
		t.Errorf("#low-stock = %s; want neither the withdrawn hose nor the kettle with 10", section)
	}
	if idx := strings.Index(res.Body, `id="low-stock"`); idx < 0 || idx > strings.Index(res.Body, "</h1>")+400 {
		t.Errorf("the low-stock section is not the dashboard's first")
	}
}

func TestAdminCategories(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	st.Page.get("/admin/categories").wantStatus(http.StatusOK).wantContains(`data-category-id="kitchen"`)
	st.Page.post("/admin/categories", url.Values{"id": {"lighting"}, "name": {"Lighting"}}).wantRedirect("/admin/categories?saved=1")
	res := st.Page.post("/admin/categories", url.Values{"id": {"kitchen"}, "name": {"Again"}}).wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("id", "exists already")
	if got := res.inputValue("name"); got != "Again" {
		t.Errorf("name after a refused form = %q; want it kept", got)
	}
	st.Page.get("/admin/categories/lighting").wantStatus(http.StatusOK).wantContains(`value="Lighting"`)
	st.Page.post("/admin/categories/lighting", url.Values{"name": {"Lamps and lights"}}).wantRedirect("/admin/categories?saved=1")
	st.Page.post("/admin/categories/lighting", url.Values{"name": {""}}).wantStatus(http.StatusUnprocessableEntity).
		wantFieldError("name", "Enter the name")
	e.client().get("/products").wantContains("Lamps and lights")
}

func TestAdminCatalogUploadAndDownload(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	bad := "id,name,description,category,price_cents,stock,active\n" +
		"mug,Mug,Tea.,kitchen,999,3,true\n" +
		"desk-lamp,Desk Lamp,Light.,lighting,-1,3,true\n"
	res := st.Page.postFile("/admin/products/import", "file", "catalog.csv", []byte(bad)).wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("file", "1 problems")
	res.wantContains(`<tr><th scope="row">3</th><td>price_cents</td><td>The price must be`)
	if e.product("mug").PriceCents != 1250 {
		t.Error("a refused file changed the mug")
	}
	st.Page.postFile("/admin/products/import", "file", "catalog.csv", nil).wantStatus(http.StatusUnprocessableEntity).
		wantFieldError("file", "Choose a catalog file")

	good := strings.Replace(bad, "-1,3", "2500,3", 1)
	foreign := *st.Page // the staff member's browser, sent from another site
	foreign.origin = "https://evil.example"
	foreign.postFile("/admin/products/import", "file", "catalog.csv", []byte(good)).wantStatus(http.StatusForbidden)
	foreign.post("/admin/products/mug/stock", url.Values{"delta": {"5"}}).wantStatus(http.StatusForbidden)
	if p := e.product("mug"); p.PriceCents != 1250 || p.Stock != 2 {
		t.Errorf("mug after cross-site posts = %+v; want it unchanged", p)
	}
	res = st.Page.postFile("/admin/products/import", "file", "catalog.csv", []byte(good))
	res.wantRedirect("/admin/products?created=1&updated=1")
	st.Page.follow(res).wantContains("1 products created, 1 updated")
	if p := e.product("desk-lamp"); p.Category != "lighting" || p.PriceCents != 2500 {
		t.Errorf("desk-lamp after the import = %+v; want it in lighting at 2500", p)
	}

	res = st.Page.get("/admin/products/export").wantStatus(http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("export Content-Type = %q; want text/csv", ct)
	}
	rows, err := shop.ReadCatalogCSV(strings.NewReader(res.Body))
	if err != nil || len(rows) != len(testProducts)+1 {
		t.Errorf("export = %d rows, %v; want %d products", len(rows), err, len(testProducts)+1)
	}
}

// TestAdminCatalogUploadPastTheRequestDeadline: a file whose writing takes
// longer than the request's deadline and the server's WriteTimeout is
// written whole and answered; before, it was cut after a batch or two and
// answered "Nothing was changed" (or not at all).
func TestAdminCatalogUploadPastTheRequestDeadline(t *testing.T) {
	e := newEnv(t, withConfig(Config{RequestTimeout: 300 * time.Millisecond}), withServerWriteTimeout(500*time.Millisecond))
	st := e.newStaffClients("sam@example.com")
	const rows = 2*shop.ImportBatch + 500
	e.fail.slowProductSaves(250*time.Millisecond, 0) // three batches: 750 ms
	res := st.Page.postFile("/admin/products/import", "file", "catalog.csv", []byte(importFile(rows)))
	res.wantRedirect(fmt.Sprintf("/admin/products?created=%d&updated=0", rows))
	if n, err := e.store.CountProducts(t.Context()); err != nil || n != len(testProducts)+rows {
		t.Errorf("CountProducts() = %d, %v; want the test catalog's %d and the file's %d", n, err, len(testProducts), rows)
	}
}

// TestAdminCatalogUploadStoppedPartWay: a store that stops answering part
// way through an import is answered 503 saying how much was written and
// that uploading the file again completes it, never "Nothing was changed".
func TestAdminCatalogUploadStoppedPartWay(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	const rows = 2*shop.ImportBatch + 500
	e.fail.slowProductSaves(0, 1)
	res := st.Page.postFile("/admin/products/import", "file", "catalog.csv", []byte(importFile(rows))).
		wantStatus(http.StatusServiceUnavailable).
		wantContains("The import stopped part way: the first 1000 of the file&#39;s 2500 lines were written", "Upload the same file again")
	if strings.Contains(res.Body, "Nothing was changed") || res.Header.Get("Retry-After") == "" {
		t.Errorf("answer says nothing was changed, or has no Retry-After:\n%s", res.Body)
	}
	if n, _ := e.store.CountProducts(t.Context()); n != len(testProducts)+shop.ImportBatch {
		t.Errorf("CountProducts() = %d; want the first batch written", n)
	}
}

// importFile is a catalog file of n new products p0000, p0001, ...
func importFile(n int) string {
	var b strings.Builder
	b.WriteString(csvHeaderText + "\n")
	for i := range n {
		fmt.Fprintf(&b, "p%04d,Product %d,Made to last.,kitchen,100,5,true\n", i, i)
	}
	return b.String()
}

func TestAdminCatalogUploadTooLarge(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	big := bytes.Repeat([]byte("x"), catalogUploadMaxBody+1)
	res := st.Page.postFile("/admin/products/import", "file", "catalog.csv", big)
	if res.Status != http.StatusRequestEntityTooLarge && res.Status != http.StatusUnprocessableEntity {
		t.Errorf("an upload over 20 MB = %d; want 413 or 422", res.Status)
	}
	// A photo-sized form elsewhere keeps the 1 MiB bound.
	res = st.Page.post("/admin/categories", url.Values{"id": {"x"}, "name": {strings.Repeat("n", maxBodyBytes)}})
	if res.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 1 MiB category form = %d; want 413", res.Status)
	}
}

func TestAPIAdminProducts(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	res := e.do(apiReq{Method: "GET", Path: "/api/v1/admin/products?q=hose", Token: st.Token})
	res.want(t, 200, "")
	var page struct {
		Items []adminProductJSON `json:"items"`
		Total int                `json:"total"`
	}
	res.decode(t, &page)
	if page.Total != 1 || page.Items[0].ID != "old-hose" || page.Items[0].Active || page.Items[0].Stock != 5 {
		t.Errorf("GET admin/products?q=hose = %+v; want old-hose, inactive, its stock 5", page)
	}

	create := map[string]any{"id": "desk-lamp", "name": "Desk Lamp", "description": "Bright.", "category": "home",
		"price_cents": 2500, "stock": 4, "active": true}
	e.do(apiReq{Method: "POST", Path: "/api/v1/admin/products", Token: st.Token, Body: apiJSON(create)}).want(t, 201, "")
	e.do(apiReq{Method: "POST", Path: "/api/v1/admin/products", Token: st.Token, Body: apiJSON(create)}).want(t, 409, "product_exists")
	create["id"], create["price_cents"] = "other", 12.5
	res = e.do(apiReq{Method: "POST", Path: "/api/v1/admin/products", Token: st.Token, Body: apiJSON(create)})
	res.want(t, 422, "validation_failed")
	if res.fields(t)["price_cents"] == nil {
		t.Errorf("POST admin/products with price 12.5: fields = %v; want price_cents", res.fields(t))
	}

	res = e.do(apiReq{Method: "PATCH", Path: "/api/v1/admin/products/mug", Token: st.Token,
		Body: `{"price_cents": 1400, "active": false}`})
	res.want(t, 200, "")
	var p adminProductJSON
	res.decode(t, &p)
	if p.PriceCents != 1400 || p.Active || p.Name != "Stoneware Mug" || p.Stock != 2 {
		t.Errorf("PATCH mug = %+v; want price 1400, inactive, name and stock kept", p)
	}
	e.do(apiReq{Method: "PATCH", Path: "/api/v1/admin/products/mug", Token: st.Token, Body: `{"price_cents": -1}`}).
		want(t, 422, "validation_failed")
	e.do(apiReq{Method: "PATCH", Path: "/api/v1/admin/products/mug", Token: st.Token, Body: `{"stock": 9}`}).
		want(t, 422, "validation_failed")
	e.do(apiReq{Method: "PATCH", Path: "/api/v1/admin/products/nope", Token: st.Token, Body: `{"name": "x"}`}).
		want(t, 404, "not_found")

	res = e.do(apiReq{Method: "POST", Path: "/api/v1/admin/products/mug/stock", Token: st.Token, Body: `{"delta": 5}`})
	res.want(t, 200, "")
	res.decode(t, &p)
	if p.Stock != 7 {
		t.Errorf("stock of mug after +5 from 2 = %d; want 7", p.Stock)
	}
	e.do(apiReq{Method: "POST", Path: "/api/v1/admin/products/mug/stock", Token: st.Token, Body: `{"delta": -8}`}).
		want(t, 409, "insufficient_stock")
	e.do(apiReq{Method: "POST", Path: "/api/v1/admin/products/mug/stock", Token: st.Token, Body: `{"delta": 0}`}).
		want(t, 422, "validation_failed")
	if got := e.product("mug").Stock; got != 7 {
		t.Errorf("stock of mug after refusals = %d; want 7", got)
	}

	e.do(apiReq{Method: "POST", Path: "/api/v1/admin/categories", Token: st.Token, Body: `{"id": "lighting", "name": "Lighting"}`}).
		want(t, 201, "")
	e.do(apiReq{Method: "POST", Path: "/api/v1/admin/categories", Token: st.Token, Body: `{"id": "lighting", "name": "Again"}`}).
		want(t, 422, "validation_failed")
	e.do(apiReq{Method: "PATCH", Path: "/api/v1/admin/categories/lighting", Token: st.Token, Body: `{"name": "Lamps"}`}).
		want(t, 200, "")
	e.do(apiReq{Method: "PATCH", Path: "/api/v1/admin/categories/attic", Token: st.Token, Body: `{"name": "Attic"}`}).
		want(t, 404, "not_found")

	// A customer's token gets 404, as for every staff call.
	customer := e.register("ada@example.com")
	e.do(apiReq{Method: "POST", Path: "/api/v1/admin/products/mug/stock", Token: customer, Body: `{"delta": 5}`}).
		want(t, 404, "not_found")
}

// TestAPIRenameCategoryAnswersItsCount: the renamed category in the
// answer has its products counted, as GET /api/v1/categories counts them
// (it answered 0).
func TestAPIRenameCategoryAnswersItsCount(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	res := e.do(apiReq{Method: "PATCH", Path: "/api/v1/admin/categories/kitchen", Token: st.Token, Body: `{"name":"Kitchenware"}`})
	var got categoryJSON
	res.decode(t, &got)
	if res.Status != http.StatusOK || got != (categoryJSON{ID: "kitchen", Name: "Kitchenware", ProductCount: 3}) {
		t.Errorf("PATCH category = %d %+v; want 200 kitchen, Kitchenware, 3 products", res.Status, got)
	}
}
