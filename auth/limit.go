package auth

// The bound on signature checks. A forged token with Hanko's kid costs the
// server one RSA-4096 check (~0.35 ms of CPU) and its sender nothing, so
// without a bound a few connections of forgeries take every CPU from
// signed-in users. Signature checks therefore wait for one of a few slots, in
// a fair waiting room of bounded size (fairqueue.go: lanes per kind of token,
// turns per client), for at most a short deadline, and together they may use
// only a share of the CPU. A token that cannot be checked in time is refused
// with 503 auth_unavailable and Retry-After: never let through, never called
// invalid. Cache hits never reach the queue, and everything that can refuse a
// token without RSA runs before it (check.go).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// checkLimits bounds the signature checks of one Authenticator.
type checkLimits struct {
	slots    int           // checks running at once
	queue    int           // checks waiting for a slot, at most, per lane
	deadline time.Duration // longest wait for a slot
	// linger is how long a token is held before its refusal when its lane is
	// full and its client has the most tokens waiting: as long as it would
	// have waited in the queue. Answered at once, a client with many
	// connections would send its next token at once, and its requests would
	// crowd the server's goroutines however cheap each refusal is; held, each
	// of its connections sends a token per linger at most.
	linger time.Duration
	// cpu is the CPU time (in CPUs: seconds per second) the checks may use
	// over time; burst is the check time they may use above it after a
	// quiet spell, so that a burst of sign-ins is not slowed down.
	cpu   float64
	burst time.Duration
}

// maxOverdraft bounds what one check can overdraw the budget by, so that a
// check that took long for other reasons (the process was stopped, the
// machine suspended) pauses the checks after it briefly, not for as long.
const maxOverdraft = 100 * time.Millisecond

// retryAfter is the Retry-After sent with a refusal for lack of capacity.
const retryAfter = time.Second

// defaultCheckLimits sizes the bound from GOMAXPROCS (read once, here):
// half the Ps check signatures at most (at least one); over time the checks
// use at most 25% of the CPU: each forged token also costs its request's
// HTTP and JWT parsing (~60 µs) and the RSA check's garbage (~60 KiB), so
// with 40% signed-in users kept only ~0.3× of their throughput during a
// flood, with 25% ~0.6× (docs/benchmarks.md); a queue of 128 per slot
// (about 0.1 s of work at RSA-4096 speed); a half-second deadline.
func defaultCheckLimits() checkLimits {
	procs := runtime.GOMAXPROCS(0)
	slots := max(1, procs/2)
	return checkLimits{
		slots:    slots,
		queue:    128 * slots,
		deadline: 500 * time.Millisecond,
		linger:   500 * time.Millisecond,
		cpu:      0.25 * float64(procs),
		burst:    100 * time.Millisecond,
	}
}

// errNoCapacity is the cause of a refusal for lack of capacity.
var errNoCapacity = errors.New("no capacity to check the signature in time")

// checkLimiter hands out the signature-check slots, in turns (waitRoom).
type checkLimiter struct {
	lim   checkLimits
	clock func() time.Time // real time (the budget must not follow a test's token clock)

	mu       sync.Mutex
	running  int
	room     *waitRoom
	budget   float64   // seconds of check time left; negative: overdrawn
	budgetAt time.Time // when budget was last topped up
	timer    *time.Timer
	armed    bool // timer will dispatch when the budget allows

	waiting atomic.Int64 // room.n, for Stats
	refused atomic.Int64 // refused for lack of capacity (room full, pushed out, or deadline)
}

func newCheckLimiter(lim checkLimits, clock func() time.Time) *checkLimiter {
	l := &checkLimiter{lim: lim, clock: clock, room: newWaitRoom(lim.queue), budget: lim.burst.Seconds(), budgetAt: clock()}
	l.timer = time.AfterFunc(time.Hour, l.wake)
	l.timer.Stop()
	return l
}

// acquire waits for a slot in key's lane and client queue and returns when
// the check started; pass it to release. It fails with errNoCapacity when
// the lane is full (or the token was pushed out by another client's), no
// slot was free within the deadline, or ctx ended first.
func (l *checkLimiter) acquire(ctx context.Context, key waitKey) (time.Time, error) {
	l.mu.Lock()
	now := l.clock()
	l.refill(now)
	if l.running < l.lim.slots && l.room.n == 0 && l.budget >= 0 {
		l.running++ // the idle path: no queue, no allocation
		l.mu.Unlock()
		return now, nil
	}
	w := &waiter{key: key, ready: make(chan struct{})}
	dropped, ok := l.room.push(w)
	if !ok {
		l.mu.Unlock()
		l.refused.Add(1)
		l.hold(ctx)
		return time.Time{}, fmt.Errorf("%w: %d checks are waiting already, the most from this client", errNoCapacity, l.lim.queue)
	}
	if dropped != nil {
		close(dropped.ready) // it returns its refusal itself
	}
	l.waiting.Store(int64(l.room.n))
	l.dispatch(now) // a free slot may only be waiting for the budget
	l.mu.Unlock()

	t := time.NewTimer(l.lim.deadline)
	defer t.Stop()
	var cause error
	select {
	case <-w.ready:
	case <-t.C:
		cause = fmt.Errorf("%w: no slot within %s", errNoCapacity, l.lim.deadline)
	case <-ctx.Done():
		cause = fmt.Errorf("%w: the request ended while waiting: %w", errNoCapacity, context.Cause(ctx))
	}
	l.mu.Lock()
	switch {
	case w.granted: // granted, possibly while giving up: use the slot
		l.mu.Unlock()
		return l.clock(), nil
	case w.dropped:
		cause = fmt.Errorf("%w: the queue is full and this client has the most tokens waiting", errNoCapacity)
	default:
		l.room.remove(w)
		l.waiting.Store(int64(l.room.n))
	}
	l.mu.Unlock()
	if ctx.Err() == nil {
		l.refused.Add(1)
	}
	return time.Time{}, cause
}

// admit refuses early, before the token is even parsed, a token that
// acquire would refuse because its lane is full and its client has the most
// waiting: a flood's excess then costs no parsing either. It holds the token
// for the linger as acquire does. It returns nil when the token may try.
func (l *checkLimiter) admit(ctx context.Context, key waitKey) error {
	l.mu.Lock()
	full := l.room.wouldRefuse(key)
	l.mu.Unlock()
	if !full {
		return nil
	}
	l.refused.Add(1)
	l.hold(ctx)
	return fmt.Errorf("%w: %d checks are waiting already, the most from this client", errNoCapacity, l.lim.queue)
}

// hold waits for the linger, or until ctx ends.
func (l *checkLimiter) hold(ctx context.Context) {
	if l.lim.linger <= 0 {
		return
	}
	t := time.NewTimer(l.lim.linger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// release frees the slot taken at start, charges the check's time to the
// budget and hands the slot to the waiter whose turn it is when the budget allows.
func (l *checkLimiter) release(start time.Time) {
	l.mu.Lock()
	now := l.clock()
	l.running--
	l.charge(now, now.Sub(start))
	l.dispatch(now)
	l.mu.Unlock()
}

// refill tops the budget up for the time since the last top-up.
func (l *checkLimiter) refill(now time.Time) { l.charge(now, 0) }

// charge tops the budget up for the time since the last top-up and takes
// used off it (before capping at the burst: the refill during a check pays
// for it), within [-maxOverdraft, burst].
func (l *checkLimiter) charge(now time.Time, used time.Duration) {
	if d := now.Sub(l.budgetAt); d > 0 {
		l.budget += d.Seconds() * l.lim.cpu
		l.budgetAt = now
	}
	l.budget = min(max(l.budget-used.Seconds(), -maxOverdraft.Seconds()), l.lim.burst.Seconds())
}

// dispatch grants free slots to the waiters whose turn it is while the budget lasts;
// when it is spent, it arms the timer for the moment it is not. Called with
// mu held.
func (l *checkLimiter) dispatch(now time.Time) {
	for l.running < l.lim.slots && l.room.n > 0 {
		if l.budget < 0 {
			if !l.armed {
				l.armed = true
				wait := time.Duration(-l.budget/l.lim.cpu*float64(time.Second)) + time.Microsecond
				l.timer.Reset(wait)
			}
			return
		}
		w := l.room.pop()
		w.granted = true
		l.running++
		close(w.ready)
	}
	l.waiting.Store(int64(l.room.n))
}

// wake runs when the budget allows checks again.
func (l *checkLimiter) wake() {
	l.mu.Lock()
	l.armed = false
	now := l.clock()
	l.refill(now)
	l.dispatch(now)
	l.mu.Unlock()
}

// errBusy is the refusal of a token that could not be checked in time.
func errBusy(what string, cause error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: CodeAuthUnavailable,
		Message:    "The server is checking too many new " + what + " right now; try again in a moment.",
		Err:        cause,
		RetryAfter: retryAfter}
}
