package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/openapitest"
	"github.com/hanko-gin/hanko-gin/routes"
)

// TestMain lets the test binary stand in for the backend that run starts:
// with OPENAPIPROXY_TEST_BACKEND=1 it serves the core document and /healthz
// on $PORT; with OPENAPIPROXY_TEST_BACKEND=exit it fails at once.
func TestMain(m *testing.M) {
	switch os.Getenv("OPENAPIPROXY_TEST_BACKEND") {
	case "exit":
		os.Exit(3)
	case "1":
		doc, err := routes.Document()
		if err != nil {
			panic(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(doc)
		})
		mux.Handle("GET /healthz", backend(nil))
		panic(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux))
	}
	os.Exit(m.Run())
}

// backend answers /healthz as the document says, and ?broken=1 not; it
// keeps the headers of the last request it got in seen.
func backend(seen *http.Header) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			mu.Lock()
			*seen = r.Header.Clone()
			seen.Set("Host", r.Host)
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Add("Set-Cookie", "a=1; Path=/; HttpOnly; SameSite=Lax")
		w.Header().Add("Set-Cookie", "b=2; Path=/")
		switch {
		case r.URL.Path != "/healthz":
			w.Write([]byte(`{"status":"ok"}`)) // a 200 on a path the document does not have
		case r.URL.Query().Get("broken") == "1":
			w.Write([]byte(`{"status":"fine"}`))
		default:
			w.Write([]byte(`{"status":"ok"}`))
		}
	})
}

func coreValidator(t *testing.T) *openapitest.Validator {
	t.Helper()
	doc, err := routes.Document()
	if err != nil {
		t.Fatal(err)
	}
	v, err := openapitest.Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func verdict(t *testing.T, base string) (int, Verdict) {
	t.Helper()
	resp, err := http.Get(base + VerdictPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v Verdict
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, v
}

func TestProxyPassesCORSAndCookiesUnchanged(t *testing.T) {
	var seen http.Header
	up := httptest.NewServer(backend(&seen))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	var log bytes.Buffer
	front := httptest.NewServer(New(target, coreValidator(t), &log))
	defer front.Close()

	req, _ := http.NewRequest("GET", front.URL+"/healthz", nil)
	req.Host = "localhost:5555"
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Cookie", "hanko=tok; other=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	for name, want := range map[string]string{"Origin": "http://localhost:5173", "Cookie": "hanko=tok; other=x", "Host": "localhost:5555", "X-Forwarded-For": "", "X-Forwarded-Host": "", "Forwarded": ""} {
		if got := seen.Get(name); got != want {
			t.Errorf("the backend got %s %q, want %q", name, got, want)
		}
	}
	if got, want := resp.Header.Values("Set-Cookie"), []string{"a=1; Path=/; HttpOnly; SameSite=Lax", "b=2; Path=/"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Set-Cookie %q, want %q", got, want)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "http://localhost:5173" {
		t.Errorf("Access-Control-Allow-Origin %q", got)
	}
	if resp.StatusCode != 200 || string(body) != `{"status":"ok"}` {
		t.Errorf("the client got %d %s", resp.StatusCode, body)
	}
	if code, v := verdict(t, front.URL); code != 200 || v.Exchanges != 1 || len(v.Mismatches) != 0 {
		t.Errorf("verdict %d %+v, want 200 with one matching exchange; log:\n%s", code, v, &log)
	}
}

func TestProxyVerdictNamesEachMismatch(t *testing.T) {
	up := httptest.NewServer(backend(nil))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	var log bytes.Buffer
	front := httptest.NewServer(New(target, coreValidator(t), &log))
	defer front.Close()

	if code, v := verdict(t, front.URL); code != http.StatusUnprocessableEntity || v.Exchanges != 0 {
		t.Errorf("verdict before any exchange: %d %+v, want 422 (nothing checked)", code, v)
	}
	for _, path := range []string{"/healthz", "/healthz?broken=1", "/nowhere", "/healthz?broken=1"} {
		resp, err := http.Get(front.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// The client gets the backend's answer, mismatch or not.
		if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`{"status":`)) {
			t.Errorf("GET %s: the client got %d %s", path, resp.StatusCode, body)
		}
	}
	code, v := verdict(t, front.URL)
	if code != http.StatusUnprocessableEntity || v.Exchanges != 4 || len(v.Mismatches) != 2 {
		t.Fatalf("verdict %d %+v, want 422 with 2 distinct mismatches in 4 exchanges", code, v)
	}
	broken, nowhere := v.Mismatches[0], v.Mismatches[1]
	if broken.Request != "GET /healthz?broken=1" || broken.Status != 200 || broken.Operation != "getHealth" || broken.Count != 2 || !strings.Contains(broken.Problem, "does not match") {
		t.Errorf("the broken response: %+v", broken)
	}
	if nowhere.Request != "GET /nowhere" || nowhere.Operation != "" || nowhere.Count != 1 || !strings.Contains(nowhere.Problem, "no path") {
		t.Errorf("the undocumented path: %+v", nowhere)
	}
	for _, want := range []string{"3 of 4 exchanges", "GET /healthz?broken=1 → 200 (getHealth) (2 times)", "GET /nowhere → 200 (no operation)"} {
		if !strings.Contains(v.Report, want) {
			t.Errorf("the report lacks %q:\n%s", want, v.Report)
		}
	}
	if n := strings.Count(log.String(), "MISMATCH"); n != 2 {
		t.Errorf("%d mismatches logged, want 2 (each distinct one once):\n%s", n, &log)
	}
}

// TestRunStandsInForTheBackend runs the proxy as the e2e harness does: in
// the backend's place on PORT, the backend started by it (this test binary,
// see TestMain) and stopped with it.
func TestRunStandsInForTheBackend(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	env := append(os.Environ(), "OPENAPIPROXY_TEST_BACKEND=1", "PORT="+strconv.Itoa(port))
	go func() { done <- run(ctx, []string{"--", os.Args[0]}, env, &out, &out) }()

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("run ended: %v\n%s", err, &out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer through the proxy after 30s:\n%s", &out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, v := verdict(t, base); code != 200 || v.Exchanges != 1 {
		t.Errorf("verdict %d %+v", code, v)
	}
	cancel()
	select {
	case err := <-done:
		// The backend was stopped with SIGTERM, which ends it (Go's default) with a failure.
		var exit interface{ ExitCode() int }
		if err != nil && !errors.As(err, &exit) {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not end after its context")
	}
}

// A backend that fails at start-up ends the proxy with a sentence, soon.
func TestRunEndsWhenTheBackendCannotStart(t *testing.T) {
	env := append(os.Environ(), "OPENAPIPROXY_TEST_BACKEND=exit", "PORT=0")
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), []string{"--", os.Args[0]}, env, io.Discard, io.Discard) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "exited before serving its OpenAPI document") {
			t.Errorf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run still waits for a backend that has exited")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
