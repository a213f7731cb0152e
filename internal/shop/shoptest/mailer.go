package shoptest

import (
	"context"
	"sync"
)

// Mailer is a shop.Mailer that keeps the links it is asked to send, for
// tests that follow a password reset link as a shopper would. Set Fail to
// make it refuse.
type Mailer struct {
	mu   sync.Mutex
	sent []SentReset
	Fail error
}

// SentReset is one password reset mail: the address and the link's secret.
type SentReset struct{ To, Token string }

// SendPasswordReset keeps the mail, or returns Fail.
func (m *Mailer) SendPasswordReset(_ context.Context, to, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	m.sent = append(m.sent, SentReset{To: to, Token: token})
	return nil
}

// Sent returns the mails sent so far, oldest first. Call the service's
// WaitForMail first: the mails go out in the background.
func (m *Mailer) Sent() []SentReset {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]SentReset(nil), m.sent...)
}
