package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"storefront/internal/memstore"
	"storefront/internal/shop"
)

// scrape returns what m's /metrics handler answers.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	body, err := io.ReadAll(w.Body)
	if err != nil || w.Code != 200 {
		t.Fatalf("GET /metrics = %d, %v", w.Code, err)
	}
	return string(body)
}

// storeCalls returns the count of store calls of op with outcome, as
// /metrics shows it (0 when the series is missing).
func storeCalls(t *testing.T, m *Metrics, op, outcome string) string {
	t.Helper()
	prefix := fmt.Sprintf("storefront_store_calls_total{op=%q,outcome=%q} ", op, outcome)
	for line := range strings.Lines(scrape(t, m)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
			return v
		}
	}
	return "0"
}

func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, OutcomeOK},
		{shop.ErrNotFound, OutcomeNotFound},
		{fmt.Errorf("order o-1: %w", shop.ErrNotFound), OutcomeNotFound},
		{shop.ErrUnavailable, OutcomeUnavailable},
		{shop.ErrOutcomeUnknown, OutcomeUnavailable},
		{context.DeadlineExceeded, OutcomeUnavailable},
		{fmt.Errorf("wrapped: %w", context.Canceled), OutcomeUnavailable},
		{shop.ErrConflict, OutcomeConflict},
		{shop.ErrCartChanged, OutcomeConflict},
		{shop.ErrOrderExists, OutcomeConflict},
		{shop.ErrProductExists, OutcomeConflict},
		{shop.ErrEmailTaken, OutcomeConflict},
		{shop.ErrInvalidTransition, OutcomeConflict},
		{&shop.StockError{}, OutcomeConflict},
		{&shop.PlacementRefused{}, OutcomeConflict},
		{shop.ErrMessageClaimed, OutcomeConflict},
		{shop.ErrMessageSent, OutcomeConflict},
		{errors.New("disk full"), OutcomeError},
	} {
		if got := Outcome(tc.err); got != tc.want {
			t.Errorf("Outcome(%v) = %q; want %q", tc.err, got, tc.want)
		}
	}
}

// unavailableStore fails every Product call as a store out of reach does.
type unavailableStore struct{ *memstore.Store }

func (unavailableStore) Product(context.Context, string) (*shop.Product, error) {
	return nil, fmt.Errorf("%w: connection refused", shop.ErrUnavailable)
}

// The outcomes of real calls: a found and a missing product, a taken id,
// a store out of reach.
func TestStoreCountsOutcomes(t *testing.T) {
	ctx := t.Context()
	m := New(prometheus.NewRegistry())
	inner := memstore.New()
	st := m.InstrumentStore(inner)
	p := &shop.Product{ID: "kettle", Name: "Kettle", Category: "kitchen", PriceCents: 3900, Stock: 1, Active: true}
	if err := st.CreateProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateProduct(ctx, p); !errors.Is(err, shop.ErrProductExists) {
		t.Fatalf("CreateProduct(again) = %v; want ErrProductExists passed through", err)
	}
	if got, err := st.Product(ctx, "kettle"); err != nil || got.ID != "kettle" {
		t.Fatalf("Product(kettle) = %v, %v; want the product passed through", got, err)
	}
	if _, err := st.Product(ctx, "teapot"); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("Product(teapot) = %v; want ErrNotFound", err)
	}
	if _, err := m.InstrumentStore(unavailableStore{inner}).Product(ctx, "kettle"); !errors.Is(err, shop.ErrUnavailable) {
		t.Fatalf("Product on a store out of reach = %v; want ErrUnavailable", err)
	}
	for _, want := range []struct{ op, outcome, count string }{
		{"CreateProduct", OutcomeOK, "1"}, {"CreateProduct", OutcomeConflict, "1"},
		{"Product", OutcomeOK, "1"}, {"Product", OutcomeNotFound, "1"}, {"Product", OutcomeUnavailable, "1"},
		{"Product", OutcomeError, "0"},
	} {
		if got := storeCalls(t, m, want.op, want.outcome); got != want.count {
			t.Errorf("storefront_store_calls_total{op=%q,outcome=%q} = %s; want %s", want.op, want.outcome, got, want.count)
		}
	}
}

// Every method of shop.Store and shop.ProcessingStore is counted under its
// own name: a method added to the interfaces and not wrapped here passes
// through the embedded store uncounted, and fails this test.
func TestStoreCountsEveryMethod(t *testing.T) {
	m := New(prometheus.NewRegistry())
	st := m.InstrumentStore(memstore.New())
	if _, ok := st.(shop.ProcessingStore); !ok {
		t.Fatal("InstrumentStore(a ProcessingStore) is no ProcessingStore; the order processor would not find it")
	}
	for _, iface := range []reflect.Type{reflect.TypeFor[shop.Store](), reflect.TypeFor[shop.ProcessingStore]()} {
		for method := range iface.Methods() {
			callWithZeroArgs(t, reflect.ValueOf(st).MethodByName(method.Name))
			total := 0
			for _, outcome := range []string{OutcomeOK, OutcomeNotFound, OutcomeConflict, OutcomeUnavailable, OutcomeError} {
				var n int
				fmt.Sscan(storeCalls(t, m, method.Name, outcome), &n)
				total += n
			}
			if total != 1 {
				t.Errorf("one call of %s counted %d times; want 1 (is it wrapped in package metrics?)", method.Name, total)
			}
		}
	}
}

// callWithZeroArgs calls fn with a context and, for each other parameter,
// a new value of its type (a pointer to a zero value, an empty slice), so
// the store answers something without panicking.
func callWithZeroArgs(t *testing.T, fn reflect.Value) {
	t.Helper()
	args := []reflect.Value{reflect.ValueOf(t.Context())}
	for i := 1; i < fn.Type().NumIn(); i++ {
		typ := fn.Type().In(i)
		switch typ.Kind() {
		case reflect.Pointer:
			args = append(args, reflect.New(typ.Elem()))
		case reflect.Func:
			args = append(args, reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
				return []reflect.Value{reflect.Zero(typ.Out(0))}
			}))
		default:
			args = append(args, reflect.Zero(typ))
		}
	}
	fn.Call(args)
}

func TestInstrumentImages(t *testing.T) {
	m := New(prometheus.NewRegistry())
	images := m.InstrumentImages(memstore.NewImages())
	if err := images.PutImage(t.Context(), "a.jpg", "image/jpeg", []byte{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := images.Image(t.Context(), "b.jpg"); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("Image(missing) = %v; want ErrNotFound", err)
	}
	if put, missing := storeCalls(t, m, "PutImage", OutcomeOK), storeCalls(t, m, "Image", OutcomeNotFound); put != "1" || missing != "1" {
		t.Errorf("PutImage ok = %s, Image not_found = %s; want 1 and 1", put, missing)
	}
}
