// Command hanko-gin is a Gin API that verifies Hanko sessions.
//
//	hanko-gin              serve the API (settings from the environment and .env)
//	hanko-gin healthcheck  probe a running server's /healthz (for Docker HEALTHCHECK)
//	hanko-gin openapi      print the API contract (OpenAPI 3.1, JSON), as /openapi.json serves it
//	hanko-gin COMMAND ...  a feature's subcommand (an unknown one lists them)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/joho/godotenv"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/features/metrics"
	"github.com/hanko-gin/hanko-gin/features/roles"
	"github.com/hanko-gin/hanko-gin/features/webhooks"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

// features are the optional parts, one line each.
// `go run ./cmd/starter remove NAME` deletes one with its line. // feature:starter
var features = []app.Feature{
	webhooks.Feature{}, // feature:webhooks — Hanko webhooks: revoke deleted users and ended sessions, delete a deleted user's data; the purge (docs/webhooks.md)
	roles.Feature{},    // feature:roles — roles from Hanko metadata: the admin area, the roles subcommand (docs/roles.md)
	metrics.Feature{},  // feature:metrics — Prometheus metrics on METRICS_ADDR (docs/metrics.md)
}

func main() {
	if err := run(context.Background(), os.Args[1:], envWithDotenv(".env"), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hanko-gin:", err)
		os.Exit(1)
	}
}

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Settings: the core's, then each feature's (they register their hooks).
	settings := config.NewSettings(getenv)
	cfg := config.Read(settings)
	hooks := &app.Hooks{}
	for _, f := range features {
		f.Setup(settings, hooks)
	}
	if len(args) > 0 {
		return command(ctx, hooks, args, getenv, stdout)
	}
	if err := settings.Err(); err != nil {
		return err
	}
	log := newLogger(cfg, stdout)
	for _, w := range settings.Retired() {
		log.Warn(w)
	}
	gin.SetMode(gin.ReleaseMode)
	if u, _ := url.Parse(cfg.HankoAPIURL); u.Scheme == "http" && !isLocalHost(u.Hostname()) {
		log.Warn("HANKO_API_URL uses plain http to a remote host: anyone on the network path could swap Hanko's signing keys; use https",
			"hanko_api_url", cfg.HankoAPIURL)
	}

	authCfg := auth.Config{
		HankoAPIURL:     cfg.HankoAPIURL,
		CookieName:      cfg.CookieName,
		Audience:        cfg.Audience,
		Issuer:          cfg.Issuer,
		SessionCheck:    cfg.SessionCheck,
		SessionCheckTTL: cfg.SessionCheckTTL,
		CacheSize:       cfg.SessionCacheSize,
		Logger:          log,
	}
	hooks.ApplyAuth(&authCfg)
	authn, err := auth.New(ctx, authCfg)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, append([]store.Option{store.WithMaxTodosPerUser(cfg.TodosMaxPerUser)}, hooks.StoreOptions()...)...)
	if err != nil {
		return err
	}
	defer db.Close()
	deps := app.Deps{Auth: authn, Store: db, Logger: log, Config: cfg}

	srv := &http.Server{
		Addr: net.JoinHostPort("", strconv.Itoa(cfg.Port)),
		Handler: routes.New(routes.Deps{
			Auth: authn, Store: db, AllowedOrigins: cfg.CORSAllowedOrigins, Logger: log,
			Middleware: hooks.Middlewares(),
			Routes:     func(r *gin.Engine) { hooks.AddRoutes(r, deps) },
			OpenAPI:    hooks.OpenAPIFragments(),
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	defer srv.Close() // when a service fails; after Shutdown it does nothing

	// The features' services (e.g. a listener of their own) run until the
	// server has shut down; the first to fail stops the server.
	var services sync.WaitGroup
	defer services.Wait()
	serviceCtx, stopServices := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServices()
	serveErr := make(chan error, 1+len(hooks.Services()))
	for _, s := range hooks.Services() {
		services.Go(func() {
			if err := s(serviceCtx, deps); err != nil {
				serveErr <- err
			}
		})
	}
	log.Info("hanko-gin listening", "addr", ln.Addr().String(), "hanko_api_url", cfg.HankoAPIURL,
		"cors_allowed_origins", cfg.CORSAllowedOrigins, "session_check", cfg.SessionCheck)

	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	stop() // a second Ctrl-C or SIGTERM now ends the process at once
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	stopServices()
	services.Wait()
	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	default:
	}
	log.Info("stopped")
	return nil
}

// command runs the subcommand args[0]: healthcheck, or one a feature
// registered.
func command(ctx context.Context, hooks *app.Hooks, args []string, getenv func(string) string, stdout io.Writer) error {
	usage := []string{"healthcheck", "openapi"}
	switch args[0] {
	case "healthcheck":
		return healthcheck(ctx, getenv)
	case "openapi": // the API contract with the features compiled in, as /openapi.json serves it
		doc, err := routes.Document(hooks.OpenAPIFragments()...)
		if err == nil {
			_, err = fmt.Fprintf(stdout, "%s\n", doc)
		}
		return err
	}
	for _, c := range hooks.Commands() {
		if c.Name == args[0] {
			return c.Run(ctx, args[1:], getenv, stdout)
		}
		usage = append(usage, c.Usage)
	}
	return fmt.Errorf("unknown argument %q (usage: hanko-gin [%s])", args[0], strings.Join(usage, " | "))
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
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

// envWithDotenv looks a variable up in the real environment first, then in
// the .env file (a missing file is fine; the real environment always wins).
func envWithDotenv(path string) func(string) string {
	file, err := godotenv.Read(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "hanko-gin: ignoring %s: %v\n", path, err)
	}
	return func(key string) string {
		if v, ok := os.LookupEnv(key); ok {
			return v
		}
		return file[key]
	}
}

// healthcheck asks the local server's /healthz, for images without curl.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	port := getenv("PORT")
	if port == "" {
		port = strconv.Itoa(config.DefaultPort)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort("127.0.0.1", port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %s", resp.Status)
	}
	return nil
}
