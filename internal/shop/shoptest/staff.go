package shoptest

import (
	"errors"
	"testing"

	"storefront/internal/shop"
)

// newStaffUser is a staff user with a second factor, its last code at step 5.
func newStaffUser(id, email string) *shop.User {
	u := newUser(id, email)
	u.Role, u.TOTPSecret, u.TOTPLastStep = shop.RoleStaff, "JBSWY3DPEHPK3PXP"+id, 5
	return u
}

func readUser(t *testing.T, s shop.Store, id string) *shop.User {
	t.Helper()
	u, err := s.User(t.Context(), id)
	if err != nil {
		t.Fatalf("User(%s) = %v; want nil", id, err)
	}
	return u
}

func testStaff(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("RoleAndSecondFactorRoundTrip", func(t *testing.T) {
		s := newStore(t)
		staff := newStaffUser("s1", "sam@example.com")
		mustCreateUser(t, s, staff)
		checkUser(t, "User(s1)", readUser(t, s, "s1"), staff)
		sess := newSession("h-pending", shop.SessionWeb, "s1")
		sess.SecondFactor = shop.SecondFactorPending
		mustCreateSession(t, s, sess)
		got, err := s.Session(t.Context(), "h-pending")
		if err != nil {
			t.Fatalf("Session(h-pending) = %v; want nil", err)
		}
		checkSession(t, "Session(h-pending)", got, sess)
	})
	t.Run("StaffUsers", func(t *testing.T) {
		s := newStore(t)
		if got, err := s.StaffUsers(t.Context()); err != nil || len(got) != 0 {
			t.Fatalf("StaffUsers() of a store without staff = %v, %v; want none", got, err)
		}
		customer := newUser("c1", "ann@example.com")
		customer.Role = shop.RoleCustomer
		mustCreateUser(t, s, customer)
		zed, bea := newStaffUser("s1", "zed@example.com"), newStaffUser("s2", "bea@example.com")
		mustCreateUser(t, s, zed)
		mustCreateUser(t, s, bea)
		got, err := s.StaffUsers(t.Context())
		if err != nil || len(got) != 2 {
			t.Fatalf("StaffUsers() = %v, %v; want bea and zed", got, err)
		}
		checkUser(t, "StaffUsers()[0]", &got[0], bea)
		checkUser(t, "StaffUsers()[1]", &got[1], zed)
	})
	t.Run("SetUserTOTP", func(t *testing.T) {
		s := newStore(t)
		u := newUser("u1", "ada@example.com")
		mustCreateUser(t, s, u)
		if err := s.SetUserTOTP(t.Context(), "u1", "NEWSECRET234", 7); err != nil {
			t.Fatalf("SetUserTOTP(u1) = %v; want nil", err)
		}
		u.TOTPSecret, u.TOTPLastStep = "NEWSECRET234", 7
		checkUser(t, "User(u1) after SetUserTOTP", readUser(t, s, "u1"), u)
		if err := s.SetUserTOTP(t.Context(), "u1", "", 0); err != nil {
			t.Fatalf("SetUserTOTP(u1, off) = %v; want nil", err)
		}
		u.TOTPSecret, u.TOTPLastStep = "", 0
		checkUser(t, "User(u1) after turning it off", readUser(t, s, "u1"), u)
		if err := s.SetUserTOTP(t.Context(), "missing", "X", 0); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("SetUserTOTP(missing) = %v; want ErrNotFound", err)
		}
	})
	t.Run("UseTOTPStepOnce", func(t *testing.T) {
		s := newStore(t)
		u := newStaffUser("s1", "sam@example.com")
		mustCreateUser(t, s, u)
		for _, tc := range []struct {
			step int64
			want error
		}{{5, shop.ErrConflict}, {4, shop.ErrConflict}, {6, nil}, {6, shop.ErrConflict}, {9, nil}, {8, shop.ErrConflict}} {
			if err := s.UseTOTPStep(t.Context(), "s1", tc.step); !errors.Is(err, tc.want) {
				t.Errorf("UseTOTPStep(s1, %d) = %v; want %v", tc.step, err, tc.want)
			}
		}
		if got := readUser(t, s, "s1").TOTPLastStep; got != 9 {
			t.Errorf("TOTPLastStep = %d; want 9", got)
		}
		if err := s.UseTOTPStep(t.Context(), "missing", 10); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("UseTOTPStep(missing) = %v; want ErrNotFound", err)
		}
	})
	t.Run("UseTOTPStepConcurrently", func(t *testing.T) {
		// One code checked by many servers at once: exactly one wins.
		s := newStore(t)
		mustCreateUser(t, s, newStaffUser("s1", "sam@example.com"))
		oneWins(t, "UseTOTPStep(s1, 100)", shop.ErrConflict, func() error { return s.UseTOTPStep(t.Context(), "s1", 100) })
	})
}
