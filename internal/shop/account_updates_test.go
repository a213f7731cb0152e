package shop_test

import (
	"testing"

	"storefront/internal/shop"
)

// TestNameAndPasswordChangesKeepEachOther: two tabs show the account page
// with the user as it was read; one changes the name, the other the
// password. Each change writes only its own attribute, so neither undoes
// the other, in whichever order they land.
func TestNameAndPasswordChangesKeepEachOther(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	stale := f.register(t, "ada@example.com") // what both tabs read
	newPw := "a brand new passphrase"

	in := shop.ChangePasswordInput{CurrentPassword: goodPassword, NewPassword: newPw, ConfirmPassword: newPw}
	if _, err := f.svc.ChangePassword(ctx, stale, nil, in); err != nil {
		t.Fatalf("ChangePassword() = %v; want nil", err)
	}
	if _, err := f.svc.UpdateName(ctx, stale, "Ada Lovelace"); err != nil {
		t.Fatalf("UpdateName() = %v; want nil", err)
	}
	got, err := f.store.User(ctx, stale.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Ada Lovelace" {
		t.Errorf("name after both changes = %q; want %q", got.Name, "Ada Lovelace")
	}
	if _, err := f.svc.Authenticate(ctx, "ada@example.com", newPw, ""); err != nil {
		t.Errorf("signing in with the new password after the name change = %v; want success (the name change must not restore the old password)", err)
	}

	// And the other order: a name change, then a password change from a
	// page read before it.
	stale2 := f.register(t, "bob@example.com")
	if _, err := f.svc.UpdateName(ctx, stale2, "Bob Builder"); err != nil {
		t.Fatalf("UpdateName() = %v; want nil", err)
	}
	if _, err := f.svc.ChangePassword(ctx, stale2, nil, in); err != nil {
		t.Fatalf("ChangePassword() = %v; want nil", err)
	}
	got, err = f.store.User(ctx, stale2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Bob Builder" {
		t.Errorf("name after a later password change = %q; want %q (the password change must not restore the old name)", got.Name, "Bob Builder")
	}
}
