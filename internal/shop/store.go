package shop

import (
	"context"
	"time"
)

// Store is everything the shop keeps. Each method is one atomic unit of work.
// Implementations save exactly what they are given (ids and times come from
// the service) and translate driver failures: ErrUnavailable when the store
// cannot be reached or throttles, ErrConflict when a concurrent write won.
// Both implementations run the conformance suite in package shoptest.
type Store interface {
	PasswordResetStore // passwordreset.go
	// The catalog's change feed (catalogfeed.go): listings, search and
	// category counts are answered by each server's read model
	// (catalogmodel.go), never by reading the catalog per request.
	CatalogFollower
	// An exact catalog feed, where the store has one (productread.go):
	// strong product reads without a store read per request.
	ExactCatalogFollower
	// Ping reports whether the store is reachable; it backs /readyz.
	Ping(ctx context.Context) error

	// CreateUser saves a new user; creating the very same user (same ID
	// and email) again succeeds, so a retried request is no error. It
	// returns ErrEmailTaken, saving nothing,
	// when a user with the same (lower-cased) Email exists.
	CreateUser(ctx context.Context, u *User) error
	// User returns the user with id, or ErrNotFound.
	User(ctx context.Context, id string) (*User, error)
	// UserByEmail returns the user with the lower-cased email, or ErrNotFound.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UpdateUserName sets the name of the user id and nothing else, on
	// condition that the user exists (ErrNotFound otherwise): a concurrent
	// password change is never undone by it.
	UpdateUserName(ctx context.Context, id, name string) error
	// UpdateUserPassword sets the password hash of the user id and nothing
	// else, on condition that the user exists (ErrNotFound otherwise).
	UpdateUserPassword(ctx context.Context, id, passwordHash string) error
	// UpgradeUserPassword replaces the password hash of the user id with
	// to, on condition that it is still from (a hash of the same password
	// with stronger parameters, at a sign-in): ErrNotFound when the user is
	// gone or its password was changed meanwhile, which it never undoes.
	UpgradeUserPassword(ctx context.Context, id, from, to string) error
	// SetUserTOTP sets the second factor secret of the user id ("": none)
	// and the time step of its last accepted code, and nothing else, on
	// condition that the user exists (ErrNotFound otherwise).
	SetUserTOTP(ctx context.Context, id, secret string, lastStep int64) error
	// UseTOTPStep records step as the last accepted code's time step of
	// the user id, on condition that the stored one is lower: a
	// compare-and-set, so one code signs in once even on two servers at
	// once. It returns ErrConflict, changing nothing, when the stored step
	// is step or later, and ErrNotFound for a missing user.
	UseTOTPStep(ctx context.Context, id string, step int64) error
	// StaffUsers returns every user whose Role is RoleStaff, by email.
	StaffUsers(ctx context.Context) ([]User, error)

	// CreateSession saves a new session or API token.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session whose secret hashes to idHash, or
	// ErrNotFound. It may return expired sessions; the service decides.
	Session(ctx context.Context, idHash string) (*Session, error)
	// TouchSession sets LastSeenAt of a session; ErrNotFound if it is gone.
	TouchSession(ctx context.Context, idHash string, at time.Time) error
	// DeleteSession removes a session; removing a missing one is no error.
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteUserSessions removes every session and token of userID except
	// the one hashing to keepIDHash (which may be empty).
	DeleteUserSessions(ctx context.Context, userID, keepIDHash string) error

	// SaveProduct inserts or replaces a whole product (demo catalog,
	// import); a change of some fields of an existing one is UpdateProduct.
	SaveProduct(ctx context.Context, p *Product) error
	// UpdateProduct sets the fields that u names on product id and nothing
	// else, in one atomic write on condition that the product exists
	// (ErrNotFound otherwise), so a concurrent order's stock decrement is
	// never undone. It returns the product as written.
	UpdateProduct(ctx context.Context, id string, u ProductUpdate) (*Product, error)
	// AdjustStock adds delta (negative: removes) to the stock of product
	// id in one atomic write, never losing a concurrent order's decrement,
	// and returns the product as written. It returns ErrNotFound for a
	// missing product and, changing nothing, a *StockError (ErrOutOfStock)
	// when the stock would fall below 0, or ErrStockLimit when an addition
	// would take it over MaxStock (checked in the same write, so two
	// additions at once cannot pass it together; a removal never is, as a
	// cancellation's restock may have passed it). Each call applies at most once:
	// after ErrUnavailable, read the product to learn whether it did.
	AdjustStock(ctx context.Context, id string, delta int) (*Product, error)
	// SetProductPhoto sets the photo of product id and nothing else, on
	// condition that it exists (ErrNotFound otherwise), and returns the
	// product as written.
	SetProductPhoto(ctx context.Context, id string, photo ProductPhoto) (*Product, error)
	// Product returns the product with id, or ErrNotFound.
	Product(ctx context.Context, id string) (*Product, error)
	// Products returns the products with the given ids that exist, in any
	// order.
	Products(ctx context.Context, ids []string) ([]Product, error)
	// CreateProduct inserts a new product; it returns ErrProductExists,
	// saving nothing, when a product with p.ID exists.
	CreateProduct(ctx context.Context, p *Product) error
	// SaveProducts inserts or replaces each of products (a catalog import),
	// in batches: on SQLite each call is one transaction; on DynamoDB the
	// products are written 25 at a time, so an error may leave some
	// written. Each write is a whole product by id, so saving the same
	// products again converges.
	SaveProducts(ctx context.Context, products []Product) error
	// EachProduct calls each with every product, active or not, in id
	// order, stopping at (and returning) the first error each returns.
	EachProduct(ctx context.Context, each func(*Product) error) error
	// Categories returns the categories by name, ties by ID, with
	// ProductCount 0: the catalog read model counts (catalogmodel.go), so
	// no store reads every product to count them.
	Categories(ctx context.Context) ([]Category, error)
	// SaveCategory inserts or replaces a category (ProductCount ignored).
	SaveCategory(ctx context.Context, c *Category) error
	// CountProducts returns how many products exist, active or not. It
	// may read every product (a COUNT scan on DynamoDB): for tests and
	// tools, never on a request path or at start (HasProducts).
	CountProducts(ctx context.Context) (int, error)
	// HasProducts reports whether any product exists, active or not,
	// reading at most one: whether the demo catalog is to be loaded.
	HasProducts(ctx context.Context) (bool, error)

	// Cart returns the cart with id and its Version; a cart never saved is
	// returned empty with Version "", never ErrNotFound.
	Cart(ctx context.Context, id string) (*Cart, error)
	// SaveCart replaces the lines of a cart on condition that the stored
	// cart is still at c.Version ("": there is none), a compare-and-set,
	// and on success sets c.Version to the new, never repeated version. It
	// returns ErrConflict, saving nothing, when the version differs (read
	// again, re-apply the change, save again). A cart with no lines may be
	// deleted instead (it then reads at Version "").
	SaveCart(ctx context.Context, c *Cart) error

	// PlaceOrder, all or nothing: for every line it decrements the
	// product's stock on condition that CanPlace holds (the product is
	// active, still priced at UnitPriceCents and has at least Quantity in
	// stock); it saves o; it deletes the cart the order was built from, on
	// condition that it is still at cart.Version. It returns
	// ErrOrderExists, changing nothing, if an order with o.ID exists; else
	// ErrCartChanged, changing nothing, when the cart's version differs;
	// else a *PlacementRefused, changing nothing, reporting the state of
	// the refused lines' products as the transaction saw them (what that
	// means for the shopper is the service's to say: RefusalOf).
	//
	// Any other error may leave the order placed or not: the caller reads
	// the order by its id to learn which. ErrOutcomeUnknown says the store
	// sent the write and could not settle its outcome, so the order may
	// still appear; after any other error, an order missing now will not
	// appear from this call.
	PlaceOrder(ctx context.Context, o *Order, cart *Cart) error
	// ChangeOrderStatus changes the status of order id to u.Change.Status
	// on condition that it is u.From, all or nothing: it sets the status
	// and UpdatedAt (u.Change.At), appends u.Change to StatusHistory, sets
	// TrackingNumber when u sets one, and, for a change to cancelled, puts
	// every line's quantity back into its product's stock (products are
	// never deleted). The condition makes each change happen once: of two
	// concurrent changes from one status, one wins. It returns the order
	// as written; ErrNotFound for a missing order; ErrInvalidTransition,
	// changing nothing, when the status is not u.From, unless u.Change is
	// the order's last change (Order.LastChangeIs): a resent request gets
	// the order again, changing nothing. Whether u.From may become
	// u.Change.Status is the service's rule, not the store's.
	ChangeOrderStatus(ctx context.Context, id string, u StatusUpdate) (*Order, error)
	// Order returns the order with id, read consistently after PlaceOrder
	// returned, or ErrNotFound.
	Order(ctx context.Context, id string) (*Order, error)
	// OrdersByUser returns the orders of userID, newest first.
	OrdersByUser(ctx context.Context, userID string) ([]Order, error)
	// SearchOrders returns at most q.Limit orders that q selects (any
	// buyer's: the staff's list), newest first (CreatedAt, then ID,
	// descending). It may read an index a moment behind the orders.
	SearchOrders(ctx context.Context, q OrderQuery) ([]Order, error)

	// AppendAudit appends e to the audit log; entries are never updated
	// or deleted. Appending the very same entry again (a resent request)
	// is no error; another entry with e.ID is ErrConflict, saving nothing.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AuditLog returns at most q.Limit entries older than q's cursor,
	// newest first (At, then ID, descending).
	AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error)

	// LoginThrottle returns the throttle record of key; one never saved is
	// returned zero-valued with Key set (Version 0).
	LoginThrottle(ctx context.Context, key string) (*LoginThrottle, error)
	// SaveLoginThrottle replaces the record of t.Key with t at version
	// t.Version+1, on condition that the stored record is still at
	// t.Version (a missing one counts as 0): a compare-and-set, so that
	// servers sharing the store never lose each other's updates. It returns
	// ErrConflict, saving nothing, when the stored version differs (another
	// save won; read again and retry). A reset is saved the same way, as a
	// record without failures, times or lock. The store may delete a
	// record once both its window and its lock are over; it then reads as
	// never saved.
	SaveLoginThrottle(ctx context.Context, t *LoginThrottle) error
}
