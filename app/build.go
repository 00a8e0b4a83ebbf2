package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

// App is the program, built and ready to serve: Handler is the HTTP API,
// Deps what it runs on.
type App struct {
	Deps
	Handler *gin.Engine

	hooks *Hooks
	close []func() error
}

// Options replace parts Build would otherwise make from the settings. The
// zero value builds everything (main.go); tests put in their own parts.
type Options struct {
	// Log receives the program's log, formatted by LOG_FORMAT and LOG_LEVEL.
	// Nil means os.Stderr.
	Log io.Writer
	// Logger, when set, is used instead of a logger writing to Log.
	Logger *slog.Logger
	// Auth, when set, is used instead of an Authenticator built from the
	// settings (a test's, e.g. with a pinned clock). The features'
	// revocation sources and session-check observers are then not plugged in.
	Auth *auth.Authenticator
	// Store, when set, is used instead of opening DATABASE_URL, and is left
	// open by Close. The features' store options are then not applied.
	Store store.Store
}

// Build reads the core settings from s, sets the features up, and builds
// the program: the authenticator (with the features' revocation sources and
// session-check observers), the database (with their store options), the
// router (the core's routes, then theirs), and then runs their OnStart hooks.
// Bad settings, the core's and the features', come back as one error naming
// every problem. The caller runs the services (RunServices) and calls Close.
func Build(ctx context.Context, s *config.Settings, features []Feature, opts Options) (*App, error) {
	cfg := config.Read(s)
	h := setup(s, features)
	if err := s.Err(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = newLogger(cfg, opts.Log)
	}
	for _, w := range s.Retired() {
		log.Warn(w)
	}
	a := &App{Deps: Deps{Auth: opts.Auth, Store: opts.Store, Logger: log, Config: cfg}, hooks: h}
	if a.Auth == nil {
		if u, _ := url.Parse(cfg.HankoAPIURL); u.Scheme == "http" && !isLocalHost(u.Hostname()) {
			log.Warn("HANKO_API_URL uses plain http to a remote host: anyone on the network path could swap Hanko's signing keys; use https",
				"hanko_api_url", cfg.HankoAPIURL)
		}
		c := auth.Config{
			HankoAPIURL:     cfg.HankoAPIURL,
			CookieName:      cfg.CookieName,
			Audience:        cfg.Audience,
			Issuer:          cfg.Issuer,
			SessionCheck:    cfg.SessionCheck,
			SessionCheckTTL: cfg.SessionCheckTTL,
			CacheSize:       cfg.SessionCacheSize,
			TrustedProxies:  cfg.TrustedProxies,
			Logger:          log,
		}
		h.applyAuth(&c)
		authn, err := auth.New(ctx, c)
		if err != nil {
			return nil, err
		}
		a.Auth = authn
	}
	if a.Store == nil {
		db, err := store.Open(ctx, cfg.DatabaseURL, storeOptions(cfg, h)...)
		if err != nil {
			return nil, err
		}
		a.Store = db
		a.close = append(a.close, db.Close)
	}
	a.Handler = routes.New(routes.Deps{
		Auth: a.Auth, Store: a.Store, AllowedOrigins: cfg.CORSAllowedOrigins, Logger: log,
		Middleware: h.middleware,
		Routes:     func(r *gin.Engine) { h.AddRoutes(r, a.Deps) },
		OpenAPI:    h.openapi,
	})
	for _, start := range h.starts {
		if err := start(ctx, a.Deps); err != nil {
			return nil, errors.Join(err, a.Close())
		}
	}
	return a, nil
}

// RunServices runs the features' services until ctx ends, then waits for
// them. When one fails first, it stops the others and returns its error.
func (a *App) RunServices(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, svc := range a.hooks.services {
		wg.Go(func() {
			if err := svc(ctx, a.Deps); err != nil {
				cancel(err)
			}
		})
	}
	<-ctx.Done()
	wg.Wait()
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// Close releases what Build opened (the database); run it after the server
// and the services have stopped.
func (a *App) Close() error {
	var errs []error
	for _, c := range a.close {
		errs = append(errs, c())
	}
	a.close = nil
	return errors.Join(errs...)
}

// Command is a subcommand: `hanko-gin NAME args...`.
type Command struct {
	Name  string
	Usage string // e.g. "export [--dry-run]"
	Run   func(ctx context.Context, args []string, env CommandEnv) error
}

// CommandEnv is what a subcommand runs with: the settings the program read
// once at start, and where to report.
type CommandEnv struct {
	Stdout   io.Writer
	settings *config.Settings
	hooks    *Hooks
}

// Config returns the core settings, or the error naming every problem in
// the settings (the core's and the features'). A command asks after parsing
// its arguments, so that -h works without settings.
func (e CommandEnv) Config() (config.Config, error) {
	return e.settings.Core(), e.settings.Err()
}

// OpenStore opens DATABASE_URL as the server does, with every feature's
// store options (their migrations among them). The caller closes it.
func (e CommandEnv) OpenStore(ctx context.Context) (store.Store, error) {
	cfg, err := e.Config()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, cfg.DatabaseURL, storeOptions(cfg, e.hooks)...)
}

// OpenAPIFragments returns the features' fragments of the OpenAPI document.
func (e CommandEnv) OpenAPIFragments() [][]byte { return e.hooks.openapi }

// RunCommand runs the subcommand args[0]: one of core (the program's own)
// or one a feature registered. It reads the settings from s, as Build does.
func RunCommand(ctx context.Context, s *config.Settings, features []Feature, args []string, stdout io.Writer, core ...Command) error {
	config.Read(s)
	h := setup(s, features)
	env := CommandEnv{Stdout: stdout, settings: s, hooks: h}
	var usage []string
	for _, c := range append(core, h.commands...) {
		if len(args) > 0 && c.Name == args[0] {
			return c.Run(ctx, args[1:], env)
		}
		usage = append(usage, c.Usage)
	}
	name := ""
	if len(args) > 0 {
		name = args[0]
	}
	return fmt.Errorf("unknown argument %q (usage: hanko-gin [%s])", name, strings.Join(usage, " | "))
}

func setup(s *config.Settings, features []Feature) *Hooks {
	h := &Hooks{}
	for _, f := range features {
		f.Setup(s, h)
	}
	return h
}

func storeOptions(cfg config.Config, h *Hooks) []store.Option {
	return append([]store.Option{store.WithMaxTodosPerUser(cfg.TodosMaxPerUser)}, h.store...)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// isLocalHost reports whether host is loopback or a single-label name such as
// a compose service ("hanko"), where plain http stays on one machine or network.
func isLocalHost(host string) bool {
	if host == "localhost" || !strings.Contains(host, ".") && !strings.Contains(host, ":") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
