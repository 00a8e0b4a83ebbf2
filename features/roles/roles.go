// Package roles reads and changes users' roles in Hanko, for the admin routes
// and the `hanko-gin roles` command.
//
// A user's roles are the "roles" member of their public metadata, a JSON array
// of names such as {"roles": ["admin"]}. Only Hanko's admin API can write
// public metadata, and Hanko copies it into every session token it issues
// from then on through its session.jwt_template:
//
//	roles: '{{ with .User.Metadata }}{{ .Public "roles" }}{{ end }}'
//
// where FromClaims and Require read it. A token already issued keeps the
// roles it was issued with, so taking a role away also ends the user's
// sessions at Hanko: Require confirms every session with Hanko, which then
// refuses the old tokens at once.
package roles

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/store"
)

// Admin is the role of the sample admin area.
const Admin = "admin"

// MaxRoles bounds how many roles one user may hold (they all travel in every
// session token).
const MaxRoles = 10

// Concurrency bounds the admin API calls made at once for one listing: Hanko's
// user list carries no metadata, so each user's roles are one more call.
const Concurrency = 8

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// ValidName reports whether name may be a role: a lower-case letter, then up
// to 31 lower-case letters, digits, "_" or "-".
func ValidName(name string) bool { return namePattern.MatchString(name) }

// InvalidError is a list of roles refused by Check or CheckChange. Its text
// is a sentence fit for an API answer or a command line.
type InvalidError struct{ msg string }

func (e *InvalidError) Error() string { return e.msg }

func invalid(format string, args ...any) error {
	return &InvalidError{fmt.Sprintf(format, args...)}
}

// Check validates a user's whole set of roles and returns it without
// duplicates (first occurrence kept, order kept). The error is an
// *InvalidError.
func Check(names []string) ([]string, error) {
	if len(names) > MaxRoles {
		return nil, invalid("a user can have at most %d roles (got %d)", MaxRoles, len(names))
	}
	return CheckChange(nil, names)
}

// CheckChange validates names as the new whole set of roles of a user who
// holds before, and returns it without duplicates (first occurrence kept,
// order kept). Only what the change adds is held to the rules: a name being
// added must be a ValidName, and a set that gains a name may hold at most
// MaxRoles. Names the user already holds may stay as they are, e.g. "Billing"
// set in the Hanko console, so that removing another role from such a user
// works. The error is an *InvalidError.
func CheckChange(before, names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	added := false
	for _, n := range names {
		if slices.Contains(out, n) {
			continue
		}
		if !slices.Contains(before, n) {
			if !ValidName(n) {
				return nil, invalid("%s is not a valid role name: use a lower-case letter followed by up to 31 lower-case letters, digits, _ or -", quoteName(n))
			}
			added = true
		}
		out = append(out, n)
	}
	if added && len(out) > MaxRoles {
		return nil, invalid("a user can have at most %d roles (got %d)", MaxRoles, len(out))
	}
	return out, nil
}

// CanBeHeld reports whether some user could hold every one of names, so that
// a request naming one that cannot (an empty name) is refused before Hanko is
// asked for the user's roles. The error is an *InvalidError.
func CanBeHeld(names []string) error {
	for _, n := range names {
		if n == "" {
			return invalid(`"" is not a valid role name: use a lower-case letter followed by up to 31 lower-case letters, digits, _ or -`)
		}
	}
	return nil
}

// quoteName quotes a name for a message, shortened so a stray blob stays readable.
func quoteName(n string) string {
	if len(n) > 40 {
		return fmt.Sprintf("%q…", n[:40])
	}
	return fmt.Sprintf("%q", n)
}

// Of returns the roles in a user's metadata: the value is rendered as Hanko's
// session.jwt_template renders it into the token, and read by exactly the
// rules FromClaims applies, so what an admin sees is what the next
// session will grant. Unsafe and private metadata are never read.
func Of(m *hankoadmin.Metadata) []string {
	raw := m.PublicValue("roles")
	if raw == nil {
		return nil
	}
	return FromClaims(&auth.Claims{Custom: map[string]any{Claim: asTemplateRenders(raw)}})
}

// asTemplateRenders is the claim Hanko puts into a token for a metadata value
// through '{{ .Public "roles" }}': the template prints a string as its text and
// any other value as its JSON, and Hanko then turns "true"/"false" into a
// boolean and text that parses as a JSON array or object into that value. So
// a string that holds the JSON text ["admin"] grants admin, exactly as the
// array does (Hanko's backend/session/template.go).
func asTemplateRenders(raw json.RawMessage) any {
	var text string
	if json.Unmarshal(raw, &text) != nil { // not a string (null gives "")
		text = string(bytes.TrimSpace(raw))
	}
	switch {
	case text == "true" || text == "false":
		return text == "true"
	case strings.HasPrefix(text, "[") && strings.HasSuffix(text, "]"), strings.HasPrefix(text, "{") && strings.HasSuffix(text, "}"):
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil && !dec.More() {
			return v
		}
	}
	return text
}

// ErrSessionsNotEnded is what errors.Is finds when roles were saved but the
// user's sessions could not all be ended: sessions the user already has keep
// the removed roles until they expire (at most 12 hours), or until a Revoke
// of that role, which ends them again.
var ErrSessionsNotEnded = errors.New("the roles were saved, but Hanko did not end the user's sessions")

// Change is what Set, Grant or Revoke did.
type Change struct {
	Before, After []string
	Removed       []string // in Before but not in After
	SessionsEnded int      // sessions ended at Hanko
}

// Editor changes users' roles through Hanko's admin API. Hanko's metadata
// patch has no compare-and-set, so a change reads the roles, then writes the
// new list: two changes to one user at once could each read the old list,
// and the second write would undo the first (a demotion taken back). So each
// change holds the user's lock in the store (store.WithOwnerLock: an advisory
// lock on PostgreSQL, shared by every replica and the roles command; the
// database's write lock on SQLite) from reading the roles until Hanko has
// stored the new ones and ended the sessions a removal ends. Changes to one
// user then run one after the other, each seeing the one before it.
//
// On SQLite that lock is the database's write lock, so other writes wait
// while Hanko's admin API answers: LockedChangeTimeout bounds how long.
type Editor struct {
	Admin *hankoadmin.Client
	Store store.Store // from store.Open; its owner lock serializes a user's changes
}

// LockedChangeTimeout bounds one role change while it holds the user's lock,
// so a hanging admin API cannot hold up the user's (on SQLite: everyone's)
// writes for longer.
const LockedChangeTimeout = 10 * time.Second

// change runs fn holding userID's lock. Hanko's ids are lower-case UUIDs, as
// tokens carry them, so the lock is taken on that spelling whatever the caller's.
func (e Editor) change(ctx context.Context, userID string, fn func(ctx context.Context) (Change, error)) (Change, error) {
	if e.Admin == nil || e.Store == nil {
		return Change{}, errors.New("roles: an Editor needs Hanko's admin API and the store")
	}
	if !hankoadmin.IsID(userID) {
		return Change{}, hankoadmin.ErrInvalidID
	}
	ctx, cancel := context.WithTimeout(ctx, LockedChangeTimeout)
	defer cancel()
	var (
		ch    Change
		fnErr error
		ran   bool
	)
	err := store.WithOwnerLock(ctx, e.Store, strings.ToLower(userID), func(*sql.Tx) error {
		ran = true
		ch, fnErr = fn(ctx)
		return nil // the transaction only holds the lock: it wrote nothing
	})
	if !ran {
		return Change{}, fmt.Errorf("%w: %w", ErrNotLocked, err)
	}
	// Once fn ran, Hanko's answers are the outcome (a failed commit of the
	// empty transaction changes nothing), so a change Hanko stored is
	// reported, even one that failed halfway (ErrSessionsNotEnded).
	return ch, fnErr
}

// ErrNotLocked is what errors.Is finds when the user's lock could not be
// taken (the database is unreachable): nothing was changed.
var ErrNotLocked = errors.New("roles: the user's lock in the database could not be taken, so nothing was changed")

// Set makes roles the user's whole set, validated with CheckChange against
// the roles the user holds (so names already held may stay). It writes the
// JSON merge patch {"public_metadata": {"roles": [...]}}, which keeps every
// other metadata member, and when a role was removed it ends all the user's
// sessions.
//
// Errors: hankoadmin.ErrNotFound for an unknown user (and hankoadmin.ErrInvalidID
// for an id that is not a UUID), an *InvalidError, a *hankoadmin.Error when the
// admin API cannot be used, and ErrSessionsNotEnded (with the Change made).
func (e Editor) Set(ctx context.Context, userID string, roles []string) (Change, error) {
	if err := CanBeHeld(roles); err != nil {
		return Change{}, err
	}
	return e.change(ctx, userID, func(ctx context.Context) (Change, error) {
		m, err := e.Admin.Metadata(ctx, userID)
		if err != nil {
			return Change{}, err
		}
		before := Of(&m)
		after, err := CheckChange(before, roles)
		if err != nil {
			return Change{}, err
		}
		return write(ctx, e.Admin, userID, before, after)
	})
}

// Grant adds role to the user's roles; a user who has it already is left as is.
func (e Editor) Grant(ctx context.Context, userID, role string) (Change, error) {
	if _, err := Check([]string{role}); err != nil {
		return Change{}, err
	}
	return e.change(ctx, userID, func(ctx context.Context) (Change, error) {
		m, err := e.Admin.Metadata(ctx, userID)
		if err != nil {
			return Change{}, err
		}
		before := Of(&m)
		if slices.Contains(before, role) {
			return Change{Before: before, After: before}, nil
		}
		return write(ctx, e.Admin, userID, before, append(slices.Clone(before), role))
	})
}

// Revoke removes role from the user's roles and ends all their sessions. It
// ends them also when the user no longer has the role, so running it again
// after an ErrSessionsNotEnded finishes the job.
func (e Editor) Revoke(ctx context.Context, userID, role string) (Change, error) {
	if _, err := Check([]string{role}); err != nil {
		return Change{}, err
	}
	return e.change(ctx, userID, func(ctx context.Context) (Change, error) {
		m, err := e.Admin.Metadata(ctx, userID)
		if err != nil {
			return Change{}, err
		}
		before := Of(&m)
		if slices.Contains(before, role) {
			return write(ctx, e.Admin, userID, before, slices.DeleteFunc(slices.Clone(before), func(r string) bool { return r == role }))
		}
		ch := Change{Before: before, After: before}
		ch.SessionsEnded, err = e.Admin.RevokeAllSessions(ctx, userID)
		if err != nil {
			return ch, fmt.Errorf("%w: %w", ErrSessionsNotEnded, err)
		}
		return ch, nil
	})
}

// write stores after as the user's roles, checks Hanko stored exactly that,
// and ends the user's sessions when a role of before is gone.
func write(ctx context.Context, c *hankoadmin.Client, userID string, before, after []string) (Change, error) {
	ch := Change{Before: before, After: after}
	for _, r := range before {
		if !slices.Contains(after, r) {
			ch.Removed = append(ch.Removed, r)
		}
	}
	if after == nil {
		after = []string{} // the patch writes [], never null (which would remove the member)
	}
	patch := map[string]any{"public_metadata": map[string]any{"roles": after}}
	m, err := c.PatchMetadata(ctx, userID, patch)
	if err != nil {
		return Change{}, err
	}
	if got := Of(&m); !slices.Equal(got, ch.After) {
		return Change{}, fmt.Errorf("Hanko's admin API answered the roles patch with roles %q instead of %q: check HANKO_ADMIN_API_URL and the Hanko version", got, ch.After)
	}
	if len(ch.Removed) == 0 {
		return ch, nil
	}
	ch.SessionsEnded, err = c.RevokeAllSessions(ctx, userID)
	if err != nil {
		return ch, fmt.Errorf("%w: %w", ErrSessionsNotEnded, err)
	}
	return ch, nil
}

// Holds reports whether Hanko lists role among the user's roles now, read
// from their public metadata through the admin API (no cache): for
// confirming that a caller whose token names a role still has it. A user
// Hanko does not know holds nothing (false, nil); an error means the admin API
// could not be asked, and nothing may be assumed.
func Holds(ctx context.Context, c *hankoadmin.Client, userID, role string) (bool, error) {
	m, err := c.Metadata(ctx, userID)
	switch {
	case errors.Is(err, hankoadmin.ErrNotFound), errors.Is(err, hankoadmin.ErrInvalidID):
		return false, nil
	case err != nil:
		return false, err
	}
	return slices.Contains(Of(&m), role), nil
}

// User is a Hanko user with their roles.
type User struct {
	hankoadmin.User
	Roles []string
}

// UsersPage is one page of users with their roles.
type UsersPage struct {
	Users   []User // newest first
	Total   int    // users in all pages
	HasNext bool
}

// List returns a page (from 1) of perPage users (1 to hankoadmin.MaxPerPage)
// with their roles: Hanko's user list, then each user's metadata, at most
// Concurrency calls at a time. A user deleted in between is left out. Any
// other failure fails the whole page: roles are never guessed.
func List(ctx context.Context, c *hankoadmin.Client, page, perPage int) (*UsersPage, error) {
	p, err := c.ListUsers(ctx, page, perPage)
	if err != nil {
		return nil, err
	}
	users := make([]User, len(p.Users))
	gone := make([]bool, len(p.Users))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Concurrency)
	for i, u := range p.Users {
		g.Go(func() error {
			m, err := c.Metadata(gctx, u.ID)
			switch {
			case errors.Is(err, hankoadmin.ErrNotFound):
				gone[i] = true
				return nil
			case err != nil:
				return err
			}
			u.Metadata = &m
			users[i] = User{User: u, Roles: Of(&m)}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := &UsersPage{Users: make([]User, 0, len(users)), Total: p.Total, HasNext: p.HasNext}
	for i, u := range users {
		if !gone[i] {
			out.Users = append(out.Users, u)
		}
	}
	return out, nil
}

// FindByEmail returns the user with this address (compared without regard
// to case), with their roles; hankoadmin.ErrNotFound when nobody has it.
func FindByEmail(ctx context.Context, c *hankoadmin.Client, email string) (User, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return User{}, errors.New("an email address is required")
	}
	u, err := c.UserByEmail(ctx, email)
	if err != nil {
		return User{}, err
	}
	return User{User: u, Roles: Of(u.Metadata)}, nil
}
