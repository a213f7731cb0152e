package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"storefront/internal/mail/mailtest"
	"storefront/internal/shop/shoptest"
)

// newBuyer registers a shopper with email through the API and returns the
// shopper's token.
func (c *shopClient) newBuyer(email string) string {
	c.t.Helper()
	c.call(http.MethodPost, "/api/v1/users", "", nil,
		map[string]string{"email": email, "name": "Buyer", "password": testPassword}, http.StatusCreated, nil)
	return c.token(email)
}

// wantConfirmations waits for the SMTP server to hold one confirmation per
// order of ids, in that order, and a moment more for any wrong extra one.
func wantConfirmations(t *testing.T, smtp *mailtest.Server, to string, ids ...string) {
	t.Helper()
	smtp.WaitFor(t, len(ids), 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	got := smtp.Messages()
	if len(got) != len(ids) {
		t.Fatalf("SMTP server received %d messages; want %d, confirming %v", len(got), len(ids), ids)
	}
	for i, id := range ids {
		if got[i].To[0] != to || !strings.Contains(string(got[i].Data), id) {
			t.Errorf("message %d to %v: %s; want the confirmation of %s to %s", i, got[i].To, got[i].Data, id, to)
		}
	}
}

// orderConfirmed has the holder of token (email) buy with the checkout key,
// waits until the processor accepted the order, and checks the SMTP server
// then holds the confirmations of earlier (the orders confirmed before)
// and of this one, once each. It returns the order's id.
func (c *shopClient) orderConfirmed(smtp *mailtest.Server, token, email, key string, earlier ...string) string {
	c.t.Helper()
	id := c.orderOf(token, "pour-over-dripper", 1, key)
	c.waitForStatus(token, id, "accepted", 5*time.Second)
	wantConfirmations(c.t, smtp, email, append(earlier, id)...)
	return id
}

// waitForStatus polls the buyer's order until it has status, failing the
// test after within.
func (c *shopClient) waitForStatus(token, id, status string, within time.Duration) orderJSON {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var o orderJSON
		c.call(http.MethodGet, "/api/v1/orders/"+id, token, nil, nil, http.StatusOK, &o)
		if o.Status == status {
			return o
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("order %s is %s after %v; want %s", id, o.Status, within, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestInlineProcessorOnSQLite: the server of `make run` (SQLite, the
// processor inline by default) moves a placed order to accepted by itself
// within 5 s and sends the buyer one confirmation naming the order, through
// a real SMTP server; a second order after a restart on the same file is
// processed too, and the first is not confirmed again (the outbox and the
// message records survive the restart).
func TestInlineProcessorOnSQLite(t *testing.T) {
	smtp := mailtest.Start(t)
	db := filepath.Join(t.TempDir(), "shop.db")
	env := func() map[string]string {
		return map[string]string{"STOREFRONT_DB": db, "STOREFRONT_SMTP_URL": smtp.URL, "STOREFRONT_PROCESSOR": "inline"}
	}
	p := startProgram(t, env())
	app := &shopClient{t: t, base: p.base, hc: &http.Client{Timeout: 30 * time.Second}}
	const email = "ines.inline@example.com"
	token := app.newBuyer(email)
	first := app.orderConfirmed(smtp, token, email, "inline-processor-1")
	if err := p.stop(); err != nil {
		t.Fatalf("stop = %v; want nil", err)
	}

	p = startProgram(t, env())
	app.base = p.base
	token = app.token(email)
	app.orderConfirmed(smtp, token, email, "inline-processor-2", first)
}

// TestProcessOrdersWorker: with the server's processor off, orders stay
// placed until `storefront process-orders` runs on the same store; it
// accepts them, confirms each once, and stops gracefully (nil) on SIGTERM.
func TestProcessOrdersWorker(t *testing.T) {
	smtp := mailtest.Start(t)
	db := filepath.Join(t.TempDir(), "shop.db")
	env := map[string]string{"STOREFRONT_DB": db, "STOREFRONT_SMTP_URL": smtp.URL, "STOREFRONT_PROCESSOR": "off"}
	p := startProgram(t, env)
	app := &shopClient{t: t, base: p.base, hc: &http.Client{Timeout: 30 * time.Second}}
	const email = "wim.worker@example.com"
	token := app.newBuyer(email)
	id := app.orderOf(token, "pour-over-dripper", 1, "worker-1")
	time.Sleep(time.Second)
	app.waitForStatus(token, id, "placed", 0)

	metricsAddr := "127.0.0.1:" + freePort(t)
	worker := startWorker(t, map[string]string{"STOREFRONT_DB": db, "STOREFRONT_SMTP_URL": smtp.URL, "STOREFRONT_DEMO": "false",
		"STOREFRONT_METRICS_ADDR": metricsAddr})
	app.waitForStatus(token, id, "accepted", 5*time.Second)
	wantConfirmations(t, smtp, email, id)
	// The worker's own metrics: the event it handled, its lag, no dead letter.
	scraped := scrapeMetrics(t, metricsAddr)
	for _, want := range []string{`(?m)^storefront_processor_events_total [1-9]`, `(?m)^storefront_processor_lag_seconds `,
		`(?m)^storefront_processor_dead_letters_total 0$`, `(?m)^storefront_store_calls_total\{op="ChangeOrderStatus",outcome="ok"\} 1$`} {
		if !regexp.MustCompile(want).MatchString(scraped) {
			t.Errorf("process-orders /metrics lacks %q:\n%s", want, scraped)
		}
	}
	if err := worker.stop(); err != nil {
		t.Errorf("process-orders after SIGTERM = %v; want nil", err)
	}
}

// worker is `storefront process-orders` running through run.
type worker struct {
	cancel func()
	done   chan error
}

// startWorker runs process-orders with env until stop (as SIGTERM ends
// it: main's context ends).
func startWorker(t *testing.T, env map[string]string) *worker {
	t.Helper()
	if _, ok := env["STOREFRONT_METRICS_ADDR"]; !ok {
		env["STOREFRONT_METRICS_ADDR"] = "off" // the default address may be taken by another test's program
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &worker{cancel: cancel, done: make(chan error, 1)}
	stderr := &shoptest.LogBuffer{}
	go func() {
		w.done <- run(ctx, []string{"storefront", "process-orders"}, func(name string) string { return env[name] }, io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if t.Failed() {
			t.Logf("process-orders log:\n%s", stderr.String())
		}
	})
	return w
}

// stop ends the worker and returns run's result.
func (w *worker) stop() error {
	w.cancel()
	select {
	case err := <-w.done:
		return err
	case <-time.After(30 * time.Second):
		return errors.New("process-orders did not return 30 s after the context ended")
	}
}

// TestInlineProcessorOnDynamoDB: on DynamoDB the server's processor reads
// the orders table's stream: a placed order is accepted within 5 s and
// confirmed once.
func TestInlineProcessorOnDynamoDB(t *testing.T) {
	smtp := mailtest.Start(t)
	env, _ := dynamoDBEnvironment(t)
	env["STOREFRONT_SMTP_URL"], env["STOREFRONT_PROCESSOR"] = smtp.URL, "inline"
	p := startProgram(t, env)
	app := &shopClient{t: t, base: p.base, hc: &http.Client{Timeout: 60 * time.Second}}
	const email = "dora.dynamo@example.com"
	app.orderConfirmed(smtp, app.newBuyer(email), email, "inline-dynamodb-1")
}
