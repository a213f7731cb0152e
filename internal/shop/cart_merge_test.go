package shop_test

import (
	"sync"
	"testing"

	"storefront/internal/shop"
)

// TestConcurrentSignInsMergeTheGuestCartOnce: two sign-ins of one browser
// at once (a double-clicked "Sign in", or "Create account" posted twice)
// merge its guest cart into the account's once: the lines are taken out
// of the guest cart before they are added, so only one sign-in gets them.
// A race: 200 rounds (about 2% of them merged twice before).
func TestConcurrentSignInsMergeTheGuestCartOnce(t *testing.T) {
	doubled := 0
	for trial := 0; trial < 200; trial++ {
		f := newFixture(t)
		ctx := t.Context()
		f.register(t, "ada@example.com")
		guest, err := f.svc.AddToVisitorCart(ctx, &shop.Visit{}, "kettle", "1")
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.svc.StartVisit(ctx, guest.Guest.Token)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		tokens := make([]string, 2)
		for i := range tokens {
			vi := *v
			wg.Go(func() {
				if s, err := f.svc.LogIn(ctx, "ada@example.com", goodPassword, "192.0.2.1", &vi); err == nil {
					tokens[i] = s.Token
				}
			})
		}
		wg.Wait()
		tok := tokens[0]
		if tok == "" {
			tok = tokens[1]
		}
		av, err := f.svc.StartVisit(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if av.CartCount() != 1 {
			doubled++
		}
	}
	if doubled > 0 {
		t.Errorf("%d of 200 trials merged the guest cart twice", doubled)
	}
}
