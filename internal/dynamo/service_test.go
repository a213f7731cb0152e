package dynamo

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// Tests through the real service over the DynamoDB store: what a shopper
// sees, and what the orders table holds afterwards.

// cheapHashing keeps argon2id fast in tests.
var cheapHashing = &shop.PasswordParams{MemoryKiB: 64, Iterations: 1, Threads: 1}

func newService(s shop.Store) *shop.Service {
	return shop.NewService(s, shop.Config{PasswordParams: cheapHashing})
}

var testAddress = shop.Address{FullName: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"}

func mustRegister(t *testing.T, svc *shop.Service, email string) *shop.User {
	t.Helper()
	u, err := svc.Register(t.Context(), shop.RegisterInput{Email: email, Name: "Shopper " + email,
		Password: "correct horse battery 42", ConfirmPassword: "correct horse battery 42"})
	if err != nil {
		t.Fatalf("Register(%s) = %v; want nil", email, err)
	}
	return u
}

func mustSaveProducts(t *testing.T, s *Store, products ...*shop.Product) {
	t.Helper()
	for _, p := range products {
		if err := s.SaveProduct(t.Context(), p); err != nil {
			t.Fatalf("SaveProduct(%s) = %v; want nil", p.ID, err)
		}
	}
}

func product(id string, price shop.Money, stock int) *shop.Product {
	return &shop.Product{ID: id, Name: "Product " + id, Description: "About " + id + ".", Category: "kitchen",
		PriceCents: price, Stock: stock, Active: true, CreatedAt: testTime}
}

func mustAddToCart(t *testing.T, svc *shop.Service, cartID, productID string, qty int) {
	t.Helper()
	if _, err := svc.AddToCart(t.Context(), cartID, productID, qty); err != nil {
		t.Fatalf("AddToCart(%s, %s, %d) = %v; want nil", cartID, productID, qty, err)
	}
}

// orderCount counts the items of the orders table (a consistent scan).
func orderCount(t *testing.T, s *Store) int {
	t.Helper()
	out, err := s.db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(s.orders), Select: types.SelectCount, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("Scan(%s) = %v; want nil", s.orders, err)
	}
	if out.LastEvaluatedKey != nil {
		t.Fatalf("Scan(%s) paginated; the test tables are meant to be tiny", s.orders)
	}
	return int(out.Count)
}

func checkStock(t *testing.T, s *Store, id string, want int) {
	t.Helper()
	p, err := s.Product(t.Context(), id)
	if err != nil {
		t.Fatalf("Product(%s) = %v; want nil", id, err)
	}
	if p.Stock != want {
		t.Errorf("stock of %s = %d; want %d", id, p.Stock, want)
	}
}

func cartLines(t *testing.T, s *Store, cartID string) int {
	t.Helper()
	c, err := s.Cart(t.Context(), cartID)
	if err != nil {
		t.Fatalf("Cart(%s) = %v; want nil", cartID, err)
	}
	return len(c.Lines)
}

// TestOrderItemInTable checks the system's output: the raw item the orders
// table holds after a checkout, attribute by attribute, against the
// contract (CONTRACT.md, "DynamoDB: the orders table").
func TestOrderItemInTable(t *testing.T) {
	s := newTestStore(t)
	now := time.Date(2026, 5, 6, 7, 8, 9, 123_456_789, time.UTC)
	svc := shop.NewService(s, shop.Config{PasswordParams: cheapHashing, Now: func() time.Time { return now }})
	mustSaveProducts(t, s,
		&shop.Product{ID: "enamel-kettle", Name: "Enamel Kettle", Description: "Boils.", Category: "kitchen", PriceCents: 1999, Stock: 4, Active: true, CreatedAt: testTime},
		&shop.Product{ID: "mug", Name: "Stoneware Mug", Description: "Holds tea.", Category: "kitchen", PriceCents: 650, Stock: 9, Active: true, CreatedAt: testTime})
	u := mustRegister(t, svc, "Ada.Lovelace@Example.com")
	cartID := shop.UserCartID(u.ID)
	mustAddToCart(t, svc, cartID, "mug", 3)
	mustAddToCart(t, svc, cartID, "enamel-kettle", 1)
	key := "checkout-key-0001"
	o, replayed, err := svc.PlaceOrder(t.Context(), shop.PlaceOrderInput{User: u, CartID: cartID, Key: key, Address: testAddress})
	if err != nil || replayed {
		t.Fatalf("PlaceOrder() = %v, replayed %v; want nil, false", err, replayed)
	}
	if want := shop.OrderID(u.ID, key); o.ID != want {
		t.Fatalf("PlaceOrder() order id = %s; want %s", o.ID, want)
	}

	out, err := s.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(s.orders), Key: orderKey(o.ID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetItem(%s) = %v; want nil", o.ID, err)
	}
	S := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	N := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	line := func(id, name, unit, qty, total string) types.AttributeValue {
		return &types.AttributeValueMemberM{Value: item{"product_id": S(id), "name": S(name),
			"unit_price_cents": N(unit), "quantity": N(qty), "line_total_cents": N(total)}}
	}
	want := item{
		"order_id":   S(o.ID),
		"user_id":    S(u.ID),
		"user_email": S("ada.lovelace@example.com"),
		"status":     S("placed"),
		"created_at": S("2026-05-06T07:08:09.123Z"),
		"currency":   S("USD"),
		"items": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			line("mug", "Stoneware Mug", "650", "3", "1950"),
			line("enamel-kettle", "Enamel Kettle", "1999", "1", "1999"),
		}},
		"item_count":     N("4"),
		"subtotal_cents": N("3949"),
		"shipping_cents": N("500"),
		"total_cents":    N("4449"),
		"shipping_address": &types.AttributeValueMemberM{Value: item{"full_name": S("Ada Lovelace"),
			"line1": S("12 St James's Square"), "line2": S(""), "city": S("London"), "postal_code": S("SW1Y 4JH"), "country": S("GB")}},
	}
	got := out.Item
	for _, name := range sortedKeys(want) {
		if g, w := describeValue(got[name]), describeValue(want[name]); g != w {
			t.Errorf("orders item attribute %s = %s; want %s", name, g, w)
		}
	}
	for _, name := range sortedKeys(got) {
		if _, ok := want[name]; !ok {
			t.Errorf("orders item has attribute %s = %s; want no attribute beyond the contract", name, describeValue(got[name]))
		}
	}
	if n := orderCount(t, s); n != 1 {
		t.Errorf("orders table holds %d items; want 1", n)
	}
	checkStock(t, s, "mug", 6)
	checkStock(t, s, "enamel-kettle", 3)
	if n := cartLines(t, s, cartID); n != 0 {
		t.Errorf("cart has %d lines after the order; want 0", n)
	}
	// Downstream reads the stored created_at text as RFC 3339, in UTC: it
	// must give back the service's clock, to the millisecond.
	created, ok := got["created_at"].(*types.AttributeValueMemberS)
	if !ok {
		t.Fatalf("orders item created_at = %s; want a string", describeValue(got["created_at"]))
	}
	at, err := time.Parse(time.RFC3339, created.Value)
	if err != nil {
		t.Errorf("orders item created_at %q is not RFC 3339: %v", created.Value, err)
	} else if _, offset := at.Zone(); offset != 0 || !at.Equal(now.Truncate(time.Millisecond)) {
		t.Errorf("orders item created_at %q reads as %v; want %v in UTC", created.Value, at, now.Truncate(time.Millisecond))
	}
}

func TestOrdersByUserNewestFirst(t *testing.T) {
	s := newTestStore(t)
	clock := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	svc := shop.NewService(s, shop.Config{PasswordParams: cheapHashing, Now: func() time.Time { return clock }})
	mustSaveProducts(t, s, product("p1", 1000, 10))
	u := mustRegister(t, svc, "ada@example.com")
	var ids []string
	// 999 ms then 1 s apart: the index sorts created_at as text, which is
	// time order only because the width is fixed.
	for _, step := range []time.Duration{0, 999 * time.Millisecond, time.Second} {
		clock = clock.Add(step)
		mustAddToCart(t, svc, shop.UserCartID(u.ID), "p1", 1)
		o, _, err := svc.PlaceOrder(t.Context(), shop.PlaceOrderInput{User: u, CartID: shop.UserCartID(u.ID), Key: shop.NewCheckoutKey(), Address: testAddress})
		if err != nil {
			t.Fatalf("PlaceOrder() = %v; want nil", err)
		}
		ids = append([]string{o.ID}, ids...)
	}
	orders, err := svc.Orders(t.Context(), u)
	if err != nil {
		t.Fatalf("Orders() = %v; want nil", err)
	}
	var got []string
	for _, o := range orders {
		got = append(got, o.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("Orders() = %v; want %v (newest first)", got, ids)
	}
}

func TestNewOnExistingTables(t *testing.T) {
	client := testClient(t, nil)
	s := newTestStoreWith(t, client)
	prefix := s.orders[:len(s.orders)-len(tableOrders)]
	if _, err := New(t.Context(), client, prefix); err != nil {
		t.Fatalf("New(%q) again = %v; want nil (tables exist)", prefix, err)
	}
	for _, spec := range tableSpecs {
		name := prefix + spec.Suffix
		ttl, err := client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatalf("DescribeTimeToLive(%s) = %v; want nil", name, err)
		}
		enabled := ttl.TimeToLiveDescription != nil && ttl.TimeToLiveDescription.TimeToLiveStatus == types.TimeToLiveStatusEnabled
		if enabled != (spec.TTLAttribute != "") {
			t.Errorf("TTL of %s enabled = %v; want %v", name, enabled, spec.TTLAttribute != "")
		}
		if enabled && aws.ToString(ttl.TimeToLiveDescription.AttributeName) != spec.TTLAttribute {
			t.Errorf("TTL attribute of %s = %s; want %s", name, aws.ToString(ttl.TimeToLiveDescription.AttributeName), spec.TTLAttribute)
		}
	}

	// A table with other keys than the store expects is refused, not used.
	wrong := uniquePrefix()
	in := createTableInput(wrong, tableSpec{Suffix: tableOrders, HashKey: "id", Attributes: map[string]string{"id": "S"}})
	if _, err := client.CreateTable(t.Context(), in); err != nil {
		t.Fatalf("CreateTable(%s) = %v; want nil", aws.ToString(in.TableName), err)
	}
	t.Cleanup(func() { client.DeleteTable(t.Context(), &dynamodb.DeleteTableInput{TableName: in.TableName}) })
	if _, err := New(t.Context(), client, wrong); err == nil {
		t.Errorf("New(%q) with an orders table keyed by id = nil; want an error", wrong)
	}
}

func TestNewClientFromEnvironment(t *testing.T) {
	endpoint := testEndpoint(t)
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
	client, err := NewClient(t.Context())
	if err != nil {
		t.Fatalf("NewClient() = %v; want nil", err)
	}
	if got := client.Options().Region; got != "us-east-1" {
		t.Errorf("NewClient() region = %q; want us-east-1 when none is configured", got)
	}
	if _, err := client.ListTables(t.Context(), &dynamodb.ListTablesInput{Limit: aws.Int32(1)}); err != nil {
		t.Errorf("ListTables() with NewClient() on %s without credentials = %v; want nil (dummy credentials)", endpoint, err)
	}
}

func TestProductsInBatches(t *testing.T) {
	s := newTestStore(t)
	mustSaveProducts(t, s, product("p1", 100, 1), product("p2", 200, 2))
	// More ids than one BatchGetItem takes, and some twice, which
	// BatchGetItem would refuse.
	ids := []string{"p2", "p1", "p2"}
	for i := range 150 {
		ids = append(ids, fmt.Sprintf("missing-%d", i))
	}
	ids = append(ids, "p1")
	got, err := s.Products(t.Context(), ids)
	if err != nil {
		t.Fatalf("Products(%d ids) = %v; want nil", len(ids), err)
	}
	var gotIDs []string
	for _, p := range got {
		gotIDs = append(gotIDs, p.ID)
	}
	slices.Sort(gotIDs)
	if !slices.Equal(gotIDs, []string{"p1", "p2"}) {
		t.Errorf("Products(%d ids) = %v; want [p1 p2]", len(ids), gotIDs)
	}
}
