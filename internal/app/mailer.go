package app

import (
	"context"
	"net"
	"net/url"
	"strings"

	"storefront/internal/mail"
)

// resetMailer is the service's shop.Mailer over the app's mail.Sender: it
// turns a reset token into the link of the shop's reset page and mails it.
type resetMailer struct {
	sender   mail.Sender
	shopName string
	shopURL  string
}

func (m resetMailer) SendPasswordReset(ctx context.Context, to, token string) error {
	link := m.shopURL + "/password/reset?" + url.Values{"token": {token}}.Encode()
	return m.sender.Send(ctx, mail.PasswordReset(m.shopName, to, link))
}

// shopURL is the shop's address from STOREFRONT_SHOP_URL (raw), without a
// trailing slash, or http://host:port when raw is empty; "" when raw is no
// http(s) address. The links in messages are built on it, never on a
// request's Host header, which a client chooses (a reset link pointing at
// an attacker's host would hand them the token).
func shopURL(raw, host, port string) string {
	if raw == "" {
		return "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return ""
	}
	return strings.TrimSuffix(raw, "/")
}
