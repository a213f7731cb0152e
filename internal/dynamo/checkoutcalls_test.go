package dynamo

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"storefront/internal/shop"
	"storefront/internal/web"
)

// The DynamoDB calls of one request, counted by the SDK itself: a
// middleware in the client's stack sees every operation once (its
// retries are attempts of that one call, below the Initialize step).

// callCounter counts the DynamoDB operations a client makes, by name,
// and keeps the input of each Scan.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
	scans []*dynamodb.ScanInput
}

func (c *callCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls, c.scans = map[string]int{}, nil
}

func (c *callCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

// addTo is an APIOptions function: it adds the counting middleware.
func (c *callCounter) addTo(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("storefrontCountCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			c.calls[awsmiddleware.GetOperationName(ctx)]++
			if scan, ok := in.Parameters.(*dynamodb.ScanInput); ok {
				c.scans = append(c.scans, scan)
			}
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

// countingClient is a client of the test server whose calls c counts.
func countingClient(t *testing.T, c *callCounter) *dynamodb.Client {
	t.Helper()
	c.reset()
	cfg, err := loadConfig(t.Context(), nil, config.WithBaseEndpoint(testEndpoint(t)), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	if err != nil {
		t.Fatal(err)
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, c.addTo) })
}

// The operations that read items, and those that write them.
var (
	readOps  = []string{"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
	writeOps = []string{"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)

func sumOf(calls map[string]int, ops []string) int {
	n := 0
	for _, op := range ops {
		n += calls[op]
	}
	return n
}

func describeCalls(calls map[string]int) string {
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(calls)) {
		parts = append(parts, fmt.Sprintf("%s %d", op, calls[op]))
	}
	return strings.Join(parts, ", ")
}

// checkoutBudget: the most DynamoDB calls one checkout request may make
// (docs/dynamodb.md, "Calls per request"): with a cookie or token as the
// shop issues them, which name the session's user and cart (the session,
// user and cart in one call; the cart's products), and with one of the
// secret alone, as issued before (the session; the user and the cart
// together; the products).
const (
	checkoutReadBudget         = 2
	checkoutReadBudgetOfSecret = 3
	checkoutWriteBudget        = 1
)

// TestCheckoutCallBudget: placing a cart of several lines, through the
// API with a bearer token and through the checkout page's form, makes at
// most one write call (the transaction) and the read calls of
// checkoutReadBudget, counted by the SDK's middleware; and the order is
// placed.
func TestCheckoutCallBudget(t *testing.T) {
	f := newCallFixture(t)
	s, svc, u := f.store, f.svc, f.user
	fillCart := func() {
		for _, id := range []string{"p1", "p2", "p3", "p4"} {
			mustAddToCart(t, svc, shop.UserCartID(u.ID), id, 2)
		}
	}
	issued := func(in *shop.SignedIn) string { return in.Credential() }
	secretAlone := func(in *shop.SignedIn) string { return in.Token }
	apiCheckout := func(credential func(*shop.SignedIn) string) func() *http.Request {
		return func() *http.Request {
			r := apiRequest(t, svc, "POST", "/api/v1/orders", `{"shipping_address": {"full_name": "Ada Lovelace",
				"line1": "12 St James's Square", "line2": "", "city": "London", "postal_code": "SW1Y 4JH", "country": "GB"}}`, credential)
			r.Header.Set("Idempotency-Key", shop.NewCheckoutKey())
			return r
		}
	}
	pageCheckout := func(credential func(*shop.SignedIn) string) func() *http.Request {
		return func() *http.Request {
			return pagePost(t, svc, u, "/checkout", url.Values{"full_name": {"Ada Lovelace"}, "address_line1": {"12 St James's Square"}, "city": {"London"},
				"postal_code": {"SW1Y 4JH"}, "country": {"GB"}, "checkout_key": {shop.NewCheckoutKey()}}, credential)
		}
	}

	requests := []struct {
		name       string
		start      func() *http.Request
		wantStatus int
		readBudget int
	}{
		{"API POST /api/v1/orders", apiCheckout(issued), http.StatusCreated, checkoutReadBudget},
		{"API POST /api/v1/orders, token of the secret alone", apiCheckout(secretAlone), http.StatusCreated, checkoutReadBudgetOfSecret},
		{"page POST /checkout", pageCheckout(issued), http.StatusSeeOther, checkoutReadBudget},
		{"page POST /checkout, cookie of the secret alone", pageCheckout(secretAlone), http.StatusSeeOther, checkoutReadBudgetOfSecret},
	}
	for _, req := range requests {
		t.Run(req.name, func(t *testing.T) {
			fillCart()
			r := req.start()
			before := orderCount(t, s)
			calls := f.serve(t, "checkout", r, req.wantStatus)
			if n := orderCount(t, s); n != before+1 {
				t.Fatalf("orders = %d after a checkout; want %d", n, before+1)
			}
			checkCallBudget(t, "checkout", calls, req.readBudget, checkoutWriteBudget)
		})
	}
}

// callFixture is a service on a store whose DynamoDB calls are counted,
// with four products, p1 to p4, and the account ada@example.com.
type callFixture struct {
	counter *callCounter
	store   *Store
	svc     *shop.Service
	user    *shop.User
	handler http.Handler
}

func newCallFixture(t *testing.T) *callFixture {
	f := &callFixture{counter: &callCounter{}}
	f.store = newTestStoreWith(t, countingClient(t, f.counter))
	f.svc = newService(f.store)
	mustSaveProducts(t, f.store, product("p1", 1500, 50), product("p2", 2500, 50), product("p3", 900, 50), product("p4", 4900, 50))
	f.user = mustRegister(t, f.svc, "ada@example.com")
	f.handler = web.NewServer(f.svc, slog.New(slog.DiscardHandler), web.Config{})
	return f
}

// serve serves r, what, which must answer wantStatus, and returns the
// DynamoDB calls it made.
func (f *callFixture) serve(t *testing.T, what string, r *http.Request, wantStatus int) map[string]int {
	t.Helper()
	return f.serveTo(t, httptest.NewRecorder(), what, r, wantStatus)
}

// serveTo is serve with the answer kept in w.
func (f *callFixture) serveTo(t *testing.T, w *httptest.ResponseRecorder, what string, r *http.Request, wantStatus int) map[string]int {
	t.Helper()
	f.counter.reset()
	f.handler.ServeHTTP(w, r)
	calls := f.counter.snapshot()
	t.Logf("DynamoDB calls of one %s: %s", what, describeCalls(calls))
	if w.Code != wantStatus {
		t.Fatalf("status = %d; want %d: %s", w.Code, wantStatus, w.Body)
	}
	return calls
}

// checkCallBudget fails t when calls, those of one what, hold more
// reads or writes than allowed, or calls that are neither.
func checkCallBudget(t *testing.T, what string, calls map[string]int, reads, writes int) {
	t.Helper()
	if n := sumOf(calls, readOps); n > reads {
		t.Errorf("one %s made %d read calls (%s); want at most %d", what, n, describeCalls(calls), reads)
	}
	if n := sumOf(calls, writeOps); n > writes {
		t.Errorf("one %s made %d write calls (%s); want at most %d", what, n, describeCalls(calls), writes)
	}
	if others := len(calls) - countOf(calls, readOps) - countOf(calls, writeOps); others > 0 {
		t.Errorf("one %s made calls other than reads and writes (%s); want none", what, describeCalls(calls))
	}
}

// apiRequest is a JSON request to the API signed with a new token of
// ada@example.com, presented as credential gives it.
func apiRequest(t *testing.T, svc *shop.Service, method, path, body string, credential func(*shop.SignedIn) string) *http.Request {
	t.Helper()
	signed, err := svc.CreateToken(t.Context(), "ada@example.com", "correct horse battery 42", "", "")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+credential(signed))
	return r
}

// pagePost is a form's post from a browser with a new web session of u,
// its cookie as credential gives it.
func pagePost(t *testing.T, svc *shop.Service, u *shop.User, path string, form url.Values, credential func(*shop.SignedIn) string) *http.Request {
	t.Helper()
	signed, err := svc.StartSession(t.Context(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: "session", Value: credential(signed)})
	return r
}

// countOf is how many of ops calls holds.
func countOf(calls map[string]int, ops []string) int {
	n := 0
	for _, op := range ops {
		if _, ok := calls[op]; ok {
			n++
		}
	}
	return n
}

// readCartThenAddToIt is a request of ada@example.com, signed in with a
// token presented as credential gives it, that read her cart (p1 x1) with
// her user: then p2 x3 is added to the cart, after that read.
func readCartThenAddToIt(t *testing.T, credential func(*shop.SignedIn) string) (*Store, *shop.Service, *shop.Session, *shop.User) {
	t.Helper()
	s := newTestStore(t)
	svc := newService(s)
	mustSaveProducts(t, s, product("p1", 1500, 50), product("p2", 2500, 50))
	mustRegister(t, svc, "ada@example.com")
	signed, err := svc.CreateToken(t.Context(), "ada@example.com", "correct horse battery 42", "", "")
	if err != nil {
		t.Fatal(err)
	}
	mustAddToCart(t, svc, signed.Session.CartID, "p1", 1)
	sess, u, err := svc.TokenUser(t.Context(), credential(signed)) // reads the cart with the user
	if err != nil {
		t.Fatal(err)
	}
	mustAddToCart(t, svc, sess.CartID, "p2", 3) // after the request read it
	return s, svc, sess, u
}

// TestCheckoutOfACartChangedSinceItWasReadWithTheUser: the cart read
// with the user at the start of a request (UserAndCart) is only a first
// guess: a line added since makes the placement fail its cart version
// condition, and the checkout runs again from a fresh read, so the order
// holds the added line.
func TestCheckoutOfACartChangedSinceItWasReadWithTheUser(t *testing.T) {
	s, svc, sess, u := readCartThenAddToIt(t, func(in *shop.SignedIn) string { return in.Token })
	o, _, err := svc.PlaceOrder(t.Context(), shop.PlaceOrderInput{User: u, CartID: sess.CartID, Key: shop.NewCheckoutKey(), Address: testAddress})
	if err != nil {
		t.Fatalf("PlaceOrder() = %v; want the order", err)
	}
	if len(o.Items) != 2 || o.Items[1].ProductID != "p2" || o.Items[1].Quantity != 3 {
		t.Errorf("order items = %+v; want p1 x1 and p2 x3 (the line added after the cart was read)", o.Items)
	}
	stored, err := s.Order(t.Context(), o.ID)
	if err != nil || len(stored.Items) != 2 {
		t.Fatalf("stored order = %+v, %v; want the two lines", stored, err)
	}
	checkStock(t, s, "p2", 47)
}

// TestDemoCatalogCheckReadsOneProduct: whether the demo catalog is to be
// loaded is learned by one Scan of at most one item, never a count of the
// whole table (a start of a shop with 100,000 products read them all).
func TestDemoCatalogCheckReadsOneProduct(t *testing.T) {
	counter := &callCounter{}
	s := newTestStoreWith(t, countingClient(t, counter))
	mustSaveProducts(t, s, product("p1", 1500, 5), product("p2", 2500, 5), product("p3", 900, 5))
	counter.reset()
	loaded, err := newService(s).LoadDemoCatalog(t.Context())
	if err != nil || loaded {
		t.Fatalf("LoadDemoCatalog() on a filled store = %v, %v; want false, nil", loaded, err)
	}
	calls := counter.snapshot()
	if calls["Scan"] != 1 || len(calls) != 1 {
		t.Fatalf("LoadDemoCatalog() on a filled store made %s; want one Scan", describeCalls(calls))
	}
	if scan := counter.scans[0]; aws.ToInt32(scan.Limit) != 1 || scan.Select == types.SelectCount {
		t.Errorf("the demo catalog check scanned with Limit %d, Select %q; want Limit 1, items (not a count)", aws.ToInt32(scan.Limit), scan.Select)
	}
}

// cartChangeReadBudget: the most DynamoDB read calls one change of a
// signed-in shopper's cart line may make (docs/dynamodb.md, "Calls per
// request"): the session with its user and cart, then the products of
// the cart and of the line, in one call; its write is the cart's save.
const (
	cartChangeReadBudget  = 2
	cartChangeWriteBudget = 1
)

// TestCartChangeCallBudget: setting a line's quantity through the API
// (PUT /api/v1/cart/items/{id}) and through the cart page's form reads
// the cart only with the session and every product once, in one call,
// and the answer holds every line priced.
func TestCartChangeCallBudget(t *testing.T) {
	f := newCallFixture(t)
	s, svc, u := f.store, f.svc, f.user
	mustAddToCart(t, svc, shop.UserCartID(u.ID), "p1", 1)
	mustAddToCart(t, svc, shop.UserCartID(u.ID), "p2", 1)
	issued := func(in *shop.SignedIn) string { return in.Credential() }
	apiSet := func(quantity int) *http.Request {
		return apiRequest(t, svc, "PUT", "/api/v1/cart/items/p3", fmt.Sprintf(`{"quantity": %d}`, quantity), issued)
	}
	pageSet := func(quantity int) *http.Request {
		return pagePost(t, svc, u, "/cart/items/p3", url.Values{"quantity": {fmt.Sprint(quantity)}}, issued)
	}
	for i, req := range []struct {
		name       string
		start      func(quantity int) *http.Request
		wantStatus int
	}{
		{"API PUT /api/v1/cart/items/p3", apiSet, http.StatusOK},
		{"page POST /cart/items/p3", pageSet, http.StatusSeeOther},
	} {
		t.Run(req.name, func(t *testing.T) {
			quantity := 2 + i
			w := httptest.NewRecorder()
			calls := f.serveTo(t, w, "cart change", req.start(quantity), req.wantStatus)
			c, err := s.Cart(t.Context(), shop.UserCartID(u.ID))
			if err != nil {
				t.Fatal(err)
			}
			if l, ok := c.Line("p3"); !ok || l.Quantity != quantity || len(c.Lines) != 3 {
				t.Fatalf("cart after the change = %+v; want p1, p2 and p3 x%d", c.Lines, quantity)
			}
			if req.wantStatus == http.StatusOK && (strings.Count(w.Body.String(), `"product_id"`) != 3 || !strings.Contains(w.Body.String(), `"unit_price_cents":900`)) {
				t.Errorf("answer = %s; want the three lines, p3 at 900 cents", w.Body)
			}
			checkCallBudget(t, "cart change", calls, cartChangeReadBudget, cartChangeWriteBudget)
		})
	}
}

// TestCartChangeOfACartChangedSinceItWasReadWithTheUser: a cart change
// starting from the cart read with the user keeps a line added since:
// its save fails the version condition and the change is applied again
// to the cart read afresh.
func TestCartChangeOfACartChangedSinceItWasReadWithTheUser(t *testing.T) {
	s, svc, sess, u := readCartThenAddToIt(t, func(in *shop.SignedIn) string { return in.Credential() })
	v, err := svc.SetCartQuantity(t.Context(), u, sess.CartID, "p1", 4)
	if err != nil {
		t.Fatalf("SetCartQuantity() = %v; want the cart", err)
	}
	if len(v.Lines) != 2 || v.Lines[0].Quantity != 4 || v.Lines[1].ProductID != "p2" || v.Lines[1].Quantity != 3 {
		t.Errorf("cart = %+v; want p1 x4 and p2 x3 (the line added after the cart was read)", v.Lines)
	}
	stored, err := s.Cart(t.Context(), sess.CartID)
	if err != nil || len(stored.Lines) != 2 {
		t.Errorf("stored cart = %+v, %v; want two lines", stored, err)
	}
}
