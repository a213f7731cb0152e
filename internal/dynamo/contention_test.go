package dynamo

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/web"
)

// Contention on plain writes: a single-item write whose item a transaction
// in progress holds is refused with TransactionConflictException, which
// the SDK does not retry. The store retries it (bounded, with backoff),
// then answers shop.ErrConflict, which the web layer answers 503 with
// Retry-After, never 500.

// contentionFixture is a store whose client goes through a faulty
// transport, with a user and a product.
type contentionFixture struct {
	s    *Store
	ft   *faultyTransport
	svc  *shop.Service
	user *shop.User
}

func newContentionFixture(t *testing.T) *contentionFixture {
	t.Helper()
	ft := newFaultyTransport()
	s := newTestStoreWith(t, testClient(t, &http.Client{Transport: ft, Timeout: requestTimeout}))
	s.txBackoff = time.Millisecond // keep the tests fast; backoff has its own test
	svc := newService(s)
	mustSaveProducts(t, s, product("p1", 1500, 5))
	return &contentionFixture{s: s, ft: ft, svc: svc, user: mustRegister(t, svc, "ada@example.com")}
}

// onTable returns a fault that answers f only for requests naming table,
// passing the others to the server.
func onTable(table string, f fault) fault {
	return func(base http.RoundTripper, req *http.Request, body []byte) (*http.Response, error) {
		if !bytes.Contains(body, []byte(`"TableName":"`+table+`"`)) {
			return base.RoundTrip(req)
		}
		return f(base, req, body)
	}
}

var transactionConflict = answer(400, "TransactionConflictException", nil)

func TestPlainWritesRetryTransactionConflicts(t *testing.T) {
	f := newContentionFixture(t)
	ctx := t.Context()
	sess := &shop.Session{IDHash: "h1", Kind: shop.SessionWeb, UserID: f.user.ID, CartID: "c1",
		CreatedAt: testTime, LastSeenAt: testTime, ExpiresAt: testTime.Add(time.Hour)}
	writes := []struct {
		name, op string
		write    func() error
	}{
		{"SaveProduct", "PutItem", func() error { return f.s.SaveProduct(ctx, product("p1", 1500, 7)) }},
		{"CreateSession", "PutItem", func() error { return f.s.CreateSession(ctx, sess) }},
		{"TouchSession", "UpdateItem", func() error { return f.s.TouchSession(ctx, "h1", testTime.Add(time.Minute)) }},
		{"UpdateUserName", "UpdateItem", func() error { return f.s.UpdateUserName(ctx, f.user.ID, "Ada L.") }},
		{"UpdateUserPassword", "UpdateItem", func() error { return f.s.UpdateUserPassword(ctx, f.user.ID, "hash") }},
	}
	// SaveCart is a compare-and-set of the cart's version: its conflicts
	// are the service's to retry (TestContendedCartAnswers503 covers its
	// answer).
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			f.ft.inject(w.op, 2, transactionConflict)
			if err := w.write(); err != nil {
				t.Fatalf("%s after two TransactionConflictExceptions = %v; want nil (retried)", w.name, err)
			}
			if n := f.ft.count(w.op); n != 3 {
				t.Errorf("%s sent %d %s requests; want 3 (two refused, one applied)", w.name, n, w.op)
			}

			f.ft.inject(w.op, -1, transactionConflict)
			err := w.write()
			if !errors.Is(err, shop.ErrConflict) {
				t.Fatalf("%s with every attempt in conflict = %v; want ErrConflict", w.name, err)
			}
			if n := f.ft.count(w.op); n != f.s.txAttempts {
				t.Errorf("%s sent %d %s requests; want %d (bounded)", w.name, n, w.op, f.s.txAttempts)
			}
			f.ft.heal()
		})
	}
}

func TestPlainWritesThrottledAreUnavailable(t *testing.T) {
	f := newContentionFixture(t)
	for _, fault := range []string{"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"} {
		f.ft.inject("PutItem", 1, answer(400, fault, nil))
		if err := f.s.SaveProduct(t.Context(), product("p1", 1500, 7)); err != nil {
			t.Errorf("SaveProduct after one %s = %v; want nil (retried)", fault, err)
		}
		f.ft.inject("PutItem", -1, answer(400, fault, nil))
		err := f.s.SaveProduct(t.Context(), product("p1", 1500, 7))
		if !errors.Is(err, shop.ErrUnavailable) {
			t.Errorf("SaveProduct always answered %s = %v; want ErrUnavailable", fault, err)
		}
		if n := f.ft.count("PutItem"); n < 2 || n > maxAttempts {
			t.Errorf("SaveProduct always answered %s sent %d requests; want a few retries, at most %d", fault, n, maxAttempts)
		}
	}
}

// TestContendedCartAnswers503: through the web layer, a cart write that
// keeps meeting a transaction (the HTML form and the API) is answered 503
// with Retry-After, never 500; once the conflict is over, it succeeds.
func TestContendedCartAnswers503(t *testing.T) {
	f := newContentionFixture(t)
	h := web.NewServer(f.svc, slog.New(slog.DiscardHandler), web.Config{})
	signed, err := f.svc.CreateToken(t.Context(), "ada@example.com", "correct horse battery 42", "", "")
	if err != nil {
		t.Fatal(err)
	}
	requests := map[string]func() *http.Request{
		"form": func() *http.Request {
			r := httptest.NewRequest("POST", "/cart/items", strings.NewReader("product_id=p1&quantity=1"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		},
		"api": func() *http.Request {
			r := httptest.NewRequest("PUT", "/api/v1/cart/items/p1", strings.NewReader(`{"quantity": 1}`))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+signed.Token)
			return r
		},
	}
	for name, req := range requests {
		t.Run(name, func(t *testing.T) {
			f.ft.inject("PutItem", -1, onTable(f.s.carts, transactionConflict))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req())
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("%s add to cart while the cart is held by transactions: status %d; want 503\n%s", name, res.StatusCode, body)
			}
			if res.Header.Get("Retry-After") == "" {
				t.Errorf("%s: 503 without Retry-After", name)
			}
			if bytes.Contains(body, []byte("TransactionConflict")) {
				t.Errorf("%s: the answer shows internal detail: %s", name, body)
			}

			f.ft.heal()
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, req())
			if code := rec.Result().StatusCode; code >= 400 {
				t.Errorf("%s add to cart once the conflict is over: status %d; want success", name, code)
			}
		})
	}
}
