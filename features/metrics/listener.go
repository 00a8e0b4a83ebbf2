package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hanko-gin/hanko-gin/routes"
)

// metricsServer serves Prometheus' /metrics on METRICS_ADDR, a listener of
// its own: the public port never answers it. Delete this file and the lines
// that mention metrics in run to remove the feature.
type metricsServer struct{ srv *http.Server }

// startMetrics listens on addr and serves m there until shutdown; if serving
// fails, the error goes to serveErr. With m nil (METRICS_ADDR empty) it does
// nothing and returns nil.
func startMetrics(addr string, m *routes.Metrics, log *slog.Logger, serveErr chan<- error) (*metricsServer, error) {
	if m == nil {
		return nil, nil
	}
	srv := &http.Server{
		Addr:              addr,
		Handler:           m.Handler(log),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("METRICS_ADDR: %w", err)
	}
	log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			serveErr <- fmt.Errorf("metrics listener: %w", err)
		}
	}()
	return &metricsServer{srv: srv}, nil
}

// shutdown stops the listener, letting a scrape in progress finish.
func (s *metricsServer) shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}

// close stops it at once (after shutdown, it does nothing).
func (s *metricsServer) close() {
	if s != nil {
		_ = s.srv.Close()
	}
}
