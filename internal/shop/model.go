package shop

import (
	"fmt"
	"time"
)

// Money is an amount in integer cents of Currency.
type Money int64

// Currency is the only currency the shop sells in.
const Currency = "USD"

// String formats m as dollars, for example "$12.34".
func (m Money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s$%d.%02d", sign, m/100, m%100)
}

// Business limits fixed by the contract.
const (
	MaxLineQuantity       = 99
	MaxCartLines          = 50
	FreeShippingThreshold = Money(5000)
	ShippingFee           = Money(500)
)

// Order statuses (CONTRACT.md, "Order lifecycle"): placed -> accepted ->
// shipped -> delivered; cancelled from placed or accepted.
const (
	OrderStatusPlaced    = "placed"
	OrderStatusAccepted  = "accepted"
	OrderStatusShipped   = "shipped"
	OrderStatusDelivered = "delivered"
	OrderStatusCancelled = "cancelled"
)

// User is a registered shopper. Email is stored lower-cased, which makes it
// unique regardless of letter case.
type User struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
	Role         string // RoleCustomer (or "", accounts made before roles) or RoleStaff (staff.go)
	// TOTPSecret is the base32 secret of the second factor (RFC 6238),
	// empty when the account has none. It is stored as is: verifying a
	// code needs it.
	TOTPSecret string
	// TOTPLastStep is the time step of the last code accepted, so a code
	// works once (Store.UseTOTPStep).
	TOTPLastStep int64

	// sessionCart is the cart of the session this user was read for, read
	// in the same store call (UserCartReader), until this request's
	// checkout takes it (usercart.go); nil otherwise. Never stored.
	sessionCart *Cart
}

// Session is a signed-in browser session, a guest's cart-holding session, or
// an API bearer token. Only the SHA-256 of the secret is stored (IDHash), so
// a leaked store does not leak usable sessions.
type Session struct {
	IDHash     string
	Kind       string // SessionWeb or SessionAPI
	UserID     string // empty for a guest
	CartID     string // the cart this session fills
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end; idle end is LastSeenAt + idle timeout
	// SecondFactor is "" for a session that needs none,
	// SecondFactorPending after the password step of an account with a
	// second factor (the session grants nothing yet), SecondFactorPassed
	// once its code was accepted (staff.go).
	SecondFactor string
	// PasswordStamp fingerprints the user's password hash when the session
	// began (passwordStamp): once the password is changed or reset the
	// session ends, also one begun by a sign-in with the old password that
	// raced the change. "" for a guest's session (and sessions from before
	// the stamp).
	PasswordStamp string
}

// Session kinds.
const (
	SessionWeb = "web"
	SessionAPI = "api"
)

// Category groups products; ProductCount counts the products in it.
type Category struct {
	ID           string
	Name         string
	ProductCount int
}

// Product is an item for sale. Active false means withdrawn from sale.
type Product struct {
	ID          string
	Name        string
	Description string
	Category    string // Category.ID
	PriceCents  Money
	Stock       int
	Active      bool
	CreatedAt   time.Time
	Photo       ProductPhoto // the uploaded photo; zero: the generated picture
}

// Availability is the stock wording shown to shoppers.
func (p Product) Availability() string {
	switch {
	case !p.Active:
		return "No longer sold"
	case p.Stock <= 0:
		return "Out of stock"
	case p.Stock <= 3:
		return fmt.Sprintf("Only %d left", p.Stock)
	}
	return "In stock"
}

// Product sort orders.
const (
	SortName      = "name"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortNewest    = "newest"
)

// ProductQuery selects a page of the catalog. The service validates it
// before a store sees it: Page >= 1, 1 <= PerPage <= 100, Sort one of the
// Sort constants.
type ProductQuery struct {
	Text     string // matched case-insensitively against name and description
	Category string
	Sort     string
	Page     int
	PerPage  int
	// IncludeInactive lists withdrawn products too (the staff's product
	// list); shoppers never see them.
	IncludeInactive bool
	// Cursor, when set, starts the page right after the product it names
	// (keyset pagination: ProductPage.Next of the previous page) instead
	// of at Page.
	Cursor string
}

// ProductPage is one page of a product query and the total number of matches.
type ProductPage struct {
	Items []Product
	Total int
	// Next is the cursor of the page after this one; "" on the last page.
	Next string
}

// CartLine is one product in a cart with the unit price the shopper saw when
// adding it, so checkout can tell them when it has changed since.
type CartLine struct {
	ProductID      string
	Quantity       int
	SeenPriceCents Money
}

// Cart is the set of lines of one shopper, keyed by ID ("user-<id>" for a
// signed-in user, "guest-<random>" for a guest).
type Cart struct {
	ID        string
	Lines     []CartLine
	UpdatedAt time.Time
	// Version is an opaque token of the saved state, new at every save
	// and never repeated; "" for a cart never saved (or deleted). Saves
	// and order placement are conditional on it (Store.SaveCart,
	// Store.PlaceOrder), so no concurrent change of the cart is lost and
	// one cart gives at most one order.
	Version string
}

// Line returns the line of productID and whether there is one.
func (c *Cart) Line(productID string) (CartLine, bool) {
	for _, l := range c.Lines {
		if l.ProductID == productID {
			return l, true
		}
	}
	return CartLine{}, false
}

// Address is a shipping address; Country is ISO 3166-1 alpha-2.
type Address struct {
	FullName   string
	Line1      string
	Line2      string
	City       string
	PostalCode string
	Country    string
}

// Totals is what the lines of an order or a cart add up to (CONTRACT.md,
// "Business rules"); TotalsOf computes it.
type Totals struct {
	ItemCount     int
	SubtotalCents Money
	ShippingCents Money
	TotalCents    Money
}

// TotalsOf adds up lines: their quantities, their line totals, the
// shipping of that subtotal (none without lines) and the total.
func TotalsOf(lines []OrderLine) Totals {
	var t Totals
	for _, l := range lines {
		t.ItemCount += l.Quantity
		t.SubtotalCents += l.LineTotalCents
	}
	if len(lines) > 0 {
		t.ShippingCents = ShippingFor(t.SubtotalCents)
	}
	t.TotalCents = t.SubtotalCents + t.ShippingCents
	return t
}

// ShippingFor returns the shipping fee for a subtotal.
func ShippingFor(subtotal Money) Money {
	if subtotal >= FreeShippingThreshold {
		return 0
	}
	return ShippingFee
}

// NewOrderLine returns a line of quantity units at unit price, totalled.
func NewOrderLine(productID, name string, unit Money, quantity int) OrderLine {
	return OrderLine{ProductID: productID, Name: name, UnitPriceCents: unit, Quantity: quantity, LineTotalCents: unit * Money(quantity)}
}

// OrderLine is one priced line of an order or of a cart view.
type OrderLine struct {
	ProductID      string
	Name           string
	UnitPriceCents Money
	Quantity       int
	LineTotalCents Money
}

// Order is a placed order, exactly as the orders table of the contract holds it.
type Order struct {
	ID        string
	UserID    string
	UserEmail string
	Status    string
	CreatedAt time.Time
	Currency  string
	Items     []OrderLine
	Totals
	ShippingAddress Address
	// The lifecycle after placement: UpdatedAt is the time of the last
	// status change (zero until one), StatusHistory the changes, oldest
	// first (the placement itself is not in it: it is Status placed at
	// CreatedAt), TrackingNumber set when the order shipped.
	UpdatedAt      time.Time
	StatusHistory  []StatusChange
	TrackingNumber string
}

// StatusChange is one change of an order's status after its placement.
type StatusChange struct {
	Status string
	At     time.Time
	Actor  string // who changed it: a user or staff id, or the order processor
}

// LastChangeIs reports whether c is the order's last status change: a
// resent change that was applied already.
func (o *Order) LastChangeIs(c StatusChange) bool {
	n := len(o.StatusHistory)
	if n == 0 || o.Status != c.Status {
		return false
	}
	last := o.StatusHistory[n-1]
	return last.Status == c.Status && last.At.Equal(c.At) && last.Actor == c.Actor
}

// StatusUpdate is a change of an order's status on condition that it is
// still From (Store.ChangeOrderStatus).
type StatusUpdate struct {
	From   string
	Change StatusChange
	// TrackingNumber is set with the change to shipped; "" leaves the
	// order's as it is.
	TrackingNumber string
}

// ProductUpdate names the fields of a product to change
// (Store.UpdateProduct); a nil field is left as it is. Stock is changed
// only by Store.AdjustStock and by orders.
type ProductUpdate struct {
	Name        *string
	Description *string
	Category    *string
	PriceCents  *Money
	Active      *bool
}

// Apply returns p with the update's fields set.
func (u ProductUpdate) Apply(p Product) Product {
	if u.Name != nil {
		p.Name = *u.Name
	}
	if u.Description != nil {
		p.Description = *u.Description
	}
	if u.Category != nil {
		p.Category = *u.Category
	}
	if u.PriceCents != nil {
		p.PriceCents = *u.PriceCents
	}
	if u.Active != nil {
		p.Active = *u.Active
	}
	return p
}

// LoginThrottle counts failed sign-ins for one key (an account or a client
// address) in a window; while LockedUntil is in the future, sign-in for the
// key is refused.
type LoginThrottle struct {
	Key         string
	Failures    int
	WindowStart time.Time
	LockedUntil time.Time
	// Version counts the saves of the record: 0 for one never saved. The
	// store saves a record only over the version it was read at
	// (Store.SaveLoginThrottle), so concurrent updates are never lost.
	Version int64
}
