// Package mailtest runs a real SMTP server inside a test process
// (github.com/emersion/go-smtp on 127.0.0.1, a free port), so tests of
// whatever sends mail check the message a mail server actually received.
package mailtest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted: the envelope and the raw
// RFC 5322 message.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Server is an SMTP server that keeps every message it accepts. Set Refuse
// to make it answer the next RCPT commands with that error instead.
type Server struct {
	URL string // smtp://127.0.0.1:PORT

	mu       sync.Mutex
	received []Received
	refuse   *smtp.SMTPError
	arrived  chan struct{} // closed and replaced at each message
}

// Start starts a server that stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{URL: "smtp://" + ln.Addr().String(), arrived: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{server: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("mailtest: serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return s
}

// Refuse makes the server answer RCPT with code (a 4xx or 5xx) until
// called with 0.
func (s *Server) Refuse(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = nil
	if code != 0 {
		s.refuse = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "refused by the test"}
	}
}

// Messages returns the messages received so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// WaitFor waits up to timeout until n messages arrived and returns them;
// it fails the test when they do not.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, arrived := append([]Received(nil), s.received...), s.arrived
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-arrived:
		case <-deadline:
			t.Fatalf("mailtest: %d messages arrived in %v, want %d", len(got), timeout, n)
			return nil
		}
	}
}

type session struct {
	server *Server
	msg    Received
}

func (s *session) Reset()        { s.msg = Received{} }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.msg.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.server.mu.Lock()
	refuse := s.server.refuse
	s.server.mu.Unlock()
	if refuse != nil {
		return refuse
	}
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		return err
	}
	s.msg.Data = buf.Bytes()
	s.server.mu.Lock()
	defer s.server.mu.Unlock()
	s.server.received = append(s.server.received, s.msg)
	close(s.server.arrived)
	s.server.arrived = make(chan struct{})
	return nil
}
