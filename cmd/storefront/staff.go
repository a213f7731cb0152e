package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"storefront/internal/app"
	"storefront/internal/shop"
)

// staffUsage says how the staff command is used.
const staffUsage = "usage: storefront staff add --email EMAIL --name NAME  (the password is the first line of standard input)"

// staffStdin is where `staff add` reads the password; a variable so that
// tests can type one.
var staffStdin io.Reader = os.Stdin

// staffCommand runs "staff add --email EMAIL --name NAME": it creates a
// staff account, with the password read from the first line of standard
// input (never a flag: flags show in the process list and the shell's
// history), in the store the environment selects, and prints the new
// second factor's secret as "totp_secret=BASE32", the only time it is
// shown (CONTRACT.md, "Staff"). Bad input or a taken email changes
// nothing and is an error naming the problem.
func staffCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New(staffUsage)
	}
	fs := flag.NewFlagSet("staff add", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the usage line comes with the error
	email := fs.String("email", "", "the staff member's email address")
	name := fs.String("name", "", "the staff member's name")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		return errors.New(staffUsage)
	}
	password, err := firstLine(staffStdin)
	if err != nil {
		return fmt.Errorf("staff add: read the password from standard input: %w", err)
	}
	return withCatalogApp(ctx, getenv, stderr, func(a *app.App) error {
		u, key, err := a.Service.AddStaff(ctx, shop.CommandLineActor, shop.StaffInput{Email: *email, Name: *name, Password: password})
		var verr *shop.ValidationError
		switch {
		case errors.As(err, &verr):
			return fmt.Errorf("staff add: nothing was created: %s", fieldProblems(verr))
		case errors.Is(err, shop.ErrEmailTaken):
			return fmt.Errorf("staff add: nothing was created: an account with the email %q exists", *email)
		case err != nil:
			return fmt.Errorf("staff add: %w", err)
		}
		fmt.Fprintf(stderr, "staff account %s created for %s; add the secret below to an authenticator app (it is not shown again)\n", u.ID, u.Email)
		fmt.Fprintf(stdout, "totp_secret=%s\n", key.Secret)
		return nil
	})
}

// firstLine returns the first line of r without its line ending; an
// empty input is an error.
func firstLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if line == "" {
		return "", errors.New("it is empty")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// fieldProblems lists a validation error's messages as "field: message",
// by field.
func fieldProblems(verr *shop.ValidationError) string {
	var problems []string
	for field, message := range verr.Fields {
		problems = append(problems, field+": "+message)
	}
	sort.Strings(problems)
	return strings.Join(problems, "; ")
}
