package hankoadmin

import (
	"strings"

	"github.com/hanko-gin/hanko-gin/config"
)

// FromSettings reads HANKO_ADMIN_API_URL and HANKO_ADMIN_API_KEY, the
// settings of every feature that uses Hanko's admin API, and returns the
// client they configure: nil when HANKO_ADMIN_API_URL is not set, or when a
// problem was reported through s (start-up then fails with it). Problems
// never show the key or a password in the URL.
func FromSettings(s *config.Settings) *Client {
	url, key := s.Get("HANKO_ADMIN_API_URL", ""), s.Get("HANKO_ADMIN_API_KEY", "")
	ok := true
	if strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		s.Bad("HANKO_ADMIN_API_KEY contains spaces or control characters")
		ok = false
	}
	if url == "" {
		return nil
	}
	if _, err := New(url, ""); err != nil {
		s.Bad("HANKO_ADMIN_API_URL: %v", err)
		return nil
	}
	if !ok {
		return nil
	}
	c, err := New(url, key)
	if err != nil { // not reached: both were checked above
		s.Bad("HANKO_ADMIN_API_URL: %v", err)
	}
	return c
}
