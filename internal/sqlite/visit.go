package sqlite

import (
	"context"
	"database/sql"

	"storefront/internal/shop"
)

var _ shop.VisitReader = (*Store)(nil)

// visitQuery reads a session, its own user and its own cart with the
// cart's lines, one row per line (one row for a cart without lines or no
// cart), in one statement: one consistent read. Every column after the
// session's may be NULL (a guest's session has no user row, a cart never
// saved no cart row).
const visitQuery = `
	SELECT s.id_hash, s.kind, s.user_id, s.cart_id, s.created_at, s.last_seen_at, s.expires_at, s.second_factor, s.password_stamp,
		u.id, u.email, u.name, u.password_hash, u.created_at, u.role, u.totp_secret, u.totp_last_step,
		c.updated_at, c.version, l.product_id, l.quantity, l.price_cents
	FROM sessions s
	LEFT JOIN users u ON u.id = s.user_id
	LEFT JOIN carts c ON c.id = s.cart_id
	LEFT JOIN cart_lines l ON l.cart_id = c.id
	WHERE s.id_hash = ? ORDER BY l.position`

// SessionVisit returns the session whose secret hashes to idHash, or
// shop.ErrNotFound, with the user and the cart the session itself names,
// in one query; userID and cartID, the browser's hints, are not needed
// (the query joins on the session's own ids). The user is nil for a
// guest's session or a user that no longer exists; the cart is empty at
// Version "" when never saved, as Cart returns it.
func (s *Store) SessionVisit(ctx context.Context, idHash, _, _ string) (*shop.Session, *shop.User, *shop.Cart, error) {
	const op = "read session visit"
	rows, err := s.db.QueryContext(ctx, visitQuery, idHash)
	if err != nil {
		return nil, nil, nil, wrap(op, err)
	}
	defer rows.Close()
	var (
		sess *shop.Session
		u    *shop.User
		c    *shop.Cart
	)
	for rows.Next() {
		var (
			ss                       shop.Session
			uID, email, name, pwHash sql.NullString
			role, totpSecret         sql.NullString
			uCreated, totpStep       sql.NullInt64
			cUpdated                 sql.NullInt64
			cVersion, productID      sql.NullString
			quantity, priceCents     sql.NullInt64
		)
		if err := rows.Scan(&ss.IDHash, &ss.Kind, &ss.UserID, &ss.CartID,
			msTime{&ss.CreatedAt}, msTime{&ss.LastSeenAt}, msTime{&ss.ExpiresAt}, &ss.SecondFactor, &ss.PasswordStamp,
			&uID, &email, &name, &pwHash, &uCreated, &role, &totpSecret, &totpStep,
			&cUpdated, &cVersion, &productID, &quantity, &priceCents); err != nil {
			return nil, nil, nil, wrap(op, err)
		}
		if sess == nil {
			sess = &ss
			if uID.Valid {
				u = &shop.User{ID: uID.String, Email: email.String, Name: name.String, PasswordHash: pwHash.String,
					CreatedAt: fromMillis(uCreated.Int64), Role: role.String, TOTPSecret: totpSecret.String, TOTPLastStep: totpStep.Int64}
			}
			c = &shop.Cart{ID: ss.CartID, Lines: []shop.CartLine{}}
			if cUpdated.Valid {
				c.UpdatedAt, c.Version = fromMillis(cUpdated.Int64), cVersion.String
			}
		}
		if productID.Valid {
			c.Lines = append(c.Lines, shop.CartLine{ProductID: productID.String, Quantity: int(quantity.Int64),
				SeenPriceCents: shop.Money(priceCents.Int64)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, wrap(op, err)
	}
	if sess == nil {
		return nil, nil, nil, shop.ErrNotFound
	}
	if sess.CartID == "" {
		c = nil
	}
	return sess, u, c, nil
}
