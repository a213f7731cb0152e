package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"storefront/internal/shop"
)

// stockOf reads a product's stock from the store.
func (e *testEnv) stockOf(id string) int {
	e.tb.Helper()
	p, err := e.store.Product(e.tb.Context(), id)
	if err != nil {
		e.tb.Fatalf("Product(%s) = %v", id, err)
	}
	return p.Stock
}

// buyOne adds quantity of productID to the signed-in shopper's cart and
// checks out; it returns the new order's page and id.
func (c *pageClient) buyOne(productID string, quantity int) (orderURL, id string) {
	c.t.Helper()
	c.addToCart(productID, quantity)
	orderURL = c.post("/checkout", c.checkoutForm()).Header.Get("Location")
	if !orderPath.MatchString(orderURL) {
		c.t.Fatalf("checkout: Location %q; want an order page", orderURL)
	}
	return orderURL, strings.TrimPrefix(orderURL, "/orders/")
}

// TestAPIOrderLifecycle: the order JSON shows the status history from
// placed and, once shipped, the tracking number; the buyer cancels a
// placed order once (409 after), others get 404; staff move orders through
// the lifecycle, list them by status and read the audit log.
func TestAPIOrderLifecycle(t *testing.T) {
	e := newEnv(t)
	buyer := e.signUp("ada@example.com")
	other := e.signUp("bob@example.com")
	staff := e.newStaffClients("sam@example.com")
	cancelled := e.orderOne(buyer, "kettle", "key-cancelled-1")
	shipped := e.orderOne(buyer, "trowel", "key-shipped-1")

	var o orderJSON
	res := e.do(apiReq{Method: "GET", Path: "/api/v1/orders/" + cancelled, Token: buyer})
	res.want(t, 200, "")
	res.decode(t, &o)
	if len(o.StatusHistory) != 1 || o.StatusHistory[0].Status != "placed" || o.StatusHistory[0].At != o.CreatedAt || o.TrackingNumber != "" {
		t.Errorf("new order's status_history %+v, tracking %q; want [placed at created_at], none", o.StatusHistory, o.TrackingNumber)
	}

	e.do(apiReq{Method: "POST", Path: "/api/v1/orders/" + cancelled + "/cancel", Token: other}).want(t, 404, "not_found")
	e.do(apiReq{Method: "POST", Path: "/api/v1/orders/" + cancelled + "/cancel"}).want(t, 401, "unauthorized")
	if got := e.stockOf("kettle"); got != 9 {
		t.Fatalf("kettle stock after the order = %d; want 9", got)
	}
	res = e.do(apiReq{Method: "POST", Path: "/api/v1/orders/" + cancelled + "/cancel", Token: buyer})
	res.want(t, 200, "")
	res.decode(t, &o)
	if o.Status != "cancelled" || len(o.StatusHistory) != 2 || o.StatusHistory[1].Status != "cancelled" {
		t.Errorf("cancelled order = status %s, history %+v; want cancelled after placed", o.Status, o.StatusHistory)
	}
	e.do(apiReq{Method: "POST", Path: "/api/v1/orders/" + cancelled + "/cancel", Token: buyer}).want(t, 409, "invalid_transition")
	if got := e.stockOf("kettle"); got != 10 {
		t.Errorf("kettle stock after the cancellation = %d; want 10, put back once", got)
	}

	var list struct {
		Items []adminOrderJSON `json:"items"`
	}
	res = e.do(apiReq{Method: "GET", Path: "/api/v1/admin/orders?status=placed", Token: staff.Token})
	res.want(t, 200, "")
	res.decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != shipped || list.Items[0].UserEmail != "ada@example.com" {
		t.Errorf("GET /api/v1/admin/orders?status=placed = %+v; want the one placed order with its buyer's email", list.Items)
	}
	e.do(apiReq{Method: "GET", Path: "/api/v1/admin/orders?status=lost", Token: staff.Token}).want(t, 422, "validation_failed")
	for _, path := range []string{"/api/v1/admin/orders?status=%zz", "/api/v1/admin/products?page=%", "/api/v1/admin/audit?limit=%"} {
		e.do(apiReq{Method: "GET", Path: path, Token: staff.Token}).want(t, 422, "validation_failed")
	}
	e.do(apiReq{Method: "GET", Path: "/api/v1/admin/orders", Token: buyer}).want(t, 404, "not_found")

	move := func(id, body string) *apiResp {
		return e.do(apiReq{Method: "POST", Path: "/api/v1/admin/orders/" + id + "/status", Token: staff.Token, Body: body})
	}
	move(shipped, `{"status": "shipped", "tracking_number": "T1"}`).want(t, 409, "invalid_transition")
	move(shipped, `{"status": "accepted"}`).want(t, 200, "")
	res = move(shipped, `{"status": "shipped"}`)
	res.want(t, 422, "validation_failed")
	if f := res.fields(t); len(f["tracking_number"]) == 0 {
		t.Errorf("shipping without a tracking number: fields %v; want tracking_number", f)
	}
	move(shipped, `{"status": "shipped", "tracking_number": "1Z999", "note": "x"}`).want(t, 422, "validation_failed")
	move("missing", `{"status": "accepted"}`).want(t, 404, "not_found")
	res = move(shipped, `{"status": "shipped", "tracking_number": "1Z999"}`)
	res.want(t, 200, "")
	var moved adminOrderJSON
	res.decode(t, &moved)
	if moved.Status != "shipped" || moved.TrackingNumber != "1Z999" || len(moved.StatusHistory) != 3 {
		t.Errorf("shipped order = %+v; want shipped, tracking 1Z999, three statuses", moved)
	}
	res = e.do(apiReq{Method: "GET", Path: "/api/v1/orders/" + shipped, Token: buyer})
	res.want(t, 200, "")
	res.decode(t, &o)
	if o.TrackingNumber != "1Z999" || o.Status != "shipped" {
		t.Errorf("buyer's view of the shipped order = %+v; want shipped with tracking 1Z999", o)
	}

	var audit struct {
		Items      []auditEntryJSON `json:"items"`
		NextBefore string           `json:"next_before"`
	}
	res = e.do(apiReq{Method: "GET", Path: "/api/v1/admin/audit?limit=1", Token: staff.Token})
	res.want(t, 200, "")
	res.decode(t, &audit)
	if len(audit.Items) != 1 || audit.Items[0].Action != "order.status" || audit.Items[0].Target != shipped ||
		audit.Items[0].Actor != staff.User.ID || !strings.Contains(audit.Items[0].After, "shipped") || audit.NextBefore == "" {
		t.Fatalf("GET /api/v1/admin/audit?limit=1 = %+v; want the shipping, newest first, by the staff member, with a next page", audit)
	}
	res = e.do(apiReq{Method: "GET", Path: "/api/v1/admin/audit?before=" + url.QueryEscape(audit.NextBefore), Token: staff.Token})
	res.want(t, 200, "")
	audit.Items, audit.NextBefore = nil, ""
	res.decode(t, &audit)
	if len(audit.Items) == 0 || !strings.Contains(audit.Items[0].After, "accepted") || audit.NextBefore != "" {
		t.Errorf("the audit log's next page = %+v; want the acceptance first (then older staff changes), and no page after", audit)
	}
	e.do(apiReq{Method: "GET", Path: "/api/v1/admin/audit?limit=0", Token: staff.Token}).want(t, 422, "validation_failed")
	e.do(apiReq{Method: "GET", Path: "/api/v1/admin/audit", Token: buyer}).want(t, 404, "not_found")
}

// TestOrderPagesLifecycle: the buyer's order page offers Cancel while the
// order is placed and shows the history; staff find the order in their
// list, see the buyer and address, move it (shipped asks for the tracking
// number, with an accessible message), and the buyer then sees the
// tracking number; the dashboard and the audit log show the changes.
func TestOrderPagesLifecycle(t *testing.T) {
	e := newEnv(t)
	buyer := e.client()
	buyer.register("ada@example.com", "Ada")
	orderURL, id := buyer.buyOne("kettle", 2)
	page := buyer.get(orderURL).wantStatus(http.StatusOK)
	page.wantContains(`action="/orders/`+id+`/cancel"`, `data-status="placed"`)
	page.wantText("order-status", "placed")

	staff := e.newStaffClients("sam@example.com")
	list := staff.Page.get("/admin/orders?status=placed").wantStatus(http.StatusOK)
	list.wantContains(`data-order-id="`+id+`"`, "ada@example.com")
	staff.Page.get("/admin/orders?status=accepted").wantStatus(http.StatusOK).wantNotContains(`data-order-id="` + id + `"`)
	bad := staff.Page.get("/admin/orders?from=yesterday").wantStatus(http.StatusUnprocessableEntity)
	bad.wantFieldError("from", "YYYY-MM-DD")
	staff.Page.get("/admin").wantStatus(http.StatusOK).wantContains(`id="recent-orders"`, `data-order-id="`+id+`"`)

	detail := staff.Page.get("/admin/orders/" + id).wantStatus(http.StatusOK)
	detail.wantContains("SW1Y 4JH", `id="status-accepted"`, `id="status-cancelled"`)
	detail.wantNotContains(`id="status-shipped"`)
	detail.wantText("order-customer", "ada@example.com")
	staff.Page.post("/admin/orders/"+id+"/status", url.Values{"status": {"accepted"}}).wantRedirect("/admin/orders/" + id)

	// The buyer can no longer cancel: no button, and the form's POST is 409.
	buyer.get(orderURL).wantNotContains(`action="/orders/` + id + `/cancel"`)
	buyer.post("/orders/"+id+"/cancel", nil).wantStatus(http.StatusConflict).wantContains(`href="/orders/` + id + `"`)

	refused := staff.Page.post("/admin/orders/"+id+"/status", url.Values{"status": {"shipped"}, "tracking_number": {""}})
	refused.wantStatus(http.StatusUnprocessableEntity)
	refused.wantFieldError("tracking_number", "tracking number")
	staff.Page.post("/admin/orders/"+id+"/status", url.Values{"status": {"delivered"}}).wantStatus(http.StatusConflict).
		wantContains("does not allow that change")
	staff.Page.post("/admin/orders/"+id+"/status", url.Values{"status": {"shipped"}, "tracking_number": {"1Z999AA1"}}).
		wantRedirect("/admin/orders/" + id)
	staff.Page.get("/admin/orders/"+id).wantContains(`id="status-delivered"`).wantText("tracking-number", "1Z999AA1")

	mine := buyer.get(orderURL)
	mine.wantText("tracking-number", "1Z999AA1")
	mine.wantContains(`data-status="placed"`, `data-status="accepted"`, `data-status="shipped"`)

	audit := staff.Page.get("/admin/audit").wantStatus(http.StatusOK)
	audit.wantContains("order.status", id, `{&#34;status&#34;:&#34;shipped&#34;,&#34;tracking_number&#34;:&#34;1Z999AA1&#34;}`)
	if e.client().get("/admin/audit").Status != http.StatusNotFound || buyer.get("/admin/orders/"+id).Status != http.StatusNotFound {
		t.Errorf("the audit log or an order's staff page answers someone but staff; want 404")
	}
}

// TestBuyerCancelsFromOrderPage: the Cancel button cancels, the stock
// comes back, and another shopper cannot cancel the order.
func TestBuyerCancelsFromOrderPage(t *testing.T) {
	e := newEnv(t)
	buyer := e.client()
	buyer.register("ada@example.com", "Ada")
	orderURL, id := buyer.buyOne("trowel", 3)
	other := e.client()
	other.register("bob@example.com", "Bob")
	other.post("/orders/"+id+"/cancel", nil).wantStatus(http.StatusNotFound)
	e.client().post("/orders/"+id+"/cancel", nil).wantStatus(http.StatusNotFound)
	if got := e.stockOf("trowel"); got != 47 {
		t.Fatalf("trowel stock after the order = %d; want 47", got)
	}
	buyer.post("/orders/"+id+"/cancel", nil).wantRedirect(orderURL)
	page := buyer.get(orderURL)
	page.wantText("order-status", "cancelled")
	page.wantContains(`data-status="cancelled"`)
	page.wantNotContains(`action="/orders/` + id + `/cancel"`)
	if got := e.stockOf("trowel"); got != 50 {
		t.Errorf("trowel stock after the cancellation = %d; want 50", got)
	}
}

// TestStaffOrderListPages: staff reach every order a page at a time, in
// the API (next_before, asked for as before) and on /admin/orders (an
// "Older orders" link keeping the filter); before, only the newest 200
// could be listed. (Orders of one millisecond: the stores' suite.)
func TestStaffOrderListPages(t *testing.T) {
	e := newEnv(t)
	buyer := e.signUp("ada@example.com")
	staff := e.newStaffClients("sam@example.com")
	const orders = shop.DefaultOrderList + 3
	placed := map[string]bool{}
	for i := range orders {
		placed[e.orderOne(buyer, fmt.Sprintf("notebook-%02d", 1+i%16), fmt.Sprintf("key-page-%03d", i))] = true
	}

	var walked []string
	path := "/api/v1/admin/orders?status=placed&limit=7"
	for range orders {
		var page struct {
			Items      []adminOrderJSON `json:"items"`
			NextBefore string           `json:"next_before"`
		}
		res := e.do(apiReq{Method: "GET", Path: path, Token: staff.Token})
		res.want(t, 200, "")
		res.decode(t, &page)
		for _, o := range page.Items {
			walked = append(walked, o.ID)
		}
		if page.NextBefore == "" {
			break
		}
		path = "/api/v1/admin/orders?status=placed&limit=7&before=" + url.QueryEscape(page.NextBefore)
	}
	whole, err := e.store.SearchOrders(t.Context(), shop.OrderQuery{Status: shop.OrderStatusPlaced, Limit: shop.MaxOrderList})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, o := range whole {
		if placed[o.ID] {
			want = append(want, o.ID)
		}
	}
	if len(want) != orders || !slices.Equal(walked, want) {
		t.Errorf("the API's pages listed\n%v\nwant all %d orders once, as one page lists them:\n%v", walked, orders, want)
	}
	e.do(apiReq{Method: "GET", Path: "/api/v1/admin/orders?before=yesterday", Token: staff.Token}).want(t, 422, "validation_failed")

	first := staff.Page.get("/admin/orders?status=placed").wantStatus(http.StatusOK)
	if n := strings.Count(first.Body, "data-order-id="); n != shop.DefaultOrderList {
		t.Errorf("first page lists %d orders; want %d", n, shop.DefaultOrderList)
	}
	m := regexp.MustCompile(`<a href="([^"]+)" rel="next" id="older-orders">`).FindStringSubmatch(first.Body)
	if m == nil {
		t.Fatal("first page has no link to older orders")
	}
	older := html.UnescapeString(m[1])
	if !strings.Contains(older, "status=placed") {
		t.Errorf("older orders link %q; want the filter kept", older)
	}
	second := staff.Page.get(older).wantStatus(http.StatusOK).wantNotContains(`id="older-orders"`)
	if n := strings.Count(second.Body, "data-order-id="); n != orders-shop.DefaultOrderList {
		t.Errorf("second page lists %d orders; want %d", n, orders-shop.DefaultOrderList)
	}
	staff.Page.get("/admin/orders?before=nonsense").wantStatus(http.StatusUnprocessableEntity).wantContains("Use the cursor of the last order shown.")
}

// TestAPICallsWithoutBodyRefuseFields: the calls that take no body
// (cancel an order, remove a cart line, revoke the token) refuse one with
// a field in it, 422 naming it, as every call refuses an unknown field;
// no body, whitespace or {} are taken, and nothing was done by a refusal.
func TestAPICallsWithoutBodyRefuseFields(t *testing.T) {
	e := newEnv(t)
	buyer := e.signUp("ada@example.com")
	id := e.orderOne(buyer, "kettle", "key-no-body-1")
	e.do(apiReq{Method: "PUT", Path: "/api/v1/cart/items/mug", Token: buyer, Body: `{"quantity": 1}`}).want(t, 200, "")
	for _, call := range []apiReq{
		{Method: "POST", Path: "/api/v1/orders/" + id + "/cancel"},
		{Method: "DELETE", Path: "/api/v1/cart/items/mug"},
		{Method: "DELETE", Path: "/api/v1/tokens/current"},
	} {
		call.Token, call.Body = buyer, `{"reason": "changed my mind"}`
		res := e.do(call)
		res.want(t, 422, "validation_failed")
		if !strings.Contains(string(res.Body), `"reason"`) {
			t.Errorf("%s %s with a field: %s; want the field named", call.Method, call.Path, res.Body)
		}
		call.Body, call.ContentType = "reason=none", "application/x-www-form-urlencoded"
		e.do(call).want(t, 415, "unsupported_media_type")
	}
	var o orderJSON
	res := e.do(apiReq{Method: "GET", Path: "/api/v1/orders/" + id, Token: buyer})
	res.decode(t, &o)
	if o.Status != "placed" {
		t.Errorf("order after the refused cancellations = %s; want placed", o.Status)
	}
	for _, body := range []string{"", " \n", "{}"} {
		e.do(apiReq{Method: "DELETE", Path: "/api/v1/cart/items/mug", Token: buyer, Body: body}).want(t, 200, "")
	}
	e.do(apiReq{Method: "POST", Path: "/api/v1/orders/" + id + "/cancel", Token: buyer, Body: "{}"}).want(t, 200, "")
	e.do(apiReq{Method: "DELETE", Path: "/api/v1/tokens/current", Token: buyer, Body: " "}).want(t, 204, "")
}
