package metrics

import (
	"context"
	"errors"
	"time"

	"storefront/internal/shop"
)

// Store is a shop.Store that counts every call of the store it wraps in
// storefront_store_calls_total{op, outcome}: op is the method's name,
// outcome what its error means (Outcome). It changes nothing else: the
// arguments, results and errors pass through as they are.
//
// It embeds the wrapped store, so a method added to shop.Store still
// works before it is counted here; store_test.go fails until it is.
type Store struct {
	shop.Store
	count countFunc
}

// countFunc counts one call of op that returned err, and returns err.
type countFunc func(op string, err error) error

// counted passes the results of a call of op through count: the
// wrapper of a method returning a value and an error is then one line,
// return counted[T](s.count, "Op")(s.Store.Op(args)).
func counted[T any](count countFunc, op string) func(T, error) (T, error) {
	return func(v T, err error) (T, error) { return v, count(op, err) }
}

// InstrumentStore returns next counted in m. When next is a
// shop.ProcessingStore too (every store of the program is), so is the
// result, so that the order processor can still find it by a type
// assertion, and its calls are counted as well.
func (m *Metrics) InstrumentStore(next shop.Store) shop.Store {
	s := &Store{Store: next, count: m.countStoreCall}
	if p, ok := next.(shop.ProcessingStore); ok {
		return &processingStore{Store: s, next: p}
	}
	return s
}

// InstrumentImages returns next counted in m (ops PutImage and Image).
func (m *Metrics) InstrumentImages(next shop.ImageStore) shop.ImageStore {
	return &imageStore{next: next, count: m.countStoreCall}
}

func (m *Metrics) countStoreCall(op string, err error) error {
	m.storeCalls.WithLabelValues(op, Outcome(err)).Inc()
	return err
}

// Outcome names what a store call's error means: OutcomeOK for none;
// OutcomeNotFound; OutcomeConflict when the store's condition refused the
// write (a concurrent write won, the record exists, the order's status or
// the stock did not allow it); OutcomeUnavailable when the store could not
// be reached or the request's time ran out; OutcomeError for anything else.
func Outcome(err error) string {
	var refused *shop.PlacementRefused
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, shop.ErrNotFound):
		return OutcomeNotFound
	case errors.Is(err, shop.ErrUnavailable), errors.Is(err, shop.ErrOutcomeUnknown),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return OutcomeUnavailable
	case errors.Is(err, shop.ErrConflict), errors.Is(err, shop.ErrCartChanged), errors.Is(err, shop.ErrOrderExists),
		errors.Is(err, shop.ErrProductExists), errors.Is(err, shop.ErrEmailTaken), errors.Is(err, shop.ErrInvalidTransition),
		errors.Is(err, shop.ErrOutOfStock), errors.As(err, &refused),
		errors.Is(err, shop.ErrMessageSent), errors.Is(err, shop.ErrMessageClaimed):
		return OutcomeConflict
	}
	return OutcomeError
}

// Each method below is the wrapped store's, its call counted and nothing
// more.

func (s *Store) Ping(ctx context.Context) error {
	return s.count("Ping", s.Store.Ping(ctx))
}

func (s *Store) CreateUser(ctx context.Context, u *shop.User) error {
	return s.count("CreateUser", s.Store.CreateUser(ctx, u))
}

func (s *Store) User(ctx context.Context, id string) (*shop.User, error) {
	return counted[*shop.User](s.count, "User")(s.Store.User(ctx, id))
}

func (s *Store) UserByEmail(ctx context.Context, email string) (*shop.User, error) {
	return counted[*shop.User](s.count, "UserByEmail")(s.Store.UserByEmail(ctx, email))
}

func (s *Store) UpdateUserName(ctx context.Context, id, name string) error {
	return s.count("UpdateUserName", s.Store.UpdateUserName(ctx, id, name))
}

func (s *Store) UpgradeUserPassword(ctx context.Context, id, from, to string) error {
	return s.count("UpgradeUserPassword", s.Store.UpgradeUserPassword(ctx, id, from, to))
}

func (s *Store) UpdateUserPassword(ctx context.Context, id, passwordHash string) error {
	return s.count("UpdateUserPassword", s.Store.UpdateUserPassword(ctx, id, passwordHash))
}

func (s *Store) SetUserTOTP(ctx context.Context, id, secret string, lastStep int64) error {
	return s.count("SetUserTOTP", s.Store.SetUserTOTP(ctx, id, secret, lastStep))
}

func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64) error {
	return s.count("UseTOTPStep", s.Store.UseTOTPStep(ctx, id, step))
}

func (s *Store) StaffUsers(ctx context.Context) ([]shop.User, error) {
	return counted[[]shop.User](s.count, "StaffUsers")(s.Store.StaffUsers(ctx))
}

func (s *Store) CreateSession(ctx context.Context, sess *shop.Session) error {
	return s.count("CreateSession", s.Store.CreateSession(ctx, sess))
}

func (s *Store) Session(ctx context.Context, idHash string) (*shop.Session, error) {
	return counted[*shop.Session](s.count, "Session")(s.Store.Session(ctx, idHash))
}

func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	return s.count("TouchSession", s.Store.TouchSession(ctx, idHash, at))
}

func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	return s.count("DeleteSession", s.Store.DeleteSession(ctx, idHash))
}

func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepIDHash string) error {
	return s.count("DeleteUserSessions", s.Store.DeleteUserSessions(ctx, userID, keepIDHash))
}

func (s *Store) SaveProduct(ctx context.Context, p *shop.Product) error {
	return s.count("SaveProduct", s.Store.SaveProduct(ctx, p))
}

func (s *Store) UpdateProduct(ctx context.Context, id string, u shop.ProductUpdate) (*shop.Product, error) {
	return counted[*shop.Product](s.count, "UpdateProduct")(s.Store.UpdateProduct(ctx, id, u))
}

func (s *Store) AdjustStock(ctx context.Context, id string, delta int) (*shop.Product, error) {
	return counted[*shop.Product](s.count, "AdjustStock")(s.Store.AdjustStock(ctx, id, delta))
}

func (s *Store) SetProductPhoto(ctx context.Context, id string, photo shop.ProductPhoto) (*shop.Product, error) {
	return counted[*shop.Product](s.count, "SetProductPhoto")(s.Store.SetProductPhoto(ctx, id, photo))
}

func (s *Store) Product(ctx context.Context, id string) (*shop.Product, error) {
	return counted[*shop.Product](s.count, "Product")(s.Store.Product(ctx, id))
}

func (s *Store) Products(ctx context.Context, ids []string) ([]shop.Product, error) {
	return counted[[]shop.Product](s.count, "Products")(s.Store.Products(ctx, ids))
}

func (s *Store) CreateProduct(ctx context.Context, p *shop.Product) error {
	return s.count("CreateProduct", s.Store.CreateProduct(ctx, p))
}

func (s *Store) SaveProducts(ctx context.Context, products []shop.Product) error {
	return s.count("SaveProducts", s.Store.SaveProducts(ctx, products))
}

// FollowCatalog is counted when the feed starts; its Changes are not
// (they run in the background every few hundred milliseconds).
func (s *Store) FollowCatalog(ctx context.Context) (shop.CatalogFeed, error) {
	return counted[shop.CatalogFeed](s.count, "FollowCatalog")(s.Store.FollowCatalog(ctx))
}

func (s *Store) EachProduct(ctx context.Context, each func(*shop.Product) error) error {
	return s.count("EachProduct", s.Store.EachProduct(ctx, each))
}

func (s *Store) Categories(ctx context.Context) ([]shop.Category, error) {
	return counted[[]shop.Category](s.count, "Categories")(s.Store.Categories(ctx))
}

func (s *Store) SaveCategory(ctx context.Context, c *shop.Category) error {
	return s.count("SaveCategory", s.Store.SaveCategory(ctx, c))
}

func (s *Store) CountProducts(ctx context.Context) (int, error) {
	return counted[int](s.count, "CountProducts")(s.Store.CountProducts(ctx))
}

func (s *Store) Cart(ctx context.Context, id string) (*shop.Cart, error) {
	return counted[*shop.Cart](s.count, "Cart")(s.Store.Cart(ctx, id))
}

func (s *Store) SaveCart(ctx context.Context, c *shop.Cart) error {
	return s.count("SaveCart", s.Store.SaveCart(ctx, c))
}

func (s *Store) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	return s.count("PlaceOrder", s.Store.PlaceOrder(ctx, o, cart))
}

func (s *Store) ChangeOrderStatus(ctx context.Context, id string, u shop.StatusUpdate) (*shop.Order, error) {
	return counted[*shop.Order](s.count, "ChangeOrderStatus")(s.Store.ChangeOrderStatus(ctx, id, u))
}

func (s *Store) Order(ctx context.Context, id string) (*shop.Order, error) {
	return counted[*shop.Order](s.count, "Order")(s.Store.Order(ctx, id))
}

func (s *Store) OrdersByUser(ctx context.Context, userID string) ([]shop.Order, error) {
	return counted[[]shop.Order](s.count, "OrdersByUser")(s.Store.OrdersByUser(ctx, userID))
}

func (s *Store) SearchOrders(ctx context.Context, q shop.OrderQuery) ([]shop.Order, error) {
	return counted[[]shop.Order](s.count, "SearchOrders")(s.Store.SearchOrders(ctx, q))
}

func (s *Store) AppendAudit(ctx context.Context, e *shop.AuditEntry) error {
	return s.count("AppendAudit", s.Store.AppendAudit(ctx, e))
}

func (s *Store) AuditLog(ctx context.Context, q shop.AuditQuery) ([]shop.AuditEntry, error) {
	return counted[[]shop.AuditEntry](s.count, "AuditLog")(s.Store.AuditLog(ctx, q))
}

func (s *Store) LoginThrottle(ctx context.Context, key string) (*shop.LoginThrottle, error) {
	return counted[*shop.LoginThrottle](s.count, "LoginThrottle")(s.Store.LoginThrottle(ctx, key))
}

func (s *Store) SaveLoginThrottle(ctx context.Context, t *shop.LoginThrottle) error {
	return s.count("SaveLoginThrottle", s.Store.SaveLoginThrottle(ctx, t))
}

func (s *Store) CreatePasswordReset(ctx context.Context, r *shop.PasswordReset) error {
	return s.count("CreatePasswordReset", s.Store.CreatePasswordReset(ctx, r))
}

func (s *Store) PasswordReset(ctx context.Context, idHash string) (*shop.PasswordReset, error) {
	return counted[*shop.PasswordReset](s.count, "PasswordReset")(s.Store.PasswordReset(ctx, idHash))
}

func (s *Store) ConsumePasswordReset(ctx context.Context, idHash string) error {
	return s.count("ConsumePasswordReset", s.Store.ConsumePasswordReset(ctx, idHash))
}
