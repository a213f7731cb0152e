package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"storefront/internal/mail"
	"storefront/internal/mail/mailtest"
	"storefront/internal/shop"
)

func sampleOrder() *shop.Order {
	lines := []shop.OrderLine{
		shop.NewOrderLine("mug", "Mug <b>bold</b>", 1250, 2),
		shop.NewOrderLine("tea", "Green tea", 899, 1),
	}
	return &shop.Order{
		ID: "ord-123", UserEmail: "buyer@example.com", Status: shop.OrderStatusAccepted, Currency: shop.Currency,
		Items: lines, Totals: shop.TotalsOf(lines), TrackingNumber: "TRACK-9",
		ShippingAddress: shop.Address{FullName: "Ann <script>x</script>", Line1: "1 Main St", City: "Springfield",
			PostalCode: "12345", Country: "US"},
	}
}

func send(t *testing.T, s mail.Sender, m mail.Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return s.Send(ctx, m)
}

func TestSMTPDeliversBothAlternatives(t *testing.T) {
	server := mailtest.Start(t)
	sender, err := mail.NewSMTP(server.URL, "Shop <orders@shop.example>")
	if err != nil {
		t.Fatal(err)
	}
	o := sampleOrder()
	if err := send(t, sender, mail.OrderConfirmation("Storefront", o, "http://shop.example/")); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := server.WaitFor(t, 1, 5*time.Second)
	if got[0].From != "orders@shop.example" || len(got[0].To) != 1 || got[0].To[0] != "buyer@example.com" {
		t.Errorf("envelope from %q to %q, want orders@shop.example to buyer@example.com", got[0].From, got[0].To)
	}
	p, err := got[0].Parse()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, got[0].Data)
	}
	if !strings.Contains(p.From, "orders@shop.example") {
		t.Errorf("From = %q", p.From)
	}
	if p.Subject != "Storefront: order ord-123 confirmed" {
		t.Errorf("Subject = %q", p.Subject)
	}
	if p.MessageID != "<order.ord-123.confirmation@shop.example>" {
		t.Errorf("Message-ID = %q, want the stable one", p.MessageID)
	}
	// Subtotal 2*12.50 + 8.99 = 33.99, under 50: shipping 5.00, total 38.99.
	for _, want := range []string{"ord-123", "2 x Mug <b>bold</b> at $12.50: $25.00", "Subtotal: $33.99", "Shipping: $5.00",
		"Total: $38.99", "Ann <script>x</script>", "http://shop.example/orders/ord-123"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, p.Text)
		}
	}
	for _, want := range []string{"ord-123", "$38.99", "$33.99", "Mug &lt;b&gt;bold&lt;/b&gt;", "Ann &lt;script&gt;x&lt;/script&gt;",
		`href="http://shop.example/orders/ord-123"`} {
		if !strings.Contains(p.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, p.HTML)
		}
	}
	if strings.Contains(p.HTML, "<script>") || strings.Contains(p.HTML, "<b>bold") {
		t.Errorf("HTML holds unescaped markup from the order:\n%s", p.HTML)
	}
}

func TestSMTPErrorKinds(t *testing.T) {
	server := mailtest.Start(t)
	sender, err := mail.NewSMTP(server.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	m := mail.PasswordReset("Storefront", "someone@example.com", "http://shop.example/password/reset?token=abc")

	server.Refuse(550)
	if err := send(t, sender, m); !errors.Is(err, mail.ErrPermanent) || errors.Is(err, mail.ErrTemporary) {
		t.Errorf("550 answer: err = %v, want ErrPermanent", err)
	}
	server.Refuse(451)
	if err := send(t, sender, m); !errors.Is(err, mail.ErrTemporary) {
		t.Errorf("451 answer: err = %v, want ErrTemporary", err)
	}
	server.Refuse(0)
	if err := send(t, sender, m); err != nil {
		t.Errorf("after the refusals: %v", err)
	}
	if n := len(server.Messages()); n != 1 {
		t.Errorf("server holds %d messages, want the one accepted", n)
	}

	// A port nobody listens on: refused connections are worth a retry.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	down, err := mail.NewSMTP("smtp://"+addr, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := send(t, down, m); !errors.Is(err, mail.ErrTemporary) {
		t.Errorf("server down: err = %v, want ErrTemporary", err)
	}

	if err := send(t, sender, mail.Message{To: "not an address", Subject: "x", Text: "x"}); !errors.Is(err, mail.ErrPermanent) {
		t.Errorf("bad recipient: err = %v, want ErrPermanent", err)
	}
}

func TestNewSMTPRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct{ url, from string }{
		{"http://127.0.0.1:25", ""},
		{"smtp://", ""},
		{"smtp://127.0.0.1:99999", ""},
		{"smtp://127.0.0.1:25", "not an address"},
	} {
		if _, err := mail.NewSMTP(tc.url, tc.from); err == nil {
			t.Errorf("NewSMTP(%q, %q) accepted", tc.url, tc.from)
		}
	}
	for _, url := range []string{"smtp://mail.example", "smtps://mail.example:465", "smtp+starttls://user:pw@mail.example:587"} {
		if _, err := mail.NewSMTP(url, "shop@example.com"); err != nil {
			t.Errorf("NewSMTP(%q): %v", url, err)
		}
	}
}

func TestLogSenderLogsTheBody(t *testing.T) {
	var buf bytes.Buffer
	sender := mail.NewLogSender(slog.New(slog.NewJSONHandler(&buf, nil)))
	link := "http://shop.example/password/reset?token=secret-token"
	if err := send(t, sender, mail.PasswordReset("Storefront", "a@example.com", link)); err != nil {
		t.Fatal(err)
	}
	if err := send(t, sender, mail.OrderShipped("Storefront", sampleOrder(), "http://shop.example")); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{link, "a@example.com", "ord-123", "TRACK-9", `"subject":"Storefront: order ord-123 shipped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestMessagesNameTheirSubject(t *testing.T) {
	o := sampleOrder()
	for _, tc := range []struct {
		m          mail.Message
		id, inText string
	}{
		{mail.OrderShipped("S", o, "http://x"), "order.ord-123.shipped", "Tracking number: TRACK-9"},
		{mail.OrderCancelled("S", o, "http://x"), "order.ord-123.cancelled", "has been cancelled"},
		{mail.PasswordReset("S", "a@example.com", "http://x/password/reset?token=t"), "", "http://x/password/reset?token=t"},
	} {
		if tc.id != "" && tc.m.ID != tc.id {
			t.Errorf("ID = %q, want %q", tc.m.ID, tc.id)
		}
		if !strings.Contains(tc.m.Text, tc.inText) || !strings.Contains(tc.m.HTML, "<html") {
			t.Errorf("%q: text lacks %q or no HTML page:\n%s", tc.m.Subject, tc.inText, tc.m.Text)
		}
		if strings.Contains(tc.m.ID, "token") {
			t.Errorf("Message-ID %q shows the reset link", tc.m.ID)
		}
	}
}
