// Package app is the contract between hanko-gin's core and its features
// (main.go lists them).
//
// A feature reads its settings and registers hooks in Setup; main applies
// them while it builds the program: Auth hooks edit auth.Config, Store hooks
// are store.Open options, Middleware runs before the core's, Routes add
// routes, Services run beside the server, Commands are subcommands of the
// binary. The core never imports a feature, so deleting a feature's folder
// and its line in main.go leaves a program that builds and works.
package app

import (
	"context"
	"io"
	"log/slog"

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

// Deps is what the running program offers routes and services.
type Deps struct {
	Auth   *auth.Authenticator
	Store  store.Store
	Logger *slog.Logger
	Config config.Config // the core settings
}

// Service runs beside the HTTP server until ctx ends, then returns nil; an
// error (e.g. its listener fails) stops the server.
type Service func(ctx context.Context, d Deps) error

// Command is a subcommand: `hanko-gin NAME args...`. It reads its own
// settings through getenv (config.NewSettings) and reports to stdout.
type Command struct {
	Name  string
	Usage string // e.g. "export [--dry-run]"
	Run   func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error
}

// CounterFunc makes a counter with the given label names and returns the
// function that counts one event with the given label values.
type CounterFunc func(name, help string, labels ...string) func(values ...string)

// Hooks collects what features plug into the core. The zero value is ready.
type Hooks struct {
	auth       []func(*auth.Config)
	store      []store.Option
	middleware []gin.HandlerFunc
	routes     []func(*gin.Engine, Deps)
	services   []Service
	commands   []Command
	counters   []*counter
	provider   CounterFunc
	openapi    [][]byte
}

// Auth registers a change to auth.Config, applied before auth.New (e.g.
// setting OnSessionCheck).
func (h *Hooks) Auth(fn func(*auth.Config)) { h.auth = append(h.auth, fn) }

// Store adds options to store.Open.
func (h *Hooks) Store(opts ...store.Option) { h.store = append(h.store, opts...) }

// Middleware adds a Gin middleware that runs before the core's (logging,
// CORS, CSRF), so it sees every request and its final status.
func (h *Hooks) Middleware(m gin.HandlerFunc) { h.middleware = append(h.middleware, m) }

// Routes registers a function that adds routes to the engine.
func (h *Hooks) Routes(fn func(r *gin.Engine, d Deps)) { h.routes = append(h.routes, fn) }

// Service registers a service that runs beside the server.
func (h *Hooks) Service(s Service) { h.services = append(h.services, s) }

// Command registers a subcommand; usage is its synopsis without the
// program's name.
func (h *Hooks) Command(name, usage string, run func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error) {
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

// ApplyAuth applies the Auth hooks to c.
func (h *Hooks) ApplyAuth(c *auth.Config) {
	for _, fn := range h.auth {
		fn(c)
	}
}

// StoreOptions returns the Store hooks' options.
func (h *Hooks) StoreOptions() []store.Option { return h.store }

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
