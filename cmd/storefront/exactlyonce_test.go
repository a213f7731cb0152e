package main

import (
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/mail/mailtest"
	"storefront/internal/shop/shoptest"
)

// Sizes of the exactly-once run: orders placed by buyers at once, and how
// many kills at least (more while the orders are still being placed).
const (
	exactlyOnceOrders = 200
	exactlyOnceBuyers = 8
	minKills          = 12
	maxKills          = 60
	exactlyOnceLease  = 3 * time.Second
	// exactlyOnceConcurrency is how many orders the worker handles at once
	// (STOREFRONT_PROCESSOR_CONCURRENCY): a kill may catch each of them
	// between its send and its sent mark.
	exactlyOnceConcurrency = 4
)

// TestExactlyOnceUnderKillsOnSQLite and ...OnDynamoDB prove the contract's
// "exactly once per order across restarts, crashes and replays" with real
// crashes: a process-orders worker (a child process) is SIGKILLed at random
// moments while 200 orders are placed, and restarted each time; in the end
// every order is accepted exactly once, its buyer got its confirmation
// under one Message-ID, and nothing is dead-lettered. A copy of a message
// is allowed only as docs/processing.md promises: with the same Message-ID
// (a kill after the SMTP server took it, before it was marked sent), at most
// one per kill and order in hand (exactlyOnceConcurrency). Then the whole source is replayed by a fresh worker
// (the outbox refilled; the stream's checkpoints removed, TRIM_HORIZON
// again), which must send and change nothing.
func TestExactlyOnceUnderKillsOnSQLite(t *testing.T) {
	smtp := mailtest.Start(t)
	db := filepath.Join(t.TempDir(), "shop.db")
	env := map[string]string{"STOREFRONT_DB": db, "STOREFRONT_SMTP_URL": smtp.URL}
	sqlDB, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	run := startExactlyOnceRun(t, smtp, env)

	outboxEmpty := func() bool {
		var left int
		if err := sqlDB.QueryRowContext(t.Context(), `SELECT count(*) FROM processing_outbox`).Scan(&left); err != nil {
			t.Fatalf("count the outbox: %v", err)
		}
		return left == 0
	}
	run.replay(outboxEmpty, func() {
		// The outbox is emptied as events are handled: the replay puts
		// every event of every order back, in the order they happened.
		for _, o := range run.orders {
			for _, status := range []string{"placed", "accepted"} {
				if _, err := sqlDB.ExecContext(t.Context(), `INSERT INTO processing_outbox (order_id, status, at) VALUES (?, ?, ?)`,
					o.id, status, time.Now().UnixMilli()); err != nil {
					t.Fatalf("refill the outbox: %v", err)
				}
			}
		}
	}, outboxEmpty)
	run.checkNoDeadLetters(func() int {
		var n int
		if err := sqlDB.QueryRowContext(t.Context(), `SELECT count(*) FROM dead_letters`).Scan(&n); err != nil {
			t.Fatalf("count dead letters: %v", err)
		}
		return n
	})
}

func TestExactlyOnceUnderKillsOnDynamoDB(t *testing.T) {
	smtp := mailtest.Start(t)
	env, db := dynamoDBEnvironment(t)
	env["STOREFRONT_SMTP_URL"] = smtp.URL
	processing := env["STOREFRONT_TABLE_PREFIX"] + "processing"
	run := startExactlyOnceRun(t, smtp, env)

	var saved []map[string]types.AttributeValue
	var previous map[string]string // the checkpoints at the last look
	checkpointsNow := func() map[string]string {
		now := map[string]string{}
		for _, c := range checkpoints(t, db, processing) {
			now[attrS(c["pk"])+"/"+attrS(c["sk"])] = attrS(c["sequence_number"])
		}
		return now
	}
	// Settled once the checkpoints, which pass a record only once it was
	// handled (its message sent and marked), stay put for longer than a
	// claim's lease (a record in hand may wait that long for one).
	var last map[string]string
	var since time.Time
	settled := func() bool {
		now := checkpointsNow()
		if len(now) == 0 || fmt.Sprint(now) != fmt.Sprint(last) {
			last, since = now, time.Now()
			return false
		}
		return time.Since(since) > exactlyOnceLease+time.Second
	}
	run.replay(settled, func() {
		// Without its checkpoints the stream reader starts every shard at
		// TRIM_HORIZON again: every record of every order comes again.
		saved = checkpoints(t, db, processing)
		if len(saved) == 0 {
			t.Fatal("no stream checkpoint saved in the processing table")
		}
		for _, c := range saved {
			if _, err := db.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(processing),
				Key: map[string]types.AttributeValue{"pk": c["pk"], "sk": c["sk"]}}); err != nil {
				t.Fatalf("delete checkpoint: %v", err)
			}
		}
	}, func() bool {
		// Replayed once every shard's checkpoint is back at least where it
		// was (the killed worker may have handled records it had not
		// checkpointed yet) and stays put: the stream is read through.
		now := checkpointsNow()
		for _, c := range saved {
			if key := attrS(c["pk"]) + "/" + attrS(c["sk"]); sequenceBefore(now[key], attrS(c["sequence_number"])) {
				t.Logf("replaying: shard %s at %q of %s", attrS(c["sk"]), now[key], attrS(c["sequence_number"]))
				return false
			}
		}
		settled := fmt.Sprint(now) == fmt.Sprint(previous)
		previous = now
		return settled
	})
	run.checkNoDeadLetters(func() int {
		out, err := db.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(processing), ConsistentRead: aws.Bool(true),
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "dead_letters"}}})
		if err != nil {
			t.Fatalf("query dead letters: %v", err)
		}
		return len(out.Items)
	})
}

// checkpoints returns the stream reader's checkpoint items.
func checkpoints(t *testing.T, db *dynamodb.Client, table string) []map[string]types.AttributeValue {
	t.Helper()
	out, err := db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		FilterExpression:          aws.String("begins_with(pk, :cp)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":cp": &types.AttributeValueMemberS{Value: "checkpoint#"}}})
	if err != nil {
		t.Fatalf("scan checkpoints: %v", err)
	}
	return out.Items
}

// sequenceBefore reports whether stream sequence number a is before b
// (digits: the shorter is smaller); "" is before any.
func sequenceBefore(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func attrS(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// exactlyOnceRun is one store's run: the server (processor off), the
// worker being killed, the orders placed and what was counted.
type exactlyOnceRun struct {
	t       *testing.T
	smtp    *mailtest.Server
	app     *shopClient
	workers *workerProcesses
	orders  []placedOrder
	tokens  map[string]string // buyer email -> token
	kills   int
}

type placedOrder struct{ id, email string }

// startExactlyOnceRun starts the server and the worker, places the orders
// while killing the worker, waits until every order is accepted and
// confirmed, and checks the outcome.
func startExactlyOnceRun(t *testing.T, smtp *mailtest.Server, env map[string]string) *exactlyOnceRun {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("STOREFRONT_TEST_KILL_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("STOREFRONT_TEST_KILL_SEED: %v", err)
		}
	}
	t.Logf("kill schedule seed %d (set STOREFRONT_TEST_KILL_SEED to repeat it)", seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	// A killed worker's pending claim holds its message for the lease; a
	// short one (the local SMTP server answers in milliseconds, far
	// within it) keeps the run short without changing what it proves.
	env["STOREFRONT_PROCESSOR_LEASE"] = exactlyOnceLease.String()
	serverEnv := map[string]string{"STOREFRONT_PROCESSOR": "off"}
	workerEnv := map[string]string{"STOREFRONT_DEMO": "false", "STOREFRONT_METRICS_ADDR": "127.0.0.1:0", childProcessEnv: "1"}
	for k, v := range env {
		serverEnv[k], workerEnv[k] = v, v
	}
	workerEnv["STOREFRONT_DEMO"] = "false"
	workerEnv["STOREFRONT_PROCESSOR_CONCURRENCY"] = strconv.Itoa(exactlyOnceConcurrency)
	p := startProgram(t, serverEnv)
	r := &exactlyOnceRun{t: t, smtp: smtp, app: &shopClient{t: t, base: p.base, hc: &http.Client{Timeout: 60 * time.Second}},
		workers: &workerProcesses{t: t, env: workerEnv}, tokens: map[string]string{}}
	t.Cleanup(func() {
		r.workers.kill()
		if t.Failed() {
			t.Logf("process-orders log (the end):\n%s", tail(r.workers.log.String(), 20000))
		}
	})
	r.workers.start()

	products := r.productsInStock()
	placed := make(chan struct{})
	killed := make(chan int)
	go func() { killed <- r.killWhileBusy(rng, placed) }()
	start := time.Now()
	r.placeOrders(products)
	t.Logf("%d orders placed in %v", len(r.orders), time.Since(start).Round(time.Millisecond))
	close(placed)
	r.kills = <-killed
	t.Logf("the worker was SIGKILLed %d times and restarted", r.kills)
	if t.Failed() {
		t.FailNow()
	}
	r.waitAllConfirmed(4 * time.Minute)
	t.Logf("all %d orders accepted and confirmed %v after the first order", len(r.orders), time.Since(start).Round(time.Millisecond))
	r.check("after the kills")
	return r
}

// killWhileBusy SIGKILLs the worker at random moments of its work and
// starts it again, until the orders are placed (placed closed) and their
// confirmations arrived, or maxKills. Each kill comes a random 0 to
// 250 ms after the worker handled its first event (or 3 s passed): a
// worker handles an order in milliseconds (SQLite) to a few hundred
// (the local DynamoDB server), so the kills land at every step of the
// handling (the status change, the claim, the send, marking it sent), with
// a backlog to resume. It returns the number of kills.
func (r *exactlyOnceRun) killWhileBusy(rng *rand.Rand, placed <-chan struct{}) int {
	kills := 0
	for ; kills < maxKills; kills++ {
		select {
		case <-placed:
			if kills >= minKills && len(r.smtp.Messages()) >= exactlyOnceOrders {
				return kills
			}
		default:
		}
		if !r.workers.waitRunning(time.Minute) {
			return kills
		}
		r.workers.waitHandling(3 * time.Second)
		time.Sleep(time.Duration(rng.IntN(250)) * time.Millisecond)
		r.workers.kill()
		r.workers.start()
	}
	return kills
}

// productsInStock returns a product for each buyer with stock for all
// the buyer's orders (quantity 1 each).
func (r *exactlyOnceRun) productsInStock() []string {
	var page struct{ Items []productJSON }
	r.app.call(http.MethodGet, "/api/v1/products?per_page=100", "", nil, nil, http.StatusOK, &page)
	slices.SortFunc(page.Items, func(a, b productJSON) int { return b.Stock - a.Stock })
	perBuyer := exactlyOnceOrders / exactlyOnceBuyers
	var ids []string
	for i := 0; len(ids) < exactlyOnceBuyers; i++ {
		if i >= len(page.Items) || page.Items[i].Stock < perBuyer {
			r.t.Fatalf("the demo catalog lacks %d products with stock %d", exactlyOnceBuyers, perBuyer)
		}
		ids = append(ids, page.Items[i].ID)
	}
	return ids
}

// placeOrders has exactlyOnceBuyers buyers place their orders at once,
// one product each, quantity 1, each order with a key of its own.
func (r *exactlyOnceRun) placeOrders(products []string) {
	for b := range exactlyOnceBuyers {
		email := fmt.Sprintf("buyer%d.exactly-once@example.com", b)
		r.tokens[email] = r.app.newBuyer(email)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for b := range exactlyOnceBuyers {
		email := fmt.Sprintf("buyer%d.exactly-once@example.com", b)
		wg.Add(1)
		go func() {
			defer wg.Done() // also when a failed call ends the goroutine
			for i := range exactlyOnceOrders / exactlyOnceBuyers {
				id := r.app.orderOf(r.tokens[email], products[b], 1, fmt.Sprintf("exactly-once-%d-%d", b, i))
				mu.Lock()
				r.orders = append(r.orders, placedOrder{id: id, email: email})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// orderStatus is what the test reads of an order.
type orderStatus struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	StatusHistory []struct {
		Status string `json:"status"`
		At     string `json:"at"`
	} `json:"status_history"`
}

// statuses reads every buyer's orders by id.
func (r *exactlyOnceRun) statuses() map[string]orderStatus {
	out := map[string]orderStatus{}
	for _, token := range r.tokens {
		var list struct{ Items []orderStatus }
		r.app.call(http.MethodGet, "/api/v1/orders", token, nil, nil, http.StatusOK, &list)
		for _, o := range list.Items {
			out[o.ID] = o
		}
	}
	return out
}

// confirmations counts, per order id, the messages naming it and their
// Message-IDs; extra are messages naming none of the orders.
func (r *exactlyOnceRun) confirmations() (byOrder map[string][]mailtest.Parsed, extra int) {
	byOrder = map[string][]mailtest.Parsed{}
	for _, m := range r.smtp.Messages() {
		parsed, err := m.Parse()
		if err != nil {
			r.t.Fatalf("message %s: %v", m.Data, err)
		}
		found := false
		for _, o := range r.orders {
			if strings.Contains(parsed.Text, o.id) {
				byOrder[o.id], found = append(byOrder[o.id], parsed), true
				break
			}
		}
		if !found {
			extra++
		}
	}
	return byOrder, extra
}

// waitAllConfirmed waits until every order is accepted and has a
// confirmation, failing the test after within.
func (r *exactlyOnceRun) waitAllConfirmed(within time.Duration) {
	deadline := time.Now().Add(within)
	for {
		accepted, confirmed := 0, 0
		statuses := r.statuses()
		byOrder, _ := r.confirmations()
		for _, o := range r.orders {
			if statuses[o.id].Status == "accepted" {
				accepted++
			}
			if len(byOrder[o.id]) > 0 {
				confirmed++
			}
		}
		if accepted == len(r.orders) && confirmed == len(r.orders) {
			time.Sleep(time.Second) // for any wrong extra message
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("after %v: %d of %d orders accepted, %d confirmed", within, accepted, len(r.orders), confirmed)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// check asserts the outcome: each order accepted once, confirmed under
// one Message-ID (its own), copies only of that one and at most one per
// kill, no message about anything else. It logs the counts.
func (r *exactlyOnceRun) check(when string) {
	r.t.Helper()
	statuses := r.statuses()
	byOrder, extra := r.confirmations()
	copies := 0
	for _, o := range r.orders {
		s := statuses[o.id]
		acceptances := 0
		for _, c := range s.StatusHistory {
			if c.Status == "accepted" {
				acceptances++
			}
		}
		if s.Status != "accepted" || acceptances != 1 {
			r.t.Errorf("%s: order %s is %s, accepted %d times (%+v); want accepted exactly once", when, o.id, s.Status, acceptances, s.StatusHistory)
		}
		msgs := byOrder[o.id]
		if len(msgs) == 0 {
			r.t.Errorf("%s: order %s has no confirmation", when, o.id)
			continue
		}
		wantID := "<order." + o.id + ".confirmation@localhost>" // mail.OrderConfirmation's, at STOREFRONT_MAIL_FROM's domain
		for _, m := range msgs {
			if m.MessageID != wantID || !strings.Contains(m.To, o.email) {
				r.t.Errorf("%s: order %s: a message to %s with Message-ID %s; want %s to %s", when, o.id, m.To, m.MessageID, wantID, o.email)
			}
		}
		if len(msgs) > 1 {
			copies += len(msgs) - 1
			r.t.Logf("%s: order %s: %d copies of %s (a kill between the send and marking it sent)", when, o.id, len(msgs), wantID)
		}
	}
	if extra > 0 {
		r.t.Errorf("%s: %d messages name none of the orders", when, extra)
	}
	if copies > r.kills*exactlyOnceConcurrency {
		r.t.Errorf("%s: %d copies of confirmations after %d kills; want at most %d per kill (one per order in hand)",
			when, copies, r.kills, exactlyOnceConcurrency)
	}
	// How often a restarted worker found a killed one's claim: a kill
	// between claiming a message and marking it sent.
	log := r.workers.log.String()
	r.t.Logf("%s: %d orders, %d kills, %d messages received, %d confirmations with distinct Message-IDs, %d copies with a repeated Message-ID; "+
		"a killed worker's claim waited for %d times",
		when, len(r.orders), r.kills, len(r.smtp.Messages()), len(byOrder), copies, strings.Count(log, "claimed by another processor; waiting"))
}

// replay stops the worker, lets rewind put the source back to its start,
// runs a fresh worker until replayed reports the source read through, and
// checks that nothing was sent or changed.
// The worker is let finish what it has in hand first (settled: the source
// read through, nothing in hand): killed between a send and its mark it
// would leave a copy for the replay to send, which the kills before allow
// but the replay must not.
func (r *exactlyOnceRun) replay(settled func() bool, rewind func(), replayed func() bool) {
	r.t.Helper()
	for deadline := time.Now().Add(time.Minute); !settled(); time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			r.t.Fatal("the worker did not settle within a minute of the last confirmation")
		}
	}
	r.workers.kill()
	before := len(r.smtp.Messages())
	histories := r.statuses()
	rewind()
	r.workers.start()
	start := time.Now()
	for !replayed() {
		if time.Since(start) > 4*time.Minute {
			r.t.Fatal("the fresh worker did not read the source through within 4 minutes")
		}
		time.Sleep(5 * time.Second)
	}
	r.t.Logf("the source replayed from its start in %v", time.Since(start).Round(time.Second))
	time.Sleep(time.Second) // for a message sent by the last record
	if got := len(r.smtp.Messages()); got != before {
		r.t.Errorf("the replay sent %d more messages; want none", got-before)
	}
	for id, s := range r.statuses() {
		if fmt.Sprint(s) != fmt.Sprint(histories[id]) {
			r.t.Errorf("the replay changed order %s: %+v; was %+v", id, s, histories[id])
		}
	}
	r.check("after the replay")
}

// checkNoDeadLetters fails the test unless count says there are none.
func (r *exactlyOnceRun) checkNoDeadLetters(count func() int) {
	r.t.Helper()
	if n := count(); n != 0 {
		r.t.Errorf("%d dead letters; want none", n)
	}
}

// workerProcesses runs `storefront process-orders` as a child process
// (this test binary running main, see childProcessEnv), one at a time: a
// process, unlike a goroutine, can be SIGKILLed at any instruction.
type workerProcesses struct {
	t       *testing.T
	env     map[string]string
	mu      sync.Mutex
	cmd     *exec.Cmd
	started int
	log     shoptest.LogBuffer  // every worker's stderr, in turn
	current *shoptest.LogBuffer // the running one's
}

func (w *workerProcesses) start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.started++
	// #nosec G204 -- the test binary itself, run with a fixed argument
	cmd := exec.Command(os.Args[0], "process-orders")
	// The kernel kills the worker if the test binary dies without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Env = os.Environ()
	for k, v := range w.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	fmt.Fprintf(&w.log, "--- worker %d\n", w.started)
	w.current = &shoptest.LogBuffer{}
	cmd.Stdout = io.MultiWriter(&w.log, w.current)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		w.t.Errorf("start process-orders: %v", err)
		return
	}
	w.cmd = cmd
}

// kill SIGKILLs the running worker, if any, and waits for its end.
func (w *workerProcesses) kill() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd == nil {
		return
	}
	_ = w.cmd.Process.Kill() // SIGKILL on Unix
	_ = w.cmd.Wait()         // killed: its status says so
	w.cmd = nil
}

// waitRunning waits until the running worker reads events (its log says
// so) and reports whether it does within timeout; a worker that fails to
// start fails the test.
func (w *workerProcesses) waitRunning(timeout time.Duration) bool {
	w.mu.Lock()
	current := w.current
	w.mu.Unlock()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(current.String(), `"msg":"order processor running"`) {
			return true
		}
	}
	w.t.Errorf("process-orders did not start within %v", timeout)
	return false
}

// waitHandling waits up to timeout until the running worker handled an
// order event (its log says so); the local DynamoDB server takes a while
// to hand the stream's first records to a new reader, and a kill before
// them would prove little.
func (w *workerProcesses) waitHandling(timeout time.Duration) {
	w.mu.Lock()
	current := w.current
	w.mu.Unlock()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		log := current.String()
		if strings.Contains(log, `"msg":"order status changed"`) || strings.Contains(log, `"msg":"order message sent"`) ||
			strings.Contains(log, "claimed by another processor; waiting") {
			return
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
