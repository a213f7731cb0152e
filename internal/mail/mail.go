// Package mail sends the shop's messages to shoppers (order confirmation,
// shipped, cancelled, password reset): by SMTP when STOREFRONT_SMTP_URL is
// set, else to the log (CONTRACT.md, "Order processing and messages"). The
// builders in messages.go write the content; a Sender only delivers it.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one message to one recipient, with a plain-text body and its
// HTML alternative.
type Message struct {
	To, Subject, Text, HTML string
	// ID is stable for one message (an order's confirmation, say), so a
	// resend after a crash carries the same Message-ID and a receiver can
	// recognise the duplicate. The sender adds "@" and the sending domain.
	ID string
}

// Sender delivers messages. Its errors wrap ErrTemporary (worth retrying
// later: the server was unreachable or answered 4xx) or ErrPermanent (a
// retry cannot help: a bad address, a 5xx answer), so a caller can retry
// or set the message aside.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// The kinds of send failure.
var (
	ErrTemporary = errors.New("temporary mail failure")
	ErrPermanent = errors.New("permanent mail failure")
)

// DefaultFrom is the sender address when STOREFRONT_MAIL_FROM is unset.
const DefaultFrom = "shop@localhost"

// Timeout bounds each step of an SMTP conversation (connecting, each
// command, the message data): a hung server costs a caller this long, not
// forever.
const Timeout = 15 * time.Second

// smtpSender sends each message over its own connection: messages are
// few (one per order event), and a fresh connection has no stale state to
// recover from.
type smtpSender struct {
	from   string
	domain string // of from, for Message-IDs
	opts   []gomail.Option
	host   string
}

// NewSMTP returns a Sender to the server at rawURL: smtp://host:port
// (plain, port 25 by default), smtp+starttls://host:port (STARTTLS
// required, 587) or smtps://host:port (TLS from the start, 465). A user
// and password in the URL are sent with SMTP AUTH PLAIN, which the library
// only does over an encrypted connection or to localhost.
func NewSMTP(rawURL, from string) (Sender, error) {
	if from == "" {
		from = DefaultFrom
	}
	if err := gomail.NewMsg().From(from); err != nil {
		return nil, fmt.Errorf("mail from %q: %w", from, err)
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP URL %q: want smtp://host:port, smtp+starttls://host:port or smtps://host:port", rawURL)
	}
	opts := []gomail.Option{gomail.WithTimeout(Timeout)}
	defaultPort := 25
	switch u.Scheme {
	case "smtp":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "smtp+starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		defaultPort = 587
	case "smtps":
		opts = append(opts, gomail.WithSSL())
		defaultPort = 465
	default:
		return nil, fmt.Errorf("SMTP URL %q: scheme %q: want smtp, smtp+starttls or smtps", rawURL, u.Scheme)
	}
	port := defaultPort
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("SMTP URL %q: bad port", rawURL)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		password, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(u.User.Username()),
			gomail.WithPassword(password))
	}
	domain := "localhost"
	if at := strings.LastIndex(from, "@"); at >= 0 {
		domain = strings.TrimSuffix(from[at+1:], ">")
	}
	return &smtpSender{from: from, domain: domain, opts: opts, host: u.Hostname()}, nil
}

func (s *smtpSender) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("%w: from %q: %w", ErrPermanent, s.from, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("%w: to %q: %w", ErrPermanent, m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID + "@" + s.domain)
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	client, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("%w: smtp client: %w", ErrPermanent, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(err)
	}
	return nil
}

// classify gives err its kind: the server's own verdict when it answered
// (4xx temporary, 5xx permanent), temporary for everything on the way
// there (refused or lost connections, timeouts, a cancelled context).
func classify(err error) error {
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) && !sendErr.IsTemp() && sendErr.ErrorCode() >= 500 {
		return fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	return fmt.Errorf("%w: %w", ErrTemporary, err)
}

// logSender writes each message to the log instead of sending it: the
// shop without STOREFRONT_SMTP_URL (development, tests) still shows the
// reset link or the order id it would have mailed.
type logSender struct{ log *slog.Logger }

// NewLogSender returns a Sender that logs each message, its plain-text
// body included, at level info.
func NewLogSender(logger *slog.Logger) Sender { return logSender{log: logger} }

func (s logSender) Send(ctx context.Context, m Message) error {
	s.log.InfoContext(ctx, "mail (no STOREFRONT_SMTP_URL: logged, not sent)", "to", m.To, "subject", m.Subject,
		"message_id", m.ID, "text", m.Text)
	return nil
}
