// Package openapitest holds the API to its contract in tests: Wrap puts a
// validator around a router, and every request and response that passes
// through it is checked against the OpenAPI document (routes.Document), so a
// handler that drifts from the document fails the test that exercised it.
//
// The rules, for each exchange:
//
//   - a path the document does not list must be answered 404, a method it
//     does not list for a path 405, both with the error shape;
//   - every response must be one the operation declares (status, headers,
//     body against its schema);
//   - a request the document refuses (a bad body, a missing parameter, no
//     credentials) must be refused by the server too (4xx): tests send bad
//     requests on purpose, but a server that accepts what the document forbids
//     has drifted from it;
//   - CORS preflights are the CORS middleware's, not the document's: not checked.
//
// Load and Check need no test: e2e/openapiproxy uses them to hold the browser
// end-to-end run to the same rules.
package openapitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Validator checks exchanges against one document.
type Validator struct {
	Doc    *openapi3.T
	router routers.Router
}

var (
	cacheMu sync.Mutex
	cache   = map[[32]byte]*Validator{}
)

// Load parses and validates doc (the JSON of routes.Document). Documents are
// loaded once per test process.
func Load(doc []byte) (*Validator, error) {
	key := sha256.Sum256(doc)
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if v, ok := cache[key]; ok {
		return v, nil
	}
	loader := openapi3.NewLoader()
	d, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("the OpenAPI document does not load: %w", err)
	}
	if err := d.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	r, err := gorillamux.NewRouter(d)
	if err != nil {
		return nil, err
	}
	v := &Validator{Doc: d, router: r}
	cache[key] = v
	return v, nil
}

// Wrap returns h with every exchange checked against doc; a disagreement is
// a t.Errorf naming the request, the response and what to change.
func Wrap(t testing.TB, doc []byte, h http.Handler) http.Handler {
	t.Helper()
	v, err := Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	return v.Wrap(t, h)
}

// Wrap returns h with every exchange checked (see the package doc).
func (v *Validator) Wrap(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("openapitest: reading the request body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		if err := v.Check(r, body, rec.Result()); err != nil {
			t.Errorf("%v\nthe exchange: %s %s → %d %s", err, r.Method, r.URL.RequestURI(), rec.Code, abbreviate(rec.Body.String()))
		}
	})
}

// Mismatch is Check's error: an exchange the document disagrees with.
type Mismatch struct {
	Operation string // the operationId; "" when the document has no operation for the request
	Status    int    // the status the server answered
	Err       error  // what is wrong, and what to change
}

func (m *Mismatch) Error() string { return m.Err.Error() }
func (m *Mismatch) Unwrap() error { return m.Err }

// Check validates one exchange: the request (with its body) and the
// response the server gave. A disagreement is a *Mismatch.
func (v *Validator) Check(r *http.Request, reqBody []byte, resp *http.Response) error {
	op, err := v.check(r, reqBody, resp)
	if err != nil {
		return &Mismatch{Operation: op, Status: resp.StatusCode, Err: err}
	}
	return nil
}

// check is Check; it also returns the operation's id once it is known.
func (v *Validator) check(r *http.Request, reqBody []byte, resp *http.Response) (string, error) {
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		return "", nil // a CORS preflight
	}
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	if req.URL.Host == "" {
		req.URL.Host = r.Host
	}
	route, params, err := v.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		if !anyPathStatus(resp.StatusCode, http.StatusNotFound) {
			return "", fmt.Errorf("the server answered %d to %s %s, but the document has no path for it: add %q under paths in routes/openapi.yaml (or in the feature's openapi.yaml)",
				resp.StatusCode, r.Method, r.URL.Path, r.URL.Path+":")
		}
		return "", v.checkError(resp, respBody)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		if !anyPathStatus(resp.StatusCode, http.StatusMethodNotAllowed) {
			return "", fmt.Errorf("the server answered %d to %s %s, but the document has no %s operation for this path: add %q under the path in routes/openapi.yaml (or in the feature's openapi.yaml)",
				resp.StatusCode, r.Method, r.URL.Path, r.Method, strings.ToLower(r.Method)+":")
		}
		return "", v.checkError(resp, respBody)
	case err != nil:
		return "", fmt.Errorf("openapitest: finding the operation: %w", err)
	}
	op := route.Operation.OperationID

	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:  credentialsPresent,
			MultiError:          true,
			SkipSettingDefaults: true,
		},
	}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if reqErr != nil && resp.StatusCode < 400 {
		return op, fmt.Errorf("the document refuses this request, but the server accepted it with %d: change the document (operation %s) or the handler:\n%v",
			resp.StatusCode, op, reqErr)
	}
	if rs := route.Operation.Responses; rs.Status(resp.StatusCode) == nil && rs.Default() == nil {
		declared := slices.Sorted(maps.Keys(rs.Map()))
		return op, fmt.Errorf("operation %s declares no %d response (it declares %s): add %q under its responses, or answer one of those",
			op, resp.StatusCode, strings.Join(declared, ", "), strconv.Itoa(resp.StatusCode)+":")
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return op, fmt.Errorf("the response does not match the document (operation %s, status %d): change the document or the handler:\n%v",
			op, resp.StatusCode, err)
	}
	return op, nil
}

// anyPathStatus reports whether status is one that a request outside the
// document's operations may get: want (404 or 405), or a refusal of the
// middleware that runs before routing (400 for an undecodable query, 403 for
// a foreign origin), as the document's description says.
func anyPathStatus(status, want int) bool {
	return status == want || status == http.StatusBadRequest || status == http.StatusForbidden
}

// errorResponses names the components.responses that describe the answers
// outside any operation.
var errorResponses = map[int]string{
	http.StatusBadRequest:       "BadRequest",
	http.StatusForbidden:        "Forbidden",
	http.StatusNotFound:         "NotFound",
	http.StatusMethodNotAllowed: "MethodNotAllowed",
}

// checkError validates a response the document describes outside any
// operation (components.responses: 404 for unknown paths, 405, ...).
func (v *Validator) checkError(resp *http.Response, body []byte) error {
	name := errorResponses[resp.StatusCode]
	ref := v.Doc.Components.Responses[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("the document has no components.responses.%s", name)
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return fmt.Errorf("components.responses.%s has no application/json schema", name)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("a %d answered with Content-Type %q, not JSON", resp.StatusCode, ct)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("a %d's body is not JSON: %v", resp.StatusCode, err)
	}
	if err := mt.Schema.Value.VisitJSON(value, openapi3.EnableJSONSchema2020()); err != nil {
		return fmt.Errorf("a %d's body does not match components.responses.%s: %v", resp.StatusCode, name, err)
	}
	return nil
}

// credentialsPresent stands in for authentication: the document says where
// credentials go (the cookie or the Authorization header), the server judges
// them. A request without any is one the document refuses.
func credentialsPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	r := in.RequestValidationInput.Request
	switch {
	case s.Type == "apiKey" && s.In == "cookie":
		if _, err := r.Cookie(s.Name); err != nil {
			return fmt.Errorf("no %s cookie", s.Name)
		}
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		if !strings.HasPrefix(strings.ToLower(r.Header.Get("Authorization")), "bearer ") {
			return errors.New("no Authorization: Bearer header")
		}
	}
	return nil
}

func abbreviate(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
