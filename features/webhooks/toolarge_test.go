package webhooks

// A delivery over the body bound gets its 413 cleanly, over a real TCP
// connection: a Content-Length over the bound is refused before anything is
// read (so a client that asked "Expect: 100-continue" never gets the go-ahead
// and sends nothing), and a body without a length is cut at the bound with a
// 413 the sender can read, the connection not reset under it.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/routes"
)

func tooLargeServer(t *testing.T) *httptest.Server {
	t.Helper()
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, err := auth.New(ctx, auth.Config{HankoAPIURL: hanko.URL, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := apptest.Router(Feature{}, nil, routes.Deps{Auth: a, Store: openStore(t, storetest.SQLiteURL(t)), AllowedOrigins: []string{frontendOrigin}, Logger: quiet()})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// dial opens a raw connection to srv, with a deadline for the whole exchange.
func dial(t *testing.T, srv *httptest.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return c
}

// readTooLarge reads one response from br and fails unless it is the 413 of
// the one error shape.
func readTooLarge(t *testing.T, br *bufio.Reader) *http.Response {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer's body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"error":"payload_too_large"`) {
		t.Fatalf("answer %d %s, want 413 payload_too_large", resp.StatusCode, body)
	}
	return resp
}

func TestOversizedDeliveryWithLengthIsRefusedBeforeReading(t *testing.T) {
	srv := tooLargeServer(t)
	c := dial(t, srv)
	fmt.Fprintf(c, "POST /webhooks/hanko HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
		srv.Listener.Addr(), MaxBodyBytes+1)
	br := bufio.NewReader(c)
	line, err := br.Peek(12)
	if err != nil {
		t.Fatalf("no answer to the headers alone: %v", err)
	}
	if string(line) != "HTTP/1.1 413" {
		t.Fatalf("the first answer starts %q, want a 413 (no 100 Continue)", line)
	}
	readTooLarge(t, br)
}

func TestOversizedDeliveryWithoutLengthGetsA413(t *testing.T) {
	for _, size := range []int{MaxBodyBytes + 1, 4 << 20} {
		t.Run(fmt.Sprintf("%d bytes", size), func(t *testing.T) {
			srv := tooLargeServer(t)
			c := dial(t, srv)
			// The whole body is written before the answer is read, as a
			// simple client does.
			var req bytes.Buffer
			fmt.Fprintf(&req, "POST /webhooks/hanko HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", srv.Listener.Addr())
			chunk := bytes.Repeat([]byte(" "), 16<<10)
			for sent := 0; sent < size; sent += len(chunk) {
				n := min(len(chunk), size-sent)
				fmt.Fprintf(&req, "%x\r\n%s\r\n", n, chunk[:n])
			}
			req.WriteString("0\r\n\r\n")
			written := make(chan error, 1)
			go func() { _, err := c.Write(req.Bytes()); written <- err }()
			readTooLarge(t, bufio.NewReader(c))
			<-written // it may have failed: the rest of the body was not wanted
		})
	}
}
