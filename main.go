// Command hanko-gin is a Gin API that verifies Hanko sessions.
//
//	hanko-gin              serve the API (settings from the environment and .env)
//	hanko-gin healthcheck  probe a running server's /healthz (for Docker HEALTHCHECK)
//	hanko-gin roles ...    grant, revoke and list roles through Hanko's admin API (roles_cmd.go)
//	hanko-gin purge-deleted-users [--dry-run] [--force]
//	                       delete the data of users Hanko deleted (purge.go)
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
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/joho/godotenv"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

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
	if len(args) > 0 {
		switch args[0] {
		case "healthcheck":
			return healthcheck(ctx, getenv)
		case "roles": // roles_cmd.go
			return rolesCommand(ctx, args[1:], getenv, stdout)
		case "purge-deleted-users": // purge.go
			return purgeDeletedUsers(ctx, args[1:], getenv, stdout)
		default:
			return fmt.Errorf("unknown argument %q (usage: hanko-gin [healthcheck | roles grant|revoke|list | purge-deleted-users [--dry-run] [--force]])", args[0])
		}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stdout)
	gin.SetMode(gin.ReleaseMode)
	warnPlainHTTP(log, cfg)

	var metrics *routes.Metrics // nil: METRICS_ADDR is empty, no metrics
	var onSessionCheck func(string, time.Duration)
	if cfg.MetricsAddr != "" {
		metrics = routes.NewMetrics()
		onSessionCheck = metrics.ObserveSessionCheck
	}
	authn, err := auth.New(ctx, auth.Config{
		HankoAPIURL:     cfg.HankoAPIURL,
		CookieName:      cfg.CookieName,
		Audience:        cfg.Audience,
		Issuer:          cfg.Issuer,
		SessionCheck:    cfg.SessionCheck,
		SessionCheckTTL: cfg.SessionCheckTTL,
		CacheSize:       cfg.SessionCacheSize,
		Logger:          log,
		OnSessionCheck:  onSessionCheck,
	})
	if err != nil {
		return err
	}
	admin, err := adminClient(cfg) // nil without HANKO_ADMIN_API_URL: the admin area answers 503
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, store.WithMaxTodosPerUser(cfg.TodosMaxPerUser))
	if err != nil {
		return err
	}
	defer db.Close()

	srv := &http.Server{
		Addr: net.JoinHostPort("", strconv.Itoa(cfg.Port)),
		Handler: routes.New(routes.Deps{
			Auth: authn, Store: db, AllowedOrigins: cfg.CORSAllowedOrigins, Logger: log, Metrics: metrics, Admin: admin,
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 2)
	metricsSrv, err := startMetrics(cfg.MetricsAddr, metrics, log, serveErr)
	if err != nil {
		return err
	}
	defer metricsSrv.close()
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	defer srv.Close() // when the metrics listener fails; after Shutdown it does nothing
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
	if err := metricsSrv.shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown of the metrics listener: %w", err)
	}
	log.Info("stopped")
	return nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// warnPlainHTTP warns about settings that send secrets or trust over plain
// http to another machine.
func warnPlainHTTP(log *slog.Logger, cfg config.Config) {
	if u, _ := url.Parse(cfg.HankoAPIURL); u != nil && u.Scheme == "http" && !isLocalHost(u.Hostname()) {
		log.Warn("HANKO_API_URL uses plain http to a remote host: anyone on the network path could swap Hanko's signing keys; use https",
			"hanko_api_url", cfg.HankoAPIURL)
	}
	if cfg.AdminAPIKey == "" || cfg.AdminAPIURL == "" {
		return
	}
	if u, _ := url.Parse(cfg.AdminAPIURL); u != nil && u.Scheme == "http" && !isLocalHost(u.Hostname()) {
		u.User = nil // config refuses credentials in the URL; never log them anyway
		log.Warn("HANKO_ADMIN_API_URL uses plain http to a remote host while HANKO_ADMIN_API_KEY is set: anyone on the network path "+
			"could read the key and change every user's roles; use https", "hanko_admin_api_url", u.Redacted())
	}
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
