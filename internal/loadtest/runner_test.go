package loadtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A failing answer is counted as an error of its kind, never hidden; the
// rest succeed.
func TestRunCountsErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding = %q; want gzip, as a browser asks", r.Header.Get("Accept-Encoding"))
		}
		if n.Add(1)%3 == 0 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "hello")
	}))
	defer srv.Close()
	res, err := Run(t.Context(), Config{BaseURL: srv.URL, Scenario: "hello", VUs: 3, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	o := res.Overall
	if o.Requests < 3 {
		t.Fatalf("requests = %d; want some", o.Requests)
	}
	if int64(o.Requests) != n.Load() {
		t.Errorf("requests counted %d; the server answered %d (none may be dropped)", o.Requests, n.Load())
	}
	if o.Errors != o.Requests/3 || o.Failures["status 500"] != o.Errors {
		t.Errorf("errors = %d %v of %d requests; want every third, as status 500", o.Errors, o.Failures, o.Requests)
	}
	if !strings.Contains(o.Sample, "500") || !strings.Contains(o.Sample, "boom") {
		t.Errorf("sample = %q; want the status and the answer", o.Sample)
	}
	if k, ok := res.Kind("hello"); !ok || k.Requests != o.Requests {
		t.Errorf("Kind(hello) = %+v, %v; want the overall figures", k, ok)
	}
}

func TestRunCountsTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	res, err := Run(t.Context(), Config{BaseURL: url, Scenario: "hello", VUs: 1, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Overall.Errors == 0 || res.Overall.Errors != res.Overall.Requests || res.Overall.Failures["transport"] == 0 {
		t.Errorf("overall = %+v; want every request a transport error", res.Overall)
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{BaseURL: "http://127.0.0.1:1", Scenario: "nope", VUs: 1, Duration: time.Second},
		{BaseURL: "http://127.0.0.1:1", Scenario: "hello", VUs: 0, Duration: time.Second},
		{BaseURL: "http://127.0.0.1:1", Scenario: "hello", VUs: 1},
		{BaseURL: "ftp://example.com", Scenario: "hello", VUs: 1, Duration: time.Second},
	} {
		if _, err := Run(t.Context(), cfg); err == nil {
			t.Errorf("Run(%+v) = nil error; want one", cfg)
		}
	}
}

// fakeAPI is the part of the shop's JSON API the checkout scenario uses.
type fakeAPI struct {
	t      *testing.T
	mu     sync.Mutex
	keys   map[string]bool
	tokens map[string]bool
	orders int
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/products":
		fmt.Fprint(w, `{"items":[{"id":"kettle-1","name":"Blue Kettle","category":"kitchen","stock":50},`+
			`{"id":"mug-2","name":"Blue Mug","category":"tableware","stock":50},{"id":"gone","name":"Gone","category":"x","stock":0}],"total":3}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/users":
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/tokens":
		var in struct{ Email, Password string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Password == "" {
			http.Error(w, "bad", http.StatusUnprocessableEntity)
			return
		}
		tok := "tok-" + in.Email
		f.tokens[tok] = true
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":%q}`, tok)
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/v1/cart/items/"):
		if id := strings.TrimPrefix(r.URL.Path, "/api/v1/cart/items/"); id == "gone" {
			f.t.Errorf("PUT %s: a product out of stock was put in the cart", r.URL.Path)
		}
		if !f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/orders":
		key := r.Header.Get("Idempotency-Key")
		if key == "" || f.keys[key] {
			f.t.Errorf("POST /api/v1/orders with Idempotency-Key %q: want a fresh key per order", key)
		}
		f.keys[key] = true
		f.orders++
		if f.orders%5 == 0 {
			http.Error(w, `{"error":"insufficient_stock"}`, http.StatusConflict)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{}`)
	default:
		http.NotFound(w, r)
	}
}

func TestRunCheckoutScenario(t *testing.T) {
	api := &fakeAPI{t: t, keys: map[string]bool{}, tokens: map[string]bool{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	// Long enough for a fifth order (the fake's first 409) on a busy machine.
	res, err := Run(t.Context(), Config{BaseURL: srv.URL, Scenario: "checkout", VUs: 2, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	order, ok := res.Kind("api-order")
	if !ok || order.Requests == 0 {
		t.Fatalf("kinds = %+v; want api-order requests", res.Kinds)
	}
	if _, ok := res.Kind("setup"); ok {
		t.Errorf("kinds = %+v; set-up requests must not be measured", res.Kinds)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.tokens) != 2 {
		t.Errorf("%d tokens taken; want one per virtual user (2)", len(api.tokens))
	}
	refused := order.Failures["status 409"]
	if refused == 0 || res.Orders != order.Requests-refused {
		t.Errorf("orders %d, order requests %d, refused %d; want every 201 counted as an order and each 409 as an error",
			res.Orders, order.Requests, refused)
	}
	if res.OrdersPerSec <= 0 {
		t.Errorf("orders per second = %v; want more than 0", res.OrdersPerSec)
	}
}

func TestHiddenInputs(t *testing.T) {
	page := []byte(`<form method="post" action="/logout"><input type="hidden" name="x" value="no"></form>
<form class="form" method="post" action="/checkout">
<input type="hidden" name="checkout_key" value="k&amp;1">
<input id="full_name" name="full_name" type="text" value="Ada">
<INPUT value='v2' name='extra' type=hidden>
</form>`)
	got := HiddenInputs(page, "/checkout")
	if got.Get("checkout_key") != "k&1" || got.Get("extra") != "v2" || got.Has("full_name") || got.Has("x") {
		t.Errorf("HiddenInputs(/checkout) = %v; want checkout_key k&1 and extra v2 only", got)
	}
	if all := HiddenInputs(page, ""); !all.Has("x") || !all.Has("checkout_key") {
		t.Errorf("HiddenInputs(every form) = %v; want the hidden inputs of both", all)
	}
	if none := HiddenInputs(page, "/cart"); len(none) != 0 {
		t.Errorf("HiddenInputs(/cart) = %v; want none", none)
	}
}

func TestFrequentWord(t *testing.T) {
	names := []string{"Blue Kettle", "Red Kettle, Large", "Kettle Stand", "Blue Mug", "Tea"}
	if got := FrequentWord(names); got != "kettle" {
		t.Errorf("FrequentWord = %q; want kettle (three times; blue twice; tea too short)", got)
	}
	if got := FrequentWord([]string{"Mug", "Cup"}); got != "" {
		t.Errorf("FrequentWord(short words) = %q; want none", got)
	}
}
