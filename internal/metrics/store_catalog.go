package metrics

import "context"

// HasProducts is counted like every other call of the store.
func (s *Store) HasProducts(ctx context.Context) (bool, error) {
	return counted[bool](s.count, "HasProducts")(s.Store.HasProducts(ctx))
}
