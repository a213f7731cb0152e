package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// describeRefusingProxy passes requests to the DynamoDB server, but once
// the catalog was read (a Scan of armTable: the server's start did that
// before it starts its processor) refuses the next refuse DescribeTable
// calls of table with a 400 AccessDeniedException, which the SDK does not
// retry: a store that did not answer for a moment, as IAM changes do.
type describeRefusingProxy struct {
	proxy           *httputil.ReverseProxy
	armTable, table string
	refuse          int
	mu              sync.Mutex
	armed           bool
	refused         int
}

func (p *describeRefusingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	call := r.Header.Get("X-Amz-Target")
	p.mu.Lock()
	if strings.HasSuffix(call, ".Scan") && strings.Contains(string(body), `"`+p.armTable+`"`) {
		p.armed = true
	}
	refuse := p.armed && p.refused < p.refuse && strings.HasSuffix(call, ".DescribeTable") && strings.Contains(string(body), `"`+p.table+`"`)
	if refuse {
		p.refused++
	}
	p.mu.Unlock()
	if refuse {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":"not yet allowed"}`)
		return
	}
	p.proxy.ServeHTTP(w, r)
}

// TestInlineProcessorStartsAgainAfterAFailedStart: a server whose inline
// processor could not start (the orders table did not answer when it
// looked for its stream) starts it again, so its orders are still
// accepted; before, the processor stayed stopped while the server served
// on, /readyz 200, every order left placed.
func TestInlineProcessorStartsAgainAfterAFailedStart(t *testing.T) {
	env, _ := dynamoDBEnvironment(t)
	target, err := url.Parse(env["AWS_ENDPOINT_URL_DYNAMODB"])
	if err != nil {
		t.Fatal(err)
	}
	// After the catalog's load the processor starts: it reads the orders
	// table (its store, then its stream), and its first two starts fail.
	prefix := env["STOREFRONT_TABLE_PREFIX"]
	faults := &describeRefusingProxy{proxy: httputil.NewSingleHostReverseProxy(target), armTable: prefix + "products",
		table: prefix + "orders", refuse: 2}
	proxy := httptest.NewServer(faults)
	t.Cleanup(proxy.Close)
	env["AWS_ENDPOINT_URL_DYNAMODB"], env["STOREFRONT_PROCESSOR"] = proxy.URL, "inline"
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.URL)
	p := startProgram(t, env)
	app := &shopClient{t: t, base: p.base, hc: &http.Client{Timeout: 60 * time.Second}}
	token := app.newBuyer("restart@example.com")
	id := app.orderOf(token, "pour-over-dripper", 1, "processor-restart-1")
	app.waitForStatus(token, id, "accepted", 15*time.Second)
	faults.mu.Lock()
	defer faults.mu.Unlock()
	if faults.refused != 2 {
		t.Errorf("the proxy refused %d reads of the orders table; want 2 (the processor's first two starts)", faults.refused)
	}
	if !strings.Contains(p.stderr.String(), "order processor stopped; starting it again") {
		t.Errorf("the server's log does not say the processor stopped and starts again:\n%s", p.stderr.String())
	}
}
