package dynamo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"storefront/internal/shop"
)

// Fault injection: an HTTP transport between the SDK and the server that
// fails chosen DynamoDB operations, so every failure path of PlaceOrder
// runs for real through the SDK (its retries, its error parsing).

// fault answers a request instead of the server (or after it).
type fault func(base http.RoundTripper, req *http.Request, body []byte) (*http.Response, error)

// faultyTransport passes requests to base, but answers operation op with
// its fault for the next n requests of op (n < 0: all of them). It counts
// the requests of each operation since the last inject.
type faultyTransport struct {
	base http.RoundTripper

	mu    sync.Mutex
	op    string
	fault fault
	n     int
	calls map[string]int // requests per operation
}

func newFaultyTransport() *faultyTransport {
	// A new connection per request: the local server may close an idle
	// kept-alive connection just as it is reused, and the SDK's retry of
	// that failure would count as one more request of the operation, so
	// tests that count attempts would fail by timing alone.
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.DisableKeepAlives = true
	return &faultyTransport{base: base, calls: map[string]int{}}
}

// inject makes the next n requests of op (all when n < 0) fail with f.
func (ft *faultyTransport) inject(op string, n int, f fault) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.op, ft.n, ft.fault = op, n, f
	clear(ft.calls)
}

func (ft *faultyTransport) heal() { ft.inject("", 0, nil) }

func (ft *faultyTransport) count(op string) int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.calls[op]
}

func (ft *faultyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	ft.mu.Lock()
	ft.calls[op]++
	var f fault
	if ft.fault != nil && op == ft.op && ft.n != 0 {
		f = ft.fault
		if ft.n > 0 {
			ft.n--
		}
	}
	ft.mu.Unlock()
	if f == nil {
		return ft.base.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	return f(ft.base, req, body)
}

// refuse fails as a server that is down does.
func refuse(http.RoundTripper, *http.Request, []byte) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
}

// answer returns a fault answering status with a DynamoDB error body.
func answer(status int, errorType string, extra map[string]any) fault {
	return func(_ http.RoundTripper, req *http.Request, body []byte) (*http.Response, error) {
		payload := map[string]any{"__type": "com.amazonaws.dynamodb.v20120810#" + errorType, "message": "injected " + errorType}
		for k, v := range extra {
			payload[k] = v
		}
		return jsonAnswer(req, status, payload), nil
	}
}

// jsonAnswer is DynamoDB's answer to req: status and payload as its body.
func jsonAnswer(req *http.Request, status int, payload any) *http.Response {
	b, _ := json.Marshal(payload)
	return &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amzn-Requestid": {"injected"},
			"X-Amz-Crc32": {strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10)}},
		Body:          io.NopCloser(bytes.NewReader(b)),
		ContentLength: int64(len(b)),
		Request:       req,
	}
}

// cancelWith answers a TransactWriteItems with a TransactionCanceledException
// whose reason for action index is code ("None" for the others).
func cancelWith(index int, code string) fault {
	return func(base http.RoundTripper, req *http.Request, body []byte) (*http.Response, error) {
		var in struct{ TransactItems []json.RawMessage }
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, fmt.Errorf("test transport: reading TransactWriteItems: %w", err)
		}
		reasons := make([]map[string]string, len(in.TransactItems))
		codes := make([]string, len(reasons))
		for i := range reasons {
			reasons[i] = map[string]string{"Code": "None"}
			if i == index {
				reasons[i] = map[string]string{"Code": code, "Message": "injected"}
			}
			codes[i] = reasons[i]["Code"]
		}
		return answer(400, "TransactionCanceledException", map[string]any{
			"Message":             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
			"CancellationReasons": reasons,
		})(base, req, body)
	}
}

// loseResponse lets the server apply the request, then cuts the
// connection before the answer arrives.
func loseResponse(base http.RoundTripper, req *http.Request, body []byte) (*http.Response, error) {
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
}

// checkoutFixture is a store whose client goes through a faulty transport,
// a service over it, and a shopper with a cart of 2 units of p1 (stock 5).
type checkoutFixture struct {
	s   *Store
	ft  *faultyTransport
	svc *shop.Service
	in  shop.PlaceOrderInput
}

func newCheckoutFixture(t *testing.T) *checkoutFixture {
	t.Helper()
	ft := newFaultyTransport()
	s := newTestStoreWith(t, testClient(t, &http.Client{Transport: ft, Timeout: requestTimeout}))
	s.txBackoff = 0 // keep the tests fast; backoff has its own test
	svc, in := readyCheckout(t, s)
	return &checkoutFixture{s: s, ft: ft, svc: svc, in: in}
}

// readyCheckout gives s a product and a registered buyer whose cart holds
// two of it, and returns the service and that buyer's checkout.
func readyCheckout(t *testing.T, s *Store) (*shop.Service, shop.PlaceOrderInput) {
	t.Helper()
	svc := newService(s)
	mustSaveProducts(t, s, product("p1", 1500, 5))
	u := mustRegister(t, svc, "ada@example.com")
	mustAddToCart(t, svc, shop.UserCartID(u.ID), "p1", 2)
	return svc, shop.PlaceOrderInput{User: u, CartID: shop.UserCartID(u.ID), Key: shop.NewCheckoutKey(), Address: testAddress}
}

// checkNothingChanged checks a failed checkout left no trace.
func (f *checkoutFixture) checkNothingChanged(t *testing.T) {
	t.Helper()
	if n := orderCount(t, f.s); n != 0 {
		t.Errorf("orders table holds %d items after a failed checkout; want 0", n)
	}
	if n := cartLines(t, f.s, f.in.CartID); n != 1 {
		t.Errorf("cart has %d lines after a failed checkout; want it kept (1 line)", n)
	}
	checkStock(t, f.s, "p1", 5)
}

// checkPlacedOnce checks the checkout's order exists, once, and took its
// stock once.
func (f *checkoutFixture) checkPlacedOnce(t *testing.T, o *shop.Order) {
	t.Helper()
	if want := shop.OrderID(f.in.User.ID, f.in.Key); o == nil || o.ID != want {
		t.Fatalf("order = %+v; want order %s", o, want)
	}
	if n := orderCount(t, f.s); n != 1 {
		t.Errorf("orders table holds %d items; want 1", n)
	}
	if n := cartLines(t, f.s, f.in.CartID); n != 0 {
		t.Errorf("cart has %d lines after the order; want 0", n)
	}
	checkStock(t, f.s, "p1", 3)
}

// TestPlaceOrderWhenTransactionsFail: DynamoDB refuses every transaction,
// or answers it with a server error. A refusal (a connection never made,
// throttling) says nothing was applied: ErrUnavailable. A 5xx answer to a
// transaction does not say that (AWS documents that it may have been
// applied): the outcome is unknown, never "nothing was ordered", even when
// the store is back to normal for reads and the order is not there (it
// could still appear).
func TestPlaceOrderWhenTransactionsFail(t *testing.T) {
	tests := []struct {
		name  string
		fault fault
		want  error
	}{
		{"connection refused", refuse, shop.ErrUnavailable},
		{"internal server error", answer(500, "InternalServerError", nil), shop.ErrOutcomeUnknown},
		{"service unavailable", answer(503, "ServiceUnavailable", nil), shop.ErrOutcomeUnknown},
		{"throttling", answer(400, "ThrottlingException", nil), shop.ErrUnavailable},
		{"throughput exceeded", answer(400, "ProvisionedThroughputExceededException", nil), shop.ErrUnavailable},
		{"throttled transaction", cancelWith(0, "ThrottlingError"), shop.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCheckoutFixture(t)
			f.ft.inject("TransactWriteItems", -1, tt.fault)
			_, _, err := f.svc.PlaceOrder(t.Context(), f.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("PlaceOrder() with failing transactions = %v; want %v", err, tt.want)
			}
			if tt.want == shop.ErrOutcomeUnknown && errors.Is(err, shop.ErrUnavailable) {
				t.Errorf("PlaceOrder() = %v; want ErrOutcomeUnknown only, not ErrUnavailable (\"nothing was ordered\")", err)
			}
			if n := f.ft.count("TransactWriteItems"); n < 2 || n > f.s.txAttempts+resolveAttempts {
				t.Errorf("PlaceOrder() sent %d transactions; want a few retries, bounded", n)
			}
			f.checkNothingChanged(t)

			f.ft.heal()
			o, replayed, err := f.svc.PlaceOrder(t.Context(), f.in)
			if err != nil || replayed {
				t.Fatalf("PlaceOrder() again with the same key after recovery = %v, replayed %v; want nil, false", err, replayed)
			}
			f.checkPlacedOnce(t, o)
		})
	}
}

// TestPlaceOrderWhenServerIsDown: with DynamoDB unreachable the service
// cannot even look up whether the checkout key already has an order (an
// earlier submission of the same form may have placed it), so the answer
// is ErrOutcomeUnknown, never "nothing was ordered"; nothing changes, and
// the same key resolves it once DynamoDB is back.
func TestPlaceOrderWhenServerIsDown(t *testing.T) {
	f := newCheckoutFixture(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	down := *f.s
	down.db = clientFor(t, closed, nil) // the production HTTP client, on a dead port
	svc := newService(&down)

	_, _, err = svc.PlaceOrder(t.Context(), f.in)
	if !errors.Is(err, shop.ErrOutcomeUnknown) || errors.Is(err, shop.ErrUnavailable) {
		t.Fatalf("PlaceOrder() with the server down = %v; want ErrOutcomeUnknown alone", err)
	}
	if err := down.Ping(t.Context()); !errors.Is(err, shop.ErrUnavailable) {
		t.Errorf("Ping() with the server down = %v; want ErrUnavailable", err)
	}
	f.checkNothingChanged(t)

	o, replayed, err := f.svc.PlaceOrder(t.Context(), f.in)
	if err != nil || replayed {
		t.Fatalf("PlaceOrder() with the same key once the server is back = %v, replayed %v; want nil, false", err, replayed)
	}
	f.checkPlacedOnce(t, o)
}

// TestPlaceOrderWhenTheAnswerIsLost: the transaction commits but its answer
// never arrives. The SDK sends it again; the order's condition refuses the
// copy (ErrOrderExists) and the service answers with the order: placed
// exactly once, and the shopper told so.
func TestPlaceOrderWhenTheAnswerIsLost(t *testing.T) {
	f := newCheckoutFixture(t)
	f.ft.inject("TransactWriteItems", 1, loseResponse)
	o, _, err := f.svc.PlaceOrder(t.Context(), f.in)
	if err != nil {
		t.Fatalf("PlaceOrder() whose first answer is lost = %v; want the order", err)
	}
	if n := f.ft.count("TransactWriteItems"); n != 2 {
		t.Errorf("PlaceOrder() sent %d transactions; want 2 (the lost one and its retry)", n)
	}
	f.checkPlacedOnce(t, o)
}

func TestPlaceOrderRetriesATransactionConflict(t *testing.T) {
	f := newCheckoutFixture(t)
	f.ft.inject("TransactWriteItems", 1, cancelWith(0, "TransactionConflict"))
	o, replayed, err := f.svc.PlaceOrder(t.Context(), f.in)
	if err != nil || replayed {
		t.Fatalf("PlaceOrder() after one TransactionConflict = %v, replayed %v; want nil, false", err, replayed)
	}
	if n := f.ft.count("TransactWriteItems"); n != 2 {
		t.Errorf("PlaceOrder() sent %d transactions; want 2 (the cancelled one and its retry)", n)
	}
	f.checkPlacedOnce(t, o)

	// A TransactionConflictException (rather than a cancellation) is
	// retried alike.
	g := newCheckoutFixture(t)
	g.ft.inject("TransactWriteItems", 2, answer(400, "TransactionConflictException", nil))
	o, _, err = g.svc.PlaceOrder(t.Context(), g.in)
	if err != nil {
		t.Fatalf("PlaceOrder() after two TransactionConflictExceptions = %v; want nil", err)
	}
	g.checkPlacedOnce(t, o)
}

func TestPlaceOrderGivesUpOnEndlessConflicts(t *testing.T) {
	f := newCheckoutFixture(t)
	f.ft.inject("TransactWriteItems", -1, cancelWith(1, "TransactionConflict"))
	_, _, err := f.svc.PlaceOrder(t.Context(), f.in)
	if !errors.Is(err, shop.ErrConflict) {
		t.Fatalf("PlaceOrder() with every transaction conflicting = %v; want ErrConflict", err)
	}
	if n := f.ft.count("TransactWriteItems"); n != f.s.txAttempts {
		t.Errorf("PlaceOrder() sent %d transactions; want %d (bounded)", n, f.s.txAttempts)
	}
	f.checkNothingChanged(t)
}

// TestRefusalFromCancellation checks that the refused line's product is
// reported as DynamoDB returned it with the cancellation (ALL_OLD), without
// a second read, and that it means a shortage.
func TestRefusalFromCancellation(t *testing.T) {
	f := newCheckoutFixture(t)
	o := &shop.Order{ID: "o1", UserID: "u1", UserEmail: "u1@example.com", Status: shop.OrderStatusPlaced, CreatedAt: testTime,
		Currency: shop.Currency, ShippingAddress: testAddress,
		Items: []shop.OrderLine{{ProductID: "p1", Name: "Product p1", UnitPriceCents: 1500, Quantity: 6, LineTotalCents: 9000}}}
	f.ft.heal() // counts from here
	err := f.s.PlaceOrder(t.Context(), o, &shop.Cart{ID: f.in.CartID, Version: cartVersion(t, f.s, f.in.CartID)})
	var refused *shop.PlacementRefused
	if !errors.As(err, &refused) {
		t.Fatalf("PlaceOrder(6 of 5) = %v; want a *PlacementRefused", err)
	}
	if p := refused.Products["p1"]; p == nil || p.Stock != 5 || p.PriceCents != 1500 || !p.Active {
		t.Errorf("PlaceOrder(6 of 5) reported p1 = %+v; want active, 1500 cents, stock 5", p)
	}
	var serr *shop.StockError
	if err := refused.Refusal(o.Items); !errors.As(err, &serr) {
		t.Fatalf("Refusal of PlaceOrder(6 of 5) = %v; want a *StockError", err)
	}
	want := shop.Shortage{ProductID: "p1", Name: "Product p1", Requested: 6, Available: 5}
	if len(serr.Items) != 1 || serr.Items[0] != want {
		t.Errorf("PlaceOrder(6 of 5) shortages = %+v; want [%+v]", serr.Items, want)
	}
	if n := f.ft.count("BatchGetItem"); n != 0 {
		t.Errorf("PlaceOrder(6 of 5) read products %d times after the cancellation; want 0 (the old item comes with it)", n)
	}
	f.checkNothingChanged(t)
}

// cartVersion returns the stored version of cart id.
func cartVersion(t *testing.T, s *Store, id string) string {
	t.Helper()
	c, err := s.Cart(t.Context(), id)
	if err != nil {
		t.Fatalf("Cart(%s) = %v; want nil", id, err)
	}
	return c.Version
}
