package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/config"
)

// Feature is the metrics feature, for main.go's feature list. With
// METRICS_ADDR empty it does nothing.
type Feature struct{}

// Name implements app.Feature.
func (Feature) Name() string { return "metrics" }

// Setup implements app.Feature: it reads METRICS_ADDR and, when it is set,
// adds the middleware, the session-check observer, the counters other
// features ask for, and the listener.
func (Feature) Setup(s *config.Settings, h *app.Hooks) {
	addr := s.Get("METRICS_ADDR", "")
	if err := checkAddr(addr, s.Core().Port); err != nil {
		s.Bad("METRICS_ADDR %v", err)
		return
	}
	if addr == "" {
		return
	}
	m := NewMetrics()
	h.OnSessionCheck(m.ObserveSessionCheck)
	h.Middleware(m.Middleware())
	h.ProvideCounters(m.Counter)
	h.Service(func(ctx context.Context, d app.Deps) error {
		m.CollectAuth(d.Auth)
		return serve(ctx, addr, m.Handler(d.Logger), d.Logger)
	})
}

// serve serves h on addr, a listener of its own (the public port never
// answers /metrics), until ctx ends; then it lets a scrape in progress
// finish.
func serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("METRICS_ADDR: %w", err)
	}
	log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("metrics listener: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown of the metrics listener: %w", err)
	}
	return nil
}

// checkAddr accepts "" (off) or host:port with a port from 1 to 65535
// that is not the public port (0 when PORT is invalid; checked elsewhere). An
// empty host means every interface.
func checkAddr(addr string, publicPort int) error {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(port)
	switch {
	case err != nil || strings.ContainsAny(host, " /@?#[]") || (host != "" && net.ParseIP(host) == nil && !validHostname(host)):
		return fmt.Errorf("%q must be host:port, e.g. 127.0.0.1:9090 (empty turns metrics off)", addr)
	case perr != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port:
		return fmt.Errorf("%q must have a port from 1 to 65535, e.g. 127.0.0.1:9090", addr)
	case n == publicPort:
		return fmt.Errorf("%q uses port %d, the public PORT: metrics need a port of their own, never the public one", addr, n)
	}
	return nil
}

// validHostname accepts DNS names: letters, digits, hyphens and dots.
func validHostname(h string) bool {
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
