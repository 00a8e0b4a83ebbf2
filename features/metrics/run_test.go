package metrics

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
)

// The program with METRICS_ADDR set counts a request served on the public
// port, serves the scrape on METRICS_ADDR only, and closes that listener
// too when it shuts down.
func TestProgramServesMetricsOnItsOwnListener(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", apptest.FreePort(t))
	srv := apptest.Start(t, apptest.Binary(t), map[string]string{
		"HANKO_API_URL": hanko.URL,
		"METRICS_ADDR":  strings.TrimSuffix(strings.TrimPrefix(metricsURL, "http://"), "/metrics"),
		"DATABASE_URL":  "sqlite://" + filepath.Join(t.TempDir(), "todos.db"),
	})
	scrapeMetrics(t, srv.Base, metricsURL, hanko.Token(authtest.Session{UserID: "user-0"}))
	if !srv.Stop() {
		t.Errorf("the program did not exit cleanly on SIGTERM:\n%s", srv.Output())
	}
	if _, err := http.Get(metricsURL); err == nil {
		t.Error("metrics listener still answers after shutdown")
	}
}

// scrapeMetrics sends one good request to the public port, then checks the
// metrics listener counted it and the public port does not serve /metrics.
func scrapeMetrics(t *testing.T, base, metricsURL, token string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/protected", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/protected: %d", resp.StatusCode)
	}
	resp, err = http.Get(metricsURL)
	if err != nil {
		t.Fatalf("scraping METRICS_ADDR: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("GET %s: %d %q", metricsURL, resp.StatusCode, ct)
	}
	for _, want := range []string{
		`hanko_gin_auth_decisions_total{result="ok"} 1` + "\n",
		`hanko_gin_http_requests_total{method="GET",route="/api/protected",status="200"} 1` + "\n",
		"hanko_gin_auth_jwks_keys_loaded 1\n",
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the scrape lacks %q", want)
		}
	}
	if strings.Contains(string(body), token[strings.LastIndex(token, ".")+1:]) {
		t.Error("the token appears in the metrics")
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("/metrics on the public port answered %d, want 404", resp.StatusCode)
	}
}

// A METRICS_ADDR that cannot be listened on stops start-up: nothing serves.
func TestProgramRefusesToStartWhenMetricsCannotListen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	hanko := authtest.NewServer()
	defer hanko.Close()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := apptest.FreePort(t)
	out, err := apptest.Run(t, apptest.Binary(t), map[string]string{
		"HANKO_API_URL": hanko.URL,
		"PORT":          fmt.Sprint(port),
		"METRICS_ADDR":  busy.Addr().String(),
		"DATABASE_URL":  "sqlite://" + filepath.Join(t.TempDir(), "todos.db"),
	})
	if err == nil || !strings.Contains(out, "METRICS_ADDR") {
		t.Fatalf("the program = %v, want an error naming METRICS_ADDR:\n%s", err, out)
	}
	if _, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port)); err == nil {
		t.Error("the public port answers although start-up failed")
	}
}
