// Package config reads hanko-gin's settings from the environment.
//
// Every setting is validated and all problems are reported at once, so a bad
// deployment fails at start-up with one message instead of half-working.
// Features read their own settings through the same Settings (see
// app.Feature), so their problems join the core's in that one message.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/store"
)

// Config is the validated set of core settings. See .env.example for each
// one. Zero durations and sizes mean "off", as in auth.Config.
type Config struct {
	HankoAPIURL        string
	Port               int
	CORSAllowedOrigins []string
	CookieName         string
	Audience           []string
	Issuer             string
	SessionCheck       bool
	SessionCheckTTL    time.Duration
	SessionCacheSize   int
	TrustedProxies     []netip.Prefix
	DatabaseURL        string
	LogLevel           slog.Level
	LogFormat          string // "text" or "json"
	TodosMaxPerUser    int
}

// Defaults for optional settings; the auth ones are auth's own defaults.
const (
	DefaultPort   = 5001
	DefaultOrigin = "http://localhost:5173"
)

// Load reads the core settings through getenv (os.Getenv, or a lookup that
// also sees .env). The error lists every invalid setting.
func Load(getenv func(string) string) (Config, error) {
	s := NewSettings(getenv)
	c := Read(s)
	if err := s.Err(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Read reads the core settings from s, reporting each problem through s.Bad,
// and remembers them for s.Core. Fields of invalid settings are left zero.
func Read(s *Settings) Config {
	getenv, bad, get := s.getenv, s.Bad, s.Get
	var c Config

	if u, err := auth.CheckHankoURL(get("HANKO_API_URL", "")); err != nil {
		bad("HANKO_API_URL %v", err)
	} else {
		c.HankoAPIURL = u
	}

	if p, err := strconv.Atoi(get("PORT", strconv.Itoa(DefaultPort))); err != nil || p < 1 || p > 65535 {
		bad("PORT %q must be a number from 1 to 65535", getenv("PORT"))
	} else {
		c.Port = p
	}

	for _, o := range splitList(get("CORS_ALLOWED_ORIGINS", DefaultOrigin)) {
		if err := checkOrigin(o); err != nil {
			bad("CORS_ALLOWED_ORIGINS: %v", err)
			continue
		}
		c.CORSAllowedOrigins = append(c.CORSAllowedOrigins, o)
	}
	if len(c.CORSAllowedOrigins) == 0 && len(s.problems) == 0 {
		bad("CORS_ALLOWED_ORIGINS must list at least one origin, e.g. %s", DefaultOrigin)
	}

	c.CookieName = get("HANKO_COOKIE_NAME", auth.DefaultCookieName)
	if !validCookieName(c.CookieName) {
		bad("HANKO_COOKIE_NAME %q is not a valid cookie name", c.CookieName)
	}

	c.Audience = splitList(get("HANKO_AUDIENCE", ""))
	if len(c.Audience) == 0 && strings.TrimSpace(getenv("HANKO_AUDIENCE")) != "" {
		bad("HANKO_AUDIENCE %q lists no audience; leave it empty to not check aud", getenv("HANKO_AUDIENCE"))
	}
	c.Issuer = get("HANKO_ISSUER", "")

	switch v := strings.ToLower(get("HANKO_SESSION_CHECK", "false")); v {
	case "true", "1", "yes", "on":
		c.SessionCheck = true
	case "false", "0", "no", "off":
	default:
		bad("HANKO_SESSION_CHECK %q must be true or false", v)
	}
	if d, err := time.ParseDuration(get("HANKO_SESSION_CHECK_TTL", auth.DefaultSessionCheckTTL.String())); err != nil || d < 0 || d > 5*time.Minute {
		bad("HANKO_SESSION_CHECK_TTL %q must be a duration from 0s to 5m, e.g. 5s", getenv("HANKO_SESSION_CHECK_TTL"))
	} else {
		c.SessionCheckTTL = d
	}
	if n, err := strconv.Atoi(get("HANKO_SESSION_CACHE_SIZE", strconv.Itoa(auth.DefaultCacheSize))); err != nil || n < 0 || n > 10_000_000 {
		bad("HANKO_SESSION_CACHE_SIZE %q must be a number from 0 (off) to 10000000", getenv("HANKO_SESSION_CACHE_SIZE"))
	} else {
		c.SessionCacheSize = n
	}

	for _, f := range splitList(get("TRUSTED_PROXIES", "")) {
		p, err := parseNetwork(f)
		if err != nil {
			bad("TRUSTED_PROXIES: %q is not a network such as 10.0.0.0/8 or an IP address", f)
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}

	c.DatabaseURL = get("DATABASE_URL", "")
	if err := store.CheckURL(c.DatabaseURL); err != nil {
		bad("DATABASE_URL: %v", err)
	}
	if n, err := strconv.Atoi(get("TODOS_MAX_PER_USER", strconv.Itoa(store.DefaultMaxTodosPerUser))); err != nil || n < 1 || n > store.MaxTodosPerUserLimit {
		bad("TODOS_MAX_PER_USER %q must be a number from 1 to %d", getenv("TODOS_MAX_PER_USER"), store.MaxTodosPerUserLimit)
	} else {
		c.TodosMaxPerUser = n
	}

	switch v := strings.ToLower(get("LOG_LEVEL", "info")); v {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		bad("LOG_LEVEL %q must be debug, info, warn or error", v)
	}
	switch v := strings.ToLower(get("LOG_FORMAT", "text")); v {
	case "text", "json":
		c.LogFormat = v
	default:
		bad("LOG_FORMAT %q must be text or json", v)
	}

	s.core = c
	return c
}

// Error lists every invalid setting.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return fmt.Sprintf("invalid settings (%d):\n  - %s", len(e.Problems), strings.Join(e.Problems, "\n  - "))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkOrigin accepts exactly scheme://host[:port], lower case, as browsers
// send Origin, and as net/http's CrossOriginProtection accepts it.
func checkOrigin(o string) error {
	if o == "*" {
		return errors.New(`"*" is not allowed: credentialed CORS needs exact origins such as http://localhost:5173`)
	}
	if strings.Contains(o, "*") {
		return fmt.Errorf("%q: wildcards are not allowed: list each origin exactly, e.g. https://app.example.com", o)
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" ||
		u.User != nil || u.Path != "" || u.RawPath != "" || strings.ContainsAny(o, "?#") {
		return fmt.Errorf("%q is not an origin: use scheme://host[:port] with no path, e.g. http://localhost:5173", o)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != p {
			return fmt.Errorf("%q has an invalid port", o)
		}
	}
	if strings.ToLower(o) != o {
		return fmt.Errorf("%q must be lower case, as browsers send it", o)
	}
	if err := http.NewCrossOriginProtection().AddTrustedOrigin(o); err != nil {
		return fmt.Errorf("%q: %v", o, err)
	}
	return nil
}

// parseNetwork reads a CIDR (masked to its network) or a single address.
func parseNetwork(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not a network", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func validCookieName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`()<>@,;:\"/[]?={}`, r) {
			return false
		}
	}
	return true
}
