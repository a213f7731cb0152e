package shop

import "context"

// StaffDashboard is what the staff dashboard shows, in its order: the
// products running out (LowStockProducts), then the newest orders.
type StaffDashboard struct {
	LowStock     []Product
	RecentOrders []Order
}

// Dashboard returns the staff dashboard with at most recentOrders orders;
// ErrNotFound for a caller who is not staff (StaffOrders).
func (s *Service) Dashboard(ctx context.Context, staff *User, recentOrders int) (*StaffDashboard, error) {
	recent, err := s.StaffOrders(ctx, staff, OrderFilter{Limit: recentOrders})
	if err != nil {
		return nil, err
	}
	low, err := s.LowStockProducts(ctx)
	if err != nil {
		return nil, err
	}
	return &StaffDashboard{LowStock: low, RecentOrders: recent}, nil
}
