package web

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

// deadLetterDesk is the order processor as the staff area sees it: its
// dead letters, and a retry that clears one unless failWith is set.
type deadLetterDesk struct {
	mu       sync.Mutex
	letters  []shop.DeadLetter
	retried  []string
	failWith error
}

func (d *deadLetterDesk) DeadLetters(context.Context, int) ([]shop.DeadLetter, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.letters), nil
}

func (d *deadLetterDesk) Retry(_ context.Context, orderID, event string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.retried = append(d.retried, orderID+"/"+event)
	if d.failWith != nil {
		return d.failWith
	}
	d.letters = slices.DeleteFunc(d.letters, func(l shop.DeadLetter) bool { return l.OrderID == orderID && l.Event == event })
	return nil
}

func TestAdminProcessing(t *testing.T) {
	e := newEnv(t)
	desk := &deadLetterDesk{letters: []shop.DeadLetter{{OrderID: "o-stuck", Event: shop.OrderStatusPlaced,
		Error: "send the accepted message of order o-stuck: 550 <no such mailbox>", Attempts: 5, At: time.Now().UTC()}}}
	e.svc.SetReprocessor(desk)
	st := e.newStaffClients("pat.processing@example.com")

	page := st.Page.get("/admin/processing").wantStatus(200)
	page.wantContains(`data-order-id="o-stuck"`, "550 &lt;no such mailbox&gt;", `action="/admin/processing/retry"`)

	// A failed retry keeps the dead letter; a successful one clears it.
	desk.failWith = errors.New("still 550")
	st.Page.post("/admin/processing/retry", url.Values{"order_id": {"o-stuck"}, "event": {"placed"}}).wantRedirect("/admin/processing")
	st.Page.get("/admin/processing").wantContains(`data-order-id="o-stuck"`)
	desk.failWith = nil
	st.Page.post("/admin/processing/retry", url.Values{"order_id": {"o-stuck"}, "event": {"placed"}}).wantRedirect("/admin/processing")
	st.Page.get("/admin/processing").wantStatus(200).wantContains(`id="dead-letters-empty"`).wantNotContains("o-stuck</a>")
	if want := []string{"o-stuck/placed", "o-stuck/placed"}; !slices.Equal(desk.retried, want) {
		t.Errorf("retried %v; want %v", desk.retried, want)
	}

	// Each retry is in the audit log with its outcome.
	entries, err := e.store.AuditLog(t.Context(), shop.AuditQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, en := range entries {
		if en.Action == shop.AuditDeadLetterRetry && en.Target == "o-stuck" && en.ActorID == st.User.ID {
			outcomes = append(outcomes, en.After)
		}
	}
	if want := []string{`handled`, `failed again`}; !slices.Equal(outcomes, want) {
		t.Errorf("audited retries (newest first) %q; want %q", outcomes, want)
	}

	// A customer finds nothing there, and cannot retry.
	c := e.client()
	c.register("cleo.customer@example.com", "Cleo")
	c.get("/admin/processing").wantStatus(404)
	c.post("/admin/processing/retry", url.Values{"order_id": {"o-stuck"}, "event": {"placed"}}).wantStatus(404)
	if len(desk.retried) != 2 {
		t.Errorf("retried %v after a customer's post; want no more", desk.retried)
	}
}
