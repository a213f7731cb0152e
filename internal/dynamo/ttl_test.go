package dynamo

import (
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// Everything that expires carries a TTL attribute DynamoDB deletes it by,
// on tables with TTL enabled: sessions and API tokens at their expiry,
// carts after their retention (a guest's with its session), throttle
// records once their window and lock are over.

// ttlOf returns the ttl attribute of it as a time; zero when it has none.
func ttlOf(t *testing.T, it item) time.Time {
	t.Helper()
	v, ok := it[ttlAttribute]
	if !ok {
		return time.Time{}
	}
	n, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("ttl attribute is %T; want a number (epoch seconds)", v)
	}
	sec, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(sec, 0).UTC()
}

func TestExpiringItemsCarryTheirTTL(t *testing.T) {
	updated := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	line := []shop.CartLine{{ProductID: "p1", Quantity: 1, SeenPriceCents: 100}}
	tests := []struct {
		name string
		it   item
		want time.Time // zero: no ttl
	}{
		{"guest cart", cartItem(&shop.Cart{ID: "guest-abc", UpdatedAt: updated, Lines: line}), updated.Add(shop.GuestCartRetention)},
		{"user cart", cartItem(&shop.Cart{ID: shop.UserCartID("u1"), UpdatedAt: updated, Lines: line}), updated.Add(shop.UserCartRetention)},
		{"guest session", sessionItem(&shop.Session{IDHash: "h", Kind: shop.SessionWeb, CartID: "guest-abc",
			CreatedAt: updated, LastSeenAt: updated, ExpiresAt: updated.Add(30 * 24 * time.Hour)}), updated.Add(30 * 24 * time.Hour)},
		{"API token", sessionItem(&shop.Session{IDHash: "h", Kind: shop.SessionAPI, UserID: "u1",
			CreatedAt: updated, LastSeenAt: updated, ExpiresAt: updated.Add(12 * time.Hour)}), updated.Add(12 * time.Hour)},
		{"throttle in its window", throttleItem(&shop.LoginThrottle{Key: "k", Failures: 1, WindowStart: updated}),
			updated.Add(shop.ThrottleWindow + time.Second)},
		{"locked throttle", throttleItem(&shop.LoginThrottle{Key: "k", Failures: 10, WindowStart: updated, LockedUntil: updated.Add(time.Hour)}),
			updated.Add(time.Hour + time.Second)},
		{"reset throttle (kept: its version must not restart)", throttleItem(&shop.LoginThrottle{Key: "k", Version: 3}), time.Time{}},
	}
	for _, tt := range tests {
		if got := ttlOf(t, tt.it); !got.Equal(tt.want) {
			t.Errorf("%s: ttl = %v; want %v", tt.name, got, tt.want)
		}
	}
	// A guest cart never expires before the guest session holding it: the
	// session was created before the cart's last change.
	if shop.GuestCartRetention < 30*24*time.Hour {
		t.Errorf("GuestCartRetention = %v; want at least a guest session's 30 days", shop.GuestCartRetention)
	}
}

// TestTablesHaveTTLEnabled checks, on tables New created, that DynamoDB's
// TTL is on for every expiring table and reads the attribute the items
// carry, and that the items the store writes carry it.
func TestTablesHaveTTLEnabled(t *testing.T) {
	s := newTestStore(t)
	for _, table := range []string{s.sessions, s.carts, s.throttles} {
		out, err := s.db.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatalf("DescribeTimeToLive(%s) = %v", table, err)
		}
		d := out.TimeToLiveDescription
		if d == nil || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != ttlAttribute {
			t.Errorf("TTL of %s = %+v; want ENABLED on %q", table, d, ttlAttribute)
		}
	}

	now := time.Now().UTC().Truncate(time.Millisecond)
	cart := &shop.Cart{ID: "guest-abc", UpdatedAt: now, Lines: []shop.CartLine{{ProductID: "p1", Quantity: 1, SeenPriceCents: 100}}}
	if err := s.SaveCart(t.Context(), cart); err != nil {
		t.Fatal(err)
	}
	sess := &shop.Session{IDHash: "h1", Kind: shop.SessionWeb, CartID: cart.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		table string
		key   item
		want  time.Time
	}{
		{s.carts, cartKey(cart.ID), now.Add(shop.GuestCartRetention)},
		{s.sessions, sessionKey("h1"), now.Add(time.Hour)},
	} {
		it, err := s.getItem(t.Context(), "read", c.table, c.key)
		if err != nil || it == nil {
			t.Fatalf("reading back from %s = %v, %v", c.table, it, err)
		}
		if got := ttlOf(t, it); !got.Equal(c.want.Truncate(time.Second)) {
			t.Errorf("item of %s: ttl = %v; want %v", c.table, got, c.want.Truncate(time.Second))
		}
	}
}
