package dynamo

import (
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// The key design and the mapping between domain values and items: pure
// functions, tested without a server (items_test.go).

type item = map[string]types.AttributeValue

// orderTimeLayout is RFC 3339 in UTC with exactly three fractional digits:
// fixed width, so created_at sorts as text in the orders index exactly as in
// time, and millisecond times (the service's clock) round-trip exactly.
const orderTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// Keys.

func userKey(id string) item { return item{"pk": str("user#" + id)} }

// emailKey is the key of the guard item that makes an email unique: it is
// written in the same transaction as the user, on condition it does not
// exist yet.
func emailKey(email string) item { return item{"pk": str("email#" + strings.ToLower(email))} }

func sessionKey(idHash string) item { return item{"id_hash": str(idHash)} }
func productKey(id string) item     { return item{"id": str(id)} }
func cartKey(id string) item        { return item{"id": str(id)} }
func orderKey(id string) item       { return item{"order_id": str(id)} }
func throttleKey(key string) item   { return item{"throttle_key": str(key)} }
func categoryKey(id string) item    { return item{"id": str(id)} }

// Attribute values.

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num[T ~int | ~int64](v T) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(v), 10)}
}

func boolean(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }

// timeText is how every time but an order's is kept: RFC 3339 in UTC with
// as many fractional digits as needed, so it round-trips exactly.
func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// putTime sets attribute name to t unless t is zero (a missing attribute
// reads back as the zero time).
func putTime(it item, name string, t time.Time) {
	if !t.IsZero() {
		it[name] = str(timeText(t))
	}
}

// putString sets attribute name to v unless v is empty. It is used for
// attributes that are keys of an index, which may not be empty strings.
func putString(it item, name, v string) {
	if v != "" {
		it[name] = str(v)
	}
}

// Orders: the item shape is the contract's (CONTRACT.md, "DynamoDB: the
// orders table"), nothing more.

func orderItem(o *shop.Order) item {
	lines := make([]types.AttributeValue, len(o.Items))
	for i, l := range o.Items {
		lines[i] = &types.AttributeValueMemberM{Value: item{
			"product_id":       str(l.ProductID),
			"name":             str(l.Name),
			"unit_price_cents": num(l.UnitPriceCents),
			"quantity":         num(l.Quantity),
			"line_total_cents": num(l.LineTotalCents),
		}}
	}
	a := o.ShippingAddress
	return item{
		"order_id":   str(o.ID),
		"user_id":    str(o.UserID),
		"user_email": str(o.UserEmail),
		"status":     str(o.Status),
		"created_at": str(o.CreatedAt.UTC().Format(orderTimeLayout)),
		"currency":   str(o.Currency),
		"items":      &types.AttributeValueMemberL{Value: lines},
		"item_count": num(o.ItemCount), "subtotal_cents": num(o.SubtotalCents),
		"shipping_cents": num(o.ShippingCents), "total_cents": num(o.TotalCents),
		"shipping_address": &types.AttributeValueMemberM{Value: item{
			"full_name": str(a.FullName), "line1": str(a.Line1), "line2": str(a.Line2),
			"city": str(a.City), "postal_code": str(a.PostalCode), "country": str(a.Country),
		}},
	}
}

func orderFromItem(it item) (*shop.Order, error) {
	r := reader{item: it, what: "order"}
	o := &shop.Order{
		ID: r.str("order_id"), UserID: r.str("user_id"), UserEmail: r.str("user_email"),
		Status: r.str("status"), CreatedAt: r.time("created_at"), Currency: r.str("currency"),
		Totals: shop.Totals{ItemCount: int(r.int("item_count")), SubtotalCents: shop.Money(r.int("subtotal_cents")),
			ShippingCents: shop.Money(r.int("shipping_cents")), TotalCents: shop.Money(r.int("total_cents"))},
	}
	for _, m := range r.listOfMaps("items") {
		lr := reader{item: m, what: "order line"}
		o.Items = append(o.Items, shop.OrderLine{
			ProductID: lr.str("product_id"), Name: lr.str("name"),
			UnitPriceCents: shop.Money(lr.int("unit_price_cents")), Quantity: int(lr.int("quantity")),
			LineTotalCents: shop.Money(lr.int("line_total_cents")),
		})
		r.keep(lr.err)
	}
	ar := reader{item: r.mapOf("shipping_address"), what: "shipping address"}
	o.ShippingAddress = shop.Address{FullName: ar.str("full_name"), Line1: ar.str("line1"), Line2: ar.str("line2"),
		City: ar.str("city"), PostalCode: ar.str("postal_code"), Country: ar.str("country")}
	r.keep(ar.err)
	// The lifecycle attributes exist once a status change wrote them.
	o.UpdatedAt, o.TrackingNumber = r.time("updated_at"), r.optStr("tracking_number")
	if _, ok := it["status_history"]; ok {
		for _, m := range r.listOfMaps("status_history") {
			hr := reader{item: m, what: "status change"}
			o.StatusHistory = append(o.StatusHistory, shop.StatusChange{Status: hr.str("status"), At: hr.time("at"), Actor: hr.str("actor")})
			r.keep(hr.err)
		}
	}
	return o, r.err
}

// statusChangeUpdate is the update of an order item that a status change
// makes (CONTRACT.md): status, updated_at, an entry appended to
// status_history and, when set, tracking_number; on condition that the
// status is u.From. Nothing else of the item changes.
func statusChangeUpdate(u shop.StatusUpdate) (update, condition string, names map[string]string, values item) {
	at := str(u.Change.At.UTC().Format(orderTimeLayout))
	entry := &types.AttributeValueMemberM{Value: item{"status": str(u.Change.Status), "at": at, "actor": str(u.Change.Actor)}}
	update = "SET #status = :to, #updated_at = :at, #history = list_append(if_not_exists(#history, :none), :entry)"
	names = map[string]string{"#order_id": "order_id", "#status": "status", "#updated_at": "updated_at", "#history": "status_history"}
	values = item{":to": str(u.Change.Status), ":from": str(u.From), ":at": at,
		":none":  &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
		":entry": &types.AttributeValueMemberL{Value: []types.AttributeValue{entry}}}
	if u.TrackingNumber != "" {
		update += ", #tracking = :tracking"
		names["#tracking"], values[":tracking"] = "tracking_number", str(u.TrackingNumber)
	}
	return update, "attribute_exists(#order_id) AND #status = :from", names, values
}

// Users.

func userItem(u *shop.User) item {
	it := userKey(u.ID)
	it["id"], it["email"], it["name"], it["password_hash"] = str(u.ID), str(u.Email), str(u.Name), str(u.PasswordHash)
	putTime(it, "created_at", u.CreatedAt)
	putString(it, "role", u.Role) // missing: a customer (users made before roles)
	putString(it, "totp_secret", u.TOTPSecret)
	if u.TOTPLastStep != 0 {
		it["totp_last_step"] = num(u.TOTPLastStep)
	}
	return it
}

func emailGuardItem(u *shop.User) item {
	it := emailKey(u.Email)
	it["user_id"] = str(u.ID)
	return it
}

func userFromItem(it item) (*shop.User, error) {
	r := reader{item: it, what: "user"}
	u := &shop.User{ID: r.str("id"), Email: r.str("email"), Name: r.str("name"),
		PasswordHash: r.str("password_hash"), CreatedAt: r.time("created_at"), Role: r.optStr("role"),
		TOTPSecret: r.optStr("totp_secret")}
	if _, ok := it["totp_last_step"]; ok {
		u.TOTPLastStep = r.int("totp_last_step")
	}
	return u, r.err
}

// Sessions.

func sessionItem(s *shop.Session) item {
	it := sessionKey(s.IDHash)
	it["kind"] = str(s.Kind)
	putString(it, "user_id", s.UserID) // a guest's session stays out of the by_user index
	putString(it, "cart_id", s.CartID)
	putTime(it, "created_at", s.CreatedAt)
	putTime(it, "last_seen_at", s.LastSeenAt)
	putTime(it, "expires_at", s.ExpiresAt)
	putString(it, "second_factor", s.SecondFactor)
	putString(it, "password_stamp", s.PasswordStamp)
	if !s.ExpiresAt.IsZero() {
		it["ttl"] = num(s.ExpiresAt.Unix()) // DynamoDB deletes it some time after
	}
	return it
}

func sessionFromItem(it item) (*shop.Session, error) {
	r := reader{item: it, what: "session"}
	s := &shop.Session{IDHash: r.str("id_hash"), Kind: r.str("kind"), UserID: r.optStr("user_id"),
		CartID: r.optStr("cart_id"), CreatedAt: r.time("created_at"), LastSeenAt: r.time("last_seen_at"),
		ExpiresAt: r.time("expires_at"), SecondFactor: r.optStr("second_factor"), PasswordStamp: r.optStr("password_stamp")}
	return s, r.err
}

// Catalog.

func productItem(p *shop.Product) item {
	it := productKey(p.ID)
	it["name"], it["description"], it["category"] = str(p.Name), str(p.Description), str(p.Category)
	it["price_cents"], it["stock"], it["active"] = num(p.PriceCents), num(p.Stock), boolean(p.Active)
	putTime(it, "created_at", p.CreatedAt)
	putString(it, "photo_card", p.Photo.Card)
	putString(it, "photo_page", p.Photo.Page)
	return it
}

func productFromItem(it item) (*shop.Product, error) {
	r := reader{item: it, what: "product"}
	p := &shop.Product{ID: r.str("id"), Name: r.str("name"), Description: r.str("description"),
		Category: r.str("category"), PriceCents: shop.Money(r.int("price_cents")), Stock: int(r.int("stock")),
		Active: r.bool("active"), CreatedAt: r.time("created_at"),
		Photo: shop.ProductPhoto{Card: r.optStr("photo_card"), Page: r.optStr("photo_page")}}
	return p, r.err
}

func categoryItem(c *shop.Category) item {
	it := categoryKey(c.ID)
	it["name"] = str(c.Name)
	return it
}

func categoryFromItem(it item) (shop.Category, error) {
	r := reader{item: it, what: "category"}
	return shop.Category{ID: r.str("id"), Name: r.str("name")}, r.err
}

// Carts: one item per cart, the lines a list in the shopper's order.

func cartItem(c *shop.Cart) item {
	lines := make([]types.AttributeValue, len(c.Lines))
	for i, l := range c.Lines {
		lines[i] = &types.AttributeValueMemberM{Value: item{
			"product_id": str(l.ProductID), "quantity": num(l.Quantity), "price_cents": num(l.SeenPriceCents),
		}}
	}
	it := cartKey(c.ID)
	it["lines"] = &types.AttributeValueMemberL{Value: lines}
	putTime(it, "updated_at", c.UpdatedAt)
	if exp := shop.CartExpiresAt(c); !exp.IsZero() {
		// DynamoDB deletes the cart some time after: a guest's once its
		// session has ended, a user's after months without a change.
		it[ttlAttribute] = num(exp.Unix())
	}
	return it
}

func cartFromItem(it item) (*shop.Cart, error) {
	r := reader{item: it, what: "cart"}
	c := &shop.Cart{ID: r.str("id"), UpdatedAt: r.time("updated_at"), Version: r.optStr("version")}
	for _, m := range r.listOfMaps("lines") {
		lr := reader{item: m, what: "cart line"}
		c.Lines = append(c.Lines, shop.CartLine{ProductID: lr.str("product_id"), Quantity: int(lr.int("quantity")),
			SeenPriceCents: shop.Money(lr.int("price_cents"))})
		r.keep(lr.err)
	}
	return c, r.err
}

// Login throttles.

// throttleItem returns the item that SaveLoginThrottle writes for t: at
// version t.Version+1, with a ttl attribute that lets DynamoDB expire it
// once its window and its lock are both over. A reset record (no failures,
// no times) is kept as an item too, without ttl: deleting it would restart
// its version at 0 (see throttleCondition); the next failure gives it a ttl
// again.
func throttleItem(t *shop.LoginThrottle) item {
	it := throttleKey(t.Key)
	it["failures"] = num(t.Failures)
	it["version"] = num(t.Version + 1)
	putTime(it, "window_start", t.WindowStart)
	putTime(it, "locked_until", t.LockedUntil)
	if t.WindowStart.IsZero() && t.LockedUntil.IsZero() {
		return it
	}
	end := t.LockedUntil
	if w := t.WindowStart.Add(shop.ThrottleWindow); w.After(end) {
		end = w
	}
	it["ttl"] = num(end.Unix() + 1)
	return it
}

// throttleCondition is the condition of saving a throttle record read at
// version: the stored item is still at that version. Version 0 is a record
// never saved, so the item must not exist, or have no version attribute.
func throttleCondition(version int64) (expr string, names map[string]string, values item) {
	names = map[string]string{"#version": "version"}
	if version == 0 {
		return "attribute_not_exists(throttle_key) OR attribute_not_exists(#version)", names, nil
	}
	return "#version = :v", names, item{":v": num(version)}
}

func throttleFromItem(it item) (*shop.LoginThrottle, error) {
	r := reader{item: it, what: "login throttle"}
	t := &shop.LoginThrottle{Key: r.str("throttle_key"), Failures: int(r.int("failures")),
		WindowStart: r.time("window_start"), LockedUntil: r.time("locked_until")}
	if _, ok := it["version"]; ok { // an item without one is at version 0
		t.Version = r.int("version")
	}
	return t, r.err
}
