package memstore

import (
	"context"

	"storefront/internal/shop"
)

// CreatePasswordReset saves a new reset link.
func (s *Store) CreatePasswordReset(ctx context.Context, r *shop.PasswordReset) error {
	if err := s.lock(ctx, "create password reset"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.resets[r.IDHash] = *r
	return nil
}

// PasswordReset returns the link with idHash, expired or not, or
// shop.ErrNotFound.
func (s *Store) PasswordReset(ctx context.Context, idHash string) (*shop.PasswordReset, error) {
	if err := s.lock(ctx, "read password reset"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	r, ok := s.resets[idHash]
	if !ok {
		return nil, shop.ErrNotFound
	}
	return &r, nil
}

// ConsumePasswordReset deletes the link idHash, or returns
// shop.ErrNotFound when it is not there (used already).
func (s *Store) ConsumePasswordReset(ctx context.Context, idHash string) error {
	if err := s.lock(ctx, "consume password reset"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.resets[idHash]; !ok {
		return shop.ErrNotFound
	}
	delete(s.resets, idHash)
	return nil
}
