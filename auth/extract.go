package auth

import (
	"errors"
	"net/http"
	"strings"
)

// extractor pulls a session token out of a request. It returns "" and no
// error when the request carries none, and an error when what it carries
// cannot be used (the request is then refused as invalid_token).
type extractor func(r *http.Request) (string, error)

// errAmbiguousCookie is returned when a request carries several different
// session cookies of the same name.
var errAmbiguousCookie = errors.New("the request carries several different session cookies")

// fromAuthHeader reads "Authorization: Bearer <token>" (scheme case-insensitive,
// per RFC 6750). Anything else in the header counts as no token.
func fromAuthHeader(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", nil
	}
	return strings.TrimSpace(h[len(prefix):]), nil
}

// fromCookie reads the named cookie, as Hanko sets it ("hanko" by default).
//
// Several different values are refused rather than one picked: a page on a
// sibling host or another port could set a second cookie of the same name with
// a more specific Path ("cookie tossing"), which browsers send first, to make
// the user act under the attacker's session.
//
// It scans the Cookie header itself instead of calling r.CookiesNamed, which
// would allocate every cookie of the request on every request; the value is
// checked as a token afterwards anyway.
func fromCookie(name string) extractor {
	return func(r *http.Request) (string, error) {
		token := ""
		for _, line := range r.Header["Cookie"] {
			for line != "" {
				var part string
				part, line, _ = strings.Cut(line, ";")
				n, v, ok := strings.Cut(strings.TrimSpace(part), "=")
				if !ok || n != name {
					continue
				}
				if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
					v = v[1 : len(v)-1]
				}
				switch {
				case v == "" || v == token:
				case token == "":
					token = v
				default:
					return "", errAmbiguousCookie
				}
			}
		}
		return token, nil
	}
}

// firstOf tries each extractor in order and returns the first token found or
// the first error.
func firstOf(extractors ...extractor) extractor {
	return func(r *http.Request) (string, error) {
		for _, ex := range extractors {
			if t, err := ex(r); t != "" || err != nil {
				return t, err
			}
		}
		return "", nil
	}
}
