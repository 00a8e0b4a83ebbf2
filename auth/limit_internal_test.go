package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock is the limiter's clock, moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// The CPU budget: once the checks have used their share, a free slot is not
// handed out until the clock says the share allows it, and then it is.
func TestCheckBudgetPacesChecks(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := newCheckLimiter(checkLimits{slots: 4, queue: 8, deadline: time.Hour, cpu: 0.5, burst: 0}, clock.now)
	ctx := context.Background()

	start, err := l.acquire(ctx, waitKey{}) // the budget is at 0, not below: the first check starts
	if err != nil {
		t.Fatal(err)
	}
	clock.add(10 * time.Millisecond) // the check takes 10 ms: 5 ms refilled, 5 ms overdrawn
	l.release(start)

	got := make(chan time.Time, 1)
	go func() {
		s, err := l.acquire(ctx, waitKey{})
		if err != nil {
			t.Error(err)
		}
		got <- s
	}()
	// Three slots are free, yet the check waits: the budget is spent.
	for l.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	select {
	case <-got:
		t.Fatal("a check started although the budget was overdrawn")
	default:
	}
	clock.add(9 * time.Millisecond) // at 0.5 CPU, 9 ms refill 4.5 ms of the 5: not yet
	select {
	case <-got:
		t.Fatal("a check started before the budget was back at 0")
	case <-time.After(50 * time.Millisecond): // several wake-ups of the timer
	}
	clock.add(2 * time.Millisecond)
	s := <-got
	if want := clock.now(); !s.Equal(want) {
		t.Errorf("started at %v, want %v", s, want)
	}
	l.release(s)
	if n := l.waiting.Load(); n != 0 || l.refused.Load() != 0 {
		t.Errorf("waiting %d, refused %d; want 0, 0", n, l.refused.Load())
	}
}

// The overdraft of one check is bounded, so a check that spanned a long
// pause of the process (a suspended machine) holds the next one back briefly.
func TestCheckBudgetOverdraftIsBounded(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := newCheckLimiter(checkLimits{slots: 1, queue: 8, deadline: time.Hour, cpu: 0.5, burst: 0}, clock.now)
	start, _ := l.acquire(context.Background(), waitKey{})
	clock.add(time.Hour)
	l.release(start)
	if l.budget != -maxOverdraft.Seconds() {
		t.Errorf("budget %v s, want %v s", l.budget, -maxOverdraft.Seconds())
	}
}

// A token refused because its client already has the most waiting is held
// for the linger (as long as it would have waited) before its refusal, and
// let go at once when its request ends; either way it is refused, never
// queued past the bound.
func TestLingerHoldsTheLongestQueuesRefusals(t *testing.T) {
	l := newCheckLimiter(checkLimits{slots: 1, queue: 1, deadline: time.Hour, linger: time.Hour, cpu: 1, burst: time.Second}, time.Now)
	flood := waitKey{client: "flood"}
	start, err := l.acquire(context.Background(), flood) // holds the slot
	if err != nil {
		t.Fatal(err)
	}
	queued := make(chan error, 1)
	go func() { _, err := l.acquire(context.Background(), flood); queued <- err }()
	for l.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	held := make(chan error, 1)
	go func() { _, err := l.acquire(ctx, flood); held <- err }()
	for l.refused.Load() != 1 { // refused, now lingering
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-held:
		t.Fatalf("answered before the linger or the request's end: %v", err)
	default:
	}
	cancel()
	if err := <-held; !errors.Is(err, errNoCapacity) {
		t.Errorf("lingering token: %v, want errNoCapacity", err)
	}
	if n := l.waiting.Load(); n != 1 {
		t.Errorf("%d waiting, want 1: a lingering token holds no place", n)
	}
	l.release(start)
	if err := <-queued; err != nil {
		t.Errorf("queued token: %v", err)
	}
}
