package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRemovedFeaturesAreGone builds this repository's server and the stand-in
// Hanko of the end-to-end test (e2e/fakehanko), starts both, and checks that
// the server verifies tokens and serves todos, that every present feature's
// routes and subcommands answer, and that every removed one's do not (404,
// nothing listening, unknown subcommand). On a full checkout it proves the
// probes see the features; in the scratch copies of scripts/test-removal.sh it
// proves the removal took them out of the running program.
func TestRemovedFeaturesAreGone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the server; not with -short")
	}
	root, err := tool{catalog: defaultCatalog, getwd: os.Getwd}.root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	server := goBuild(t, root, dir, "hanko-gin", ".")
	fake := goBuild(t, root, dir, "fakehanko", "./e2e/fakehanko")

	hanko := startFakeHanko(t, fake, dir)
	vars := map[string]string{"hanko_admin_url": hanko.AdminURL, "metrics_addr": freeAddr(t)}
	addr := freeAddr(t)
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir(),
		"HANKO_API_URL=" + hanko.URL, "PORT=" + addr[strings.LastIndex(addr, ":")+1:], "LOG_LEVEL=warn",
	}
	for _, f := range append(defaultCatalog.Features, defaultCatalog.Shared...) {
		for k, v := range f.ProbeEnv {
			env = append(env, k+"="+os.Expand(v, func(k string) string { return vars[k] }))
		}
	}
	token := hanko.Users["alice"].Token
	if token == "" {
		t.Fatalf("fakehanko minted no token for alice")
	}

	var logs bytes.Buffer
	cmd := exec.Command(server)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("the server's output:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	client := &http.Client{Timeout: 5 * time.Second}
	call := func(method, url, body string) (int, string, error) {
		req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if len(b) > 300 {
			b = append(b[:300], "..."...)
		}
		return resp.StatusCode, string(b), nil
	}

	// The core: up, verifying tokens (once the keys are loaded), serving todos.
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body, err := call("GET", base+"/api/me", "")
		if err == nil && status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /api/me with a valid token: %d %s %v", status, body, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, body, err := call("POST", base+"/api/todos", `{"title":"still here"}`); err != nil || status != http.StatusCreated {
		t.Fatalf("POST /api/todos: %d %s %v", status, body, err)
	}
	if status, body, err := call("GET", base+"/api/todos", ""); err != nil || status != http.StatusOK || !strings.Contains(body, "still here") {
		t.Fatalf("GET /api/todos: %d %s %v", status, body, err)
	}
	if status, _, err := call("GET", base+"/api/protected", ""); err != nil || status != http.StatusOK {
		t.Fatalf("GET /api/protected: %d %v", status, err)
	}

	for _, f := range append(defaultCatalog.Features, defaultCatalog.Shared...) {
		on := present(root, f)
		for _, r := range f.Routes {
			method, target, _ := strings.Cut(r, " ")
			url := os.Expand(target, func(k string) string { return vars[k] })
			if strings.HasPrefix(url, "/") {
				url = base + url
			}
			status, body, err := call(method, url, "")
			switch {
			case on && (err != nil || status == http.StatusNotFound):
				t.Errorf("%s is present, but %s %s answers %d %s %v", f.Name, method, url, status, body, err)
			case !on && err == nil && status != http.StatusNotFound:
				t.Errorf("%s is removed, but %s %s answers %d %s", f.Name, method, url, status, body)
			case !on && err != nil && strings.HasPrefix(target, "/"):
				t.Errorf("%s is removed; %s %s: %v, want 404", f.Name, method, url, err)
			}
		}
		for _, c := range f.Commands {
			sub := exec.Command(server, c, "-h")
			sub.Dir, sub.Env = dir, env
			out, _ := sub.CombinedOutput()
			unknown := regexp.MustCompile(`(?i)unknown[^\n]*"` + regexp.QuoteMeta(c) + `"`).Match(out)
			switch {
			case on && unknown:
				t.Errorf("%s is present, but `hanko-gin %s -h` says it is unknown:\n%s", f.Name, c, out)
			case !on && !unknown:
				t.Errorf("%s is removed, but `hanko-gin %s -h` does not say it is unknown:\n%s", f.Name, c, out)
			}
		}
	}
}

// goBuild builds pkg of the module at root into dir/name.
func goBuild(t *testing.T, root, dir, name, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

type fakeHanko struct {
	URL      string `json:"url"`
	AdminURL string `json:"admin_url"`
	Users    map[string]struct {
		Token string `json:"token"`
	} `json:"users"`
}

// startFakeHanko starts the stand-in Hanko and reads the URLs and tokens it
// writes once it listens.
func startFakeHanko(t *testing.T, bin, dir string) fakeHanko {
	t.Helper()
	out := filepath.Join(dir, "hanko.json")
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-out", out)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var h fakeHanko
		b, err := os.ReadFile(out)
		if err == nil && json.Unmarshal(b, &h) == nil && h.URL != "" {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("fakehanko wrote no %s in 20s (%v); its output:\n%s", out, err, logs.String())
		}
	}
}

// freeAddr returns a loopback address nothing listens on just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
