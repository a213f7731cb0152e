package dynamo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"storefront/internal/shop"
)

// A catalog import on DynamoDB: BatchWriteItem may leave items
// unprocessed (when writes exceed the table's capacity), and SaveProducts
// must resend them, give up after its attempts with ErrUnavailable, and
// converge when run again.

// writeFirst returns a fault that lets the server write the first n items
// of a BatchWriteItem and answers the others unprocessed.
func writeFirst(n int) fault {
	return func(base http.RoundTripper, req *http.Request, body []byte) (*http.Response, error) {
		var in struct{ RequestItems map[string][]json.RawMessage }
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, fmt.Errorf("test transport: reading BatchWriteItem: %w", err)
		}
		sent, left, written := map[string][]json.RawMessage{}, map[string][]json.RawMessage{}, 0
		for table, reqs := range in.RequestItems {
			k := min(n, len(reqs))
			sent[table], written = reqs[:k], written+k
			if k < len(reqs) {
				left[table] = reqs[k:]
			}
		}
		if written > 0 {
			// moto does not check request signatures, so the shortened
			// request can go as it is signed.
			b, _ := json.Marshal(map[string]any{"RequestItems": sent})
			fwd := req.Clone(req.Context())
			fwd.Body, fwd.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			resp, err := base.RoundTrip(fwd)
			if err != nil {
				return nil, err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return jsonAnswer(req, http.StatusOK, map[string]any{"UnprocessedItems": left}), nil
	}
}

func importProducts(n int) []shop.Product {
	products := make([]shop.Product, n)
	for i := range products {
		products[i] = *product(fmt.Sprintf("p%02d", i), shop.Money(100+i), i)
	}
	return products
}

func checkProductCount(t *testing.T, s *Store, want int) {
	t.Helper()
	if n, err := s.CountProducts(t.Context()); err != nil || n != want {
		t.Errorf("CountProducts() = %d, %v; want %d", n, err, want)
	}
}

func TestSaveProductsResendsUnprocessedItems(t *testing.T) {
	ft := newFaultyTransport()
	s := newTestStoreWith(t, testClient(t, &http.Client{Transport: ft, Timeout: requestTimeout}))
	s.txBackoff = 0 // keep the test fast; backoff has its own test
	ft.inject("BatchWriteItem", 3, writeFirst(10))
	if err := s.SaveProducts(t.Context(), importProducts(30)); err != nil {
		t.Fatalf("SaveProducts(30) with unprocessed items = %v; want nil", err)
	}
	// 25 items: 10 written, then 10, then the last 5 (healed); then 5.
	if got := ft.count("BatchWriteItem"); got != 4 {
		t.Errorf("BatchWriteItem calls = %d; want 4 (the unprocessed items resent)", got)
	}
	checkProductCount(t, s, 30)
}

func TestSaveProductsGivesUpThenConverges(t *testing.T) {
	ft := newFaultyTransport()
	s := newTestStoreWith(t, testClient(t, &http.Client{Transport: ft, Timeout: requestTimeout}))
	s.txBackoff = 0
	products := importProducts(30)
	ft.inject("BatchWriteItem", -1, writeFirst(0)) // the table takes nothing
	err := s.SaveProducts(t.Context(), products)
	if !errors.Is(err, shop.ErrUnavailable) {
		t.Fatalf("SaveProducts(30) while nothing is processed = %v; want ErrUnavailable", err)
	}
	if got := ft.count("BatchWriteItem"); got != s.txAttempts {
		t.Errorf("BatchWriteItem calls = %d; want %d (the attempts of one batch)", got, s.txAttempts)
	}
	ft.heal()
	if err := s.SaveProducts(t.Context(), products); err != nil {
		t.Fatalf("SaveProducts(30) again = %v; want nil", err)
	}
	checkProductCount(t, s, 30)
}
