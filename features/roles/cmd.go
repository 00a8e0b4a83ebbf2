package roles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
)

const rolesUsage = `usage:
  hanko-gin roles grant [--allow-unverified] EMAIL ROLE
                                      give the user ROLE (in their token from their next sign-in);
                                      refused when Hanko has not verified EMAIL, unless --allow-unverified
  hanko-gin roles revoke EMAIL ROLE   take ROLE away and end the user's sessions
  hanko-gin roles list                list the users who have roles`

// allowUnverifiedFlag lets `roles grant` give a role to an address Hanko has
// not verified.
const allowUnverifiedFlag = "--allow-unverified"

// rolesCommand runs `hanko-gin roles ...` against Hanko's admin API, with the
// same settings as the server (HANKO_ADMIN_API_URL, HANKO_ADMIN_API_KEY).
func rolesCommand(ctx context.Context, args []string, client *hankoadmin.Client, env app.CommandEnv) error {
	stdout := env.Stdout
	verb := ""
	if len(args) > 0 {
		verb = args[0]
	}
	allowUnverified := false
	if verb == "grant" {
		rest := args[:1:1]
		for _, a := range args[1:] {
			if a == allowUnverifiedFlag || a == allowUnverifiedFlag[1:] {
				allowUnverified = true
				continue
			}
			rest = append(rest, a)
		}
		args = rest
	}
	switch {
	case (verb == "grant" || verb == "revoke") && len(args) == 3:
	case verb == "list" && len(args) == 1:
	default:
		return fmt.Errorf("roles: %s\n%s", rolesArgsProblem(args), rolesUsage)
	}
	if verb != "list" {
		if _, err := Check([]string{args[2]}); err != nil {
			return fmt.Errorf("roles %s: %v", verb, err)
		}
	}
	if _, err := env.Config(); err != nil { // checks every setting, as the server does
		return err
	}
	if client == nil {
		return fmt.Errorf("roles %s: HANKO_ADMIN_API_URL is not set. Roles are changed through Hanko's admin API: "+
			"self-hosted Hanko serves it on its admin port (in docker compose http://hanko:8001; never make it public), "+
			"Hanko Cloud at the admin API URL of your project (console), with HANKO_ADMIN_API_KEY", verb)
	}
	if verb == "list" {
		return listRoles(ctx, client, stdout)
	}
	// The server's database, for the user's lock that serializes role
	// changes with the admin area's, on every replica (see Editor).
	db, err := env.OpenStore(ctx)
	if err != nil {
		return fmt.Errorf("roles %s: the database (DATABASE_URL), where role changes take the user's lock: %w", verb, err)
	}
	defer db.Close()
	return changeRole(ctx, Editor{Admin: client, Store: db}, verb, args[1], args[2], allowUnverified, stdout)
}

func rolesArgsProblem(args []string) string {
	switch {
	case len(args) == 0:
		return "say what to do"
	case args[0] != "grant" && args[0] != "revoke" && args[0] != "list":
		return fmt.Sprintf("unknown command %q", args[0])
	case args[0] == "list":
		return "list takes no arguments"
	default:
		return args[0] + " needs an email address and a role"
	}
}

func changeRole(ctx context.Context, e Editor, verb, email, role string, allowUnverified bool, stdout io.Writer) error {
	u, err := FindByEmail(ctx, e.Admin, email)
	if errors.Is(err, hankoadmin.ErrNotFound) {
		return fmt.Errorf("roles %s: no Hanko user has the email address %q (check the spelling; a new user has to sign up first)", verb, strings.TrimSpace(email))
	}
	if err != nil {
		return fmt.Errorf("roles %s: %w", verb, err)
	}
	who := fmt.Sprintf("%s (user %s)", u.PrimaryEmail(), u.ID)
	if verb == "grant" {
		// Whoever signs up first with an address holds it until Hanko has
		// verified it: say which address matched, and grant a role to an
		// unverified one only when asked to.
		matched, verified := matchedAddress(u.User, email)
		state := "verified by Hanko"
		if !verified {
			state = "NOT verified by Hanko"
		}
		if _, err := fmt.Fprintf(stdout, "Matched %s (user %s): %s.\n", matched, u.ID, state); err != nil {
			return err
		}
		if !verified && !allowUnverified {
			return fmt.Errorf("roles grant: Hanko has not verified %s, so whoever signed up with it may not own it; nothing changed. "+
				"Check that this is the right person, then run again with %s", matched, allowUnverifiedFlag)
		}
		ch, err := e.Grant(ctx, u.ID, role)
		if err != nil {
			return fmt.Errorf("roles grant: %w", err)
		}
		if slices.Contains(ch.Before, role) {
			_, err = fmt.Fprintf(stdout, "%s already has the role %q; nothing changed. Roles: %s\n", who, role, list(ch.After))
			return err
		}
		_, err = fmt.Fprintf(stdout, "Granted %q to %s. Roles now: %s.\nIt is in their session token from their next sign-in.\n", role, who, list(ch.After))
		return err
	}
	ch, err := e.Revoke(ctx, u.ID, role)
	if errors.Is(err, ErrSessionsNotEnded) {
		return fmt.Errorf("roles revoke: %s no longer has %q, but ending their sessions failed, so a session they already have keeps the role until it expires: run this command again. (%w)", who, role, err)
	}
	if err != nil {
		return fmt.Errorf("roles revoke: %w", err)
	}
	if len(ch.Removed) == 0 {
		// Revoke still ends the sessions, so a retry after a failed end finishes the job.
		_, err = fmt.Fprintf(stdout, "%q: %s did not have it. Roles: %s.\nEnded %d session(s) at Hanko anyway, in case an earlier revoke could not.\n", role, who, list(ch.After), ch.SessionsEnded)
		return err
	}
	_, err = fmt.Fprintf(stdout, "Revoked %q from %s. Roles now: %s.\nEnded %d session(s) at Hanko: old sessions are refused by the admin routes from now on.\n", role, who, list(ch.After), ch.SessionsEnded)
	return err
}

// matchedAddress returns the user's address that matched email (as Hanko
// stores it) and whether Hanko has verified it.
func matchedAddress(u hankoadmin.User, email string) (string, bool) {
	email = strings.TrimSpace(email)
	for _, e := range u.Emails {
		if strings.EqualFold(e.Address, email) {
			return e.Address, e.IsVerified
		}
	}
	return email, false // not listed: never treat it as verified
}

func list(r []string) string {
	if len(r) == 0 {
		return "none"
	}
	return strings.Join(r, ", ")
}

// listRoles prints every user who has a role, walking all pages of Hanko's users.
func listRoles(ctx context.Context, c *hankoadmin.Client, stdout io.Writer) error {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	total, withRoles := 0, 0
	for page := 1; ; page++ {
		p, err := List(ctx, c, page, hankoadmin.MaxPerPage)
		if err != nil {
			return fmt.Errorf("roles list: %w", err)
		}
		total = p.Total
		for _, u := range p.Users {
			if len(u.Roles) == 0 {
				continue
			}
			if withRoles == 0 {
				fmt.Fprintln(w, "EMAIL\tROLES\tUSER ID")
			}
			withRoles++
			email := u.PrimaryEmail()
			if email == "" {
				email = "(no email)"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", email, strings.Join(u.Roles, ","), u.ID)
		}
		// The page count bounds the walk even if Hanko kept saying "next".
		if !p.HasNext || len(p.Users) == 0 || page*hankoadmin.MaxPerPage >= p.Total {
			break
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if withRoles == 0 {
		_, err := fmt.Fprintf(stdout, "None of the %d users has a role. Grant one with: hanko-gin roles grant you@example.com admin\n", total)
		return err
	}
	_, err := fmt.Fprintf(stdout, "%d of %d users have roles.\n", withRoles, total)
	return err
}
