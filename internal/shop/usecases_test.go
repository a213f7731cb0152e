package shop_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"storefront/internal/shop"
)

// The use cases the pages and the API call, one call each: BrowseCatalog,
// StartVisit, SignUp, LogIn, AddToVisitorCart, and the small rules they
// show (StockForSale, NeedsPriceConfirmation, the stock and price
// messages).

func TestBrowseCatalog(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name                      string
		req                       shop.CatalogRequest
		wantIDs                   []string
		wantPage, wantPerPage     int
		wantTotal, wantPages      int
		wantCategories, wantField string
	}{
		{name: "defaults", req: shop.CatalogRequest{}, wantIDs: []string{"kettle", "mug", "spade"},
			wantPage: 1, wantPerPage: shop.DefaultPerPage, wantTotal: 3, wantPages: 1},
		{name: "with categories", req: shop.CatalogRequest{WithCategories: true}, wantIDs: []string{"kettle", "mug", "spade"},
			wantPage: 1, wantPerPage: shop.DefaultPerPage, wantTotal: 3, wantPages: 1, wantCategories: "garden,kitchen"},
		{name: "second page", req: shop.CatalogRequest{Page: "2", PerPage: "2"}, wantIDs: []string{"spade"},
			wantPage: 2, wantPerPage: 2, wantTotal: 3, wantPages: 2},
		{name: "past the end", req: shop.CatalogRequest{Page: "9", Sort: shop.SortPriceDesc}, wantIDs: nil,
			wantPage: 9, wantPerPage: shop.DefaultPerPage, wantTotal: 3, wantPages: 1},
		{name: "page 0", req: shop.CatalogRequest{Page: "0", WithCategories: true}, wantCategories: "garden,kitchen", wantField: "page"},
		{name: "page past the limit", req: shop.CatalogRequest{Page: "10001"}, wantField: "page"},
		{name: "page not a number", req: shop.CatalogRequest{Page: "1e3"}, wantField: "page"},
		{name: "per_page past the limit", req: shop.CatalogRequest{PerPage: "101"}, wantField: "per_page"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := f.svc.BrowseCatalog(t.Context(), c.req)
			if got == nil {
				t.Fatalf("BrowseCatalog(%+v) = nil, %v; want a catalog", c.req, err)
			}
			var categories []string
			for _, cat := range got.Categories {
				categories = append(categories, cat.ID)
			}
			if strings.Join(categories, ",") != c.wantCategories {
				t.Errorf("categories = %v; want %s", categories, c.wantCategories)
			}
			if c.wantField != "" {
				var verr *shop.ValidationError
				if !errors.As(err, &verr) || verr.Fields[c.wantField] == "" {
					t.Fatalf("BrowseCatalog(%+v) = %v; want a message for %s", c.req, err, c.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("BrowseCatalog(%+v) = %v", c.req, err)
			}
			var ids []string
			for _, p := range got.Products {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, c.wantIDs) || got.Query.Page != c.wantPage || got.Query.PerPage != c.wantPerPage ||
				got.Total != c.wantTotal || got.Pages != c.wantPages {
				t.Errorf("BrowseCatalog(%+v) = %v page %d per_page %d total %d pages %d; want %v page %d per_page %d total %d pages %d",
					c.req, ids, got.Query.Page, got.Query.PerPage, got.Total, got.Pages,
					c.wantIDs, c.wantPage, c.wantPerPage, c.wantTotal, c.wantPages)
			}
		})
	}
}

func TestPageLimitMessageNamesTheLimit(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.BrowseCatalog(t.Context(), shop.CatalogRequest{Page: "10001"})
	var verr *shop.ValidationError
	if !errors.As(err, &verr) || !strings.Contains(verr.Fields["page"], "10000") {
		t.Errorf("BrowseCatalog(page 10001) = %v; want the page message naming MaxPage", err)
	}
	if shop.MaxPage != 10000 {
		t.Errorf("MaxPage = %d; want 10000 (the API's documented limit)", shop.MaxPage)
	}
}

func TestAddToVisitorCart(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()

	// A guest's first add starts the session that holds the cart.
	added, err := f.svc.AddToVisitorCart(ctx, &shop.Visit{}, "kettle", "2")
	if err != nil || added.Guest == nil || added.Product != nil {
		t.Fatalf("AddToVisitorCart(guest) = %+v, %v; want a new guest session", added, err)
	}
	if c := f.mustCart(t, added.Guest.Session.CartID); c.ItemCount != 2 {
		t.Errorf("guest cart holds %d items; want 2", c.ItemCount)
	}
	visit, err := f.svc.StartVisit(ctx, added.Guest.Token)
	if err != nil || visit.Session == nil || visit.User != nil || visit.CartCount() != 2 {
		t.Fatalf("StartVisit(guest token) = %+v, %v; want the guest session with 2 items", visit, err)
	}

	// An add to an existing session starts none; refusals come with the
	// product to show again.
	for _, c := range []struct {
		name, product, quantity string
		isErr                   func(error) bool
	}{
		{"bad quantity", "kettle", "0", func(err error) bool { var v *shop.ValidationError; return errors.As(err, &v) }},
		{"short stock", "spade", "2", func(err error) bool { return errors.Is(err, shop.ErrOutOfStock) }},
	} {
		out, err := f.svc.AddToVisitorCart(ctx, visit, c.product, c.quantity)
		if !c.isErr(err) || out == nil || out.Product == nil || out.Product.ID != c.product || out.Guest != nil {
			t.Errorf("%s: AddToVisitorCart = %+v, %v; want the refusal with product %s and no new session", c.name, out, err, c.product)
		}
	}
	out, err := f.svc.AddToVisitorCart(ctx, visit, "no-such", "1")
	if !errors.Is(err, shop.ErrNotFound) || out == nil || out.Product != nil {
		t.Errorf("AddToVisitorCart(unknown product) = %+v, %v; want ErrNotFound without a product", out, err)
	}

	// A refused quantity starts no session for a guest; short stock does,
	// as the session exists before the add is refused.
	if out, err := f.svc.AddToVisitorCart(ctx, &shop.Visit{}, "kettle", "abc"); err == nil || out.Guest != nil {
		t.Errorf("AddToVisitorCart(guest, abc) = %+v, %v; want a refusal and no session", out, err)
	}
	if out, err := f.svc.AddToVisitorCart(ctx, &shop.Visit{}, "spade", "5"); !errors.Is(err, shop.ErrOutOfStock) || out.Guest == nil {
		t.Errorf("AddToVisitorCart(guest, short) = %+v, %v; want ErrOutOfStock with the session started", out, err)
	}
}

func TestStartVisit(t *testing.T) {
	f := newFixture(t)
	v, err := f.svc.StartVisit(t.Context(), "")
	if err != nil || v.Session != nil || v.User != nil || v.CartID() != "" || v.CartCount() != 0 {
		t.Errorf("StartVisit(\"\") = %+v, %v; want an empty visit", v, err)
	}
	if _, err := f.svc.StartVisit(t.Context(), "no-such-token"); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("StartVisit(unknown) = %v; want ErrUnauthorized", err)
	}
}

func TestSignUpAndLogInReplaceTheBrowsersSession(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	guest, err := f.svc.AddToVisitorCart(ctx, &shop.Visit{}, "mug", "1")
	if err != nil {
		t.Fatal(err)
	}
	guestVisit, err := f.svc.StartVisit(ctx, guest.Guest.Token)
	if err != nil {
		t.Fatal(err)
	}
	in := shop.RegisterInput{Email: "ada@example.com", Name: "Ada Lovelace", Password: goodPassword, ConfirmPassword: goodPassword}
	ada, err := f.svc.SignUp(ctx, in, guestVisit)
	if err != nil {
		t.Fatalf("SignUp = %v", err)
	}
	adaVisit, err := f.svc.StartVisit(ctx, ada.Token)
	if err != nil || adaVisit.User == nil || adaVisit.CartCount() != 1 {
		t.Fatalf("StartVisit(after SignUp) = %+v, %v; want Ada with the guest's mug", adaVisit, err)
	}
	if _, err := f.svc.StartVisit(ctx, guest.Guest.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("the guest session after SignUp: %v; want it ended", err)
	}
	other := in
	other.Password, other.ConfirmPassword = goodPassword+" 2", goodPassword+" 2"
	if _, err := f.svc.SignUp(ctx, other, &shop.Visit{}); !errors.Is(err, shop.ErrEmailTaken) {
		t.Errorf("SignUp(the same email, another password) = %v; want ErrEmailTaken", err)
	}
	// The same form again (a double click): signed in to the account.
	if again, err := f.svc.SignUp(ctx, in, &shop.Visit{}); err != nil || again.User.ID != ada.User.ID {
		t.Errorf("SignUp(the same form again) = %+v, %v; want Ada signed in", again, err)
	}

	// Another user signing in on Ada's browser ends Ada's session.
	f.register(t, "grace@example.com")
	grace, err := f.svc.LogIn(ctx, "grace@example.com", goodPassword, "192.0.2.1", adaVisit)
	if err != nil || grace.User.Email != "grace@example.com" {
		t.Fatalf("LogIn(grace) = %+v, %v", grace, err)
	}
	if _, err := f.svc.StartVisit(ctx, ada.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("Ada's session after Grace signed in on her browser: %v; want it ended", err)
	}
	if _, err := f.svc.LogIn(ctx, "grace@example.com", "wrong password here", "192.0.2.1", &shop.Visit{}); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Errorf("LogIn(wrong password) = %v; want ErrInvalidCredentials", err)
	}
}

func TestStockForSale(t *testing.T) {
	for _, c := range []struct {
		p    shop.Product
		want int
	}{
		{shop.Product{Stock: 5, Active: true}, 5},
		{shop.Product{Stock: 0, Active: true}, 0},
		{shop.Product{Stock: -2, Active: true}, 0},
		{shop.Product{Stock: 5, Active: false}, 0},
	} {
		if got := c.p.StockForSale(); got != c.want {
			t.Errorf("%+v.StockForSale() = %d; want %d", c.p, got, c.want)
		}
		if got := c.p.CanBeBought(); got != (c.want > 0) {
			t.Errorf("%+v.CanBeBought() = %v; want %v", c.p, got, c.want > 0)
		}
	}
}

func TestNeedsPriceConfirmation(t *testing.T) {
	line := func(seen, now shop.Money, withdrawn bool) shop.CartViewLine {
		return shop.CartViewLine{OrderLine: shop.OrderLine{UnitPriceCents: now}, SeenPriceCents: seen, Withdrawn: withdrawn}
	}
	for _, c := range []struct {
		line shop.CartViewLine
		want bool
	}{
		{line(1000, 1000, false), false},
		{line(900, 1000, false), true},
		{line(1000, 1000, true), true},
	} {
		if got := c.line.NeedsPriceConfirmation(); got != c.want {
			t.Errorf("%+v.NeedsPriceConfirmation() = %v; want %v", c.line, got, c.want)
		}
		cart := &shop.CartView{Lines: []shop.CartViewLine{line(500, 500, false), c.line}}
		if got := cart.NeedsPriceConfirmation(); got != c.want {
			t.Errorf("cart with %+v: NeedsPriceConfirmation() = %v; want %v", c.line, got, c.want)
		}
	}
	if (&shop.CartView{}).NeedsPriceConfirmation() {
		t.Error("an empty cart needs a price confirmation")
	}
}

func TestRefusalMessages(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{shop.Shortage{Name: "Mug", Requested: 3, Available: 0}.Message(), "Mug is out of stock."},
		{shop.Shortage{Name: "Mug", Requested: 3, Available: 2}.Message(), "Mug: only 2 left in stock, not enough for 3."},
		{(&shop.StockError{Items: []shop.Shortage{{Name: "Mug", Requested: 3}, {Name: "Pan", Requested: 2, Available: 1}}}).Message(),
			"Mug is out of stock. Pan: only 1 left in stock, not enough for 2."},
		{shop.PriceChange{Name: "Mug", OldPriceCents: 1000, NewPriceCents: 1250}.Message(), "Mug now costs $12.50 (it was $10.00 when you added it)."},
		{shop.PriceChange{Name: "Mug", Withdrawn: true}.Message(), "Mug is no longer sold; confirming removes it from your cart."},
		{shop.PriceChange{Withdrawn: true}.Message(), "A product in your cart is no longer sold; confirming removes it from your cart."},
	} {
		if c.got != c.want {
			t.Errorf("message = %q; want %q", c.got, c.want)
		}
	}
}
