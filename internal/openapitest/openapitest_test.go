package openapitest_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hanko-gin/hanko-gin/internal/openapitest"
)

// doc is a small document of its own, so that these tests say what Check
// does whatever becomes of the project's document.
const doc = `
openapi: 3.1.0
info: {title: things, version: "1"}
security:
  - cookie: []
  - bearer: []
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: "^[0-9]+$"}}
    get:
      operationId: getThing
      security: []
      responses:
        "200":
          description: The thing.
          headers:
            ETag: {required: true, schema: {type: string}}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
        "404": {$ref: "#/components/responses/NotFound"}
    put:
      operationId: putThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, minLength: 1}
      responses:
        "204": {description: Stored.}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
  /things:
    post:
      operationId: createThing
      security: []
      responses:
        "201":
          description: Created.
          headers:
            Location: {required: true, schema: {type: string}}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
components:
  securitySchemes:
    cookie: {type: apiKey, in: cookie, name: hanko}
    bearer: {type: http, scheme: bearer}
  schemas:
    Thing:
      type: object
      required: [id, name]
      properties:
        id: {type: string}
        name: {type: string}
    Error:
      type: object
      required: [error, message]
      properties:
        error: {type: string}
        message: {type: string}
  responses:
    BadRequest: {description: Bad input., content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
    Unauthorized: {description: No session., content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
    Forbidden: {description: Foreign origin., content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
    NotFound: {description: No such thing., content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
    MethodNotAllowed: {description: Not this method., content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
`

const (
	thing    = `{"id":"1","name":"one"}`
	errorDoc = `{"error":"not_found","message":"No such thing."}`
)

// answer is what the server under test says.
type answer struct {
	status int
	header map[string]string
	body   string
}

func (a answer) response() *http.Response {
	h := http.Header{}
	if a.body != "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	for k, v := range a.header {
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
	}
	return &http.Response{StatusCode: a.status, Header: h, Body: io.NopCloser(strings.NewReader(a.body))}
}

func load(t *testing.T) *openapitest.Validator {
	t.Helper()
	v, err := openapitest.Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCheck(t *testing.T) {
	v := load(t)
	etag := map[string]string{"ETag": `"abc"`}
	bearer := map[string]string{"Authorization": "Bearer x", "Content-Type": "application/json"}
	for _, tc := range []struct {
		name         string
		method, path string
		reqHeader    map[string]string
		reqBody      string
		answer       answer
		want         string // "" when the exchange matches; else a part of the error
		wantOp       string // the mismatch's operation
	}{
		{name: "a declared response", method: "GET", path: "/things/1",
			answer: answer{200, etag, thing}},
		{name: "a declared error response", method: "GET", path: "/things/1",
			answer: answer{404, nil, errorDoc}},
		{name: "an undeclared status", method: "GET", path: "/things/1",
			answer: answer{http.StatusTeapot, nil, errorDoc}, want: `operation getThing declares no 418 response (it declares 200, 404): add "418:" under its responses`, wantOp: "getThing"},
		{name: "a declared header missing", method: "GET", path: "/things/1",
			answer: answer{200, nil, thing}, want: `"ETag"`, wantOp: "getThing"},
		{name: "an undeclared 304 (one the filter itself lets pass)", method: "GET", path: "/things/1",
			answer: answer{304, etag, ""}, want: "declares no 304 response", wantOp: "getThing"},
		{name: "a Location missing on a 201", method: "POST", path: "/things",
			answer: answer{201, nil, thing}, want: `"Location"`, wantOp: "createThing"},
		{name: "a 201 with its Location", method: "POST", path: "/things",
			answer: answer{201, map[string]string{"Location": "/things/1"}, thing}},
		{name: "a body without a required property", method: "GET", path: "/things/1",
			answer: answer{200, etag, `{"id":"1"}`}, want: "missing property 'name'", wantOp: "getThing"},
		{name: "a body with a wrong type", method: "GET", path: "/things/1",
			answer: answer{200, etag, `{"id":1,"name":"one"}`}, want: "/id", wantOp: "getThing"},
		{name: "a body that is not JSON", method: "GET", path: "/things/1",
			answer: answer{200, etag, `<html>`}, want: "does not match", wantOp: "getThing"},
		{name: "an error body without the error shape", method: "GET", path: "/things/1",
			answer: answer{404, nil, `{"message":"gone"}`}, want: "missing property 'error'", wantOp: "getThing"},

		{name: "an unknown path answered 404 with the error shape", method: "GET", path: "/nowhere",
			answer: answer{404, nil, errorDoc}},
		{name: "an unknown path answered 200", method: "GET", path: "/nowhere",
			answer: answer{200, nil, thing}, want: `add "/nowhere:" under paths`},
		{name: "an unknown path answered 404 in plain text", method: "GET", path: "/nowhere",
			answer: answer{404, map[string]string{"Content-Type": "text/plain"}, "404 page not found"}, want: "not JSON"},
		{name: "an undeclared method answered 405", method: "DELETE", path: "/things/1",
			answer: answer{405, nil, `{"error":"method_not_allowed","message":"No."}`}},
		{name: "an undeclared method answered 204", method: "DELETE", path: "/things/1",
			answer: answer{204, nil, ""}, want: `add "delete:" under the path`},

		{name: "a request with credentials and a good body, accepted", method: "PUT", path: "/things/1",
			reqHeader: bearer, reqBody: `{"name":"one"}`, answer: answer{204, nil, ""}},
		{name: "a request without credentials, refused", method: "PUT", path: "/things/1",
			reqHeader: map[string]string{"Content-Type": "application/json"}, reqBody: `{"name":"one"}`,
			answer: answer{401, nil, `{"error":"unauthorized","message":"Sign in."}`}},
		{name: "a request without credentials, accepted", method: "PUT", path: "/things/1",
			reqHeader: map[string]string{"Content-Type": "application/json"}, reqBody: `{"name":"one"}`,
			answer: answer{204, nil, ""}, want: "the document refuses this request, but the server accepted it with 204", wantOp: "putThing"},
		{name: "the hanko cookie counts as credentials", method: "PUT", path: "/things/1",
			reqHeader: map[string]string{"Content-Type": "application/json", "Cookie": "theme=dark; hanko=x"}, reqBody: `{"name":"one"}`,
			answer: answer{204, nil, ""}},
		{name: "a bad body, refused", method: "PUT", path: "/things/1",
			reqHeader: bearer, reqBody: `{"name":""}`, answer: answer{400, nil, `{"error":"invalid_request","message":"A name."}`}},
		{name: "a bad body, accepted", method: "PUT", path: "/things/1",
			reqHeader: bearer, reqBody: `{"name":""}`, answer: answer{204, nil, ""}, want: "refuses this request", wantOp: "putThing"},
		{name: "a bad path parameter, accepted", method: "GET", path: "/things/abc",
			answer: answer{200, etag, thing}, want: "refuses this request", wantOp: "getThing"},
		{name: "a refused request still needs a declared answer", method: "PUT", path: "/things/1",
			reqHeader: bearer, reqBody: `{"name":""}`, answer: answer{422, nil, errorDoc}, want: "declares no 422 response", wantOp: "putThing"},

		{name: "a CORS preflight is the CORS middleware's", method: "OPTIONS", path: "/things/1",
			reqHeader: map[string]string{"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT"},
			answer:    answer{204, nil, ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.reqBody))
			for k, val := range tc.reqHeader {
				r.Header.Set(k, val)
			}
			err := v.Check(r, []byte(tc.reqBody), tc.answer.response())
			if tc.want == "" {
				if err != nil {
					t.Fatalf("want no mismatch, got:\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want a mismatch mentioning %q, got none", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("the mismatch does not mention %q:\n%v", tc.want, err)
			}
			var m *openapitest.Mismatch
			if !errors.As(err, &m) {
				t.Fatalf("the error is a %T, not a *Mismatch", err)
			}
			if m.Operation != tc.wantOp || m.Status != tc.answer.status {
				t.Errorf("Mismatch{Operation: %q, Status: %d}, want {%q, %d}", m.Operation, m.Status, tc.wantOp, tc.answer.status)
			}
		})
	}
}

func TestLoadRefusesAnInvalidDocument(t *testing.T) {
	for name, d := range map[string]string{
		"not a document": `{`,
		"a broken $ref":  strings.Replace(doc, "#/components/schemas/Thing", "#/components/schemas/Nothing", 1),
	} {
		if _, err := openapitest.Load([]byte(d)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

// recorder stands in for the test that Wrap reports to.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// Wrap passes the handler's answer on as it is, and reports a mismatch to
// the test with the exchange.
func TestWrap(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1")
		if r.URL.Query().Get("drift") == "" {
			w.Header().Set("ETag", `"abc"`)
		}
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, thing)
	})
	for _, tc := range []struct {
		path       string
		wantErrors int
	}{{"/things/1", 0}, {"/things/1?drift=1", 1}} {
		rec := &recorder{TB: t}
		w := httptest.NewRecorder()
		openapitest.Wrap(rec, []byte(doc), h).ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
		if w.Code != 200 || w.Body.String() != thing || w.Header().Get("Set-Cookie") != "a=1" {
			t.Errorf("%s: the client got %d %v %s", tc.path, w.Code, w.Header(), w.Body)
		}
		if len(rec.errors) != tc.wantErrors {
			t.Fatalf("%s: %d errors reported, want %d: %q", tc.path, len(rec.errors), tc.wantErrors, rec.errors)
		}
		if tc.wantErrors > 0 && !strings.Contains(rec.errors[0], "the exchange: GET /things/1?drift=1 → 200") {
			t.Errorf("the report does not show the exchange:\n%s", rec.errors[0])
		}
	}
}
