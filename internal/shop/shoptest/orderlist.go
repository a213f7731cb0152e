package shoptest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"storefront/internal/shop"
)

// testSearchOrders places five orders of two buyers at four times, moves
// some along the lifecycle and checks every filter of the staff's list.
func testSearchOrders(t *testing.T, newStore func(t *testing.T) shop.Store) {
	s := newStore(t)
	p := NewProduct("p1", 1250, 50)
	MustSaveProduct(t, s, p)
	orders := map[string]*shop.Order{}
	for i, spec := range []struct {
		id, user string
		created  time.Duration
		path     []string // the statuses it moves through after placed
	}{
		{"o1", "u1", time.Hour, nil},
		{"o2", "u2", 2 * time.Hour, []string{shop.OrderStatusAccepted}},
		{"o3", "u1", 3 * time.Hour, []string{shop.OrderStatusAccepted, shop.OrderStatusShipped}},
		{"o4", "u2", 4 * time.Hour, []string{shop.OrderStatusCancelled}},
		{"o5", "u1", 4 * time.Hour, nil}, // placed at the same time as o4: the id orders them
	} {
		o := NewOrder(spec.id, spec.user, at(spec.created), LineOf(p, 1))
		mustPlaceOrder(t, s, o, cartOf(t, s, fmt.Sprintf("cart-%d", i), o))
		from := shop.OrderStatusPlaced
		for j, to := range spec.path {
			u := change(from, to, spec.created+time.Duration(j+1)*time.Minute, "staff-1")
			if to == shop.OrderStatusShipped {
				u.TrackingNumber = "TRACK-" + spec.id
			}
			mustChange(t, s, o, u)
			from = to
		}
		orders[o.ID] = o
	}
	for _, tc := range []struct {
		name string
		q    shop.OrderQuery
		want []string
	}{
		{"all", shop.OrderQuery{Limit: 10}, []string{"o5", "o4", "o3", "o2", "o1"}},
		{"the newest two", shop.OrderQuery{Limit: 2}, []string{"o5", "o4"}},
		{"accepted", shop.OrderQuery{Status: shop.OrderStatusAccepted, Limit: 10}, []string{"o2"}},
		{"placed, newest one", shop.OrderQuery{Status: shop.OrderStatusPlaced, Limit: 1}, []string{"o5"}},
		{"delivered", shop.OrderQuery{Status: shop.OrderStatusDelivered, Limit: 10}, nil},
		{"one buyer", shop.OrderQuery{UserID: "u1", Limit: 10}, []string{"o5", "o3", "o1"}},
		{"one buyer, placed", shop.OrderQuery{UserID: "u1", Status: shop.OrderStatusPlaced, Limit: 10}, []string{"o5", "o1"}},
		{"one buyer, within dates", shop.OrderQuery{UserID: "u1", From: at(2 * time.Hour), Until: at(4 * time.Hour), Limit: 10}, []string{"o3"}},
		{"within dates", shop.OrderQuery{From: at(2 * time.Hour), Until: at(4 * time.Hour), Limit: 10}, []string{"o3", "o2"}},
		{"from a time", shop.OrderQuery{From: at(3 * time.Hour), Limit: 10}, []string{"o5", "o4", "o3"}},
		{"until a time", shop.OrderQuery{Until: at(2*time.Hour + time.Millisecond), Limit: 10}, []string{"o2", "o1"}},
		{"placed until a time", shop.OrderQuery{Status: shop.OrderStatusPlaced, Until: at(4 * time.Hour), Limit: 10}, []string{"o1"}},
		{"after the last", shop.OrderQuery{From: at(4*time.Hour + time.Millisecond), Limit: 10}, nil},
		{"after o5's cursor", shop.OrderQuery{BeforeAt: at(4 * time.Hour), BeforeID: "o5", Limit: 10}, []string{"o4", "o3", "o2", "o1"}},
		{"after o4's cursor", shop.OrderQuery{BeforeAt: at(4 * time.Hour), BeforeID: "o4", Limit: 2}, []string{"o3", "o2"}},
		{"placed, after o5's cursor", shop.OrderQuery{Status: shop.OrderStatusPlaced, BeforeAt: at(4 * time.Hour), BeforeID: "o5", Limit: 10}, []string{"o1"}},
		{"one buyer, after o5's cursor", shop.OrderQuery{UserID: "u1", BeforeAt: at(4 * time.Hour), BeforeID: "o5", Limit: 10}, []string{"o3", "o1"}},
		{"within dates, after o3's cursor", shop.OrderQuery{From: at(2 * time.Hour), Until: at(4 * time.Hour), BeforeAt: at(3 * time.Hour), BeforeID: "o3", Limit: 10}, []string{"o2"}},
		{"a cursor before the first day", shop.OrderQuery{From: at(3 * time.Hour), BeforeAt: at(2 * time.Hour), BeforeID: "o2", Limit: 10}, nil},
		{"after the oldest's cursor", shop.OrderQuery{BeforeAt: at(time.Hour), BeforeID: "o1", Limit: 10}, nil},
	} {
		got, err := s.SearchOrders(t.Context(), tc.q)
		if err != nil {
			t.Fatalf("SearchOrders(%s) = %v; want nil", tc.name, err)
		}
		var ids []string
		for _, o := range got {
			ids = append(ids, o.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("SearchOrders(%s) = %v; want %v", tc.name, ids, tc.want)
			continue
		}
		for i := range got {
			checkOrder(t, "SearchOrders("+tc.name+") "+got[i].ID, &got[i], orders[got[i].ID])
		}
	}
	// Pages of two, each after the last of the one before, walk the list
	// once, in its order.
	var walked []string
	q := shop.OrderQuery{Limit: 2}
	for page := 0; page < 5; page++ {
		got, err := s.SearchOrders(t.Context(), q)
		if err != nil {
			t.Fatalf("SearchOrders(page %d) = %v; want nil", page, err)
		}
		for _, o := range got {
			walked = append(walked, o.ID)
		}
		if len(got) < q.Limit {
			break
		}
		q.BeforeAt, q.BeforeID = got[len(got)-1].CreatedAt, got[len(got)-1].ID
	}
	if want := []string{"o5", "o4", "o3", "o2", "o1"}; !slices.Equal(walked, want) {
		t.Errorf("pages of two walked %v; want %v", walked, want)
	}
}
