package main

import (
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// twoServers starts two server processes on one set of tables of the
// local DynamoDB server, the first loading the demo catalog before the
// second starts, behind a round-robin balancer (scaleout_test.go). Every
// client address is the balancer's loopback one, so the registration
// limit is raised for the test's many accounts.
func twoServers(t *testing.T, extra map[string]string) (*balancer, []*childProgram, *dynamodb.Client, string) {
	t.Helper()
	env, db := dynamoDBEnvironment(t)
	env["STOREFRONT_TRUST_PROXY"] = "true"
	env["STOREFRONT_PROCESSOR"] = "off"
	env["STOREFRONT_REGISTRATION_LIMIT"] = "1000"
	env["STOREFRONT_METRICS_ADDR"] = "127.0.0.1:0"
	for k, v := range extra {
		env[k] = v
	}
	a := startChild(t, "server A", env)
	b := startChild(t, "server B", env)
	return newBalancer(t, a, b), []*childProgram{a, b}, db, env["STOREFRONT_TABLE_PREFIX"] + "orders"
}

// ordersOf returns the orders table's items of the buyers userIDs, as
// order id -> user id (a scan: every item, whatever the shop answered).
func ordersOf(t *testing.T, db *dynamodb.Client, table string, userIDs map[string]bool) map[string]string {
	t.Helper()
	orders := map[string]string{}
	for _, it := range scanAll(t, db, table) {
		if user := avString(it["user_id"]); userIDs[user] {
			orders[avString(it["order_id"])] = user
		}
	}
	return orders
}

// TestScaleOut runs the shop as two processes behind a round-robin
// balancer, every request landing on either, and checks that what must
// hold across requests holds across servers: the journey, sign-in
// throttling, the guest cart's merge, checkout idempotency, and the
// catalog read model's freshness on both servers.
func TestScaleOut(t *testing.T) {
	lb, servers, db, table := twoServers(t, nil)
	viaLB := lb.client(t)

	t.Run("journey alternating servers", func(t *testing.T) { scaleOutJourney(t, lb, viaLB, db, table) })
	t.Run("sign-in throttling across servers", func(t *testing.T) { scaleOutThrottling(t, lb, viaLB) })
	t.Run("guest cart merged on the other server", func(t *testing.T) { scaleOutCartMerge(t, servers, viaLB) })
	t.Run("one checkout key on both servers", func(t *testing.T) { scaleOutIdempotency(t, servers, viaLB, db, table) })
	t.Run("catalog fresh on both servers within 2 s", func(t *testing.T) {
		scaleOutCatalogFreshness(t, servers, db, strings.TrimSuffix(table, "orders")+"products")
	})
}

// scaleOutJourney: a shopper registers, signs out and in, browses, fills
// the cart, checks out and reads the orders through the balancer, each
// request on the other server than the one before; the order is in the
// table exactly once.
func scaleOutJourney(t *testing.T, lb *balancer, app *shopClient, db *dynamodb.Client, table string) {
	c := *app
	c.t = t
	first := lb.requests()
	b := c.browser()
	email := "journey.scaleout@example.com"
	b.get("/register").want(http.StatusOK)
	b.post("/register", url.Values{"email": {email}, "name": {"Ada"}, "password": {testPassword},
		"confirm_password": {testPassword}}).want(http.StatusSeeOther)
	b.post("/logout", nil).want(http.StatusSeeOther)
	b.post("/login", url.Values{"email": {email}, "password": {testPassword}}).want(http.StatusSeeOther)
	home := b.get("/").want(http.StatusOK)
	if !strings.Contains(home.body, `href="/products/enamel-kettle"`) && !strings.Contains(home.body, "/products/") {
		t.Fatalf("the home page links to no product:\n%s", home.body)
	}
	b.get("/products/enamel-kettle").want(http.StatusOK)
	b.post("/cart/items", url.Values{"product_id": {"enamel-kettle"}, "quantity": {"1"}}).want(http.StatusSeeOther)
	if cart := b.get("/cart").want(http.StatusOK); !strings.Contains(cart.body, `data-product-id="enamel-kettle"`) {
		t.Fatalf("the cart, read on the other server, lacks the line added:\n%s", cart.body)
	}
	form := checkoutForm(t, b)
	placed := b.post("/checkout", form).want(http.StatusSeeOther)
	loc := placed.header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/orders/")
	if !ok {
		t.Fatalf("POST /checkout: Location %q; want /orders/{id}", loc)
	}
	b.get(loc).want(http.StatusOK)
	if again := b.post("/checkout", form).want(http.StatusSeeOther); again.header.Get("Location") != loc {
		t.Errorf("POST /checkout again on the other server: Location %q; want %q", again.header.Get("Location"), loc)
	}
	if orders := b.get("/orders").want(http.StatusOK); !strings.Contains(orders.body, id) {
		t.Errorf("GET /orders does not list %s", id)
	}

	routed := lb.routedSince(first)
	for i := 1; i < len(routed); i++ {
		if routed[i] == routed[i-1] {
			t.Fatalf("requests %d and %d of the journey both went to server %d; want them alternating: %v", i-1, i, routed[i], routed)
		}
	}
	user := c.me(c.token(email), email).ID
	if orders := ordersOf(t, db, table, map[string]bool{user: true}); len(orders) != 1 || orders[id] != user {
		t.Errorf("the orders table holds %v for the shopper; want exactly the order %s", orders, id)
	}
}

// checkoutForm reads the checkout page and returns its form filled in.
func checkoutForm(t *testing.T, b *browser) url.Values {
	t.Helper()
	page := b.get("/checkout").want(http.StatusOK)
	m := regexp.MustCompile(`name="checkout_key" value="([^"]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("GET /checkout has no checkout_key field:\n%s", page.body)
	}
	form := url.Values{"checkout_key": {html.UnescapeString(m[1])}}
	for k, v := range htmlAddressEntered {
		form[k] = v
	}
	return form
}

// scaleOutThrottling: wrong passwords sent alternately to both servers
// add up to one lock: the account's limit of failures answers 401 each,
// the next ones 429, and the right password is refused while locked.
func scaleOutThrottling(t *testing.T, lb *balancer, app *shopClient) {
	c := *app
	c.t = t
	email := "throttled.scaleout@example.com"
	c.call(http.MethodPost, "/api/v1/users", "", nil,
		map[string]string{"email": email, "name": "Mallory's target", "password": testPassword}, http.StatusCreated, nil)
	first := lb.requests()
	const attempts = 12
	for i := 1; i <= attempts; i++ {
		want := http.StatusUnauthorized
		if i > shop.AccountFailureLimit {
			want = http.StatusTooManyRequests
		}
		c.call(http.MethodPost, "/api/v1/tokens", "", nil, map[string]string{"email": email, "password": fmt.Sprintf("wrong password %d!", i)}, want, nil)
	}
	c.call(http.MethodPost, "/api/v1/tokens", "", nil, map[string]string{"email": email, "password": testPassword}, http.StatusTooManyRequests, nil)
	perServer := map[int]int{}
	for _, s := range lb.routedSince(first) {
		perServer[s]++
	}
	if perServer[0] < attempts/2 || perServer[1] < attempts/2 {
		t.Errorf("sign-ins per server %v; want the attempts spread over both", perServer)
	}
}

// scaleOutCartMerge: a shopper with a saved cart line fills a guest cart
// on server A, signs in on server B, and then sees, on A, both lines.
func scaleOutCartMerge(t *testing.T, servers []*childProgram, app *shopClient) {
	c := *app
	c.t = t
	email := "merge.scaleout@example.com"
	token := c.newBuyer(email)
	c.call(http.MethodPut, "/api/v1/cart/items/cast-iron-skillet", token, nil, map[string]int{"quantity": 1}, http.StatusOK, nil)

	// One browser (one cookie jar: cookies ignore ports) on each server.
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	onA := &browser{c: &shopClient{t: t, base: servers[0].base, hc: hc}, hc: hc}
	onB := &browser{c: &shopClient{t: t, base: servers[1].base, hc: hc}, hc: hc}
	onA.post("/cart/items", url.Values{"product_id": {"pour-over-dripper"}, "quantity": {"2"}}).want(http.StatusSeeOther)
	onB.post("/login", url.Values{"email": {email}, "password": {testPassword}}).want(http.StatusSeeOther)
	cart := onA.get("/cart").want(http.StatusOK)
	for _, id := range []string{"cast-iron-skillet", "pour-over-dripper"} {
		if !strings.Contains(cart.body, `data-product-id="`+id+`"`) {
			t.Errorf("the cart on server A after signing in on server B lacks %s:\n%s", id, cart.body)
		}
	}
}

// scaleOutIdempotency: the same checkout, one Idempotency-Key, sent to
// both servers at once, several times over: both answers name one order
// (a refusal to wait, 409 or 503, is resolved by sending it again), and
// the table holds exactly one order per key.
func scaleOutIdempotency(t *testing.T, servers []*childProgram, app *shopClient, db *dynamodb.Client, table string) {
	c := *app
	c.t = t
	email := "twice.scaleout@example.com"
	token := c.newBuyer(email)
	user := c.me(token, email).ID
	const rounds = 5
	ids := map[string]bool{}
	for round := range rounds {
		c.call(http.MethodPut, "/api/v1/cart/items/linen-tea-towels", token, nil, map[string]int{"quantity": 1}, http.StatusOK, nil)
		key := map[string]string{"Idempotency-Key": fmt.Sprintf("scaleout-twice-%d", round)}
		body := map[string]any{"shipping_address": apiAddressEntered}
		var wg sync.WaitGroup
		got := make([]string, len(servers))
		for i, s := range servers {
			wg.Go(func() {
				on := &shopClient{t: t, base: s.base, hc: c.hc}
				for try := 0; ; try++ {
					var o orderJSON
					status := on.call(http.MethodPost, "/api/v1/orders", token, key, body, 0, &o)
					if status == http.StatusOK || status == http.StatusCreated {
						got[i] = o.ID
						return
					}
					if status != http.StatusConflict && status != http.StatusServiceUnavailable || try == 20 {
						t.Errorf("round %d: POST /api/v1/orders on server %d = %d; want the order", round, i, status)
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		if got[0] != got[1] || got[0] == "" {
			t.Errorf("round %d: the servers answered orders %q and %q; want one", round, got[0], got[1])
		}
		ids[got[0]] = true
	}
	orders := ordersOf(t, db, table, map[string]bool{user: true})
	if len(orders) != rounds {
		t.Errorf("the orders table holds %d orders of the buyer; want %d, one per key: %v", len(orders), rounds, orders)
	}
	for id := range ids {
		if orders[id] != user {
			t.Errorf("order %s, answered by both servers, is not in the table", id)
		}
	}
}

// scaleOutCatalogFreshness: a price and stock change written to the
// products table by another writer reaches both servers' listings (their
// catalog read models, fed by the table's stream) within 2 seconds.
func scaleOutCatalogFreshness(t *testing.T, servers []*childProgram, db *dynamodb.Client, products string) {
	const id = "pour-over-dripper"
	hc := &http.Client{Timeout: 10 * time.Second}
	_, err := db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(products),
		Key:              map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}},
		UpdateExpression: aws.String("SET price_cents = :price, stock = :stock"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":price": &types.AttributeValueMemberN{Value: "1234"},
			":stock": &types.AttributeValueMemberN{Value: "7"}}})
	if err != nil {
		t.Fatalf("UpdateItem(%s) = %v", id, err)
	}
	// The 2 seconds run from the change's commit, not from its request
	// (which waits its turn at the busy local DynamoDB server).
	started := time.Now()
	for i, server := range servers {
		for {
			status, body := getBody(t, hc, server.base+"/api/v1/products?q=dripper")
			if status == http.StatusOK && strings.Contains(body, `"price_cents":1234`) && strings.Contains(body, `"stock":7`) {
				break
			}
			if time.Since(started) > 2*time.Second {
				t.Fatalf("server %d lists %s 2 s after its change as %d %s; want price 1234 and stock 7", i, id, status, body)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
