package auth

import (
	"net/http"
	"strings"
)

// DefaultMaxTokenBytes bounds the size of a session token. Hanko's tokens are
// about 1.1 KiB; custom claims from session.jwt_template make them larger, but
// nothing legitimate comes near this.
const DefaultMaxTokenBytes = 8 << 10

// Extractor pulls a session token out of a request. It returns "" when the
// request carries none.
type Extractor func(r *http.Request) string

// FromAuthHeader reads "Authorization: Bearer <token>" (scheme case-insensitive,
// per RFC 6750). Anything else in the header counts as no token.
func FromAuthHeader(r *http.Request) string {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return ""
	}
	return strings.TrimSpace(h[len(prefix):])
}

// FromCookie reads the named cookie, as Hanko sets it ("hanko" by default).
func FromCookie(name string) Extractor {
	return func(r *http.Request) string {
		c, err := r.Cookie(name)
		if err != nil {
			return ""
		}
		return c.Value
	}
}

// FirstOf tries each extractor in order and returns the first token found.
func FirstOf(extractors ...Extractor) Extractor {
	return func(r *http.Request) string {
		for _, ex := range extractors {
			if t := ex(r); t != "" {
				return t
			}
		}
		return ""
	}
}
