package metrics

import (
	"errors"
	"strings"
	"testing"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/config"
)

// setup runs the feature's Setup after the core's settings, as main does.
func setup(env map[string]string) (*app.Hooks, error) {
	s := config.NewSettings(func(k string) string { return env[k] })
	config.Read(s)
	h := &app.Hooks{}
	Feature{}.Setup(s, h)
	return h, s.Err()
}

func TestMetricsAddrRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		set     map[string]string
		mention string
	}{
		{"without port", map[string]string{"METRICS_ADDR": "127.0.0.1"}, "METRICS_ADDR"},
		{"as a URL", map[string]string{"METRICS_ADDR": "http://127.0.0.1:9090"}, "must be host:port"},
		{"with a path", map[string]string{"METRICS_ADDR": "localhost:9090/metrics"}, "METRICS_ADDR"},
		{"port zero", map[string]string{"METRICS_ADDR": "127.0.0.1:0"}, "port from 1 to 65535"},
		{"port out of range", map[string]string{"METRICS_ADDR": "127.0.0.1:65536"}, "port from 1 to 65535"},
		{"port by name", map[string]string{"METRICS_ADDR": "127.0.0.1:http"}, "port from 1 to 65535"},
		{"port with leading zero", map[string]string{"METRICS_ADDR": "127.0.0.1:09090"}, "port from 1 to 65535"},
		{"the default public port", map[string]string{"METRICS_ADDR": "127.0.0.1:5001"}, "the public PORT"},
		{"the public port", map[string]string{"PORT": "8080", "METRICS_ADDR": ":8080"}, "the public PORT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.set["HANKO_API_URL"] = "http://localhost:8000"
			_, err := setup(tc.set)
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("accepted %v (err %v)", tc.set, err)
			}
			if len(ce.Problems) != 1 || !strings.Contains(ce.Problems[0], tc.mention) {
				t.Errorf("problems = %q, want one mentioning %q", ce.Problems, tc.mention)
			}
		})
	}
}

func TestMetricsAddrAccepted(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:9090", ":9090", "[::1]:9090", "localhost:9090", "metrics.internal:9100", "0.0.0.0:5002"} {
		h, err := setup(map[string]string{"HANKO_API_URL": "http://localhost:8000", "METRICS_ADDR": addr})
		if err != nil || len(h.Services()) != 1 || len(h.Middlewares()) != 1 {
			t.Errorf("METRICS_ADDR %q: err %v, %d services, %d middlewares", addr, err, len(h.Services()), len(h.Middlewares()))
		}
	}
	// Empty: metrics off, no hook at all.
	if h, err := setup(map[string]string{"HANKO_API_URL": "http://localhost:8000"}); err != nil || len(h.Services())+len(h.Middlewares()) != 0 {
		t.Errorf("METRICS_ADDR unset: err %v, hooks %d", err, len(h.Services())+len(h.Middlewares()))
	}
}
