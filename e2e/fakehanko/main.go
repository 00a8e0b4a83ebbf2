// Command fakehanko is the stand-in Hanko API for the browser end-to-end test
// (e2e/run.mjs). It signs tokens with the project's auth test kit
// (auth/authtest), so the real backend verifies them exactly as it verifies
// Hanko's, and adds what a browser running hanko-elements needs on top:
//
//   - CORS with credentials for the frontend's origin,
//   - GET /me (the Hanko SDK's getCurrentUser) and GET /sessions/validate,
//   - POST /logout (revokes the session, clears the cookie),
//   - the first two steps of Hanko's login flow (POST /login: preflight, then
//     login_init), so <hanko-auth> renders its email form as with a real Hanko,
//   - <hanko-profile>'s "Delete account" (the profile flow's account_delete),
//     which sends the user.delete webhook to -webhook (webhooks.go),
//   - Hanko's admin API on a second port (-admin-addr, see admin.go), over the
//     same users, and POST /e2e/login?user=NAME, a fresh session as after
//     signing in again.
//
// On start it mints session tokens for three users, alice (who has the admin
// role), bob and carol (two sessions each), and writes them, with its own URLs,
// to the JSON file named by -out:
//
//	{"url": "http://127.0.0.1:PORT", "admin_url": "http://127.0.0.1:PORT2",
//	 "users": {"alice": {"token": "...", "user_id": "...", "session_id": "...", "email": "...",
//	                     "second_token": "..."}, "bob": {...}, "carol": {...}}}
//
// With -env it also writes shell exports (HANKO_API_URL, HANKO_ADMIN_API_URL,
// TOKEN for alice, TOKEN_BOB) for trying the API by hand, as the README shows.
//
// Usage: go run ./e2e/fakehanko -addr 127.0.0.1:0 -origin http://localhost:4173 -out /tmp/x/hanko.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// User is one minted identity, as written to the -out file.
type User struct {
	Token     string `json:"token"`
	UserID    string `json:"user_id"`
	SessionID string `json:"session_id"`
	Email     string `json:"email"`
	// SecondToken is another session of the same user.
	SecondToken string `json:"second_token"`
}

// Output is the -out file's content.
type Output struct {
	URL      string          `json:"url"`
	AdminURL string          `json:"admin_url,omitempty"` // "" without admin.go
	Users    map[string]User `json:"users"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback; port 0 picks a free port)")
	adminAddr := flag.String("admin-addr", "127.0.0.1:0", "listen address of the admin API (loopback)")
	origins := flag.String("origin", "http://localhost:5173", "comma-separated browser origins allowed by CORS")
	out := flag.String("out", "", "JSON file to write the URL and minted tokens to")
	envFile := flag.String("env", "", "shell file to write `export HANKO_API_URL=... TOKEN=... TOKEN_BOB=...` to (for trying the API by hand)")
	cookieName := flag.String("cookie", "hanko", "session cookie name")
	webhook := flag.String("webhook", "", "URL to POST the user.delete webhook to when an account is deleted (the backend's webhook route)")
	flag.Parse()
	if *out == "" && *envFile == "" {
		log.Fatal("fakehanko: give -out (JSON) and/or -env (shell exports)")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *adminAddr, splitList(*origins), *out, *envFile, *cookieName, *webhook); err != nil {
		log.Fatalf("fakehanko: %v", err)
	}
}

func run(ctx context.Context, addr, adminAddr string, origins []string, out, envFile, cookieName, webhook string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	baseURL := "http://" + ln.Addr().String()

	issuer := authtest.NewIssuer()
	dir := newDirectory(issuer)
	adminURL, stopAdmin, err := dir.serve(adminAddr)
	if err != nil {
		return err
	}
	defer stopAdmin(context.Background())
	accts := newAccounts(issuer, webhook, cookieName)
	accts.onDelete = dir.deleteUser // Hanko's admin API forgets a deleted user too
	users := map[string]User{}
	for _, name := range []string{"alice", "bob", "carol"} {
		u, _ := dir.login(name)
		second, _ := dir.login(name)
		u.SecondToken = second.Token
		accts.addSession(u.UserID, u.SessionID)
		accts.addSession(u.UserID, second.SessionID)
		users[name] = u
	}

	handler := newHandler(issuer, cookieName, accts)
	handler.Handle("POST /e2e/login", loginHandler(dir))
	srv := &http.Server{
		Handler:           withCORS(origins, handler),
		ReadHeaderTimeout: 5 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	// Written only once the server accepts connections, and atomically, so the
	// test can start as soon as the file exists.
	if err := writeOutputs(out, envFile, Output{URL: baseURL, AdminURL: adminURL, Users: users}); err != nil {
		_ = srv.Close()
		return err
	}
	log.Printf("fakehanko: serving %s for origins %v; tokens in %s", baseURL, origins, strings.Trim(out+" "+envFile, " "))
	if adminURL != "" {
		log.Printf("fakehanko: admin API on %s", adminURL)
	}

	select {
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

func newHandler(issuer *authtest.Issuer, cookieName string, accts *accounts) *http.ServeMux {
	mux := http.NewServeMux()
	// JWKS and POST /sessions/validate exactly as the test kit serves them.
	kit := issuer.Handler()
	mux.Handle("GET /.well-known/jwks.json", kit)
	mux.Handle("POST /sessions/validate", kit)

	// The session token, as Hanko reads it: Authorization: Bearer first, then the cookie.
	token := func(r *http.Request) string {
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			return strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
		}
		if c, err := r.Cookie(cookieName); err == nil {
			return c.Value
		}
		return ""
	}
	session := func(r *http.Request) (authtest.ValidateResponse, bool) {
		t := token(r)
		if t == "" {
			return authtest.ValidateResponse{}, false
		}
		v := issuer.Validate(t)
		return v, v.IsValid
	}

	// The SDK's background session check.
	mux.HandleFunc("GET /sessions/validate", func(w http.ResponseWriter, r *http.Request) {
		v, _ := session(r)
		writeJSONResponse(w, http.StatusOK, v)
	})

	// hanko.getCurrentUser(): the user behind the session.
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		v, ok := session(r)
		if !ok {
			writeJSONResponse(w, http.StatusUnauthorized, map[string]any{"code": 401, "message": "Unauthorized"})
			return
		}
		writeJSONResponse(w, http.StatusOK, userFromClaims(v.Claims))
	})

	// hanko.logout(): end the session and clear the cookie, like Hanko's 204.
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if v, ok := session(r); ok {
			if sid, _ := v.Claims["session_id"].(string); sid != "" {
				issuer.Revoke(sid)
			}
		}
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		w.WriteHeader(http.StatusNoContent)
	})

	// Hanko's Flow API for <hanko-auth>: preflight, then login_init with an email field.
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		switch action := r.URL.Query().Get("action"); {
		case action == "":
			writeJSONResponse(w, http.StatusOK, preflight("login"))
		case strings.HasPrefix(action, "register_client_capabilities@"):
			writeJSONResponse(w, http.StatusOK, flowState("login_init", map[string]any{}, map[string]any{
				"continue_with_login_identifier": flowAction("login", "continue_with_login_identifier", map[string]any{
					"email": map[string]any{"name": "email", "type": "email", "required": true, "max_length": 100},
				}),
			}))
		default:
			// Signing in through the form is not part of the end-to-end test: the test
			// puts a minted token into the cookie instead.
			writeJSONResponse(w, http.StatusOK, flowError("This stand-in Hanko does not run the login flow."))
		}
	})

	// ... and for <hanko-profile>: preflight, then profile_init showing the session's user.
	mux.HandleFunc("POST /profile", func(w http.ResponseWriter, r *http.Request) {
		v, ok := session(r)
		if !ok {
			writeJSONResponse(w, http.StatusUnauthorized, map[string]any{"code": 401, "message": "Unauthorized"})
			return
		}
		switch action := r.URL.Query().Get("action"); {
		case action == "":
			writeJSONResponse(w, http.StatusOK, preflight("profile"))
		case strings.HasPrefix(action, "register_client_capabilities@"):
			user := userFromClaims(v.Claims)
			sid, _ := v.Claims["session_id"].(string)
			issued, _ := v.Claims["issued_at"].(string)
			payload := map[string]any{
				"user": user,
				"sessions": []any{map[string]any{
					"id": sid, "created_at": issued, "last_used": issued, "current": true,
					"user_agent": "Chromium (Linux)", "user_agent_raw": r.UserAgent(), "ip_address": "127.0.0.1",
				}},
			}
			writeJSONResponse(w, http.StatusOK, flowState("profile_init", payload, map[string]any{
				"email_create": flowAction("profile", "email_create", map[string]any{
					"email": map[string]any{"name": "email", "type": "email", "required": true, "max_length": 100},
				}),
				"password_create": flowAction("profile", "password_create", map[string]any{
					"password": map[string]any{"name": "password", "type": "password", "required": true, "min_length": 8, "max_length": 72},
				}),
				"webauthn_credential_create": flowAction("profile", "webauthn_credential_create", map[string]any{}),
				// The only email is the primary one, which cannot be deleted; <hanko-profile>
				// reads the deletable ids from allowed_values.
				"email_delete": flowAction("profile", "email_delete", map[string]any{
					"email_id": map[string]any{"name": "email_id", "type": "string", "required": true, "allowed_values": []any{}},
				}),
				"session_delete": flowAction("profile", "session_delete", map[string]any{
					"session_id": map[string]any{"name": "session_id", "type": "string", "required": true, "allowed_values": []any{}},
				}),
				// Offered because Hanko's account.allow_deletion is on (webhooks.go runs it).
				"account_delete": flowAction("profile", "account_delete", map[string]any{}),
			}))
		case strings.HasPrefix(action, "account_delete@"):
			accts.deleteAccount(w, r, v)
		default:
			writeJSONResponse(w, http.StatusOK, flowError("This stand-in Hanko does not change profiles."))
		}
	})
	return mux
}

const flowID = "0e3c5a2b-6f0d-4d8e-9a51-7b2c8d9e1f00"

func flowState(name string, payload map[string]any, actions map[string]any) map[string]any {
	return map[string]any{
		"name":       name,
		"status":     http.StatusOK,
		"payload":    payload,
		"actions":    actions,
		"csrf_token": "e2e-csrf-token",
		"links":      nil,
	}
}

func flowAction(flow, name string, inputs map[string]any) map[string]any {
	return map[string]any{
		"action":      name,
		"href":        "/" + flow + "?action=" + name + "%40" + flowID,
		"inputs":      inputs,
		"description": "",
	}
}

// preflight is the first state of every Hanko flow: the client reports what WebAuthn it has.
func preflight(flow string) map[string]any {
	input := func(name string) map[string]any {
		return map[string]any{"name": name, "type": "boolean", "required": true, "hidden": true}
	}
	return flowState("preflight", map[string]any{}, map[string]any{
		"register_client_capabilities": flowAction(flow, "register_client_capabilities", map[string]any{
			"webauthn_available":                        input("webauthn_available"),
			"webauthn_conditional_mediation_available":  input("webauthn_conditional_mediation_available"),
			"webauthn_platform_authenticator_available": input("webauthn_platform_authenticator_available"),
		}),
	})
}

// flowError answers a flow step this stand-in cannot run, as Hanko reports a refused operation.
func flowError(message string) map[string]any {
	return map[string]any{
		"name": "error", "status": http.StatusBadRequest, "csrf_token": "e2e-csrf-token",
		"error": map[string]any{"code": "operation_not_permitted_error", "message": message},
	}
}

// userFromClaims shapes Hanko's GET /me answer from validated session claims.
func userFromClaims(claims map[string]any) map[string]any {
	sub, _ := claims["subject"].(string)
	issued, _ := claims["issued_at"].(string)
	user := map[string]any{
		"id":            sub,
		"user_id":       sub,
		"created_at":    issued,
		"updated_at":    issued,
		"emails":        []any{},
		"passkeys":      []any{},
		"mfa_config":    map[string]any{"auth_app_set_up": false, "security_keys_enabled": false, "totp_enabled": false},
		"identities":    []any{},
		"security_keys": []any{},
	}
	if email, ok := claims["email"].(map[string]any); ok {
		user["emails"] = []any{map[string]any{
			"id":          authtest.RandomUUID(),
			"address":     email["address"],
			"is_primary":  email["is_primary"],
			"is_verified": email["is_verified"],
		}}
	}
	return user
}

// withCORS answers like Hanko's own CORS middleware: credentials allowed for
// the listed origins only, preflights answered with 204.
func withCORS(origins []string, next http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		w.Header().Add("Vary", "Origin")
		if origin != "" && allowed[origin] {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Expose-Headers", "X-Auth-Token, X-Session-Lifetime, X-Session-Retention, Location")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,OPTIONS")
				if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
					h.Set("Access-Control-Allow-Headers", req)
				}
				h.Set("Access-Control-Max-Age", "7200")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSONResponse(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fakehanko-*.json")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
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

// writeOutputs writes the JSON file and/or the shell exports file.
func writeOutputs(out, envFile string, o Output) error {
	if out != "" {
		if err := writeJSON(out, o); err != nil {
			return err
		}
	}
	if envFile == "" {
		return nil
	}
	exports := fmt.Sprintf("export HANKO_API_URL=%s\nexport TOKEN=%s\nexport TOKEN_BOB=%s\n",
		o.URL, o.Users["alice"].Token, o.Users["bob"].Token)
	if o.AdminURL != "" {
		exports += fmt.Sprintf("export HANKO_ADMIN_API_URL=%s\n", o.AdminURL)
	}
	tmp := envFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(exports), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, envFile)
}
