package dynamo

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// Pure tests of the key design and the item mapping: no server needed.

var testTime = time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

func sampleOrder() *shop.Order {
	return &shop.Order{
		ID: "oabc", UserID: "u1", UserEmail: "ada@example.com", Status: shop.OrderStatusPlaced,
		CreatedAt: testTime, Currency: shop.Currency,
		Items: []shop.OrderLine{
			{ProductID: "p2", Name: "Mug", UnitPriceCents: 1500, Quantity: 2, LineTotalCents: 3000},
			{ProductID: "p1", Name: "Kettle", UnitPriceCents: 3999, Quantity: 1, LineTotalCents: 3999},
		},
		Totals:          shop.Totals{ItemCount: 3, SubtotalCents: 6999, ShippingCents: 0, TotalCents: 6999},
		ShippingAddress: shop.Address{FullName: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"},
	}
}

// wantOrderItem is the contract's item of sampleOrder, written out.
func wantOrderItem() item {
	line := func(id, name, price, qty, total string) types.AttributeValue {
		return &types.AttributeValueMemberM{Value: item{
			"product_id": &types.AttributeValueMemberS{Value: id}, "name": &types.AttributeValueMemberS{Value: name},
			"unit_price_cents": &types.AttributeValueMemberN{Value: price}, "quantity": &types.AttributeValueMemberN{Value: qty},
			"line_total_cents": &types.AttributeValueMemberN{Value: total},
		}}
	}
	return item{
		"order_id":       &types.AttributeValueMemberS{Value: "oabc"},
		"user_id":        &types.AttributeValueMemberS{Value: "u1"},
		"user_email":     &types.AttributeValueMemberS{Value: "ada@example.com"},
		"status":         &types.AttributeValueMemberS{Value: "placed"},
		"created_at":     &types.AttributeValueMemberS{Value: "2026-03-04T05:06:07.891Z"},
		"currency":       &types.AttributeValueMemberS{Value: "USD"},
		"items":          &types.AttributeValueMemberL{Value: []types.AttributeValue{line("p2", "Mug", "1500", "2", "3000"), line("p1", "Kettle", "3999", "1", "3999")}},
		"item_count":     &types.AttributeValueMemberN{Value: "3"},
		"subtotal_cents": &types.AttributeValueMemberN{Value: "6999"},
		"shipping_cents": &types.AttributeValueMemberN{Value: "0"},
		"total_cents":    &types.AttributeValueMemberN{Value: "6999"},
		"shipping_address": &types.AttributeValueMemberM{Value: item{
			"full_name": &types.AttributeValueMemberS{Value: "Ada Lovelace"}, "line1": &types.AttributeValueMemberS{Value: "12 St James's Square"},
			"line2": &types.AttributeValueMemberS{Value: ""}, "city": &types.AttributeValueMemberS{Value: "London"},
			"postal_code": &types.AttributeValueMemberS{Value: "SW1Y 4JH"}, "country": &types.AttributeValueMemberS{Value: "GB"},
		}},
	}
}

func TestOrderItemIsTheContractShape(t *testing.T) {
	got := orderItem(sampleOrder())
	if want := wantOrderItem(); !reflect.DeepEqual(got, want) {
		t.Errorf("orderItem(order) =\n%s\nwant\n%s", describe(got), describe(want))
	}
}

func TestOrderItemRoundTrip(t *testing.T) {
	o := sampleOrder()
	got, err := orderFromItem(orderItem(o))
	if err != nil {
		t.Fatalf("orderFromItem(orderItem(o)) = %v; want nil", err)
	}
	if !reflect.DeepEqual(got, o) {
		t.Errorf("orderFromItem(orderItem(o)) = %+v; want %+v", got, o)
	}
}

func TestOrderCreatedAt(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), "2026-03-04T05:06:07.000Z"},
		{time.Date(2026, 3, 4, 5, 6, 7, 120_000_000, time.UTC), "2026-03-04T05:06:07.120Z"},
		// Another zone is converted to UTC; a sub-millisecond part is cut.
		{time.Date(2026, 3, 4, 7, 6, 7, 5_999_999, time.FixedZone("EET", 2*3600)), "2026-03-04T05:06:07.005Z"},
	}
	for _, tt := range tests {
		o := sampleOrder()
		o.CreatedAt = tt.in
		got := orderItem(o)["created_at"].(*types.AttributeValueMemberS).Value
		if got != tt.want {
			t.Errorf("created_at of %v = %q; want %q", tt.in, got, tt.want)
		}
	}
	// Fixed width: text order is time order, which the orders index relies on.
	a := orderItem(&shop.Order{CreatedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)})["created_at"].(*types.AttributeValueMemberS).Value
	b := orderItem(&shop.Order{CreatedAt: time.Date(2026, 3, 4, 5, 6, 7, 100_000_000, time.UTC)})["created_at"].(*types.AttributeValueMemberS).Value
	if !(a < b) {
		t.Errorf("created_at %q sorts after %q; want before", a, b)
	}
}

func TestRoundTrips(t *testing.T) {
	user := &shop.User{ID: "u1", Email: "ada@example.com", Name: "Ada", PasswordHash: "$argon2id$x", CreatedAt: testTime}
	gotUser, err := userFromItem(userItem(user))
	if err != nil || !reflect.DeepEqual(gotUser, user) {
		t.Errorf("userFromItem(userItem(u)) = %+v, %v; want %+v", gotUser, err, user)
	}

	for _, sess := range []*shop.Session{
		{IDHash: "h1", Kind: shop.SessionWeb, UserID: "u1", CartID: "user-u1", CreatedAt: testTime,
			LastSeenAt: testTime.Add(time.Second + 1), ExpiresAt: testTime.Add(12 * time.Hour)},
		{IDHash: "h2", Kind: shop.SessionWeb, CartID: "guest-x", CreatedAt: testTime, LastSeenAt: testTime, ExpiresAt: testTime.Add(time.Hour)},
	} {
		it := sessionItem(sess)
		got, err := sessionFromItem(it)
		if err != nil || !reflect.DeepEqual(got, sess) {
			t.Errorf("sessionFromItem(sessionItem(s)) = %+v, %v; want %+v", got, err, sess)
		}
		_, hasUser := it["user_id"]
		if hasUser != (sess.UserID != "") {
			t.Errorf("sessionItem(%+v) has user_id = %v; want %v (guests stay out of the index)", sess, hasUser, sess.UserID != "")
		}
		if ttl := it["ttl"].(*types.AttributeValueMemberN).Value; ttl != num(sess.ExpiresAt.Unix()).(*types.AttributeValueMemberN).Value {
			t.Errorf("sessionItem ttl = %s; want ExpiresAt in epoch seconds", ttl)
		}
	}

	for _, p := range []*shop.Product{
		{ID: "p1", Name: "Kettle", Description: "Boils.", Category: "kitchen", PriceCents: 3999, Stock: 7, Active: true, CreatedAt: testTime},
		{ID: "p2", Name: "Old", Description: "", Category: "attic", PriceCents: 1, Stock: 0, Active: false, CreatedAt: testTime},
	} {
		got, err := productFromItem(productItem(p))
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Errorf("productFromItem(productItem(p)) = %+v, %v; want %+v", got, err, p)
		}
	}

	cart := &shop.Cart{ID: "user-u1", UpdatedAt: testTime, Lines: []shop.CartLine{
		{ProductID: "zebra", Quantity: 2, SeenPriceCents: 1500}, {ProductID: "apple", Quantity: 99, SeenPriceCents: 1}}}
	gotCart, err := cartFromItem(cartItem(cart))
	if err != nil || !reflect.DeepEqual(gotCart, cart) {
		t.Errorf("cartFromItem(cartItem(c)) = %+v, %v; want %+v (line order kept)", gotCart, err, cart)
	}

	c := &shop.Category{ID: "home", Name: "Home & Living"}
	gotCategory, err := categoryFromItem(categoryItem(c))
	if err != nil || gotCategory != *c {
		t.Errorf("categoryFromItem(categoryItem(c)) = %+v, %v; want %+v", gotCategory, err, *c)
	}

	th := &shop.LoginThrottle{Key: "account:ada@example.com", Failures: 3, WindowStart: testTime, LockedUntil: testTime.Add(time.Hour), Version: 4}
	gotThrottle, err := throttleFromItem(throttleItem(th))
	saved := *th
	saved.Version++ // the item is the record as saved: one version on
	if err != nil || !reflect.DeepEqual(gotThrottle, &saved) {
		t.Errorf("throttleFromItem(throttleItem(t)) = %+v, %v; want %+v", gotThrottle, err, &saved)
	}
	legacy := throttleItem(th)
	delete(legacy, "version") // saved before items had a version
	if got, err := throttleFromItem(legacy); err != nil || got.Version != 0 || got.Failures != 3 {
		t.Errorf("throttleFromItem(item without version) = %+v, %v; want Version 0, Failures 3", got, err)
	}
}

func TestKeys(t *testing.T) {
	tests := []struct {
		name string
		got  item
		want item
	}{
		{"userKey", userKey("u1"), item{"pk": str("user#u1")}},
		{"emailKey lower-cases", emailKey("Ada@Example.COM"), item{"pk": str("email#ada@example.com")}},
		{"sessionKey", sessionKey("h"), item{"id_hash": str("h")}},
		{"productKey", productKey("p1"), item{"id": str("p1")}},
		{"cartKey", cartKey("user-u1"), item{"id": str("user-u1")}},
		{"orderKey", orderKey("o1"), item{"order_id": str("o1")}},
		{"throttleKey", throttleKey("account:a"), item{"throttle_key": str("account:a")}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %s; want %s", tt.name, describe(tt.got), describe(tt.want))
		}
	}
	// The guard and the user share the users table but never a key.
	u := &shop.User{ID: "email#x", Email: "x"}
	if reflect.DeepEqual(userItem(u)["pk"], emailGuardItem(u)["pk"]) {
		t.Errorf("user and email guard items share key %s", describe(userItem(u)))
	}
}

func TestThrottleItemExpiry(t *testing.T) {
	reset := throttleItem(&shop.LoginThrottle{Key: "k", Version: 7})
	want := item{"throttle_key": str("k"), "failures": num(0), "version": num(8)}
	if !reflect.DeepEqual(reset, want) {
		t.Errorf("throttleItem(reset record) = %s; want %s (kept, so its version goes on; no ttl)", describe(reset), describe(want))
	}
	tests := []struct {
		name string
		in   shop.LoginThrottle
		end  time.Time
	}{
		{"window only", shop.LoginThrottle{Key: "k", Failures: 1, WindowStart: testTime}, testTime.Add(shop.ThrottleWindow)},
		{"lock outlasts window", shop.LoginThrottle{Key: "k", Failures: 10, WindowStart: testTime, LockedUntil: testTime.Add(time.Hour)}, testTime.Add(time.Hour)},
	}
	for _, tt := range tests {
		it := throttleItem(&tt.in)
		want := num(tt.end.Unix() + 1)
		if !reflect.DeepEqual(it["ttl"], want) {
			t.Errorf("%s: ttl = %s; want %s (after both window and lock)", tt.name, describe(item{"ttl": it["ttl"]}), describe(item{"ttl": want}))
		}
	}
}

func TestThrottleCondition(t *testing.T) {
	tests := []struct {
		version int64
		expr    string
		values  item
	}{
		{0, "attribute_not_exists(throttle_key) OR attribute_not_exists(#version)", nil},
		{3, "#version = :v", item{":v": num(3)}},
	}
	for _, tt := range tests {
		expr, names, values := throttleCondition(tt.version)
		if expr != tt.expr || names["#version"] != "version" || !reflect.DeepEqual(values, tt.values) {
			t.Errorf("throttleCondition(%d) = %q, %v, %s; want %q, #version for version, %s",
				tt.version, expr, names, describe(values), tt.expr, describe(tt.values))
		}
	}
}

func TestMalformedItems(t *testing.T) {
	it := orderItem(sampleOrder())
	it["total_cents"] = str("12")
	if _, err := orderFromItem(it); err == nil || !strings.Contains(err.Error(), "total_cents") {
		t.Errorf("orderFromItem(total_cents as S) = %v; want an error naming total_cents", err)
	}
	p := productItem(&shop.Product{ID: "p1"})
	delete(p, "stock")
	if _, err := productFromItem(p); err == nil || !strings.Contains(err.Error(), "stock") {
		t.Errorf("productFromItem(no stock) = %v; want an error naming stock", err)
	}
	p = productItem(&shop.Product{ID: "p1"})
	p["created_at"] = str("yesterday")
	if _, err := productFromItem(p); err == nil || !strings.Contains(err.Error(), "created_at") {
		t.Errorf("productFromItem(bad created_at) = %v; want an error naming created_at", err)
	}
}

func TestPlaceOrderInput(t *testing.T) {
	s := &Store{products: "x-products", orders: "x-orders", carts: "x-carts"}
	o := sampleOrder()
	in, err := s.placeOrderInput(o, &shop.Cart{ID: "user-u1", Version: "v7"})
	if err != nil {
		t.Fatalf("placeOrderInput() = %v; want nil", err)
	}
	if got, want := len(in.TransactItems), len(o.Items)+2; got != want {
		t.Fatalf("placeOrderInput() has %d actions; want %d", got, want)
	}
	for i, l := range o.Items {
		u := in.TransactItems[i].Update
		if u == nil || aws.ToString(u.TableName) != "x-products" || !reflect.DeepEqual(u.Key, productKey(l.ProductID)) {
			t.Fatalf("action %d = %+v; want the update of product %s", i, in.TransactItems[i], l.ProductID)
		}
		if !strings.Contains(aws.ToString(u.ConditionExpression), "#stock >= :q") ||
			!reflect.DeepEqual(u.ExpressionAttributeValues[":q"], num(l.Quantity)) ||
			!reflect.DeepEqual(u.ExpressionAttributeValues[":p"], num(l.UnitPriceCents)) ||
			u.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureAllOld {
			t.Errorf("action %d: condition %q values %s; want stock, price and active checked, old item returned",
				i, aws.ToString(u.ConditionExpression), describe(u.ExpressionAttributeValues))
		}
	}
	put := in.TransactItems[len(o.Items)].Put
	if put == nil || aws.ToString(put.ConditionExpression) != "attribute_not_exists(order_id)" || !reflect.DeepEqual(put.Item, orderItem(o)) {
		t.Errorf("order action = %+v; want a conditional put of the order item", in.TransactItems[len(o.Items)])
	}
	del := in.TransactItems[len(o.Items)+1].Delete
	if del == nil || !reflect.DeepEqual(del.Key, cartKey("user-u1")) || aws.ToString(del.ConditionExpression) != "#version = :v" ||
		!reflect.DeepEqual(del.ExpressionAttributeValues[":v"], str("v7")) {
		t.Errorf("cart action = %+v; want the delete of cart user-u1 on condition it is at version v7", in.TransactItems[len(o.Items)+1])
	}

	o.Items = append(o.Items, o.Items[0])
	if _, err := s.placeOrderInput(o, &shop.Cart{ID: "c"}); err == nil {
		t.Errorf("placeOrderInput(product on two lines) = nil; want an error")
	}
	o.Items = make([]shop.OrderLine, 99)
	for i := range o.Items {
		o.Items[i].ProductID = string(rune('a'+i%26)) + strings.Repeat("x", i)
	}
	if _, err := s.placeOrderInput(o, &shop.Cart{ID: "c"}); err == nil {
		t.Errorf("placeOrderInput(99 lines) = nil; want an error (over 100 actions)")
	}
}

func reasons(codes ...string) []types.CancellationReason {
	r := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		r[i].Code = aws.String(c)
	}
	return r
}

func TestClassifyCancellation(t *testing.T) {
	tests := []struct {
		name   string
		codes  []string
		kind   cancelKind
		failed []int
	}{
		{"order exists", []string{"None", "None", "ConditionalCheckFailed", "None"}, cancelOrderExists, nil},
		{"order exists wins over lines", []string{"ConditionalCheckFailed", "None", "ConditionalCheckFailed", "None"}, cancelOrderExists, nil},
		{"cart changed", []string{"None", "None", "None", "ConditionalCheckFailed"}, cancelCartChanged, nil},
		{"cart changed wins over lines", []string{"ConditionalCheckFailed", "None", "None", "ConditionalCheckFailed"}, cancelCartChanged, nil},
		{"order exists wins over cart", []string{"None", "None", "ConditionalCheckFailed", "ConditionalCheckFailed"}, cancelOrderExists, nil},
		{"lines failed", []string{"ConditionalCheckFailed", "None", "None", "None"}, cancelLines, []int{0}},
		{"lines and conflict", []string{"TransactionConflict", "ConditionalCheckFailed", "None", "None"}, cancelLines, []int{1}},
		{"all lines", []string{"ConditionalCheckFailed", "ConditionalCheckFailed", "None", "None"}, cancelLines, []int{0, 1}},
		{"conflict", []string{"None", "TransactionConflict", "None", "None"}, cancelConflict, nil},
		{"conflict and throttling", []string{"ThrottlingError", "TransactionConflict", "None", "None"}, cancelConflict, nil},
		{"throttled", []string{"None", "None", "ProvisionedThroughputExceeded", "None"}, cancelThrottled, nil},
		{"validation", []string{"None", "ValidationError", "None", "None"}, cancelUnknown, nil},
		{"no reasons", nil, cancelUnknown, nil},
	}
	for _, tt := range tests {
		got := classifyCancellation(reasons(tt.codes...), 2)
		if got.kind != tt.kind || !reflect.DeepEqual(got.failedLines, tt.failed) {
			t.Errorf("%s: classifyCancellation(%v) = %+v; want kind %d, failed lines %v", tt.name, tt.codes, got, tt.kind, tt.failed)
		}
	}
}

// TestPlaceableNow: a cancelled placement is retried only when every
// line's condition holds for the products' state read after it.
func TestPlaceableNow(t *testing.T) {
	ok := shop.OrderLine{ProductID: "ok", Name: "OK", UnitPriceCents: 100, Quantity: 2}
	products := map[string]*shop.Product{
		"ok":       {ID: "ok", Name: "OK", PriceCents: 100, Stock: 2, Active: true},
		"short":    {ID: "short", Name: "Short", PriceCents: 200, Stock: 2, Active: true},
		"off":      {ID: "off", Name: "Off", PriceCents: 60, Stock: 5, Active: false},
		"repriced": {ID: "repriced", Name: "Repriced", PriceCents: 75, Stock: 5, Active: true},
		"gone":     nil,
	}
	if !placeableNow([]shop.OrderLine{ok}, products) {
		t.Errorf("placeableNow(%+v) = false; want true (stock 2 covers 2 at the same price)", ok)
	}
	for _, bad := range []shop.OrderLine{
		{ProductID: "short", Name: "Short", UnitPriceCents: 200, Quantity: 3},
		{ProductID: "off", Name: "Off", UnitPriceCents: 60, Quantity: 1},
		{ProductID: "repriced", Name: "Repriced", UnitPriceCents: 70, Quantity: 1},
		{ProductID: "gone", Name: "Gone", UnitPriceCents: 50, Quantity: 1},
	} {
		if placeableNow([]shop.OrderLine{ok, bad}, products) {
			t.Errorf("placeableNow(ok, %+v) = true; want false", bad)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt := 1; attempt <= 20; attempt++ {
		for range 50 {
			d := backoff(25*time.Millisecond, attempt)
			ceiling := min(25*time.Millisecond<<min(attempt-1, 10), time.Second)
			if d < ceiling/2 || d > ceiling {
				t.Fatalf("backoff(25ms, %d) = %v; want within [%v, %v]", attempt, d, ceiling/2, ceiling)
			}
		}
	}
}

// describe renders an item readably for failure messages.
func describe(it item) string {
	var b strings.Builder
	for _, k := range sortedKeys(it) {
		b.WriteString(k + "=" + describeValue(it[k]) + " ")
	}
	return strings.TrimSpace(b.String())
}

func describeValue(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return "S:" + v.Value
	case *types.AttributeValueMemberN:
		return "N:" + v.Value
	case *types.AttributeValueMemberBOOL:
		if v.Value {
			return "BOOL:true"
		}
		return "BOOL:false"
	case *types.AttributeValueMemberM:
		return "M{" + describe(v.Value) + "}"
	case *types.AttributeValueMemberL:
		parts := make([]string, len(v.Value))
		for i, e := range v.Value {
			parts[i] = describeValue(e)
		}
		return "L[" + strings.Join(parts, ", ") + "]"
	case nil:
		return "<missing>"
	}
	return "?"
}
