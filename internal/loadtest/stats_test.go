package loadtest

import (
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", ms(7), 50, 7 * time.Millisecond},
		{"one p99", ms(7), 99, 7 * time.Millisecond},
		{"p50 of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p95 of 1..100", hundred, 95, 95 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p100 of 1..100", hundred, 100, 100 * time.Millisecond},
		{"p50 of four", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p51 of four rounds up", ms(1, 2, 3, 4), 51, 3 * time.Millisecond},
		{"p99 of four is the max", ms(1, 2, 3, 40), 99, 40 * time.Millisecond},
		{"tiny p is the min", ms(5, 6, 7), 0.001, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := Percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("%s: Percentile(%v, %v) = %v; want %v", tt.name, tt.sorted, tt.p, got, tt.want)
		}
	}
}

func TestRecorderStats(t *testing.T) {
	a, b := newRecorder(), newRecorder()
	for i := 1; i <= 10; i++ {
		a.ok("page", time.Duration(i)*time.Millisecond, 100)
	}
	b.fail("page", 50*time.Millisecond, "status 500", "GET /: 500 boom")
	b.fail("api", 2*time.Millisecond, "transport", "connection refused")
	b.wrong("api", "no order", "answered 303 to /cart")
	b.orders = 3
	all := newRecorder()
	all.merge(a)
	all.merge(b)
	kinds, overall := all.stats(2 * time.Second)

	if len(kinds) != 2 || kinds[0].Kind != "api" || kinds[1].Kind != "page" {
		t.Fatalf("kinds = %+v; want api, page in that order", kinds)
	}
	page := kinds[1]
	if page.Requests != 11 || page.Errors != 1 || page.Bytes != 1000 {
		t.Errorf("page: requests %d, errors %d, bytes %d; want 11, 1, 1000", page.Requests, page.Errors, page.Bytes)
	}
	if page.RPS != 5.5 {
		t.Errorf("page RPS = %v; want 5.5 (11 requests in 2 s)", page.RPS)
	}
	if page.P50 != 6 || page.P99 != 50 || page.Max != 50 {
		t.Errorf("page p50 %v, p99 %v, max %v; want 6, 50, 50 (the failed request counts in the latencies)", page.P50, page.P99, page.Max)
	}
	if page.Failures["status 500"] != 1 || !strings.Contains(page.Sample, "boom") {
		t.Errorf("page failures %v, sample %q; want one status 500 and its message", page.Failures, page.Sample)
	}
	api := kinds[0]
	if api.Requests != 1 || api.Errors != 2 || api.Failures["transport"] != 1 || api.Failures["no order"] != 1 {
		t.Errorf("api = %+v; want 1 request, 2 errors (a transport failure, a wrong answer)", api)
	}
	if overall.Kind != "overall" || overall.Requests != 12 || overall.Errors != 3 || overall.RPS != 6 {
		t.Errorf("overall = %+v; want 12 requests, 3 errors, 6 req/s", overall)
	}
	if all.orders != 3 {
		t.Errorf("orders = %d; want 3", all.orders)
	}
}
