package dynamo

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"storefront/internal/web"
)

// silentServer is a TCP listener that accepts connections and never
// answers: DynamoDB as a network partition or a stuck load balancer shows
// it. It returns its URL.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // held open, never read nor answered
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-accepted
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// TestRequestDeadlineWhenDynamoDBNeverAnswers: the store's client (the
// production one: attempt timeouts, SDK retries) talks to a server that
// accepts and never answers. Every request still ends at its deadline
// (here 1 s) with 503 and Retry-After, instead of running through every
// attempt's timeout.
func TestRequestDeadlineWhenDynamoDBNeverAnswers(t *testing.T) {
	s := newTestStore(t)
	mustSaveProducts(t, s, product("p1", 1500, 5))
	stuck := *s
	stuck.db = clientFor(t, silentServer(t), nil)
	const requestTimeout = time.Second
	h := web.NewServer(newService(&stuck), slog.New(slog.DiscardHandler), web.Config{RequestTimeout: requestTimeout})

	for _, path := range []string{"/products/p1", "/api/v1/products/p1", "/readyz"} {
		t.Run(path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			answered := make(chan time.Duration, 1)
			go func() {
				start := time.Now()
				h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				answered <- time.Since(start)
			}()
			var elapsed time.Duration
			select {
			case elapsed = <-answered:
			case <-time.After(30 * time.Second):
				t.Fatalf("GET %s with DynamoDB not answering: no answer after 30 s; want one at the 1 s deadline", path)
			}
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("GET %s with DynamoDB not answering = %d; want 503\n%s", path, res.StatusCode, body)
			}
			if path != "/readyz" && res.Header.Get("Retry-After") == "" {
				t.Errorf("GET %s: 503 without Retry-After", path)
			}
			if limit := requestTimeout + time.Second; elapsed > limit {
				t.Errorf("GET %s with DynamoDB not answering took %v; want at most %v (the request's deadline)", path, elapsed, limit)
			}
		})
	}
}
