// Command loadbench is the Hanko side of scripts/bench.sh: a stand-in Hanko
// (authtest, RSA-4096 like real Hanko) on loopback that also writes the tokens
// the load generator sends.
//
//	loadbench hanko -dir DIR [-addr 127.0.0.1:0] [-bits 4096] [-tokens 256] [-forged 4096]
//	loadbench newcomers -url URL -tokens FILE [-every 200ms] [-for 8s] [-from 127.0.1.]
//	loadbench webhooks -url URL -hanko URL [-n 12] [-every 300ms] [-from 127.0.0.2]
//
// hanko writes DIR/token (one session token), DIR/tokens (distinct tokens, one
// a line), DIR/bad-token (token with one signature byte changed),
// DIR/forged-tokens (distinct forgeries: the header with Hanko's kid and the
// claims of a valid token, and a random, well-formed signature, so each one
// passes every check but the RSA one; minting them costs nothing) and, last,
// when it serves, DIR/url. GET /_stats answers {"jwks":N,"validate":M}: the
// calls it has served; GET /_webhook a freshly signed delivery body of
// session.delete.explicit.logout for a new session, as Hanko sends it. It
// stops on SIGINT/SIGTERM or after -max-run.
//
// newcomers plays users signing in during a flood: every -every it sends the
// next never-seen token of FILE to URL (GET, as a cookie), each token on its
// own, retrying a 503 after its Retry-After (at most 3 tries), for -for. With
// -from, newcomer i connects from the loopback address -from + (1 + i%250):
// each newcomer is another client to the server's fair queue, as real users
// are. It prints one line: NEWCOMERS sent=.. first_try=.. after_retry=..
// never=.. invalid=.. p50_ms=.. max_ms=.. (latency of the successful answer).
//
// webhooks plays Hanko during a flood: every -every it fetches a fresh
// delivery from the stand-in (-hanko) and POSTs it to URL once (Hanko never
// retries), from the address -from. It prints one line: WEBHOOKS sent=..
// ok=.. refused=.. p50_ms=.. max_ms=.. (ok: answered 2xx).
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

func main() {
	var run func([]string) error
	switch {
	case len(os.Args) >= 2 && os.Args[1] == "hanko":
		run = hanko
	case len(os.Args) >= 2 && os.Args[1] == "newcomers":
		run = newcomers
	case len(os.Args) >= 2 && os.Args[1] == "webhooks":
		run = webhooks
	default:
		fmt.Fprintln(os.Stderr, "usage: loadbench hanko -dir DIR [-addr 127.0.0.1:0] [-bits 4096] [-tokens 256] [-forged 4096] [-max-run 30m]")
		fmt.Fprintln(os.Stderr, "       loadbench newcomers -url URL -tokens FILE [-every 200ms] [-for 8s] [-from 127.0.1.]")
		fmt.Fprintln(os.Stderr, "       loadbench webhooks -url URL -hanko URL [-n 12] [-every 300ms] [-from 127.0.0.2]")
		os.Exit(2)
	}
	if err := run(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

func hanko(args []string) error {
	fs := flag.NewFlagSet("hanko", flag.ExitOnError)
	dir := fs.String("dir", "", "directory for the token files and the url file (required)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	bits := fs.Int("bits", 4096, "RSA key size")
	n := fs.Int("tokens", 256, "distinct tokens to write to DIR/tokens")
	nForged := fs.Int("forged", 4096, "distinct forged tokens to write to DIR/forged-tokens")
	maxRun := fs.Duration("max-run", 30*time.Minute, "stop after this long in any case")
	_ = fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *maxRun)
	defer cancel()

	iss := authtest.NewIssuer(authtest.WithKeyBits(*bits))
	session := authtest.Session{Email: "ada@example.com", EmailVerified: true}
	token := iss.Token(session)
	if err := write(*dir, "token", token+"\n"); err != nil {
		return err
	}
	if err := write(*dir, "bad-token", flipSignatureByte(token)+"\n"); err != nil {
		return err
	}
	forged := make([]string, *nForged)
	for i := range forged {
		forged[i] = randomSignature(token)
	}
	if err := write(*dir, "forged-tokens", strings.Join(forged, "\n")+"\n"); err != nil {
		return err
	}
	tokens := make([]string, *n)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(tokens); i += 4 {
				tokens[i] = iss.Token(session)
			}
		}()
	}
	wg.Wait()
	if err := write(*dir, "tokens", strings.Join(tokens, "\n")+"\n"); err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("/", iss.Handler())
	mux.HandleFunc("GET /_stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int64{"jwks": iss.JWKSCalls(), "validate": iss.ValidateCalls()})
	})
	mux.HandleFunc("GET /_webhook", func(w http.ResponseWriter, r *http.Request) {
		now := iss.Now()
		const event = "session.delete.explicit.logout"
		token := iss.Sign(jwt.MapClaims{
			"sub": "hanko webhooks", "evt": event, "aud": []string{"localhost"},
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
			"data": map[string]any{"id": authtest.RandomUUID(), "user_id": authtest.RandomUUID(),
				"expires_at": now.Add(12 * time.Hour).UTC().Format(time.RFC3339Nano)},
		})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"token": token, "event": event})
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	if err := write(*dir, "url", "http://"+ln.Addr().String()+"\n"); err != nil {
		return err
	}
	<-ctx.Done()
	shutdown, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShutdown()
	return srv.Shutdown(shutdown)
}

// write creates dir/name atomically, so a reader never sees half a file.
func write(dir, name, content string) error {
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}

// randomSignature replaces the token's signature by random bytes of the same
// length: a well-formed forgery.
func randomSignature(token string) string {
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		panic(err)
	}
	_, _ = rand.Read(sig)
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func newcomers(args []string) error {
	fs := flag.NewFlagSet("newcomers", flag.ExitOnError)
	url := fs.String("url", "", "URL to GET with each token as the hanko cookie (required)")
	file := fs.String("tokens", "", "file of never-seen valid tokens, one a line (required)")
	every := fs.Duration("every", 200*time.Millisecond, "time between two newcomers")
	length := fs.Duration("for", 8*time.Second, "how long to keep sending newcomers")
	from := fs.String("from", "", "loopback address prefix, e.g. 127.0.1.: newcomer i connects from it + (1 + i%250)")
	_ = fs.Parse(args)
	if *url == "" || *file == "" {
		return fmt.Errorf("-url and -tokens are required")
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	tokens := strings.Fields(string(raw))
	type outcome struct {
		tries, status int
		latency       time.Duration
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		wg       sync.WaitGroup
	)
	tick := time.NewTicker(*every)
	defer tick.Stop()
	end := time.Now().Add(*length)
	for i := 0; i < len(tokens) && time.Now().Before(end); i++ {
		client := clientFrom(*from, i)
		wg.Go(func() {
			o := outcome{}
			for o.tries < 3 {
				o.tries++
				req, _ := http.NewRequest(http.MethodGet, *url, nil)
				req.Header.Set("Cookie", "hanko="+tokens[i])
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					o.status = 0
					break
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				o.status, o.latency = resp.StatusCode, time.Since(start)
				if resp.StatusCode != http.StatusServiceUnavailable {
					break
				}
				wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
				time.Sleep(time.Duration(max(wait, 1)) * time.Second)
			}
			mu.Lock()
			outcomes = append(outcomes, o)
			mu.Unlock()
		})
		<-tick.C
	}
	wg.Wait()
	var first, retried, never, invalid int
	var lat []time.Duration
	for _, o := range outcomes {
		switch {
		case o.status == http.StatusOK && o.tries == 1:
			first++
		case o.status == http.StatusOK:
			retried++
		case o.status == http.StatusUnauthorized:
			invalid++
		default:
			never++
		}
		if o.status == http.StatusOK {
			lat = append(lat, o.latency)
		}
	}
	slices.Sort(lat)
	p50, maxLat := time.Duration(0), time.Duration(0)
	if len(lat) > 0 {
		p50, maxLat = lat[len(lat)/2], lat[len(lat)-1]
	}
	fmt.Printf("NEWCOMERS sent=%d first_try=%d after_retry=%d never=%d invalid=%d p50_ms=%.2f max_ms=%.2f\n",
		len(outcomes), first, retried, never, invalid, float64(p50)/1e6, float64(maxLat)/1e6)
	return nil
}

// flipSignatureByte changes one byte in the middle of the token's signature.
func flipSignatureByte(token string) string {
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		panic(err)
	}
	sig[len(sig)/2] ^= 1
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// clientFrom returns a client whose connections come from the loopback
// address prefix + (1 + i%250), or from anywhere when prefix is "".
func clientFrom(prefix string, i int) *http.Client {
	if prefix == "" {
		return &http.Client{Timeout: 10 * time.Second}
	}
	ip := net.ParseIP(prefix + strconv.Itoa(1+i%250))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

func webhooks(args []string) error {
	fs := flag.NewFlagSet("webhooks", flag.ExitOnError)
	url := fs.String("url", "", "the backend's webhook URL (required)")
	hankoURL := fs.String("hanko", "", "the stand-in Hanko's URL, for fresh deliveries (required)")
	n := fs.Int("n", 12, "deliveries to send")
	every := fs.Duration("every", 300*time.Millisecond, "time between two deliveries")
	from := fs.String("from", "", "loopback address to send from, e.g. 127.0.0.2")
	_ = fs.Parse(args)
	if *url == "" || *hankoURL == "" {
		return fmt.Errorf("-url and -hanko are required")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	if *from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(*from)}, Timeout: 5 * time.Second}
		client.Transport = &http.Transport{DialContext: d.DialContext}
	}
	var (
		mu       sync.Mutex
		ok, fail int
		lat      []time.Duration
		wg       sync.WaitGroup
	)
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for range *n {
		resp, err := http.Get(*hankoURL + "/_webhook")
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		wg.Go(func() {
			start := time.Now()
			resp, err := client.Post(*url, "application/json", strings.NewReader(string(body)))
			took := time.Since(start)
			good := err == nil && resp.StatusCode < 300
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			if good {
				ok++
				lat = append(lat, took)
			} else {
				fail++
			}
		})
		<-tick.C
	}
	wg.Wait()
	slices.Sort(lat)
	p50, maxLat := time.Duration(0), time.Duration(0)
	if len(lat) > 0 {
		p50, maxLat = lat[len(lat)/2], lat[len(lat)-1]
	}
	fmt.Printf("WEBHOOKS sent=%d ok=%d refused=%d p50_ms=%.2f max_ms=%.2f\n", *n, ok, fail, float64(p50)/1e6, float64(maxLat)/1e6)
	return nil
}
