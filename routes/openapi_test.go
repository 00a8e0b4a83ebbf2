package routes

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hanko-gin/hanko-gin/internal/openapitest"
)

// validated wraps the test router so that every request and response of a
// test is checked against the OpenAPI document (internal/openapitest): a
// route test that produces an answer the document does not describe fails.
func validated(t testing.TB, h http.Handler) http.Handler {
	t.Helper()
	doc, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	return openapitest.Wrap(t, doc, h)
}

func TestOpenAPIServed(t *testing.T) {
	env := newTestEnv(t)
	rec := env.do(t, request{method: "GET", path: "/openapi.json"})
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json: %d %s", rec.Code, rec.Header())
	}
	want, _ := Document()
	if rec.Body.String() != string(want) {
		t.Error("/openapi.json is not routes.Document()")
	}
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("headers %v: want an ETag and Cache-Control: no-cache", rec.Header())
	}
	for _, tc := range []struct {
		ifNoneMatch string
		status      int
	}{
		{etag, http.StatusNotModified},
		{"W/" + etag, http.StatusNotModified},
		{`"other", ` + etag, http.StatusNotModified},
		{"*", http.StatusNotModified},
		{`"other"`, http.StatusOK},
		{"", http.StatusOK},
	} {
		rec := env.do(t, request{method: "GET", path: "/openapi.json", header: map[string]string{"If-None-Match": tc.ifNoneMatch}})
		if rec.Code != tc.status || rec.Header().Get("ETag") != etag {
			t.Errorf("If-None-Match %q: %d (ETag %q), want %d", tc.ifNoneMatch, rec.Code, rec.Header().Get("ETag"), tc.status)
		}
		if tc.status == http.StatusNotModified && rec.Body.Len() != 0 {
			t.Errorf("If-None-Match %q: a 304 with a body", tc.ifNoneMatch)
		}
	}
}

// TestOpenAPIValidationCatchesDrift: the validating wrapper fails a test whose
// handler answers what the document does not describe.
func TestOpenAPIValidationCatchesDrift(t *testing.T) {
	doc, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, body string
		header                   map[string]string
		handler                  http.HandlerFunc
		want                     string
	}{
		{"undeclared field", "GET", "/api/public", "", nil, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"msg":"renamed"}`))
		}, "message"},
		{"undeclared status", "GET", "/api/public", "", nil, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTeapot)
			w.Write([]byte(`{"error":"not_found","message":"x"}`))
		}, "418"},
		{"unknown error code", "GET", "/api/todos/5b1e6a8e-3c44-4c1f-9a57-2a0f4f0d9c11", "", map[string]string{"Authorization": "Bearer x"}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"no_such_todo","message":"x"}`))
		}, "no_such_todo"},
		{"route not in the document", "GET", "/api/not-in-the-document", "", nil, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{}`))
		}, `add "/api/not-in-the-document:" under paths`},
		{"method not in the document", "PUT", "/api/public", "", nil, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{}`))
		}, `add "put:" under the path`},
		{"a request the document refuses, accepted", "POST", "/api/todos", `{"title":"x","extra":1}`, map[string]string{"Authorization": "Bearer x", "Content-Type": "application/json"}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/api/todos/5b1e6a8e-3c44-4c1f-9a57-2a0f4f0d9c11")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"5b1e6a8e-3c44-4c1f-9a57-2a0f4f0d9c11","title":"x","done":false,"created_at":"2026-11-22T06:20:31Z","updated_at":"2026-11-22T06:20:31Z"}`))
		}, "the document refuses this request"},
		{"missing Location", "POST", "/api/todos", `{"title":"x"}`, map[string]string{"Authorization": "Bearer x", "Content-Type": "application/json"}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"5b1e6a8e-3c44-4c1f-9a57-2a0f4f0d9c11","title":"x","done":false,"created_at":"2026-11-22T06:20:31Z","updated_at":"2026-11-22T06:20:31Z"}`))
		}, "Location"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := &recordingT{TB: t}
			h := openapitest.Wrap(rt, doc, tc.handler)
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if !strings.Contains(rt.errors.String(), tc.want) {
				t.Errorf("the drift was not reported with %q; reported:\n%s", tc.want, rt.errors.String())
			}
		})
	}
}

// recordingT collects Errorf's messages instead of failing the test.
type recordingT struct {
	testing.TB
	errors strings.Builder
}

func (r *recordingT) Errorf(format string, args ...any) {
	r.errors.WriteString(fmt.Sprintf(format, args...) + "\n")
}
