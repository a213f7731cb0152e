package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/dynamo/dynamotest"
)

// TestMain stops the local DynamoDB server that the DynamoDB tests of this
// package start on first use (dynamotest).
func TestMain(m *testing.M) {
	code := m.Run()
	dynamotest.Stop()
	os.Exit(code)
}

// The products of the two orders, from the demo catalog, in cart order.
// The HTML order is over the free-shipping threshold, the API order under
// it; the test checks that the catalog still makes it so. Each cart is
// filled in an order other than the ids' alphabetical one, so the test
// sees that the order keeps the cart's order.
var (
	htmlOrderLines = []struct {
		id       string
		firstQty int // added with this quantity, then set to qty on the cart page
		qty      int
	}{
		{"enamel-kettle", 3, 2},
		{"cast-iron-skillet", 1, 1},
	}
	apiOrderLines = []struct {
		id  string
		qty int
	}{
		{"pour-over-dripper", 1},
		{"linen-tea-towels", 1},
	}
)

// TestDynamoDBOrdersOutput is the output check: it runs the whole program
// on DynamoDB, places one order through the HTML pages and one through the
// JSON API (each submitted twice), then reads the orders table directly
// and checks each item whole against the contract's shape and the values
// the shoppers entered and were shown: every attribute and no other, its
// type and value. It also checks that stock went down by exactly the
// quantities ordered.
func TestDynamoDBOrdersOutput(t *testing.T) {
	endpoint := dynamotest.Endpoint(t)
	prefix := uniqueTablePrefix()
	port := freePort(t)
	env := map[string]string{
		"PORT":                      port,
		"STOREFRONT_STORE":          "dynamodb",
		"STOREFRONT_TABLE_PREFIX":   prefix,
		"STOREFRONT_DEMO":           "true",
		"AWS_ENDPOINT_URL_DYNAMODB": endpoint,
		"AWS_REGION":                "us-east-1",
		"AWS_ACCESS_KEY_ID":         "test",
		"AWS_SECRET_ACCESS_KEY":     "test",
	}
	// run reads its own settings through getenv, but the AWS SDK reads the
	// process environment itself: set the AWS variables there too, and
	// keep a developer's AWS configuration out of the test.
	for _, name := range []string{"AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Setenv(name, env[name])
	}
	for _, name := range []string{"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "no-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	db := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	t.Cleanup(func() { deleteTables(t, db, prefix) })

	start := time.Now()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"storefront"}, func(n string) string { return env[n] }, &stdout, &stderr)
	}()
	stopped := false
	defer func() {
		if !stopped { // a failed check: stop the program before the tables go
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
			}
		}
		if t.Failed() {
			t.Logf("program log:\n%s", stderr.String())
		}
	}()

	app := &shopClient{t: t, base: "http://127.0.0.1:" + port, hc: &http.Client{Timeout: 60 * time.Second}}
	app.waitHealthy(done, 90*time.Second)

	// The catalog as the API shows it before the orders.
	before := map[string]productJSON{}
	for _, l := range htmlOrderLines {
		before[l.id] = app.product(l.id)
		if before[l.id].Stock < max(l.firstQty, l.qty) {
			t.Fatalf("demo product %s has stock %d; the test needs %d", l.id, before[l.id].Stock, max(l.firstQty, l.qty))
		}
	}
	for _, l := range apiOrderLines {
		before[l.id] = app.product(l.id)
		if before[l.id].Stock < l.qty {
			t.Fatalf("demo product %s has stock %d; the test needs %d", l.id, before[l.id].Stock, l.qty)
		}
	}

	// What the shoppers enter: the service trims every field and
	// upper-cases the postal code and the country.
	htmlAddress := url.Values{
		"full_name": {"  Ada Lovelace "}, "address_line1": {" 12 St James's Square"}, "address_line2": {"Flat 3 "},
		"city": {" London "}, "postal_code": {" sw1y 4jh "}, "country": {"gb"},
	}
	htmlWant := &wantOrder{email: "ada.output@example.com", address: map[string]string{
		"full_name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "Flat 3",
		"city": "London", "postal_code": "SW1Y 4JH", "country": "GB",
	}}
	apiAddress := map[string]string{
		"full_name": " Grace Hopper", "line1": "1 Navy Yard Road ", "line2": " Building 4 & Annex <B>",
		"city": "Arlington ", "postal_code": "22202-4305 ", "country": " us",
	}
	apiWant := &wantOrder{email: "grace.output@example.com", address: map[string]string{
		"full_name": "Grace Hopper", "line1": "1 Navy Yard Road", "line2": "Building 4 & Annex <B>",
		"city": "Arlington", "postal_code": "22202-4305", "country": "US",
	}}
	for _, l := range htmlOrderLines {
		p := before[l.id]
		htmlWant.lines = append(htmlWant.lines, wantLine{l.id, p.Name, p.PriceCents, l.qty})
	}
	for _, l := range apiOrderLines {
		p := before[l.id]
		apiWant.lines = append(apiWant.lines, wantLine{l.id, p.Name, p.PriceCents, l.qty})
	}
	if s := htmlWant.subtotal(); s < 5000 {
		t.Fatalf("the HTML order's subtotal is %d; the demo catalog changed, pick products over the free-shipping threshold", s)
	}
	if s := apiWant.subtotal(); s >= 5000 {
		t.Fatalf("the API order's subtotal is %d; the demo catalog changed, pick products under the free-shipping threshold", s)
	}

	// (a) The HTML path: a browser registers, fills its cart, changes a
	// quantity and checks out; then it submits the same form again.
	b := app.browser()
	b.get("/register").want(http.StatusOK)
	b.post("/register", url.Values{"email": {htmlWant.email}, "name": {"Ada Lovelace"},
		"password": {testPassword}, "confirm_password": {testPassword}}).want(http.StatusSeeOther)
	for _, l := range htmlOrderLines {
		res := b.post("/cart/items", url.Values{"product_id": {l.id}, "quantity": {strconv.Itoa(l.firstQty)}})
		res.want(http.StatusSeeOther)
		if loc := res.header.Get("Location"); !strings.HasPrefix(loc, "/cart") {
			t.Fatalf("POST /cart/items %s: Location %q; want /cart", l.id, loc)
		}
	}
	for _, l := range htmlOrderLines {
		if l.qty != l.firstQty {
			b.post("/cart/items/"+l.id, url.Values{"quantity": {strconv.Itoa(l.qty)}}).want(http.StatusSeeOther)
		}
	}
	checkout := b.get("/checkout").want(http.StatusOK)
	m := regexp.MustCompile(`name="checkout_key" value="([^"]+)"`).FindStringSubmatch(checkout.body)
	if m == nil {
		t.Fatalf("GET /checkout has no checkout_key field:\n%s", checkout.body)
	}
	form := url.Values{"checkout_key": {html.UnescapeString(m[1])}}
	for k, v := range htmlAddress {
		form[k] = v
	}
	placed := b.post("/checkout", form).want(http.StatusSeeOther)
	loc := placed.header.Get("Location")
	m = regexp.MustCompile(`^/orders/([A-Za-z0-9_-]+)$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("POST /checkout: Location %q; want /orders/{id}", loc)
	}
	htmlWant.id = m[1]
	page := b.get(loc).want(http.StatusOK)
	if !strings.Contains(page.body, `id="order-id"`) || !strings.Contains(page.body, ">"+htmlWant.id+"<") {
		t.Errorf("GET %s does not show the order id %s in #order-id", loc, htmlWant.id)
	}
	if want := fmt.Sprintf(`id="order-total">%s<`, dollars(htmlWant.total())); !strings.Contains(page.body, want) {
		t.Errorf("GET %s does not show the total: want %s", loc, want)
	}
	if again := b.post("/checkout", form).want(http.StatusSeeOther); again.header.Get("Location") != loc {
		t.Errorf("POST /checkout again: Location %q; want %q (the same order)", again.header.Get("Location"), loc)
	}
	// The buyer's id, as the API tells the same account.
	htmlToken := app.token(htmlWant.email)
	htmlWant.userID = app.me(htmlToken, htmlWant.email).ID

	// (b) The API path: a client registers, takes a token, fills its cart
	// and places the order; then it sends the same request again.
	var created userJSON
	app.call(http.MethodPost, "/api/v1/users", "", nil,
		map[string]string{"email": apiWant.email, "name": "Grace Hopper", "password": testPassword}, http.StatusCreated, &created)
	if created.ID == "" || created.Email != apiWant.email {
		t.Fatalf("POST /api/v1/users = %+v; want an id and email %s", created, apiWant.email)
	}
	apiToken := app.token(apiWant.email)
	if me := app.me(apiToken, apiWant.email); me.ID != created.ID {
		t.Fatalf("GET /api/v1/me id = %q; want %q, the id POST /api/v1/users answered", me.ID, created.ID)
	}
	apiWant.userID = created.ID
	for _, l := range apiOrderLines {
		app.call(http.MethodPut, "/api/v1/cart/items/"+l.id, apiToken, nil, map[string]int{"quantity": l.qty}, http.StatusOK, nil)
	}
	body := map[string]any{"shipping_address": apiAddress}
	key := map[string]string{"Idempotency-Key": "output-check-" + prefix}
	var order, replay orderJSON
	app.call(http.MethodPost, "/api/v1/orders", apiToken, key, body, http.StatusCreated, &order)
	apiWant.id = order.ID
	if order.ID == "" {
		t.Fatal("POST /api/v1/orders answered no id")
	}
	app.checkOrderJSON("POST /api/v1/orders", order, apiWant)
	if status := app.call(http.MethodPost, "/api/v1/orders", apiToken, key, body, 0, &replay); status != http.StatusOK && status != http.StatusCreated {
		t.Errorf("POST /api/v1/orders again = %d; want 200 or 201", status)
	}
	if replay.ID != order.ID {
		t.Errorf("POST /api/v1/orders again: id %q; want %q (the same order)", replay.ID, order.ID)
	}
	var cart struct {
		Items []json.RawMessage `json:"items"`
	}
	if app.call(http.MethodGet, "/api/v1/cart", apiToken, nil, nil, http.StatusOK, &cart); len(cart.Items) != 0 {
		t.Errorf("the API cart holds %d lines after the order; want 0", len(cart.Items))
	}
	end := time.Now()

	if htmlWant.userID == apiWant.userID {
		t.Errorf("both buyers have user id %q", htmlWant.userID)
	}
	if htmlWant.id == apiWant.id {
		t.Fatalf("both orders have id %q", htmlWant.id)
	}

	// The output: the orders table, read directly.
	table := prefix + "orders"
	wants := map[string]*wantOrder{htmlWant.id: htmlWant, apiWant.id: apiWant}
	for _, w := range []*wantOrder{htmlWant, apiWant} {
		out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{
			TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"order_id": &types.AttributeValueMemberS{Value: w.id}},
		})
		if err != nil {
			t.Fatalf("GetItem(%s, %s) = %v", table, w.id, err)
		}
		if out.Item == nil {
			t.Errorf("GetItem(%s, %s): no item; the shopper was told the order was placed", table, w.id)
			continue
		}
		checkOrderItem(t, "GetItem "+w.id, out.Item, w, start, end)
	}
	items := scanAll(t, db, table)
	if len(items) != 2 {
		t.Errorf("Scan(%s) = %d items; want exactly 2 (one per order, none for the replays)", table, len(items))
	}
	seen := map[string]bool{}
	for _, it := range items {
		id, _ := it["order_id"].(*types.AttributeValueMemberS)
		if id == nil {
			t.Errorf("Scan(%s): an item without an S order_id: %v", table, attributeNames(it))
			continue
		}
		w := wants[id.Value]
		if w == nil {
			t.Errorf("Scan(%s): unexpected order %s", table, id.Value)
			continue
		}
		if seen[id.Value] {
			t.Errorf("Scan(%s): order %s twice", table, id.Value)
		}
		seen[id.Value] = true
		checkOrderItem(t, "Scan "+id.Value, it, w, start, end)
		if w == apiWant {
			// What the API told the client is what downstream reads.
			at, _ := time.Parse(time.RFC3339, order.CreatedAt)
			if got := avString(it["created_at"]); !parseTime(got).Truncate(time.Second).Equal(at) {
				t.Errorf("order %s: created_at %q in the table; the API answered %q", id.Value, got, order.CreatedAt)
			}
		}
	}

	// Stock went down by exactly the quantities ordered, once.
	ordered := map[string]int{}
	for _, w := range []*wantOrder{htmlWant, apiWant} {
		for _, l := range w.lines {
			ordered[l.productID] += l.qty
		}
	}
	for id, qty := range ordered {
		if got, want := app.product(id).Stock, before[id].Stock-qty; got != want {
			t.Errorf("stock of %s = %d after the orders; want %d (%d - %d)", id, got, want, before[id].Stock, qty)
		}
	}

	cancel()
	stopped = true
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v; want nil after a graceful shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after the context ended")
	}
}

// testPassword is the password of both test accounts.
const testPassword = "correct horse battery staple"

// wantOrder is what an order item must hold.
type wantOrder struct {
	id, userID, email string
	lines             []wantLine
	address           map[string]string // the shipping_address attributes
}

type wantLine struct {
	productID, name string
	unitPriceCents  int64
	qty             int
}

func (w *wantOrder) itemCount() (n int64) {
	for _, l := range w.lines {
		n += int64(l.qty)
	}
	return n
}

func (w *wantOrder) subtotal() (cents int64) {
	for _, l := range w.lines {
		cents += l.unitPriceCents * int64(l.qty)
	}
	return cents
}

// shipping is the contract's rule: free from 5000 cents, else 500.
func (w *wantOrder) shipping() int64 {
	if w.subtotal() >= 5000 {
		return 0
	}
	return 500
}

func (w *wantOrder) total() int64 { return w.subtotal() + w.shipping() }

// item is the whole item the contract prescribes, created_at aside (its
// value is only known to be in a time window).
func (w *wantOrder) item() map[string]types.AttributeValue {
	lines := make([]types.AttributeValue, len(w.lines))
	for i, l := range w.lines {
		lines[i] = avM(map[string]types.AttributeValue{
			"product_id": avS(l.productID), "name": avS(l.name), "unit_price_cents": avN(l.unitPriceCents),
			"quantity": avN(int64(l.qty)), "line_total_cents": avN(l.unitPriceCents * int64(l.qty)),
		})
	}
	addr := map[string]types.AttributeValue{}
	for k, v := range w.address {
		addr[k] = avS(v)
	}
	return map[string]types.AttributeValue{
		"order_id": avS(w.id), "user_id": avS(w.userID), "user_email": avS(w.email),
		"status": avS("placed"), "currency": avS("USD"),
		"items":      &types.AttributeValueMemberL{Value: lines},
		"item_count": avN(w.itemCount()), "subtotal_cents": avN(w.subtotal()),
		"shipping_cents": avN(w.shipping()), "total_cents": avN(w.total()),
		"shipping_address": avM(addr),
	}
}

func avS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func avN(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
func avM(v map[string]types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: v}
}

// checkOrderItem checks an item of the orders table against the contract
// and w: exactly the contract's attributes, each of its type and value;
// created_at RFC 3339 in UTC within [start, end].
func checkOrderItem(t *testing.T, label string, got map[string]types.AttributeValue, w *wantOrder, start, end time.Time) {
	t.Helper()
	want := w.item()
	created, ok := got["created_at"].(*types.AttributeValueMemberS)
	switch {
	case got["created_at"] == nil:
		t.Errorf("%s: no created_at", label)
	case !ok:
		t.Errorf("%s: created_at is %s; want S", label, avType(got["created_at"]))
	default:
		ts, err := time.Parse(time.RFC3339Nano, created.Value)
		if _, offset := ts.Zone(); err != nil {
			t.Errorf("%s: created_at %q is not RFC 3339: %v", label, created.Value, err)
		} else if offset != 0 {
			t.Errorf("%s: created_at %q is not in UTC", label, created.Value)
		} else if ts.Before(start.Truncate(time.Second)) || ts.After(end) {
			t.Errorf("%s: created_at %s is outside the test's time window [%s, %s]", label, created.Value,
				start.UTC().Format(time.RFC3339Nano), end.UTC().Format(time.RFC3339Nano))
		}
		want["created_at"] = created // its value checked above; the attribute is expected
	}
	for _, problem := range diffAV("", avM(got), avM(want)) {
		t.Errorf("%s: %s", label, problem)
	}
}

// diffAV lists how got differs from want: types, values, and for maps the
// missing and unexpected keys. Numbers compare as integers.
func diffAV(path string, got, want types.AttributeValue) []string {
	at := path
	if at == "" {
		at = "item"
	}
	if gt, wt := avType(got), avType(want); gt != wt {
		return []string{fmt.Sprintf("%s is %s %s; want %s %s", at, gt, avShow(got), wt, avShow(want))}
	}
	switch w := want.(type) {
	case *types.AttributeValueMemberS:
		if g := got.(*types.AttributeValueMemberS); g.Value != w.Value {
			return []string{fmt.Sprintf("%s = %q; want %q", at, g.Value, w.Value)}
		}
	case *types.AttributeValueMemberN:
		g := got.(*types.AttributeValueMemberN)
		gn, err := strconv.ParseInt(g.Value, 10, 64)
		wn, _ := strconv.ParseInt(w.Value, 10, 64)
		if err != nil || gn != wn {
			return []string{fmt.Sprintf("%s = N %s; want N %s", at, g.Value, w.Value)}
		}
	case *types.AttributeValueMemberL:
		g := got.(*types.AttributeValueMemberL)
		if len(g.Value) != len(w.Value) {
			return []string{fmt.Sprintf("%s has %d elements; want %d: %s", at, len(g.Value), len(w.Value), avShow(got))}
		}
		var out []string
		for i := range w.Value {
			out = append(out, diffAV(fmt.Sprintf("%s[%d]", path, i), g.Value[i], w.Value[i])...)
		}
		return out
	case *types.AttributeValueMemberM:
		g := got.(*types.AttributeValueMemberM)
		var out []string
		for _, k := range sortedKeys(w.Value) {
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			if _, ok := g.Value[k]; !ok {
				out = append(out, fmt.Sprintf("%s is missing; want %s %s", sub, avType(w.Value[k]), avShow(w.Value[k])))
				continue
			}
			out = append(out, diffAV(sub, g.Value[k], w.Value[k])...)
		}
		for _, k := range sortedKeys(g.Value) {
			if _, ok := w.Value[k]; !ok {
				out = append(out, fmt.Sprintf("%s: unexpected attribute %q = %s %s", at, k, avType(g.Value[k]), avShow(g.Value[k])))
			}
		}
		return out
	default:
		return []string{fmt.Sprintf("%s: the test expects no %s", at, avType(want))}
	}
	return nil
}

func sortedKeys(m map[string]types.AttributeValue) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// avType names an attribute value's DynamoDB type.
func avType(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "S"
	case *types.AttributeValueMemberN:
		return "N"
	case *types.AttributeValueMemberL:
		return "L"
	case *types.AttributeValueMemberM:
		return "M"
	case *types.AttributeValueMemberBOOL:
		return "BOOL"
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberB:
		return "B"
	case *types.AttributeValueMemberSS:
		return "SS"
	case *types.AttributeValueMemberNS:
		return "NS"
	case *types.AttributeValueMemberBS:
		return "BS"
	case nil:
		return "nothing"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// avShow renders an attribute value compactly for messages.
func avShow(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return strconv.Quote(v.Value)
	case *types.AttributeValueMemberN:
		return v.Value
	case *types.AttributeValueMemberL:
		parts := make([]string, len(v.Value))
		for i, e := range v.Value {
			parts[i] = avShow(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *types.AttributeValueMemberM:
		keys := sortedKeys(v.Value)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + avShow(v.Value[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *types.AttributeValueMemberBOOL:
		return strconv.FormatBool(v.Value)
	default:
		return fmt.Sprintf("%v", v)
	}
}

func avString(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func parseTime(s string) time.Time {
	ts, _ := time.Parse(time.RFC3339Nano, s)
	return ts
}

func attributeNames(it map[string]types.AttributeValue) []string {
	names := make([]string, 0, len(it))
	for k := range it {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// scanAll reads the whole table with consistent reads.
func scanAll(t *testing.T, db *dynamodb.Client, table string) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	in := &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)}
	for {
		out, err := db.Scan(t.Context(), in)
		if err != nil {
			t.Fatalf("Scan(%s) = %v", table, err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// deleteTables deletes every table whose name starts with prefix, so a
// shared server (STOREFRONT_TEST_DYNAMODB_ENDPOINT) does not fill up.
func deleteTables(t *testing.T, db *dynamodb.Client, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in := &dynamodb.ListTablesInput{}
	for {
		out, err := db.ListTables(ctx, in)
		if err != nil {
			t.Logf("cleanup: ListTables = %v", err)
			return
		}
		for _, name := range out.TableNames {
			if strings.HasPrefix(name, prefix) {
				if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
					t.Logf("cleanup: DeleteTable(%s) = %v", name, err)
				}
			}
		}
		if out.LastEvaluatedTableName == nil {
			return
		}
		in.ExclusiveStartTableName = out.LastEvaluatedTableName
	}
}

func uniqueTablePrefix() string {
	b := make([]byte, 5)
	rand.Read(b)
	return "out" + hex.EncodeToString(b) + "-"
}

// dollars formats cents as the pages show money.
func dollars(cents int64) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }

// shopClient drives the running program over HTTP.
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

// waitHealthy polls /healthz until it answers 200.
// done is run's result channel; a result read from it is put back.
func (c *shopClient) waitHealthy(done chan error, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		res, err := c.hc.Get(c.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-done:
			done <- err
			c.t.Fatalf("run returned before serving: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("/healthz not ready within %v: %v", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

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
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
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
