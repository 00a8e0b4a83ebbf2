// Command loadbench is the Hanko side of scripts/bench.sh: a stand-in Hanko
// (authtest, RSA-4096 like real Hanko) on loopback that also writes the tokens
// the load generator sends.
//
//	loadbench hanko -dir DIR [-addr 127.0.0.1:0] [-bits 4096] [-tokens 256]
//
// It writes DIR/token (one session token), DIR/tokens (distinct tokens, one a
// line), DIR/bad-token (token with one signature byte changed) and, last, when
// it serves, DIR/url. GET /_stats answers {"jwks":N,"validate":M}: the calls it
// has served. It stops on SIGINT/SIGTERM or after -max-run.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "hanko" {
		fmt.Fprintln(os.Stderr, "usage: loadbench hanko -dir DIR [-addr 127.0.0.1:0] [-bits 4096] [-tokens 256] [-max-run 30m]")
		os.Exit(2)
	}
	if err := hanko(os.Args[2:]); err != nil {
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
