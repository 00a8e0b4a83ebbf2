// Package app is the contract between hanko-gin's core and its features
// (main.go lists them), and the one place the program is put together
// (Build), for main.go and the tests alike.
//
// A feature reads its settings and registers hooks in Setup. The hooks are
// typed and add up: several features may each add a revocation source or a
// session-check observer, and the core combines them. Registering does
// nothing else: Routes only adds routes, and what needs I/O before the
// server serves (loading a list from the database) is an OnStart hook. The
// core never imports a feature, so deleting a feature's folder and its line
// in main.go leaves a program that builds and works.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/store"
)

// Feature is an optional part of the program.
type Feature interface {
	// Name is the feature's short name, the name of its folder.
	Name() string
	// Setup reads the feature's settings from s (problems go to s.Bad and
	// are reported with the core's) and registers its hooks on h. Nothing
	// starts in Setup.
	Setup(s *config.Settings, h *Hooks)
}

// Deps is what the running program offers routes, start hooks and services.
type Deps struct {
	Auth   *auth.Authenticator
	Store  store.Store
	Logger *slog.Logger
	Config config.Config // the core settings
}

// Service runs beside the HTTP server until ctx ends, then returns nil; an
// error (e.g. its listener fails) stops the server.
type Service func(ctx context.Context, d Deps) error

// CounterFunc makes a counter with the given label names and returns the
// function that counts one event with the given label values.
type CounterFunc func(name, help string, labels ...string) func(values ...string)

// Hooks collects what features plug into the core. The zero value is ready.
type Hooks struct {
	revocations []auth.Revocations
	observers   []func(outcome string, latency time.Duration)
	store       []store.Option
	middleware  []gin.HandlerFunc
	routes      []func(*gin.Engine, Deps)
	starts      []func(context.Context, Deps) error
	services    []Service
	commands    []Command
	counters    []*counter
	provider    CounterFunc
	openapi     [][]byte
}

// Revocations adds a revocation source that auth asks about every session
// after its signature check. With several sources, a session is revoked
// when any of them says so.
func (h *Hooks) Revocations(src auth.Revocations) { h.revocations = append(h.revocations, src) }

// OnSessionCheck adds an observer of the calls to Hanko's /sessions/validate
// (see auth.Config.OnSessionCheck). Every observer is called, in order.
func (h *Hooks) OnSessionCheck(fn func(outcome string, latency time.Duration)) {
	h.observers = append(h.observers, fn)
}

// Store adds options to store.Open (a feature's migrations, a write check).
func (h *Hooks) Store(opts ...store.Option) { h.store = append(h.store, opts...) }

// Middleware adds a Gin middleware that runs before the core's (logging,
// CORS, CSRF), so it sees every request and its final status.
func (h *Hooks) Middleware(m gin.HandlerFunc) { h.middleware = append(h.middleware, m) }

// Routes registers a function that adds routes to the engine, after the
// core's. It only registers: no I/O (that is OnStart's place).
func (h *Hooks) Routes(fn func(r *gin.Engine, d Deps)) { h.routes = append(h.routes, fn) }

// OnStart registers start-up work that needs I/O (e.g. a first load from the
// database), run once the routes are in place and before the server
// serves. An error stops start-up.
func (h *Hooks) OnStart(fn func(ctx context.Context, d Deps) error) {
	h.starts = append(h.starts, fn)
}

// Service registers a service that runs beside the server.
func (h *Hooks) Service(s Service) { h.services = append(h.services, s) }

// Command registers a subcommand; usage is its synopsis without the
// program's name.
func (h *Hooks) Command(name, usage string, run func(ctx context.Context, args []string, env CommandEnv) error) {
	h.commands = append(h.commands, Command{Name: name, Usage: usage, Run: run})
}

// Counter returns a function that counts one event with label values for
// labels. It counts only when a feature provides counters (ProvideCounters,
// e.g. metrics); otherwise it does nothing. It may be called before or
// after ProvideCounters, in Setup; the returned function is safe for
// concurrent use once Setup is over.
func (h *Hooks) Counter(name, help string, labels ...string) func(values ...string) {
	c := &counter{name: name, help: help, labels: labels}
	h.counters = append(h.counters, c)
	if h.provider != nil {
		c.inc = h.provider(name, help, labels...)
	}
	return func(values ...string) {
		if c.inc != nil {
			c.inc(values...)
		}
	}
}

// ProvideCounters makes every Counter, earlier and later, count through fn.
func (h *Hooks) ProvideCounters(fn CounterFunc) {
	h.provider = fn
	for _, c := range h.counters {
		c.inc = fn(c.name, c.help, c.labels...)
	}
}

type counter struct {
	name, help string
	labels     []string
	inc        func(values ...string)
}

// The accessors below let a feature's tests look at what its Setup
// registered; Build is what applies the hooks.

// Middlewares returns the Middleware hooks, in order.
func (h *Hooks) Middlewares() []gin.HandlerFunc { return h.middleware }

// AddRoutes runs the Routes hooks on r.
func (h *Hooks) AddRoutes(r *gin.Engine, d Deps) {
	for _, fn := range h.routes {
		fn(r, d)
	}
}

// Services returns the Service hooks.
func (h *Hooks) Services() []Service { return h.services }

// Commands returns the Command hooks, in order.
func (h *Hooks) Commands() []Command { return h.commands }

// applyAuth plugs the revocation sources and session-check observers into c.
func (h *Hooks) applyAuth(c *auth.Config) {
	switch srcs := h.revocations; len(srcs) {
	case 0:
	case 1:
		c.Revocations = srcs[0]
	default:
		c.Revocations = auth.RevocationsFunc(func(claims *auth.Claims) bool {
			for _, s := range srcs {
				if s.Revoked(claims) {
					return true
				}
			}
			return false
		})
	}
	switch obs := h.observers; len(obs) {
	case 0:
	case 1:
		c.OnSessionCheck = obs[0]
	default:
		c.OnSessionCheck = func(outcome string, latency time.Duration) {
			for _, fn := range obs {
				fn(outcome, latency)
			}
		}
	}
}
