package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The load of TestScaleOutSIGTERMDuringLoad: buyers placing orders at
// once for loadFor, server A sent SIGTERM after termAfter, draining for
// drainDelay (a few of the balancer's health-check intervals).
const (
	buyers     = 16
	loadFor    = 4 * time.Second
	termAfter  = 1500 * time.Millisecond
	drainDelay = 2 * time.Second
	loadStock  = 1000 // each buyer's product's stock, set before the load
)

// loadAnswers counts the statuses the buyers got, through the balancer.
type loadAnswers struct {
	mu     sync.Mutex
	counts map[int]int
	// orders: each Idempotency-Key answered 200 or 201 -> its order id.
	orders map[string]string
	// perProduct: how many orders each product's buyer was told of.
	perProduct map[string]int
	failures   []string
}

func (a *loadAnswers) count(status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.counts[status]++
}

func (a *loadAnswers) fail(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failures = append(a.failures, fmt.Sprintf(format, args...))
}

// TestScaleOutSIGTERMDuringLoad: 16 buyers place orders through the
// balancer while server A gets SIGTERM. A answers /readyz with 503 while
// it drains (the balancer's health check sees it and routes the rest to
// B), finishes what it had under way (no request is lost once it reached
// a server: the balancer counts none broken) and exits 0; every answer is
// 2xx, 4xx, 503 or the balancer's 502 for a refused connection; and the
// orders table holds exactly the orders the buyers were told of, each
// once, with the stock down by exactly as many.
func TestScaleOutSIGTERMDuringLoad(t *testing.T) {
	lb, servers, db, table := twoServers(t, map[string]string{"STOREFRONT_DRAIN_DELAY": drainDelay.String()})
	viaLB := lb.client(t)
	prefix := table[:len(table)-len("orders")]
	products := loadProducts(t, viaLB, db, prefix+"products")
	tokens := make([]string, buyers)
	userIDs := map[string]bool{}
	for i := range tokens {
		email := fmt.Sprintf("load%02d.scaleout@example.com", i)
		tokens[i] = viaLB.newBuyer(email)
		userIDs[viaLB.me(tokens[i], email).ID] = true
	}

	answers := &loadAnswers{counts: map[int]int{}, orders: map[string]string{}, perProduct: map[string]int{}}
	hc := &http.Client{Timeout: 30 * time.Second}
	start := time.Now()
	var wg sync.WaitGroup
	for i, token := range tokens {
		wg.Go(func() {
			placeOrdersUntil(hc, lb.srv.URL, token, products[i%len(products)], fmt.Sprintf("load-%02d", i), start.Add(loadFor), answers)
		})
	}
	time.Sleep(termAfter)
	a := servers[0]
	servedBefore, busyAtTerm := lb.backends[0].served.Load(), lb.backends[0].busy.Load()
	a.signalTerm()
	exited := make(chan error, 1)
	go func() { exited <- a.wait(30 * time.Second) }()
	wg.Wait()
	if err := <-exited; err != nil {
		t.Errorf("server A after SIGTERM: %v", err)
	}

	answers.mu.Lock()
	defer answers.mu.Unlock()
	t.Logf("answers %v; %d orders; balancer: A %d requests (%d before SIGTERM, %d of them under way then), B %d, %d refused, %d broken; A's /readyz said 503 %d times",
		answers.counts, len(answers.orders), lb.backends[0].served.Load(), servedBefore, busyAtTerm, lb.backends[1].served.Load(),
		lb.refused.Load(), lb.broken.Load(), lb.backends[0].said503.Load())
	// Without a request on A when the SIGTERM came or after it, "in-flight
	// requests finish" would have been checked on none.
	if busyAtTerm == 0 && lb.backends[0].served.Load() == servedBefore {
		t.Error("server A had no request under way at SIGTERM and got none after it; the load did not test the drain")
	}
	for _, f := range answers.failures {
		t.Error(f)
	}
	for status := range answers.counts {
		if status >= 500 && status != http.StatusServiceUnavailable && status != http.StatusBadGateway {
			t.Errorf("%d answers %d; want no 5xx but 503 (and the balancer's 502 for a refused connection)", answers.counts[status], status)
		}
	}
	if n := lb.broken.Load(); n > 0 {
		t.Errorf("the balancer lost %d requests after they reached a server; want every in-flight request finished", n)
	}
	if gateway := int64(answers.counts[http.StatusBadGateway]); gateway != lb.refused.Load()+lb.broken.Load() {
		t.Errorf("buyers got %d 502s, the balancer made %d", gateway, lb.refused.Load()+lb.broken.Load())
	}
	if lb.backends[0].said503.Load() == 0 {
		t.Error("server A's /readyz never answered 503 between SIGTERM and its exit; want 503 while it drains")
	}
	if servedBefore == 0 || lb.backends[1].served.Load() == 0 {
		t.Errorf("requests: A %d before SIGTERM, B %d; want both serving the load", servedBefore, lb.backends[1].served.Load())
	}
	if conn, err := net.DialTimeout("tcp", a.base[len("http://"):], time.Second); err == nil {
		conn.Close()
		t.Error("server A still takes connections after it exited")
	}
	if len(answers.orders) < buyers {
		t.Errorf("%d orders placed in %v; want at least one per buyer (the load did not run)", len(answers.orders), loadFor)
	}

	// The table against what the buyers were told: each order once, none other.
	inTable := ordersOf(t, db, table, userIDs)
	told := map[string]bool{}
	for key, id := range answers.orders {
		if told[id] {
			t.Errorf("order %s answered for two keys (one is %s)", id, key)
		}
		told[id] = true
		if inTable[id] == "" {
			t.Errorf("order %s (key %s) was answered 201 but is not in the orders table", id, key)
		}
	}
	for id := range inTable {
		if !told[id] {
			t.Errorf("the orders table holds %s, which no buyer was told of", id)
		}
	}
	for product, n := range answers.perProduct {
		if got := viaLB.product(product).Stock; got != loadStock-n {
			t.Errorf("stock of %s = %d; want %d - %d orders = %d", product, got, loadStock, n, loadStock-n)
		}
	}
}

// loadProducts picks the buyers' products, one each where the catalog
// has enough in stock, and sets their stock to loadStock in the products
// table, so that no buyer runs out during the load.
func loadProducts(t *testing.T, app *shopClient, db *dynamodb.Client, table string) []string {
	t.Helper()
	var page struct {
		Items []productJSON `json:"items"`
	}
	app.call(http.MethodGet, "/api/v1/products?per_page=100&sort=name", "", nil, nil, http.StatusOK, &page)
	var ids []string
	for _, p := range page.Items {
		if p.Stock > 0 && len(ids) < buyers {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) < buyers {
		t.Fatalf("the demo catalog has %d products in stock; want %d", len(ids), buyers)
	}
	for _, id := range ids {
		_, err := db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(table),
			Key:              map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}},
			UpdateExpression: aws.String("SET stock = :n"), ConditionExpression: aws.String("attribute_exists(id)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: strconv.Itoa(loadStock)}}})
		if err != nil {
			t.Fatalf("set the stock of %s: %v", id, err)
		}
		if got := app.product(id).Stock; got != loadStock {
			t.Fatalf("stock of %s = %d after setting it to %d (a cache?)", id, got, loadStock)
		}
	}
	return ids
}

// placeOrdersUntil is one buyer: until the deadline it puts one of
// product in the cart and orders it, each order with an Idempotency-Key
// of its own; an answer that says to try again (503, or the balancer's
// 502) is tried again as a client would, the order with the same key,
// until it is placed or refused. Failures of the test go to answers (a
// goroutine must not stop the test).
func placeOrdersUntil(hc *http.Client, base, token, product, keyPrefix string, deadline time.Time, answers *loadAnswers) {
	for n := 0; time.Now().Before(deadline); n++ {
		status, _ := sendUntilAnswered(hc, base, http.MethodPut, "/api/v1/cart/items/"+product, token, nil, map[string]int{"quantity": 1}, answers)
		if status != http.StatusOK {
			answers.fail("PUT /api/v1/cart/items/%s = %d; want 200", product, status)
			return
		}
		key := fmt.Sprintf("%s-%d", keyPrefix, n)
		status, body := sendUntilAnswered(hc, base, http.MethodPost, "/api/v1/orders", token, map[string]string{"Idempotency-Key": key},
			map[string]any{"shipping_address": apiAddressEntered}, answers)
		var o orderJSON
		switch {
		case status == http.StatusOK || status == http.StatusCreated:
			if err := json.Unmarshal(body, &o); err != nil || o.ID == "" {
				answers.fail("POST /api/v1/orders (key %s) = %d without an order: %v\n%s", key, status, err, body)
				return
			}
			answers.mu.Lock()
			answers.orders[key] = o.ID
			answers.perProduct[product]++
			answers.mu.Unlock()
		default:
			answers.fail("POST /api/v1/orders (key %s) = %d after retries\n%s", key, status, body)
			return
		}
	}
}

// retries bounds how often sendUntilAnswered repeats a request the shop
// answered with "try again".
const retries = 40

// sendUntilAnswered sends a JSON API request until its answer is neither
// 503 nor 502, or retries run out, counting every answer, and returns the
// last status and body (status 0: the request itself failed).
func sendUntilAnswered(hc *http.Client, base, method, path, token string, headers map[string]string, body any, answers *loadAnswers) (int, []byte) {
	data, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	for try := 0; ; try++ {
		req, err := http.NewRequest(method, base+path, bytes.NewReader(data))
		if err != nil {
			panic(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := hc.Do(req)
		if err != nil {
			answers.fail("%s %s: %v", method, path, err)
			return 0, nil
		}
		answer, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			answers.fail("%s %s: read the answer: %v", method, path, err)
			return 0, nil
		}
		answers.count(res.StatusCode)
		if !slices.Contains([]int{http.StatusServiceUnavailable, http.StatusBadGateway}, res.StatusCode) || try == retries {
			return res.StatusCode, answer
		}
		time.Sleep(50 * time.Millisecond)
	}
}
