package mail

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"storefront/internal/shop"
)

// The message bodies: text/template for the plain text, html/template for
// the HTML alternative, so a name or an address line that holds markup
// is escaped there and left as typed in the text.
//
//go:embed templates/messages.txt templates/messages.html
var templateFiles embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/messages.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/messages.html"))
)

// content is what every template may show.
type content struct {
	Shop     string
	Subject  string
	Order    *shop.Order
	OrderURL string // the order's page on the shop
	Link     string // the password reset link
}

// OrderConfirmation is the message the order processor sends once it
// accepted o. shopURL is the shop's address (http://host:port), for the
// link to the order's page.
func OrderConfirmation(shopName string, o *shop.Order, shopURL string) Message {
	return orderMessage("confirmation", shopName+": order "+o.ID+" confirmed", shopName, o, shopURL)
}

// OrderShipped is the message sent when o has shipped, with its tracking
// number.
func OrderShipped(shopName string, o *shop.Order, shopURL string) Message {
	return orderMessage("shipped", shopName+": order "+o.ID+" shipped", shopName, o, shopURL)
}

// OrderCancelled is the message sent when o was cancelled.
func OrderCancelled(shopName string, o *shop.Order, shopURL string) Message {
	return orderMessage("cancelled", shopName+": order "+o.ID+" cancelled", shopName, o, shopURL)
}

// PasswordReset is the message carrying a password reset link to the
// account's address.
func PasswordReset(shopName, to, link string) Message {
	c := content{Shop: shopName, Subject: shopName + ": reset your password", Link: link}
	// The Message-ID is derived from the link without showing it: mail
	// relays log Message-IDs, and the link is a credential.
	sum := sha256.Sum256([]byte(link))
	return render("password_reset", to, "password-reset."+hex.EncodeToString(sum[:12]), c)
}

// orderMessage renders event's template for o. Its Message-ID is the
// order's id and the event: one order has one message of each event, and a
// resend of it is recognisably the same message.
func orderMessage(event, subject, shopName string, o *shop.Order, shopURL string) Message {
	c := content{Shop: shopName, Subject: subject, Order: o, OrderURL: strings.TrimSuffix(shopURL, "/") + "/orders/" + o.ID}
	return render(event, o.UserEmail, "order."+o.ID+"."+event, c)
}

// render executes the text and HTML templates named name. The templates
// are parsed at start-up and fed only the fields of content, so an error
// here is a programming error that the package's tests catch: it panics
// rather than sending a message with half a body.
func render(name, to, id string, c content) Message {
	var text, body, page bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, name, c); err != nil {
		panic("mail: text template " + name + ": " + err.Error())
	}
	if err := htmlTemplates.ExecuteTemplate(&body, name, c); err != nil {
		panic("mail: html template " + name + ": " + err.Error())
	}
	page.Grow(body.Len() + 512)
	if err := htmlTemplates.ExecuteTemplate(&page, "page", struct {
		content
		Body htmltemplate.HTML
	}{c, htmltemplate.HTML(body.String())}); err != nil { // #nosec G203 -- body is html/template output, escaped already
		panic("mail: html page: " + err.Error())
	}
	return Message{To: to, Subject: c.Subject, Text: text.String(), HTML: page.String(), ID: id}
}
