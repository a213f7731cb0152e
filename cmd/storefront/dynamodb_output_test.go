package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

// testLine is one product of a test order, from the demo catalog, with
// the quantity first added on the product page (firstQty) and the one
// ordered (qty), set on the cart page when they differ. The API sets qty
// directly.
type testLine struct {
	id            string
	firstQty, qty int
}

// The products of the two orders, in cart order. The HTML order is over
// the free-shipping threshold, the API order under it; the test checks
// that the catalog still makes it so. Each cart is filled in an order
// other than the ids' alphabetical one, so the test sees that the order
// keeps the cart's order.
var (
	htmlOrderLines = []testLine{{"enamel-kettle", 3, 2}, {"cast-iron-skillet", 1, 1}}
	apiOrderLines  = []testLine{{"pour-over-dripper", 1, 1}, {"linen-tea-towels", 1, 1}}
)

// What the shoppers enter (the service trims every field and upper-cases
// the postal code and the country), and the shipping_address it must
// become.
var (
	htmlAddressEntered = url.Values{
		"full_name": {"  Ada Lovelace "}, "address_line1": {" 12 St James's Square"}, "address_line2": {"Flat 3 "},
		"city": {" London "}, "postal_code": {" sw1y 4jh "}, "country": {"gb"},
	}
	htmlAddressSaved = map[string]string{
		"full_name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "Flat 3",
		"city": "London", "postal_code": "SW1Y 4JH", "country": "GB",
	}
	apiAddressEntered = map[string]string{
		"full_name": " Grace Hopper", "line1": "1 Navy Yard Road ", "line2": " Building 4 & Annex <B>",
		"city": "Arlington ", "postal_code": "22202-4305 ", "country": " us",
	}
	apiAddressSaved = map[string]string{
		"full_name": "Grace Hopper", "line1": "1 Navy Yard Road", "line2": "Building 4 & Annex <B>",
		"city": "Arlington", "postal_code": "22202-4305", "country": "US",
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
	env, db := dynamoDBEnvironment(t)
	start := time.Now()
	p := startProgram(t, env)
	app := &shopClient{t: t, base: p.base, hc: &http.Client{Timeout: 60 * time.Second}}

	before := app.catalogBefore(slices.Concat(htmlOrderLines, apiOrderLines))
	htmlWant := &wantOrder{email: "ada.output@example.com", lines: wantLines(htmlOrderLines, before), address: htmlAddressSaved}
	apiWant := &wantOrder{email: "grace.output@example.com", lines: wantLines(apiOrderLines, before), address: apiAddressSaved}
	if s := htmlWant.subtotal(); s < 5000 {
		t.Fatalf("the HTML order's subtotal is %d; the demo catalog changed, pick products over the free-shipping threshold", s)
	}
	if s := apiWant.subtotal(); s >= 5000 {
		t.Fatalf("the API order's subtotal is %d; the demo catalog changed, pick products under the free-shipping threshold", s)
	}

	placeOrderThroughPages(t, app, htmlWant)
	apiAnswer := placeOrderThroughAPI(t, app, apiWant, "output-check-"+env["STOREFRONT_TABLE_PREFIX"])
	end := time.Now()
	if htmlWant.userID == apiWant.userID {
		t.Errorf("both buyers have user id %q", htmlWant.userID)
	}
	if htmlWant.id == apiWant.id {
		t.Fatalf("both orders have id %q", htmlWant.id)
	}

	table := env["STOREFRONT_TABLE_PREFIX"] + "orders"
	checkOrderItemsByKey(t, db, table, start, end, htmlWant, apiWant)
	checkOrdersTableScan(t, db, table, start, end, apiAnswer, htmlWant, apiWant)
	checkStockDecrements(t, app, before, htmlWant, apiWant)

	if err := p.stop(); err != nil {
		t.Fatalf("run = %v; want nil after a graceful shutdown", err)
	}
}

// dynamoDBEnvironment returns the program's environment on the test
// DynamoDB server, with tables of their own (deleted when the test ends,
// after the program stops), and a client of that server.
func dynamoDBEnvironment(t *testing.T) (map[string]string, *dynamodb.Client) {
	t.Helper()
	endpoint := dynamotest.Endpoint(t)
	prefix := "out" + strings.ToLower(rand.Text()[:10]) + "-"
	env := map[string]string{
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
	// Registered before the program starts, so it runs after the program
	// stops (cleanups run last-registered first).
	t.Cleanup(func() { deleteTables(t, db, prefix) })
	return env, db
}

// catalogBefore reads each line's product through the API before the
// orders, and stops the test when its stock is too low for the test.
func (c *shopClient) catalogBefore(lines []testLine) map[string]productJSON {
	c.t.Helper()
	before := map[string]productJSON{}
	for _, l := range lines {
		before[l.id] = c.product(l.id)
		if need := max(l.firstQty, l.qty); before[l.id].Stock < need {
			c.t.Fatalf("demo product %s has stock %d; the test needs %d", l.id, before[l.id].Stock, need)
		}
	}
	return before
}

// wantLines are the order lines the test lines must become, at the
// prices and names the catalog showed.
func wantLines(lines []testLine, catalog map[string]productJSON) []wantLine {
	var out []wantLine
	for _, l := range lines {
		p := catalog[l.id]
		out = append(out, wantLine{l.id, p.Name, p.PriceCents, l.qty})
	}
	return out
}

// placeOrderThroughPages is the HTML path: a browser registers, fills its
// cart, changes a quantity and checks out; then it submits the same form
// again and must land on the same order. It sets w.id and w.userID.
func placeOrderThroughPages(t *testing.T, app *shopClient, w *wantOrder) {
	t.Helper()
	b := app.browser()
	b.get("/register").want(http.StatusOK)
	b.post("/register", url.Values{"email": {w.email}, "name": {"Ada Lovelace"},
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
	form := checkoutForm(t, b) // scaleout_scenarios_test.go
	placed := b.post("/checkout", form).want(http.StatusSeeOther)
	loc := placed.header.Get("Location")
	m := regexp.MustCompile(`^/orders/([A-Za-z0-9_-]+)$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("POST /checkout: Location %q; want /orders/{id}", loc)
	}
	w.id = m[1]
	page := b.get(loc).want(http.StatusOK)
	if !strings.Contains(page.body, `id="order-id"`) || !strings.Contains(page.body, ">"+w.id+"<") {
		t.Errorf("GET %s does not show the order id %s in #order-id", loc, w.id)
	}
	if want := fmt.Sprintf(`id="order-total">%s<`, dollars(w.total())); !strings.Contains(page.body, want) {
		t.Errorf("GET %s does not show the total: want %s", loc, want)
	}
	if again := b.post("/checkout", form).want(http.StatusSeeOther); again.header.Get("Location") != loc {
		t.Errorf("POST /checkout again: Location %q; want %q (the same order)", again.header.Get("Location"), loc)
	}
	// The buyer's id, as the API tells the same account.
	w.userID = app.me(app.token(w.email), w.email).ID
}

// placeOrderThroughAPI is the API path: a client registers, takes a token,
// fills its cart and places the order with idempotencyKey; then it sends
// the same request again and must get the same order. It sets w.id and
// w.userID, and returns the order the API answered.
func placeOrderThroughAPI(t *testing.T, app *shopClient, w *wantOrder, idempotencyKey string) orderJSON {
	t.Helper()
	var created userJSON
	app.call(http.MethodPost, "/api/v1/users", "", nil,
		map[string]string{"email": w.email, "name": "Grace Hopper", "password": testPassword}, http.StatusCreated, &created)
	if created.ID == "" || created.Email != w.email {
		t.Fatalf("POST /api/v1/users = %+v; want an id and email %s", created, w.email)
	}
	token := app.token(w.email)
	if me := app.me(token, w.email); me.ID != created.ID {
		t.Fatalf("GET /api/v1/me id = %q; want %q, the id POST /api/v1/users answered", me.ID, created.ID)
	}
	w.userID = created.ID
	for _, l := range apiOrderLines {
		app.call(http.MethodPut, "/api/v1/cart/items/"+l.id, token, nil, map[string]int{"quantity": l.qty}, http.StatusOK, nil)
	}
	body := map[string]any{"shipping_address": apiAddressEntered}
	key := map[string]string{"Idempotency-Key": idempotencyKey}
	var order, replay orderJSON
	app.call(http.MethodPost, "/api/v1/orders", token, key, body, http.StatusCreated, &order)
	if order.ID == "" {
		t.Fatal("POST /api/v1/orders answered no id")
	}
	w.id = order.ID
	app.checkOrderJSON("POST /api/v1/orders", order, w)
	if status := app.call(http.MethodPost, "/api/v1/orders", token, key, body, 0, &replay); status != http.StatusOK && status != http.StatusCreated {
		t.Errorf("POST /api/v1/orders again = %d; want 200 or 201", status)
	}
	if replay.ID != order.ID {
		t.Errorf("POST /api/v1/orders again: id %q; want %q (the same order)", replay.ID, order.ID)
	}
	var cart struct {
		Items []json.RawMessage `json:"items"`
	}
	if app.call(http.MethodGet, "/api/v1/cart", token, nil, nil, http.StatusOK, &cart); len(cart.Items) != 0 {
		t.Errorf("the API cart holds %d lines after the order; want 0", len(cart.Items))
	}
	return order
}

// checkOrderItemsByKey reads each order's item by its key, as downstream
// processing does: every order the shopper was told was placed is there,
// whole.
func checkOrderItemsByKey(t *testing.T, db *dynamodb.Client, table string, start, end time.Time, wants ...*wantOrder) {
	t.Helper()
	for _, w := range wants {
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
}

// checkOrdersTableScan reads the whole table: exactly one item per order
// (none for the replays), each whole, and the API order's created_at the
// one the API answered.
func checkOrdersTableScan(t *testing.T, db *dynamodb.Client, table string, start, end time.Time, apiAnswer orderJSON, wants ...*wantOrder) {
	t.Helper()
	byID := map[string]*wantOrder{}
	for _, w := range wants {
		byID[w.id] = w
	}
	items := scanAll(t, db, table)
	if len(items) != len(wants) {
		t.Errorf("Scan(%s) = %d items; want exactly %d (one per order, none for the replays)", table, len(items), len(wants))
	}
	seen := map[string]bool{}
	for _, it := range items {
		id, _ := it["order_id"].(*types.AttributeValueMemberS)
		if id == nil {
			t.Errorf("Scan(%s): an item without an S order_id: %v", table, attributeNames(it))
			continue
		}
		w := byID[id.Value]
		if w == nil {
			t.Errorf("Scan(%s): unexpected order %s", table, id.Value)
			continue
		}
		if seen[id.Value] {
			t.Errorf("Scan(%s): order %s twice", table, id.Value)
		}
		seen[id.Value] = true
		checkOrderItem(t, "Scan "+id.Value, it, w, start, end)
		if id.Value == apiAnswer.ID {
			checkCreatedAtAnswered(t, it, apiAnswer)
		}
	}
}

// checkCreatedAtAnswered: what the API told the client is what downstream
// reads.
func checkCreatedAtAnswered(t *testing.T, item map[string]types.AttributeValue, answer orderJSON) {
	t.Helper()
	answered, err := time.Parse(time.RFC3339, answer.CreatedAt)
	if err != nil {
		t.Errorf("order %s: the API answered created_at %q, not RFC 3339: %v", answer.ID, answer.CreatedAt, err)
		return
	}
	got := avString(item["created_at"])
	stored, err := time.Parse(time.RFC3339Nano, got)
	if err != nil || !stored.Truncate(time.Second).Equal(answered) {
		t.Errorf("order %s: created_at %q in the table; the API answered %q", answer.ID, got, answer.CreatedAt)
	}
}

// checkStockDecrements: stock went down by exactly the quantities ordered,
// once.
func checkStockDecrements(t *testing.T, app *shopClient, before map[string]productJSON, wants ...*wantOrder) {
	t.Helper()
	ordered := map[string]int{}
	for _, w := range wants {
		for _, l := range w.lines {
			ordered[l.productID] += l.qty
		}
	}
	for id, qty := range ordered {
		if got, want := app.product(id).Stock, before[id].Stock-qty; got != want {
			t.Errorf("stock of %s = %d after the orders; want %d (%d - %d)", id, got, want, before[id].Stock, qty)
		}
	}
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
// Failures are logged: the test's verdict is already made.
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
