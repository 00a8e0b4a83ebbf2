// Command openapiproxy holds the browser end-to-end run to the API contract:
// it runs the backend behind a reverse proxy that checks every request and
// every response against the OpenAPI document, with the same rules as the Go
// route tests (internal/openapitest).
//
//	PORT=8080 openapiproxy -- ./hanko-gin [ARGS...]
//
// It takes the backend's place: it listens on $PORT, starts the command with
// PORT set to a free loopback port, waits for the document the backend serves
// at /openapi.json (the core and the features compiled in) and then forwards
// every request to the backend. Requests and responses pass as they are:
// Host, Origin, Cookie, Set-Cookie and the CORS headers are not touched, and
// no X-Forwarded-* header is added, so the backend sees the browser's
// requests and the browser the backend's answers.
//
// A mismatch is printed at once (on stderr) and kept for the verdict:
// GET /_openapiproxy/verdict answers 200 when every exchange so far matched
// the document, 422 when one did not or none was seen, with JSON naming each
// mismatch's request, status, operation and problem. The proxy exits when
// the backend does, with its exit status; SIGINT and SIGTERM are passed on.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/openapitest"
)

// VerdictPath is answered by the proxy itself, never forwarded.
const VerdictPath = "/_openapiproxy/verdict"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "openapiproxy:", err)
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			os.Exit(exit.ExitCode())
		}
		os.Exit(1)
	}
}

// run starts the backend (args) with env, its PORT replaced, and proxies to
// it on env's PORT until it exits or ctx ends.
func run(ctx context.Context, args []string, env []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("usage: PORT=8080 openapiproxy -- BACKEND [ARGS...]")
	}
	env, port := withoutPort(env)
	if port == "" {
		return errors.New("PORT is not set: the proxy listens where the backend would")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("", port))
	if err != nil {
		return err
	}
	defer ln.Close()

	backendPort, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(env, "PORT="+strconv.Itoa(backendPort))
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	// exited closes when the backend has exited; waitErr is then its status.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()

	backend := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(backendPort))}
	stopBackend := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	doc, err := fetchDocument(ctx, backend.String()+"/openapi.json", exited)
	if err != nil {
		stopBackend()
		return err
	}
	v, err := openapitest.Load(doc)
	if err != nil {
		stopBackend()
		return err
	}
	p := New(backend, v, stderr)
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stderr, "openapiproxy: checking the exchanges on :%s against the backend's document, backend on :%d\n", port, backendPort)

	select {
	case <-exited:
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// No last words on stdout or stderr: a harness that pipes both into one
	// file may close it at the first end it sees. The verdict is asked for.
	_ = srv.Shutdown(shutdown)
	return waitErr
}

// fetchDocument polls url until it answers 200, the backend exits, or a minute passes.
func fetchDocument(ctx context.Context, url string, exited <-chan struct{}) ([]byte, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && rerr == nil {
				return body, nil
			}
			err = fmt.Errorf("%s answered %d", url, resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no OpenAPI document from the backend after a minute: %w", err)
		}
		select {
		case <-exited:
			return nil, errors.New("the backend exited before serving its OpenAPI document (its output says why)")
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Proxy forwards to the backend and checks each exchange.
type Proxy struct {
	v      *openapitest.Validator
	rp     *httputil.ReverseProxy
	log    io.Writer
	mu     sync.Mutex
	seen   int
	misses []Mismatch
}

// Mismatch is one exchange the document disagrees with.
type Mismatch struct {
	Request   string `json:"request"` // "POST /api/todos"
	Status    int    `json:"status"`
	Operation string `json:"operation,omitempty"` // "" when the document has no operation for the request
	Problem   string `json:"problem"`
	Count     int    `json:"count"` // how many exchanges had this same mismatch
}

// Verdict is the answer of GET /_openapiproxy/verdict.
type Verdict struct {
	Exchanges  int        `json:"exchanges"`  // checked so far
	Mismatches []Mismatch `json:"mismatches"` // each distinct one once
	Report     string     `json:"report"`     // the same, as sentences
}

type exchangeKey struct{}

// exchange is the client's request as it came in, kept for the check.
type exchange struct {
	req  *http.Request
	body []byte
}

// New returns a proxy to backend that checks exchanges with v and prints
// mismatches to log.
func New(backend *url.URL, v *openapitest.Validator, log io.Writer) *Proxy {
	p := &Proxy{v: v, log: log}
	p.rp = &httputil.ReverseProxy{
		// Rewrite (not Director) adds no X-Forwarded-* headers; the Host
		// stays the client's, so the backend sees the request as sent.
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(backend)
			r.Out.Host = r.In.Host
		},
		ModifyResponse: p.check,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			// Not the backend's answer: nothing to check (the harness
			// polls before the backend is ready).
			http.Error(w, "openapiproxy: the backend did not answer: "+err.Error(), http.StatusBadGateway)
		},
	}
	return p
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == VerdictPath {
		v := p.Verdict()
		w.Header().Set("Content-Type", "application/json")
		if v.Exchanges == 0 || len(v.Mismatches) > 0 {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		_ = json.NewEncoder(w).Encode(v)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "openapiproxy: reading the request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := r.Clone(r.Context())
	in.Body = nil
	r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, &exchange{req: in, body: body}))
	p.rp.ServeHTTP(w, r)
}

// check runs on the backend's response before it goes to the client.
func (p *Proxy) check(resp *http.Response) error {
	x, ok := resp.Request.Context().Value(exchangeKey{}).(*exchange)
	if !ok {
		return errors.New("openapiproxy: a response without its request")
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	copied := *resp
	copied.Body = io.NopCloser(bytes.NewReader(body))
	cerr := p.v.Check(x.req, x.body, &copied)

	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen++
	if cerr == nil {
		return nil
	}
	m := Mismatch{Request: x.req.Method + " " + x.req.URL.RequestURI(), Status: resp.StatusCode, Problem: cerr.Error()}
	var mm *openapitest.Mismatch
	if errors.As(cerr, &mm) {
		m.Operation = mm.Operation
	}
	for i := range p.misses {
		if same := &p.misses[i]; same.Request == m.Request && same.Status == m.Status && same.Problem == m.Problem {
			same.Count++
			return nil
		}
	}
	m.Count = 1
	p.misses = append(p.misses, m)
	fmt.Fprintf(p.log, "openapiproxy: MISMATCH %s\n", m)
	return nil
}

func (m Mismatch) String() string {
	op := m.Operation
	if op == "" {
		op = "no operation"
	}
	times := ""
	if m.Count > 1 {
		times = fmt.Sprintf(" (%d times)", m.Count)
	}
	return fmt.Sprintf("%s → %d (%s)%s: %s", m.Request, m.Status, op, times, m.Problem)
}

// Verdict is what the proxy has seen so far.
func (p *Proxy) Verdict() Verdict {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := Verdict{Exchanges: p.seen, Mismatches: append([]Mismatch{}, p.misses...)}
	switch {
	case p.seen == 0:
		v.Report = "no exchange went through the proxy: nothing was checked"
	case len(p.misses) == 0:
		v.Report = fmt.Sprintf("every exchange (%d) matches the OpenAPI document", p.seen)
	default:
		n := 0
		for _, m := range p.misses {
			n += m.Count
		}
		lines := []string{fmt.Sprintf("%d of %d exchanges do not match the OpenAPI document:", n, p.seen)}
		for _, m := range p.misses {
			lines = append(lines, "- "+m.String())
		}
		v.Report = strings.Join(lines, "\n")
	}
	return v
}

// withoutPort returns env without PORT, and PORT's value.
func withoutPort(env []string) (rest []string, port string) {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PORT="); ok {
			port = v
		} else {
			rest = append(rest, kv)
		}
	}
	return rest, port
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
