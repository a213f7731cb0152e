package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"storefront/internal/app"
	"storefront/internal/shop"
)

const staffPassword = "lantern quarry orbit 51"

// runStaffAdd runs "storefront staff add args..." with stdin typed in.
func runStaffAdd(t *testing.T, getenv func(string) string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	staffStdin = strings.NewReader(stdin)
	t.Cleanup(func() { staffStdin = nil })
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), append([]string{"storefront", "staff", "add"}, args...), getenv, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// staffCount is how many staff accounts the store of getenv holds.
func staffCount(t *testing.T, getenv func(string) string) int {
	t.Helper()
	a, err := app.Open(t.Context(), getenv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	staff, err := a.Store.StaffUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return len(staff)
}

func TestStaffAdd(t *testing.T) {
	getenv := catalogEnv(t)
	out, stderr, err := runStaffAdd(t, getenv, staffPassword+"\nignored second line\n", "--email", "Sam@Example.com", "--name", "Sam")
	if err != nil {
		t.Fatalf("staff add = %v; stderr:\n%s", err, stderr)
	}
	m := regexp.MustCompile(`(?m)^totp_secret=([A-Z2-7]{32})$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("staff add printed %q; want a line totp_secret=BASE32", out)
	}
	// The account signs in with the password and a code of the secret.
	a, err := app.Open(t.Context(), getenv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	code, err := shop.TOTPCode(m[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	signed, err := a.Service.CreateToken(t.Context(), "sam@example.com", staffPassword, code, "")
	if err != nil {
		t.Fatalf("CreateToken(the new staff member, a current code) = %v; want a token", err)
	}
	if shop.StaffOf(signed.Session, signed.User) == nil {
		t.Errorf("the new account's token is not staff past the second factor: %+v %+v", signed.Session, signed.User)
	}
}

func TestStaffAddRefusals(t *testing.T) {
	getenv := catalogEnv(t)
	if _, stderr, err := runStaffAdd(t, getenv, staffPassword+"\n", "--email", "sam@example.com", "--name", "Sam"); err != nil {
		t.Fatalf("staff add = %v; stderr:\n%s", err, stderr)
	}
	for _, tc := range []struct {
		name, stdin, want string
		args              []string
	}{
		{"taken email", staffPassword + "\n", "exists", []string{"--email", "SAM@example.com", "--name", "Other"}},
		{"short password", "short\n", "password:", []string{"--email", "ann@example.com", "--name", "Ann"}},
		{"common password", "password1234\n", "password:", []string{"--email", "ann@example.com", "--name", "Ann"}},
		{"bad email", staffPassword + "\n", "email:", []string{"--email", "not-an-email", "--name", "Ann"}},
		{"no name", staffPassword + "\n", "name:", []string{"--email", "ann@example.com"}},
		{"empty stdin", "", "standard input", []string{"--email", "ann@example.com", "--name", "Ann"}},
		{"unknown flag", staffPassword + "\n", "usage", []string{"--email", "ann@example.com", "--role", "staff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runStaffAdd(t, getenv, tc.stdin, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("staff add %v = %v; want an error mentioning %q", tc.args, err, tc.want)
			}
			if strings.Contains(out, "totp_secret") {
				t.Errorf("a refused staff add printed a secret: %q", out)
			}
		})
	}
	if n := staffCount(t, getenv); n != 1 {
		t.Errorf("%d staff accounts after the refusals; want the 1 first created", n)
	}
}

// TestStaffAddWhileServing: the command creates a staff account in the
// store of a running server, which then lets it sign in with the password
// and a code, and opens its staff API to it.
func TestStaffAddWhileServing(t *testing.T) {
	env := map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false",
		"LOG_LEVEL": "warn", "STOREFRONT_METRICS_ADDR": ""}
	p := startProgram(t, env)
	out, stderr, err := runStaffAdd(t, func(name string) string { return env[name] }, staffPassword+"\n",
		"--email", "sam@example.com", "--name", "Sam")
	if err != nil {
		t.Fatalf("staff add while the server runs = %v; stderr:\n%s", err, stderr)
	}
	secret := strings.TrimSpace(strings.TrimPrefix(out, "totp_secret="))
	code, err := shop.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"email": "sam@example.com", "password": staffPassword, "otp": code})
	res, err := http.Post(p.base+"/api/v1/tokens", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/tokens with the new staff account = %d; want 201", res.StatusCode)
	}
	var tok struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, p.base+"/api/v1/admin/audit", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	audit, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Body.Close()
	if audit.StatusCode != http.StatusOK {
		t.Errorf("GET /api/v1/admin/audit with the new staff member's token = %d; want 200", audit.StatusCode)
	}
}
