package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// samplePages is sample data for every page template.
func samplePages() map[string]pageView {
	user := &shop.User{ID: "u1", Email: "ada@example.com", Name: "Ada <Lovelace>"}
	mug := shop.Product{ID: "mug", Name: "Stoneware Mug", Description: "Holds tea.", Category: "kitchen", PriceCents: 1250, Stock: 2, Active: true}
	lamp := shop.Product{ID: "lamp", Name: "Reading Lamp", Description: "Warm light.", Category: "home", PriceCents: 8000, Active: true}
	line := shop.CartViewLine{OrderLine: shop.OrderLine{ProductID: "mug", Name: "Stoneware Mug", UnitPriceCents: 1250, Quantity: 2, LineTotalCents: 2500},
		SeenPriceCents: 1100, Available: 2}
	cart := &shop.CartView{ID: "user-u1", Lines: []shop.CartViewLine{line}, Totals: shop.Totals{ItemCount: 2, SubtotalCents: 2500, ShippingCents: 500, TotalCents: 3000}}
	order := &shop.Order{ID: "oabc", UserID: "u1", Status: shop.OrderStatusPlaced, CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Currency: shop.Currency, Items: []shop.OrderLine{line.OrderLine}, Totals: shop.Totals{ItemCount: 2, SubtotalCents: 2500, ShippingCents: 500, TotalCents: 3000},
		ShippingAddress: shop.Address{FullName: "Ada", Line1: "1 Road", Line2: "Flat 2", City: "London", PostalCode: "N1", Country: "GB"}}
	fields := map[string]string{"email": "Bad email.", "name": "Bad name.", "password": "Bad password.", "confirm_password": "No match.",
		"current_password": "Wrong.", "new_password": "Too short.", "line1": "Enter the street.", "country": "Choose one."}

	catalog := &catalogView{layoutView: layoutView{Title: "Products"}, Heading: "Products", Query: "mug", SortOptions: sortOptions,
		Products: []productCardView{newProductCard(mug), newProductCard(lamp)}, Total: 30, Page: 2, Pages: 3,
		PrevURL: catalogURL("mug", "", "", 1), NextURL: catalogURL("mug", "", "", 3)}
	catalog.setCategories([]shop.Category{{ID: "kitchen", Name: "Kitchen", ProductCount: 1}, {ID: "home", Name: "Home", ProductCount: 1}})
	product := newProductView(&mug, "3")
	product.Quantity.Error = "Only 2 left."
	product.Breadcrumbs = []crumbView{{URL: "/", Text: "Home"}, {URL: "/products?category=kitchen", Text: "Kitchen"}, {Text: mug.Name}}
	product.StructuredData = productStructuredData(&mug, "Kitchen", "/images/products/mug.svg", "http://shop.example", product.Breadcrumbs)
	login := newLoginView("ada@example.com", "/checkout")
	login.FormError, login.Notice = "The email or password is not correct.", "Your account was created."
	register := newRegisterView(shop.RegisterInput{Email: "ada@example", Name: "Ada", Password: "secret"}, "/checkout", fields)
	register.FormError = "Please correct the highlighted fields."
	account := newAccountView(user, "Ada", fields)
	account.Notice, account.NameFormError, account.PasswordFormError = "Saved.", "Fix the name.", "Fix the password."
	checkout := newCheckoutView(cart, shop.Address{FullName: "Ada", Country: "GB"}, "key-12345678", fields)
	checkout.FormError, checkout.Problems, checkout.PriceChange = "Some prices changed.", []string{"Mug now costs $12.50."}, true
	forgot := newForgotView("ada@example", fields)
	forgot.FormError, forgot.Notice = "Please correct the highlighted fields.", resetSentNotice
	passwordReset := newResetView("tok-123", fields)
	passwordReset.FormError = "Please correct the highlighted fields."
	return map[string]pageView{
		"password_forgot": forgot,
		"password_reset":  passwordReset,
		"catalog":         catalog,
		"product":         product,
		"cart":            &cartView{layoutView: layoutView{Title: "Your cart"}, Cart: cart, Lines: []cartLineView{{CartViewLine: line, URL: "/products/mug", Quantity: "x", Error: "Quantity must be a whole number from 1 to 99."}}, CookiesNeeded: true, FormError: "Oops.", PricesChanged: true, FreeShipping: shop.FreeShippingThreshold, Totals: newCartTotals("cart", cart)},
		"login":           login,
		"register":        register,
		"account":         account,
		"checkout":        checkout,
		"orders":          &ordersView{layoutView: layoutView{Title: "Your orders"}, Orders: []shop.Order{*order}},
		"order": &orderView{layoutView: layoutView{Title: "Order oabc"}, Order: order, LineTable: newOrderLineTable(order),
			History: historyView{Changes: order.History()}, CanCancel: true},

		// The staff's orders and the audit log (admin_orders.go, admin_audit.go).
		"admin_orders": func() pageView {
			v := &adminOrdersView{adminView: newAdminView("Orders", "/admin/orders"), Orders: []shop.Order{*order}, FormError: "Please correct the highlighted fields.",
				Status: selectView{Name: "status", Label: "Status", Value: "placed", Options: statusOptions("Any status")},
				Email:  fieldView{Name: "email", Label: "Customer email", Type: "email", Value: "ada@example.com"},
				From:   fieldView{Name: "from", Label: "Placed from", Type: "date", Value: "2026-13-01", Error: "Enter a date as YYYY-MM-DD."},
				To:     fieldView{Name: "to", Label: "Placed until", Type: "date"}}
			return v
		}(),
		"admin_order": func() pageView {
			shipped := *order
			shipped.Status, shipped.TrackingNumber = shop.OrderStatusShipped, "1Z999"
			shipped.StatusHistory = []shop.StatusChange{{Status: shop.OrderStatusAccepted, At: order.CreatedAt.Add(time.Hour), Actor: "staff-1"},
				{Status: shop.OrderStatusShipped, At: order.CreatedAt.Add(2 * time.Hour), Actor: "staff-1"}}
			accepted := *order
			accepted.Status = shop.OrderStatusAccepted
			v := newAdminOrderView(&accepted, &shop.ValidationError{Fields: map[string]string{"tracking_number": "Enter the tracking number."}}, "")
			v.Order, v.History = &shipped, historyView{Changes: shipped.History(), ShowActors: true}
			return v
		}(),
		"admin_audit": &adminAuditView{adminView: newAdminView("Audit log", "/admin/audit"), OlderURL: "/admin/audit?before=x",
			Entries: []shop.AuditEntry{{ID: "a1", At: order.CreatedAt, ActorID: "staff-1", Action: shop.AuditOrderStatus, Target: "oabc",
				Before: `{"status":"placed"}`, After: `{"status":"accepted"}`}}},

		"admin_processing": &adminProcessingView{adminView: newAdminView("Order processing", "/admin/processing"),
			DeadLetters: []shop.DeadLetter{{OrderID: "oabc", Event: shop.OrderStatusPlaced, Error: "send: 550 <no such mailbox>", Attempts: 5, At: order.CreatedAt}}},

		// The second factor's step and the staff area.
		"login_code": newLoginCodeView("/checkout", codeProblem),
		"account_second_factor": func() pageView {
			v := newSecondFactorView(user, map[string]string{"code": "Not right."})
			v.FormError = "Please correct the highlighted fields."
			v.Secret, v.QRCode = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", `<svg role="img" aria-label="QR"></svg>`
			return v
		}(),
		"admin_staff": &adminStaffView{adminView: newAdminView("Staff", "/admin/staff"), Staff: []shop.User{*user, {ID: "u2", Name: "Bea", Email: "bea@example.com"}}, Me: "u1"},
		"admin_staff_new": func() pageView {
			v := newAdminStaffNewView(shop.StaffInput{Email: "bea@example", Name: "Bea", Password: "secret"},
				map[string]string{"email": "Bad email.", "password": "Too short.", "current_password": "Wrong."})
			v.FormError = "Please correct the highlighted fields."
			return v
		}(),
		"admin_staff_reset": &adminStaffResetView{adminView: newAdminView("Reset second factor", "/admin/staff"), Member: *user,
			CurrentPassword: currentPasswordField(map[string]string{"current_password": "Wrong."}), FormError: "Wrong."},
		"admin_staff_secret": &adminStaffSecretView{adminView: newAdminView("Staff member added", "/admin/staff"), Heading: "Staff member added",
			Member: user, Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", QRCode: `<svg role="img" aria-label="QR"></svg>`},
		"admin": &adminDashboardView{adminView: newAdminView("Staff area", "/admin"), Staff: user,
			StaffDashboard: shop.StaffDashboard{LowStock: []shop.Product{mug}}},

		// A product's photo (admin_images.go): the uploaded one, and a refusal.
		"admin_product_image": func() pageView {
			withPhoto := mug
			withPhoto.Photo = shop.ProductPhoto{Card: strings.Repeat("a", 32) + ".jpg", Page: strings.Repeat("b", 32) + ".jpg"}
			return newPhotoPage(&withPhoto, true, "The photo is larger than 5 MB; upload one of at most 5 MB.")
		}(),

		// The staff's catalog pages (admin_products.go, admin_categories.go,
		// admin_catalog_import.go), each with its refusals.
		"admin_products": func() pageView {
			req := shop.CatalogRequest{Text: "mug", Category: "kitchen"}
			c := &shop.Catalog{Query: shop.ProductQuery{Page: 2, PerPage: 50}, Products: []shop.Product{mug, lamp}, Total: 120, Pages: 3,
				Categories: []shop.Category{{ID: "kitchen", Name: "Kitchen"}}}
			v := newAdminProductsView(req, c, map[string]string{"q": "Too long."}, "The file was imported.")
			v.Import.File = catalogFileField("The file was not imported.")
			v.Import.Problems = []shop.RowError{{Line: 3, Field: "price_cents", Message: "Bad price."}}
			return v
		}(),
		"admin_product": func() pageView {
			form := &shop.ProductForm{Product: &mug, Categories: []shop.Category{{ID: "kitchen", Name: "Kitchen"}}}
			v := newAdminProductView(form, valuesOf(&mug), map[string]string{"name": "Enter the name.", "description": "Too long.",
				"category": "Choose one.", "price_cents": "Bad price.", "delta": "Only 2 in stock."})
			v.Notice, v.FormError = "Saved.", "Please correct the highlighted fields."
			return v
		}(),
		"admin_categories": newAdminCategoriesView([]shop.Category{{ID: "kitchen", Name: "Kitchen", ProductCount: 3}},
			shop.Category{ID: "kitchen", Name: "Again"}, map[string]string{"id": "Taken.", "name": "Enter the name."}),
		"admin_category": newAdminCategoryView(&shop.Category{ID: "kitchen", Name: "Kitchen"}, "", "Enter the name."),

		"message": &messageView{layoutView: layoutView{Title: "Page not found"}, Heading: "Page not found", Message: "No such page.",
			Details: []string{"More."}, Links: []linkView{{URL: "/", Text: "Back to the shop"}}, ShowRequestID: true},
	}
}

// TestRenderEveryPage renders every page template with sample data and
// checks what every page needs: one h1, a title, lang, the landmarks, a
// label for every control, the field messages wired to their inputs, and
// no password written back.
func TestRenderEveryPage(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), pages: pages, styleURL: staticURL("style.css"), scriptURL: staticURL("pageshow.js")}
	samples := samplePages()
	var names []string
	for name := range pages {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) != len(samples) {
		t.Errorf("pages %v; samples for %d of them: every page needs a sample", names, len(samples))
	}
	controls := regexp.MustCompile(`<(input|select)\b[^>]*>`)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			v, ok := samples[name]
			if !ok {
				t.Fatalf("no sample data for page %q", name)
			}
			w := httptest.NewRecorder()
			w.Header().Set("X-Request-Id", "req-123")
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r = r.WithContext(context.WithValue(r.Context(), ctxKeyVisit, &shop.Visit{User: &shop.User{ID: "u1", Name: "Ada"}}))
			s.render(w, r, http.StatusOK, name, v)
			res := &pageResp{t: t, Status: w.Code, Header: w.Header(), Body: w.Body.String()}
			res.wantStatus(http.StatusOK)
			body := res.Body
			if n := strings.Count(body, "<h1"); n != 1 {
				t.Errorf("%d h1 elements; want 1", n)
			}
			res.wantContains(`<html lang="en">`, `<header class="site-header">`, `<nav class="site-nav" aria-label="Main">`,
				`<main id="main"`, `<footer class="site-footer">`, `action="/logout"`, "| Storefront</title>")
			// The one script is the same-origin pageshow.js; no other. A
			// JSON-LD data block is data, never run (and not subject to
			// script-src).
			body = regexp.MustCompile(`<script type="application/ld\+json">[^<]*</script>`).ReplaceAllString(body, "")
			if n := strings.Count(body, "<script"); n != 1 || !strings.Contains(body, pageshowTag) {
				t.Errorf("page holds %d script elements; want only %s", n, pageshowTag)
			}
			res.Body = strings.Replace(body, pageshowTag, "", 1)
			res.wantNotContains("<no value>", "secret", "<script")
			if strings.Contains(body, "<title> |") {
				t.Error("empty title")
			}
			for _, m := range controls.FindAllString(body, -1) {
				if strings.Contains(m, `type="hidden"`) {
					continue
				}
				id := regexp.MustCompile(`\sid="([^"]+)"`).FindStringSubmatch(m)
				if id == nil || !strings.Contains(body, `<label for="`+id[1]+`">`) {
					t.Errorf("control without a label: %s", m)
					continue
				}
				if strings.Contains(m, `aria-invalid="true"`) {
					desc := regexp.MustCompile(`aria-describedby="([^"]+)"`).FindStringSubmatch(m)
					if desc == nil {
						t.Errorf("invalid control names no message: %s", m)
						continue
					}
					for _, ref := range strings.Fields(desc[1]) {
						if _, ok := res.byID(ref); !ok {
							t.Errorf("%s names #%s, which is missing", m, ref)
						}
					}
				}
			}
			for _, id := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(body, -1) {
				if n := strings.Count(body, ` id="`+id[1]+`"`); n != 1 {
					t.Errorf("id %q used %d times", id[1], n)
				}
			}
		})
	}
}

func TestFieldMessagesOnEveryForm(t *testing.T) {
	samples := samplePages()
	pages, _ := parsePages()
	s := &server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), pages: pages, styleURL: staticURL("style.css"), scriptURL: staticURL("pageshow.js")}
	for page, fields := range map[string][]string{
		"register":        {"email", "name", "password", "confirm_password"},
		"account":         {"name", "current_password", "new_password", "confirm_password"},
		"checkout":        {"address_line1", "country"},
		"product":         {"quantity"},
		"password_forgot": {"email"},
		"password_reset":  {"password", "confirm_password"},
	} {
		w := httptest.NewRecorder()
		s.render(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusUnprocessableEntity, page, samples[page])
		res := &pageResp{t: t, Status: w.Code, Header: w.Header(), Body: w.Body.String()}
		for _, f := range fields {
			res.wantFieldError(f, "")
		}
	}
}

// pageshowTag is how every page loads its one script, pageshow.js: from
// this origin (the policy allows nothing else), never inline.
var pageshowTag = `<script src="` + staticURL("pageshow.js") + `" defer></script>`

// TestLineTables renders the shared line table and totals of the cart,
// checkout and order pages: each page's totals under its own ids, and the
// checkout's notes on a repriced and a withdrawn line.
func TestLineTables(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{log: slog.New(slog.DiscardHandler), pages: pages}
	samples := samplePages()
	withdrawn := shop.CartViewLine{OrderLine: shop.OrderLine{ProductID: "lamp", Name: "Reading Lamp", UnitPriceCents: 8000, Quantity: 1, LineTotalCents: 8000},
		SeenPriceCents: 8000, Withdrawn: true}
	checkout := samples["checkout"].(*checkoutView)
	cart := *checkout.Cart
	cart.Lines = append(cart.Lines, withdrawn)
	samples["checkout"] = newCheckoutView(&cart, shop.Address{}, "key-12345678", nil)
	for page, want := range map[string][]string{
		"cart": {`<dd id="cart-subtotal">$25.00</dd>`, `<dd id="cart-shipping">$5.00</dd>`, `<dd id="cart-total">$30.00</dd>`},
		"checkout": {`<dd id="checkout-subtotal">$25.00</dd>`, `<dd id="checkout-total">$30.00</dd>`,
			`<td data-label="Product">Stoneware Mug <span class="note">(was $11.00)</span></td>`,
			`<td data-label="Product">Reading Lamp <span class="note">(no longer sold)</span></td>`},
		"order": {`<dd id="order-subtotal">$25.00</dd>`, `<dd id="order-total">$30.00</dd>`,
			`<tr data-product-id="mug">`, `<td data-label="Product">Stoneware Mug</td>`, `<td data-label="Total">$25.00</td>`},
	} {
		w := httptest.NewRecorder()
		s.render(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, page, samples[page])
		res := &pageResp{t: t, Status: w.Code, Header: w.Header(), Body: w.Body.String()}
		res.wantContains(want...)
	}
}
