package webhooks

// hanko-gin purge-deleted-users [--dry-run] [--force]
//
// Hanko sends each webhook once and never retries, so a user.delete that
// arrived while this backend was down is lost and the user's data stays. The
// purge closes that gap: it pages through the user ids that own data, asks
// Hanko's admin API which of them still exist, and deletes the data of those
// Hanko says are gone. It never guesses: a user is deleted only on Hanko's own
// "user not found", and when the admin API cannot be asked (unreachable, slow,
// any answer but 200/404) nothing is deleted for the users it could not judge
// and the command exits non-zero with the reason. Nor does it trust a Hanko
// that says too many users are gone: beyond a bound (more than 10 % of the
// users checked, and at least 10) it deletes nothing and exits non-zero unless
// --force is given. Run it daily, e.g. from cron.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/store"
)

const (
	purgeBatch   = hankoadmin.MaxBatch // user ids per admin API request
	purgeWorkers = 4                   // admin API requests in flight at most
)

var errNoAdminAPI = errors.New("purge-deleted-users: HANKO_ADMIN_API_URL is not set. The purge asks Hanko's admin API " +
	"which users still exist: self-hosted, its admin port (http://hanko:8001 in docker compose); Hanko Cloud, " +
	"the admin API URL from the console, with HANKO_ADMIN_API_KEY")

// The bound on one run: a purge that would delete the data of more than
// purgeMaxShare of the users it judged, and of at least purgeMinRefused, stops
// before deleting anything unless --force is given. A purge pointed at the
// wrong Hanko (a staging URL, a reset database, an old backup) is told that
// nobody exists, and must not delete everyone's data from a daily cron job.
const (
	purgeMaxSharePercent = 10
	purgeMinRefused      = 10
)

// purgeDeletedUsers is the subcommand: it asks admin (nil when
// HANKO_ADMIN_API_URL is not set) and reports to env.Stdout.
func purgeDeletedUsers(ctx context.Context, args []string, admin *hankoadmin.Client, env app.CommandEnv) error {
	stdout := env.Stdout
	flags := flag.NewFlagSet("purge-deleted-users", flag.ContinueOnError)
	flags.SetOutput(stdout)
	dryRun := flags.Bool("dry-run", false, "report whose data would be deleted, and delete nothing")
	force := flags.Bool("force", false, fmt.Sprintf("delete even when Hanko says more than %d%% of the users checked (and at least %d) are gone", purgeMaxSharePercent, purgeMinRefused))
	flags.Usage = func() {
		fmt.Fprintln(stdout, "usage: hanko-gin purge-deleted-users [--dry-run] [--force]")
		fmt.Fprintln(stdout, "Deletes the data of users that Hanko's admin API (HANKO_ADMIN_API_URL) no longer knows.")
		fmt.Fprintf(stdout, "Deletes nothing, and fails, when that would be more than %d%% of the users checked and at least %d, unless --force.\n", purgeMaxSharePercent, purgeMinRefused)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("purge-deleted-users: %w", err)
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("purge-deleted-users: unexpected argument %q (usage: hanko-gin purge-deleted-users [--dry-run] [--force])", flags.Arg(0))
	}
	if _, err := env.Config(); err != nil {
		return err
	}
	if admin == nil {
		return errNoAdminAPI
	}
	db, err := env.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	p := &purger{store: db, admin: admin, out: stdout, dryRun: *dryRun, force: *force, batch: purgeBatch, workers: purgeWorkers}
	return p.run(ctx)
}

// purger is one run of the purge.
type purger struct {
	store   store.Store
	admin   *hankoadmin.Client
	out     io.Writer
	dryRun  bool
	force   bool // delete even beyond the bound
	batch   int  // owners per admin API request
	workers int  // admin API requests in flight

	mu       sync.Mutex
	tally    purgeTally
	gone     []string // owners Hanko says it deleted: deleted after all are judged
	adminErr error    // the first failed admin API call: judging stops there
	storeErr error    // the first failed deletion
}

// purgeTally counts owners: checked = deleted + kept + unjudged + failed + refused.
type purgeTally struct{ checked, deleted, kept, unjudged, failed, refused int }

func (t purgeTally) String(dryRun bool) string {
	var b strings.Builder
	if dryRun {
		fmt.Fprintf(&b, "dry run: checked %d, would delete %d, kept %d", t.checked, t.deleted, t.kept)
	} else {
		fmt.Fprintf(&b, "checked %d, deleted %d, kept %d", t.checked, t.deleted, t.kept)
	}
	if t.refused > 0 {
		fmt.Fprintf(&b, ", refused to delete %d", t.refused)
	}
	if t.unjudged > 0 {
		fmt.Fprintf(&b, ", unjudged %d", t.unjudged)
	}
	if t.failed > 0 {
		fmt.Fprintf(&b, ", failed %d", t.failed)
	}
	return b.String()
}

// tooMany reports whether deleting gone of judged owners is beyond the bound.
func tooMany(gone, judged int) bool {
	return gone >= purgeMinRefused && gone*100 > judged*purgeMaxSharePercent
}

// run pages through the owners and judges them in batches with bounded
// concurrency; then, unless that would delete beyond the bound, deletes the
// data of those Hanko deleted. It prints which Hanko it asked, one line per
// deletion and a summary, and returns an error when it refused, or when any
// owner could not be judged or deleted.
func (p *purger) run(ctx context.Context) error {
	fmt.Fprintf(p.out, "asking Hanko's admin API at %s which users still exist\n", p.admin.URL())
	batches := make(chan []string)
	var wg sync.WaitGroup
	for range p.workers {
		wg.Go(func() {
			for b := range batches {
				p.judge(ctx, b)
			}
		})
	}
	var listErr error
	for after := ""; ; {
		owners, err := owners(ctx, p.store, after, p.batch)
		if err != nil {
			listErr = fmt.Errorf("listing the users that own data failed, so some were not checked: %w", err)
			break
		}
		if len(owners) == 0 {
			break
		}
		after = owners[len(owners)-1]
		batches <- owners
	}
	close(batches)
	wg.Wait()

	var errs []error
	slices.Sort(p.gone)
	judged := p.tally.kept + len(p.gone)
	if tooMany(len(p.gone), judged) && !p.force {
		p.tally.refused = len(p.gone)
		errs = append(errs, fmt.Errorf("refusing to delete the data of %d of the %d users checked (more than %d%%): "+
			"Hanko's admin API at %s says they do not exist. If that is the wrong Hanko (a staging URL, a reset database, "+
			"an old backup), fix HANKO_ADMIN_API_URL; if they really were deleted, run again with --force", len(p.gone), judged, purgeMaxSharePercent, p.admin.URL()))
	} else {
		p.remove(ctx)
	}

	fmt.Fprintln(p.out, p.tally.String(p.dryRun))
	if p.adminErr != nil {
		errs = append(errs, fmt.Errorf("%d users could not be judged, so their data was kept: %w", p.tally.unjudged, p.adminErr))
	}
	if p.storeErr != nil {
		errs = append(errs, fmt.Errorf("deleting the data of %d users Hanko deleted failed: %w", p.tally.failed, p.storeErr))
	}
	if listErr != nil {
		errs = append(errs, listErr)
	}
	if len(errs) > 0 {
		return fmt.Errorf("purge-deleted-users: %w", errors.Join(errs...))
	}
	return nil
}

// judge asks Hanko about one batch of owners and notes those it says are
// deleted.
func (p *purger) judge(ctx context.Context, owners []string) {
	var ids []string
	for _, o := range owners {
		if hankoadmin.IsID(o) {
			ids = append(ids, o)
			continue
		}
		// Not a Hanko user id, so Hanko cannot say anything about it: keep.
		p.report(func(t *purgeTally) { t.checked++; t.kept++ }, "kept the data of %q: not a Hanko user id", o)
	}
	if len(ids) == 0 {
		return
	}
	p.mu.Lock()
	stopped := p.adminErr != nil
	p.mu.Unlock()
	if stopped { // after one failure, ask no more: the rest stays as it is
		p.report(func(t *purgeTally) { t.checked += len(ids); t.unjudged += len(ids) }, "")
		return
	}
	exist, err := p.admin.UsersByID(ctx, ids)
	if err != nil {
		p.mu.Lock()
		if p.adminErr == nil {
			p.adminErr = err
		}
		p.mu.Unlock()
		p.report(func(t *purgeTally) { t.checked += len(ids); t.unjudged += len(ids) }, "")
		return
	}
	for _, id := range ids {
		if _, ok := exist[id]; ok {
			p.report(func(t *purgeTally) { t.checked++; t.kept++ }, "")
			continue
		}
		p.report(func(t *purgeTally) { t.checked++; p.gone = append(p.gone, id) }, "")
	}
}

// remove deletes the data of the owners Hanko deleted (in a dry run, names them).
func (p *purger) remove(ctx context.Context) {
	for _, id := range p.gone {
		if p.dryRun {
			p.report(func(t *purgeTally) { t.deleted++ }, "would delete the data of user %s (deleted in Hanko)", id)
			continue
		}
		n, err := p.deleteUser(ctx, id)
		if err != nil {
			if p.storeErr == nil {
				p.storeErr = err
			}
			p.report(func(t *purgeTally) { t.failed++ }, "could not delete the data of user %s (deleted in Hanko): %v", id, err)
			continue
		}
		p.report(func(t *purgeTally) { t.deleted++ }, "deleted the data of user %s (deleted in Hanko): %d rows", id, n)
	}
}

// deleteUser deletes the user's data and revokes the user in the same
// transaction (deleteAndRevokeUser): the running servers refuse their
// tokens within a second (on SQLite, another process than the server, by
// its watch of the file's data_version) and every write for them at once.
func (p *purger) deleteUser(ctx context.Context, id string) (int, error) {
	n, _, err := deleteAndRevokeUser(ctx, p.store, id)
	return n, err
}

// report counts and, when format is not empty, prints one line.
func (p *purger) report(count func(*purgeTally), format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	count(&p.tally)
	if format != "" {
		fmt.Fprintf(p.out, format+"\n", args...)
	}
}
