package dynamo

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/web"
)

// A real lost answer: a TCP proxy between the shop and the DynamoDB test
// server that forwards a TransactWriteItems call, lets the server apply
// it, and then closes the shop's connection without writing the answer,
// as a network cut or a load balancer timing out after the write does.

// answerDroppingProxy listens on a real TCP port and forwards every HTTP
// request it reads (http.ReadRequest) to the server at target. For the
// operations (X-Amz-Target) set to be dropped, it forwards the request,
// reads the whole answer and closes the client's connection instead of
// writing it. Whenever it forwards a TransactWriteItems, it runs
// onTransaction (under its lock), which may change what is dropped.
type answerDroppingProxy struct {
	l         net.Listener
	target    *url.URL
	transport *http.Transport

	mu            sync.Mutex
	drop          map[string]bool
	dropNext      map[string]int // answers still to drop, per operation
	forwarded     map[string]int
	dropped       map[string]int
	onTransaction func(p *answerDroppingProxy)
	wg            sync.WaitGroup
}

func newAnswerDroppingProxy(t *testing.T, target string) *answerDroppingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &answerDroppingProxy{l: l, target: u, transport: &http.Transport{},
		drop: map[string]bool{}, dropNext: map[string]int{}, forwarded: map[string]int{}, dropped: map[string]int{}}
	p.wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.serve(conn) })
		}
	})
	t.Cleanup(func() {
		l.Close()
		p.transport.CloseIdleConnections()
		p.wg.Wait()
	})
	return p
}

func (p *answerDroppingProxy) url() string { return "http://" + p.l.Addr().String() }

// setDrop makes the proxy drop the answers of ops (none: forward all).
func (p *answerDroppingProxy) setDrop(ops ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setDropLocked(ops...)
}

func (p *answerDroppingProxy) setDropLocked(ops ...string) {
	clear(p.drop)
	for _, op := range ops {
		p.drop[op] = true
	}
}

// dropNextAnswers makes the proxy drop the next n answers of op, then
// forward its answers again.
func (p *answerDroppingProxy) dropNextAnswers(op string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropNext[op] = n
}

// resetCounts starts counting requests afresh (after the fixture's own).
func (p *answerDroppingProxy) resetCounts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.forwarded)
	clear(p.dropped)
}

func (p *answerDroppingProxy) counts(op string) (forwarded, dropped int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.forwarded[op], p.dropped[op]
}

// serve handles one client connection: request after request (keep-alive)
// until the client closes it or an answer is dropped.
func (p *answerDroppingProxy) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	for {
		req, err := http.ReadRequest(r)
		if err != nil {
			return
		}
		op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		req.RequestURI = ""
		req.URL.Scheme, req.URL.Host = p.target.Scheme, p.target.Host
		res, err := p.transport.RoundTrip(req)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.forwarded[op]++
		if op == "TransactWriteItems" && p.onTransaction != nil {
			p.onTransaction(p)
		}
		drop := p.drop[op] || p.dropNext[op] > 0
		if p.dropNext[op] > 0 {
			p.dropNext[op]--
		}
		if drop {
			p.dropped[op]++
		}
		p.mu.Unlock()
		if drop {
			// The server has answered: the request was applied (or
			// refused). The client never learns which.
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return
		}
		err = res.Write(conn)
		res.Body.Close()
		if err != nil {
			return
		}
	}
}

// proxiedCheckout is a store and a service whose DynamoDB client goes
// through an answerDroppingProxy, and a shopper with 2 units of p1 (stock
// 5) in the cart.
type proxiedCheckout struct {
	proxy *answerDroppingProxy
	s     *Store
	svc   *shop.Service
	in    shop.PlaceOrderInput
}

func newProxiedCheckout(t *testing.T) *proxiedCheckout {
	t.Helper()
	proxy := newAnswerDroppingProxy(t, testEndpoint(t))
	// The production HTTP client, retries and timeouts: only the network
	// between shop and server is at fault.
	s := newTestStoreWith(t, clientFor(t, proxy.url(), nil))
	s.txBackoff = 0
	svc, in := readyCheckout(t, s)
	return &proxiedCheckout{proxy: proxy, s: s, svc: svc, in: in}
}

// checkPlacedOnce checks the table holds the checkout's order exactly once
// and the stock was taken once.
func (f *proxiedCheckout) checkPlacedOnce(t *testing.T) {
	t.Helper()
	if n := orderCount(t, f.s); n != 1 {
		t.Errorf("orders table holds %d items; want exactly 1", n)
	}
	if _, err := f.s.Order(t.Context(), shop.OrderID(f.in.User.ID, f.in.Key)); err != nil {
		t.Errorf("Order(the checkout's id) = %v; want it placed", err)
	}
	checkStock(t, f.s, "p1", 3)
	if n := cartLines(t, f.s, f.in.CartID); n != 0 {
		t.Errorf("cart has %d lines after the order; want 0", n)
	}
}

// The first TransactWriteItems is applied and its answer dropped: the
// resend with the same token settles it (moto ignores the token, so the
// resend fails its order condition: the order exists, and it is this
// call's own order) and the shopper is told the order was placed by this
// checkout (201 Created), not replayed from an earlier one.
func TestCheckoutWhoseTransactionAnswerIsDropped(t *testing.T) {
	f := newProxiedCheckout(t)
	f.proxy.resetCounts()
	f.proxy.onTransaction = func(p *answerDroppingProxy) {
		if p.forwarded["TransactWriteItems"] == 1 {
			p.setDropLocked("TransactWriteItems")
		} else {
			p.setDropLocked()
		}
	}
	o, replayed, err := f.svc.PlaceOrder(t.Context(), f.in)
	if err != nil {
		t.Fatalf("PlaceOrder() whose transaction's answer was dropped = %v; want the order", err)
	}
	if replayed {
		t.Error("PlaceOrder() whose own transaction was applied answered replayed; want placed by this call")
	}
	if want := shop.OrderID(f.in.User.ID, f.in.Key); o.ID != want {
		t.Errorf("order = %s; want %s", o.ID, want)
	}
	if fwd, dropped := f.proxy.counts("TransactWriteItems"); dropped != 1 || fwd < 2 {
		t.Errorf("TransactWriteItems forwarded %d, answers dropped %d; want 1 dropped and a resend", fwd, dropped)
	}
	f.checkPlacedOnce(t)
}

// Every TransactWriteItems answer is dropped: no resend settles it, so the
// service reads the order back, finds it and tells the shopper.
func TestCheckoutWhoseTransactionAnswersAreAllDropped(t *testing.T) {
	f := newProxiedCheckout(t)
	f.proxy.resetCounts()
	f.proxy.setDrop("TransactWriteItems")
	o, _, err := f.svc.PlaceOrder(t.Context(), f.in)
	if err != nil {
		t.Fatalf("PlaceOrder() with every transaction answer dropped = %v; want the order, read back", err)
	}
	if want := shop.OrderID(f.in.User.ID, f.in.Key); o.ID != want {
		t.Errorf("order = %s; want %s", o.ID, want)
	}
	if fwd, _ := f.proxy.counts("TransactWriteItems"); fwd > f.s.txAttempts+resolveAttempts {
		t.Errorf("TransactWriteItems forwarded %d times; want at most %d", fwd, f.s.txAttempts+resolveAttempts)
	}
	f.checkPlacedOnce(t)
}

// The answer is dropped and the store stays unreachable for reads too, so
// the outcome cannot be learned: through the API, 503 outcome_unknown with
// Retry-After (never "nothing was ordered"), and the same Idempotency-Key,
// once DynamoDB answers again, returns the one order.
func TestAPICheckoutOutcomeUnknownThenResolved(t *testing.T) {
	f := newProxiedCheckout(t)
	h := web.NewServer(f.svc, slog.New(slog.DiscardHandler), web.Config{})
	token := apiToken(t, h, "grace@example.com")
	apiCall(t, h, "PUT", "/api/v1/cart/items/p1", token, "", `{"quantity": 2}`, http.StatusOK)

	// From the first transaction on, no answer comes back at all.
	f.proxy.onTransaction = func(p *answerDroppingProxy) {
		p.setDropLocked("TransactWriteItems", "GetItem", "BatchGetItem", "Query")
	}
	const key = "lost-answer-key-1"
	body := `{"shipping_address": {"full_name": "Grace Hopper", "line1": "1 Navy Way", "line2": "", "city": "Arlington", "postal_code": "22201", "country": "US"}}`
	res := apiCall(t, h, "POST", "/api/v1/orders", token, key, body, http.StatusServiceUnavailable)
	if res.body["error"] != "outcome_unknown" {
		t.Errorf("POST /api/v1/orders with the answer lost: error %v; want outcome_unknown", res.body["error"])
	}
	if msg, _ := res.body["message"].(string); strings.Contains(msg, "Nothing") || strings.Contains(msg, "nothing was") {
		t.Errorf("outcome_unknown message %q; want no claim that nothing was ordered", msg)
	}
	if res.header.Get("Retry-After") == "" {
		t.Error("503 outcome_unknown without Retry-After")
	}
	if n := orderCount(t, f.s); n != 1 {
		t.Fatalf("orders table holds %d items after the lost answer; want 1 (the write was applied)", n)
	}

	f.proxy.onTransaction = nil
	f.proxy.setDrop()
	again := apiCall(t, h, "POST", "/api/v1/orders", token, key, body, http.StatusOK)
	id, _ := again.body["id"].(string)
	if id == "" {
		t.Fatalf("the same Idempotency-Key again answered %v; want the order", again.body)
	}
	got, err := f.s.Order(t.Context(), id)
	if err != nil {
		t.Fatalf("Order(%s) = %v; want the order", id, err)
	}
	if n := orderCount(t, f.s); n != 1 {
		t.Errorf("orders table holds %d items after resolving; want exactly 1", n)
	}
	if got.ItemCount != 2 {
		t.Errorf("order item count = %d; want 2", got.ItemCount)
	}
	checkStock(t, f.s, "p1", 3)
}

type apiResult struct {
	header http.Header
	body   map[string]any
}

// apiCall sends one API request to h and checks its status.
func apiCall(t *testing.T, h http.Handler, method, path, token, key, body string, want int) apiResult {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out := apiResult{header: rec.Result().Header}
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out.body); err != nil {
			t.Fatalf("%s %s: body %q is not JSON: %v", method, path, rec.Body.String(), err)
		}
	}
	if rec.Code != want {
		t.Fatalf("%s %s = %d %s; want %d", method, path, rec.Code, rec.Body.String(), want)
	}
	return out
}

// apiToken registers email through the API and returns a bearer token.
func apiToken(t *testing.T, h http.Handler, email string) string {
	t.Helper()
	const password = "correct horse battery 42"
	apiCall(t, h, "POST", "/api/v1/users", "", "", `{"email": "`+email+`", "name": "Grace", "password": "`+password+`"}`, http.StatusCreated)
	res := apiCall(t, h, "POST", "/api/v1/tokens", "", "", `{"email": "`+email+`", "password": "`+password+`"}`, http.StatusCreated)
	token, _ := res.body["token"].(string)
	if token == "" {
		t.Fatalf("POST /api/v1/tokens answered %v; want a token", res.body)
	}
	return token
}

// A sign-in failure's save is applied and its answer dropped: the SDK's
// resend fails its version condition against the save itself, which must
// count as saved, not as another server's update. Counted twice, the
// account would lock after fewer wrong guesses than AccountFailureLimit.
func TestThrottleSaveWhoseAnswerIsDropped(t *testing.T) {
	proxy := newAnswerDroppingProxy(t, testEndpoint(t))
	s := newTestStoreWith(t, clientFor(t, proxy.url(), nil))
	ctx := t.Context()
	key := shop.ThrottleKey("account", "ada@example.com")

	rec, err := s.LoginThrottle(ctx, key)
	if err != nil {
		t.Fatalf("LoginThrottle() = %v; want nil", err)
	}
	rec.Failures = 1
	proxy.resetCounts()
	proxy.dropNextAnswers("PutItem", 1)
	if err := s.SaveLoginThrottle(ctx, rec); err != nil {
		t.Fatalf("SaveLoginThrottle() whose answer was dropped = %v; want nil (it was applied)", err)
	}
	if fwd, dropped := proxy.counts("PutItem"); dropped != 1 || fwd != 2 {
		t.Errorf("PutItem forwarded %d, answers dropped %d; want one dropped and one resend", fwd, dropped)
	}
	stored, err := s.LoginThrottle(ctx, key)
	if err != nil {
		t.Fatalf("LoginThrottle() after the save = %v; want nil", err)
	}
	if stored.Failures != 1 || stored.Version != 1 {
		t.Errorf("stored record: %d failures at version %d; want 1 at version 1", stored.Failures, stored.Version)
	}

	// Another server's save in between is still a conflict.
	stale := *stored
	stored.Failures = 2
	if err := s.SaveLoginThrottle(ctx, stored); err != nil {
		t.Fatalf("SaveLoginThrottle() = %v; want nil", err)
	}
	stale.Failures = 5
	if err := s.SaveLoginThrottle(ctx, &stale); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("SaveLoginThrottle() over a version another save replaced = %v; want ErrConflict", err)
	}
}

// Through the service: every wrong guess but the last has its save's
// answer dropped once, and the account still takes AccountFailureLimit
// wrong answers before it locks.
func TestSignInFailuresCountedOnceWhenAnswersAreDropped(t *testing.T) {
	proxy := newAnswerDroppingProxy(t, testEndpoint(t))
	s := newTestStoreWith(t, clientFor(t, proxy.url(), nil))
	svc := newService(s)
	mustRegister(t, svc, "ada@example.com")
	ctx := t.Context()
	for i := range shop.AccountFailureLimit {
		if i < shop.AccountFailureLimit-1 {
			proxy.dropNextAnswers("PutItem", 1)
		}
		_, err := svc.Authenticate(ctx, "ada@example.com", "wrong password!", "")
		if !errors.Is(err, shop.ErrInvalidCredentials) {
			t.Fatalf("wrong guess %d = %v; want ErrInvalidCredentials", i+1, err)
		}
	}
	if _, err := svc.Authenticate(ctx, "ada@example.com", "wrong password!", ""); !errors.Is(err, shop.ErrThrottled) {
		t.Errorf("guess %d = %v; want ErrThrottled", shop.AccountFailureLimit+1, err)
	}
}

// A staff member's new product is applied and the answer dropped: the
// resend finds the product it wrote itself, which is no "exists".
func TestCreateProductWhoseAnswerIsDropped(t *testing.T) {
	proxy := newAnswerDroppingProxy(t, testEndpoint(t))
	s := newTestStoreWith(t, clientFor(t, proxy.url(), nil))
	p := product("lamp", 2500, 3)
	proxy.resetCounts()
	proxy.dropNextAnswers("PutItem", 1)
	if err := s.CreateProduct(t.Context(), p); err != nil {
		t.Fatalf("CreateProduct() whose answer was dropped = %v; want nil (it was applied)", err)
	}
	if fwd, dropped := proxy.counts("PutItem"); dropped != 1 || fwd != 2 {
		t.Errorf("PutItem forwarded %d, answers dropped %d; want one dropped and one resend", fwd, dropped)
	}
	if got, err := s.Product(t.Context(), "lamp"); err != nil || got.PriceCents != 2500 {
		t.Errorf("Product(lamp) = %+v, %v; want the product created", got, err)
	}
	if err := s.CreateProduct(t.Context(), product("lamp", 900, 1)); !errors.Is(err, shop.ErrProductExists) {
		t.Errorf("CreateProduct(lamp) again = %v; want ErrProductExists", err)
	}
	same := product("lamp", 2500, 3)
	same.CreatedAt = same.CreatedAt.Add(time.Nanosecond) // another create of the same product
	if err := s.CreateProduct(t.Context(), same); !errors.Is(err, shop.ErrProductExists) {
		t.Errorf("CreateProduct(lamp) with the same fields a moment later = %v; want ErrProductExists", err)
	}
}

// A password reset link's use is applied and the answer dropped: the
// resend finds the link used by this very use, so the new password is
// set; the link is used up for any later use.
func TestPasswordResetUseWhoseAnswerIsDropped(t *testing.T) {
	proxy := newAnswerDroppingProxy(t, testEndpoint(t))
	s := newTestStoreWith(t, clientFor(t, proxy.url(), nil))
	ctx := t.Context()
	now := time.Now()
	if err := s.CreatePasswordReset(ctx, &shop.PasswordReset{IDHash: "h1", UserID: "u1", PasswordStamp: "s",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	proxy.resetCounts()
	// Whichever write uses the link up: an update (a mark) or a deletion.
	writes := []string{"UpdateItem", "DeleteItem"}
	for _, op := range writes {
		proxy.dropNextAnswers(op, 1)
	}
	if err := s.ConsumePasswordReset(ctx, "h1"); err != nil {
		t.Fatalf("ConsumePasswordReset() whose answer was dropped = %v; want nil (it was applied)", err)
	}
	forwarded, dropped := 0, 0
	for _, op := range writes {
		f, d := proxy.counts(op)
		forwarded, dropped = forwarded+f, dropped+d
	}
	if dropped != 1 || forwarded != 2 {
		t.Errorf("writes forwarded %d, answers dropped %d; want one dropped and one resend", forwarded, dropped)
	}
	if err := s.ConsumePasswordReset(ctx, "h1"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("ConsumePasswordReset() again = %v; want ErrNotFound", err)
	}
	if _, err := s.PasswordReset(ctx, "h1"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("PasswordReset() of a used link = %v; want ErrNotFound", err)
	}
}

// A staff member's second-factor code is accepted and the answer dropped:
// the resend finds the step used by this very use, so the code is no
// replay; the same step again is one.
func TestTOTPStepUseWhoseAnswerIsDropped(t *testing.T) {
	proxy := newAnswerDroppingProxy(t, testEndpoint(t))
	s := newTestStoreWith(t, clientFor(t, proxy.url(), nil))
	ctx := t.Context()
	staff := &shop.User{ID: "s1", Email: "staff@example.com", Name: "Staff", PasswordHash: "x",
		Role: shop.RoleStaff, TOTPSecret: "JBSWY3DPEHPK3PXP", TOTPLastStep: 5, CreatedAt: testTime}
	if err := s.CreateUser(ctx, staff); err != nil {
		t.Fatalf("CreateUser() = %v; want nil", err)
	}
	proxy.resetCounts()
	proxy.dropNextAnswers("UpdateItem", 1)
	if err := s.UseTOTPStep(ctx, "s1", 6); err != nil {
		t.Fatalf("UseTOTPStep(6) whose answer was dropped = %v; want nil (it was applied)", err)
	}
	if fwd, dropped := proxy.counts("UpdateItem"); dropped != 1 || fwd != 2 {
		t.Errorf("UpdateItem forwarded %d, answers dropped %d; want one dropped and one resend", fwd, dropped)
	}
	if err := s.UseTOTPStep(ctx, "s1", 6); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("UseTOTPStep(6) again = %v; want ErrConflict (a replay)", err)
	}
}
