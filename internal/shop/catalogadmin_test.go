package shop_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"storefront/internal/memstore"
	"storefront/internal/shop"
)

// The staff's catalog management: products created, edited, restocked
// and withdrawn, categories, the low-stock list, import and export.

var staffActor = &shop.User{ID: "staff-1", Email: "staff@example.com", Name: "Sam Staff", Role: shop.RoleStaff}

func ptr[T any](v T) *T { return &v }

func newProductInput() shop.ProductInput {
	return shop.ProductInput{ID: "desk-lamp", Name: "  Desk Lamp ", Description: "A lamp.\r\nFor desks.",
		Category: "kitchen", PriceCents: "2500", Stock: "4", Active: true}
}

func TestCreateProduct(t *testing.T) {
	f := newFixture(t)
	p, err := f.svc.CreateProduct(t.Context(), staffActor, newProductInput())
	if err != nil {
		t.Fatalf("CreateProduct(desk-lamp) = %v; want nil", err)
	}
	want := shop.Product{ID: "desk-lamp", Name: "Desk Lamp", Description: "A lamp.\nFor desks.", Category: "kitchen",
		PriceCents: 2500, Stock: 4, Active: true, CreatedAt: f.clock.Now()}
	if *p != want {
		t.Errorf("CreateProduct(desk-lamp) = %+v; want %+v", *p, want)
	}
	if stored, err := f.store.Product(t.Context(), "desk-lamp"); err != nil || *stored != want {
		t.Errorf("stored product = %+v, %v; want %+v", stored, err, want)
	}
	if _, err := f.svc.CreateProduct(t.Context(), staffActor, newProductInput()); !errors.Is(err, shop.ErrProductExists) {
		t.Errorf("CreateProduct(desk-lamp again) = %v; want ErrProductExists", err)
	}
}

func TestCreateProductRefusesBadFields(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(*shop.ProductInput)
		field string
	}{
		{"negative price", func(in *shop.ProductInput) { in.PriceCents = "-1" }, "price_cents"},
		{"price in dollars", func(in *shop.ProductInput) { in.PriceCents = "12.50" }, "price_cents"},
		{"price too high", func(in *shop.ProductInput) { in.PriceCents = "100000000" }, "price_cents"},
		{"no stock", func(in *shop.ProductInput) { in.Stock = "" }, "stock"},
		{"bad id", func(in *shop.ProductInput) { in.ID = "desk lamp" }, "id"},
		{"id of a staff page", func(in *shop.ProductInput) { in.ID = "new" }, "id"},
		{"no name", func(in *shop.ProductInput) { in.Name = "  " }, "name"},
		{"formula name", func(in *shop.ProductInput) { in.Name = "=SUM(A1)" }, "name"},
		{"unknown category", func(in *shop.ProductInput) { in.Category = "attic" }, "category"},
		{"bad category", func(in *shop.ProductInput) { in.Category = "at tic" }, "category"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			in := newProductInput()
			c.edit(&in)
			_, err := f.svc.CreateProduct(t.Context(), staffActor, in)
			if fields(err)[c.field] == "" {
				t.Fatalf("CreateProduct(%s) = %v; want a message for %s", c.name, err, c.field)
			}
			if _, err := f.store.Product(t.Context(), in.ID); !errors.Is(err, shop.ErrNotFound) {
				t.Errorf("Product(%s) after a refused CreateProduct = %v; want ErrNotFound (nothing saved)", in.ID, err)
			}
		})
	}
}

func TestEditProduct(t *testing.T) {
	f := newFixture(t)
	got, err := f.svc.EditProduct(t.Context(), staffActor, "mug", shop.ProductEdit{Name: ptr(" Big Mug "),
		PriceCents: ptr("1400"), Category: ptr("garden")})
	if err != nil {
		t.Fatalf("EditProduct(mug) = %v; want nil", err)
	}
	if got.Name != "Big Mug" || got.PriceCents != 1400 || got.Category != "garden" || got.Stock != 3 || !got.Active {
		t.Errorf("EditProduct(mug) = %+v; want Big Mug, 1400, garden, stock 3 kept, active", got)
	}
	for _, c := range []struct {
		name  string
		edit  shop.ProductEdit
		field string
	}{
		{"negative price", shop.ProductEdit{PriceCents: ptr("-5")}, "price_cents"},
		{"empty name", shop.ProductEdit{Name: ptr("")}, "name"},
		{"unknown category", shop.ProductEdit{Category: ptr("attic")}, "category"},
	} {
		if _, err := f.svc.EditProduct(t.Context(), staffActor, "mug", c.edit); fields(err)[c.field] == "" {
			t.Errorf("EditProduct(mug, %s) = %v; want a message for %s", c.name, err, c.field)
		}
	}
	if p, _ := f.store.Product(t.Context(), "mug"); p.Name != "Big Mug" || p.PriceCents != 1400 {
		t.Errorf("mug after refused edits = %+v; want it unchanged", p)
	}
	if _, err := f.svc.EditProduct(t.Context(), staffActor, "nope", shop.ProductEdit{Name: ptr("x")}); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("EditProduct(missing) = %v; want ErrNotFound", err)
	}
}

// A price change needs no work of its own: the cart line records the
// price its shopper saw, so the cart asks them to confirm the new one and
// checkout refuses until they do.
func TestPriceChangeAsksShoppersToConfirm(t *testing.T) {
	f := newFixture(t)
	u := f.register(t, "ada@example.com")
	cartID := shop.UserCartID(u.ID)
	f.mustAddToCart(t, cartID, "kettle", 1)
	if _, err := f.svc.EditProduct(t.Context(), staffActor, "kettle", shop.ProductEdit{PriceCents: ptr("4200")}); err != nil {
		t.Fatalf("EditProduct(kettle, price) = %v; want nil", err)
	}
	v := f.mustCart(t, cartID)
	if !v.NeedsPriceConfirmation() || v.Lines[0].SeenPriceCents != 3900 || v.Lines[0].UnitPriceCents != 4200 {
		t.Fatalf("cart after the price change = %+v; want the line to need confirmation, seen 3900, now 4200", v.Lines)
	}
	_, _, err := f.svc.PlaceOrder(t.Context(), shop.PlaceOrderInput{User: u, CartID: cartID,
		Key: strings.Repeat("k", 32), Address: homeAddress})
	var perr *shop.PriceError
	if !errors.As(err, &perr) || perr.Items[0].NewPriceCents != 4200 {
		t.Errorf("PlaceOrder after the price change = %v; want a *PriceError naming 4200", err)
	}
}

// Withdrawing a product keeps the orders that hold it as they were.
func TestWithdrawKeepsPastOrders(t *testing.T) {
	f := newFixture(t)
	u := f.register(t, "ada@example.com")
	cartID := shop.UserCartID(u.ID)
	f.mustAddToCart(t, cartID, "spade", 1)
	placed, _, err := f.svc.PlaceOrder(t.Context(), shop.PlaceOrderInput{User: u, CartID: cartID,
		Key: strings.Repeat("w", 32), Address: homeAddress})
	if err != nil {
		t.Fatalf("PlaceOrder(spade) = %v; want nil", err)
	}
	if _, err := f.svc.EditProduct(t.Context(), staffActor, "spade", shop.ProductEdit{Active: ptr(false),
		PriceCents: ptr("9900"), Name: ptr("Renamed")}); err != nil {
		t.Fatalf("EditProduct(spade, withdraw) = %v; want nil", err)
	}
	got, err := f.svc.Order(t.Context(), u, placed.ID)
	if err != nil {
		t.Fatalf("Order(%s) after the withdrawal = %v; want nil", placed.ID, err)
	}
	if l := got.Items[0]; l.Name != "The spade" || l.UnitPriceCents != 2400 || got.TotalCents != placed.TotalCents {
		t.Errorf("order line after the withdrawal = %+v, total %d; want The spade at 2400, total %d", l, got.TotalCents, placed.TotalCents)
	}
	if p, err := f.svc.Product(t.Context(), "spade"); err != nil || p.CanBeBought() {
		t.Errorf("Product(spade) = %+v, %v; want it found and not for sale", p, err)
	}
	catalog, err := f.svc.StaffCatalog(t.Context(), staffActor, shop.CatalogRequest{})
	if err != nil || !slices.ContainsFunc(catalog.Products, func(p shop.Product) bool { return p.ID == "spade" }) {
		t.Errorf("StaffCatalog() = %v; want the withdrawn spade listed", err)
	}
	shopper, _ := f.svc.BrowseCatalog(t.Context(), shop.CatalogRequest{})
	if slices.ContainsFunc(shopper.Products, func(p shop.Product) bool { return p.ID == "spade" }) {
		t.Error("BrowseCatalog() lists the withdrawn spade; want it hidden from shoppers")
	}
}

func TestAdjustStock(t *testing.T) {
	f := newFixture(t)
	for _, step := range []struct {
		delta string
		want  int
	}{{"+7", 10}, {"-4", 6}, {"12", 18}} {
		p, err := f.svc.AdjustStock(t.Context(), staffActor, "mug", step.delta)
		if err != nil || p.Stock != step.want {
			t.Fatalf("AdjustStock(mug, %s) = %+v, %v; want stock %d", step.delta, p, err, step.want)
		}
	}
	for _, bad := range []string{"0", "", "1.5", "--1", "+-1", "1000001", " 3"} {
		if _, err := f.svc.AdjustStock(t.Context(), staffActor, "mug", bad); fields(err)["delta"] == "" {
			t.Errorf("AdjustStock(mug, %q) = %v; want a message for delta", bad, err)
		}
	}
	_, err := f.svc.AdjustStock(t.Context(), staffActor, "mug", "-19")
	var serr *shop.StockError
	if !errors.As(err, &serr) || serr.Items[0].Available != 18 {
		t.Errorf("AdjustStock(mug, -19) with 18 = %v; want a *StockError with 18 available", err)
	}
	if got := f.stock(t, "mug"); got != 18 {
		t.Errorf("stock of mug after refusals = %d; want 18", got)
	}
	if _, err := f.svc.AdjustStock(t.Context(), staffActor, "nope", "1"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("AdjustStock(missing) = %v; want ErrNotFound", err)
	}
	// A stock a cancellation's restock took over MaxStock can still be
	// lowered; it cannot be raised.
	f.product(t, "crate", 100, shop.MaxStock+5)
	if p, err := f.svc.AdjustStock(t.Context(), staffActor, "crate", "-3"); err != nil || p.Stock != shop.MaxStock+2 {
		t.Errorf("AdjustStock(crate, -3) with MaxStock+5 = %+v, %v; want MaxStock+2", p, err)
	}
	if _, err := f.svc.AdjustStock(t.Context(), staffActor, "crate", "1"); fields(err)["delta"] == "" {
		t.Errorf("AdjustStock(crate, 1) over MaxStock = %v; want a message for delta", err)
	}
}

func TestLowStockProducts(t *testing.T) {
	f := newFixture(t)
	f.product(t, "empty", 100, 0)
	got, err := f.svc.LowStockProducts(t.Context())
	if err != nil {
		t.Fatalf("LowStockProducts() = %v; want nil", err)
	}
	var ids []string
	for _, p := range got {
		ids = append(ids, p.ID)
	}
	if want := []string{"empty", "spade", "mug"}; !slices.Equal(ids, want) {
		t.Errorf("LowStockProducts() = %v; want %v (stock at most 3, fewest first)", ids, want)
	}
}

func TestCategories(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.CreateCategory(t.Context(), staffActor, shop.Category{ID: "lighting", Name: " Lighting "}); err != nil {
		t.Fatalf("CreateCategory(lighting) = %v; want nil", err)
	}
	for _, c := range []struct {
		name     string
		category shop.Category
		field    string
	}{
		{"taken id", shop.Category{ID: "kitchen", Name: "Another"}, "id"},
		{"bad id", shop.Category{ID: "a b", Name: "Ab"}, "id"},
		{"no name", shop.Category{ID: "attic", Name: ""}, "name"},
	} {
		if _, err := f.svc.CreateCategory(t.Context(), staffActor, c.category); fields(err)[c.field] == "" {
			t.Errorf("CreateCategory(%s) = %v; want a message for %s", c.name, err, c.field)
		}
	}
	if _, err := f.svc.RenameCategory(t.Context(), staffActor, "kitchen", "Cooking"); err != nil {
		t.Fatalf("RenameCategory(kitchen) = %v; want nil", err)
	}
	if _, err := f.svc.RenameCategory(t.Context(), staffActor, "kitchen", ""); fields(err)["name"] == "" {
		t.Errorf("RenameCategory(kitchen, empty) = %v; want a message for name", err)
	}
	if _, err := f.svc.RenameCategory(t.Context(), staffActor, "attic", "Attic"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("RenameCategory(missing) = %v; want ErrNotFound", err)
	}
	categories, _ := f.svc.Categories(t.Context())
	var names []string
	for _, c := range categories {
		names = append(names, c.ID+"="+c.Name)
	}
	if want := []string{"kitchen=Cooking", "garden=Garden", "lighting=Lighting"}; !slices.Equal(names, want) {
		t.Errorf("Categories() = %v; want %v", names, want)
	}
}

func TestStaffChangesAreAudited(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.EditProduct(t.Context(), staffActor, "mug", shop.ProductEdit{PriceCents: ptr("1300")}); err != nil {
		t.Fatalf("EditProduct(mug) = %v", err)
	}
	if _, err := f.svc.AdjustStock(t.Context(), staffActor, "mug", "5"); err != nil {
		t.Fatalf("AdjustStock(mug) = %v", err)
	}
	if _, err := f.svc.AdjustStock(t.Context(), staffActor, "mug", "0"); err == nil {
		t.Fatal("AdjustStock(mug, 0) = nil; want a refusal")
	}
	entries, err := f.store.AuditLog(t.Context(), shop.AuditQuery{Limit: 50})
	if err != nil {
		t.Fatalf("AuditLog() = %v", err)
	}
	var actions []string
	for _, e := range entries {
		if e.ActorID != staffActor.ID || e.Target != "mug" {
			t.Errorf("audit entry %+v; want actor %s, target mug", e, staffActor.ID)
		}
		actions = append(actions, e.Action)
	}
	if len(entries) != 2 || !slices.Contains(actions, shop.AuditProductUpdate) || !slices.Contains(actions, shop.AuditStockAdjust) {
		t.Errorf("audit actions = %v; want one %s and one %s (a refusal records nothing)", actions, shop.AuditProductUpdate, shop.AuditStockAdjust)
	}
	for _, e := range entries {
		if e.Action == shop.AuditProductUpdate && (!strings.Contains(e.Before, `1250`) || !strings.Contains(e.After, `1300`)) {
			t.Errorf("price change entry before %s, after %s; want 1250 before and 1300 after", e.Before, e.After)
		}
	}
}

// changeFirstStore is a store in which another change of a product's stock
// (otherDelta) always lands just before the one asked for: a concurrent
// restock or order between AdjustStock's read and its write.
type changeFirstStore struct {
	*memstore.Store
	otherDelta int
}

func (s *changeFirstStore) AdjustStock(ctx context.Context, id string, delta int) (*shop.Product, error) {
	if _, err := s.Store.AdjustStock(ctx, id, s.otherDelta); err != nil {
		return nil, err
	}
	return s.Store.AdjustStock(ctx, id, delta)
}

// A stock change's audit entry says the stock its own change started from
// (after minus delta), not the stock read before it: a change by someone
// else in between made the entry contradict itself (before 3, delta 5,
// after 10).
func TestStockAuditEntryUnderConcurrentChange(t *testing.T) {
	store := &changeFirstStore{Store: memstore.New(), otherDelta: 2}
	params := cheapHashing
	svc := shop.NewService(store, shop.Config{PasswordParams: &params})
	if err := store.SaveProduct(t.Context(), &shop.Product{ID: "mug", Name: "Mug", Description: "A mug.", Category: "kitchen",
		PriceCents: 1250, Stock: 3, Active: true}); err != nil {
		t.Fatal(err)
	}
	after, err := svc.AdjustStock(t.Context(), staffActor, "mug", "5")
	if err != nil || after.Stock != 10 {
		t.Fatalf("AdjustStock(mug, 5) with another +2 first = %v, %v; want stock 10", after, err)
	}
	entries, err := store.AuditLog(t.Context(), shop.AuditQuery{Limit: 10})
	if err != nil || len(entries) != 1 {
		t.Fatalf("AuditLog() = %d entries, %v; want 1", len(entries), err)
	}
	var before struct{ Stock, Delta int }
	var got struct{ Stock int }
	if err := json.Unmarshal([]byte(entries[0].Before), &before); err != nil {
		t.Fatalf("before %q: %v", entries[0].Before, err)
	}
	if err := json.Unmarshal([]byte(entries[0].After), &got); err != nil {
		t.Fatalf("after %q: %v", entries[0].After, err)
	}
	if before.Stock != 5 || before.Delta != 5 || got.Stock != 10 {
		t.Errorf("audit entry before %s, after %s; want stock 5 and delta 5 before, stock 10 after", entries[0].Before, entries[0].After)
	}
}

// Behind the admin gate, every catalog use case checks again that its
// actor is staff: a customer (or no one) gets ErrNotFound and changes
// nothing.
func TestCatalogAdminRefusesNonStaff(t *testing.T) {
	f := newFixture(t)
	customer := f.register(t, "ada@example.com")
	for _, actor := range []*shop.User{customer, nil} {
		calls := map[string]func() error{
			"StaffCatalog": func() error { _, err := f.svc.StaffCatalog(t.Context(), actor, shop.CatalogRequest{}); return err },
			"StaffProductForm": func() error {
				_, err := f.svc.StaffProductForm(t.Context(), actor, "mug")
				return err
			},
			"CreateProduct": func() error { _, err := f.svc.CreateProduct(t.Context(), actor, newProductInput()); return err },
			"EditProduct": func() error {
				_, err := f.svc.EditProduct(t.Context(), actor, "mug", shop.ProductEdit{PriceCents: ptr("1")})
				return err
			},
			"AdjustStock": func() error { _, err := f.svc.AdjustStock(t.Context(), actor, "mug", "5"); return err },
			"CreateCategory": func() error {
				_, err := f.svc.CreateCategory(t.Context(), actor, shop.Category{ID: "attic", Name: "Attic"})
				return err
			},
			"RenameCategory": func() error { _, err := f.svc.RenameCategory(t.Context(), actor, "kitchen", "X"); return err },
			"ImportCatalog": func() error {
				_, err := f.svc.ImportCatalog(t.Context(), actor, strings.NewReader(importHeader+"mug,Mug,Tea.,kitchen,1,1,true\n"))
				return err
			},
			"ExportCatalog": func() error { return f.svc.ExportCatalog(t.Context(), actor, &strings.Builder{}) },
		}
		for name, call := range calls {
			if err := call(); !errors.Is(err, shop.ErrNotFound) {
				t.Errorf("%s by %+v = %v; want ErrNotFound", name, actor, err)
			}
		}
	}
	if mug, _ := f.store.Product(t.Context(), "mug"); mug.PriceCents != 1250 || mug.Stock != 3 || mug.Name != "The mug" {
		t.Errorf("mug after refused calls = %+v; want it unchanged", mug)
	}
	if categories, _ := f.svc.Categories(t.Context()); len(categories) != 2 || categories[1].Name != "Kitchen" {
		t.Errorf("categories after refused calls = %+v; want them unchanged", categories)
	}
}
