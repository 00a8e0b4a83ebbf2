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
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/joho/godotenv"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/features/metrics"
	"github.com/hanko-gin/hanko-gin/features/roles"
	"github.com/hanko-gin/hanko-gin/features/webhooks"
	"github.com/hanko-gin/hanko-gin/routes"
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
	gin.SetMode(gin.ReleaseMode)

	settings := config.NewSettings(getenv)
	if len(args) > 0 {
		return app.RunCommand(ctx, settings, features, args, stdout,
			app.Command{Name: "healthcheck", Usage: "healthcheck", Run: healthcheck},
			app.Command{Name: "openapi", Usage: "openapi", Run: printOpenAPI})
	}
	a, err := app.Build(ctx, settings, features, app.Options{Log: stdout})
	if err != nil {
		return err
	}
	defer a.Close()
	return serve(ctx, stop, a)
}

// serve answers HTTP on PORT and runs the features' services until ctx
// ends, then shuts down gracefully: in-flight requests get their answers.
func serve(ctx context.Context, stop context.CancelFunc, a *app.App) error {
	log, cfg := a.Logger, a.Config
	srv := &http.Server{
		Addr:              net.JoinHostPort("", strconv.Itoa(cfg.Port)),
		Handler:           a.Handler,
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

	// The services (e.g. a listener of their own) outlive the server's shutdown
	// by a little: they stop once it is over.
	servicesCtx, stopServices := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServices()
	servicesDone := make(chan error, 1)
	go func() { servicesDone <- a.RunServices(servicesCtx) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("hanko-gin listening", "addr", ln.Addr().String(), "hanko_api_url", cfg.HankoAPIURL,
		"cors_allowed_origins", cfg.CORSAllowedOrigins, "session_check", cfg.SessionCheck)

	select {
	case err := <-serveErr:
		stopServices()
		return errors.Join(err, <-servicesDone)
	case err := <-servicesDone:
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
	if err := <-servicesDone; err != nil {
		return err
	}
	log.Info("stopped")
	return nil
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

// printOpenAPI prints the API contract with the features compiled in, as
// /openapi.json serves it.
func printOpenAPI(_ context.Context, _ []string, env app.CommandEnv) error {
	doc, err := routes.Document(env.OpenAPIFragments()...)
	if err == nil {
		_, err = fmt.Fprintf(env.Stdout, "%s\n", doc)
	}
	return err
}

// healthcheck asks the local server's /healthz, for images without curl.
func healthcheck(ctx context.Context, _ []string, env app.CommandEnv) error {
	cfg, err := env.Config()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port))+"/healthz", nil)
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
