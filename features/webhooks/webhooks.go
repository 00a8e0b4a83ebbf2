// Package webhooks is the webhooks feature (docs/webhooks.md): POST
// /webhooks/hanko receives Hanko's webhook deliveries (user.delete removes
// the user's data and revokes the user; session.delete.* revokes a session),
// the revocation list the auth middleware asks on every request
// (revocations.go), and `hanko-gin purge-deleted-users`, which catches
// deletions whose delivery was lost.
package webhooks

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

// Feature is the webhooks feature, for main.go's feature list.
type Feature struct{}

// Name implements app.Feature.
func (Feature) Name() string { return "webhooks" }

// Setup implements app.Feature: the route, the revocation list (asked by
// auth on every request, written by the route, kept current by a service,
// enforced on writes by a store check), the purge subcommand, and a counter
// of deliveries (app.Hooks.Counter: counted when a feature collects counters).
func (Feature) Setup(s *config.Settings, h *app.Hooks) {
	admin := hankoadmin.FromSettings(s) // checked at start-up too, not only when the purge runs
	count := h.Counter("hanko_gin_webhook_deliveries_total",
		"Hanko webhook deliveries by event (\"unverified\" when refused before the token was verified) and outcome (deleted, revoked, ignored, refused, failed).",
		"event", "outcome")
	list := NewRevocations(RevocationOptions{ListenURL: listenURL(s)})
	h.Revocations(list)
	h.Store(storeOptions()...)
	// Requests with credentials wait for the first load (normally done below,
	// before the server serves); only a failed first load makes them wait.
	h.Middleware(list.Gate(firstLoadWait))
	h.Routes(func(r *gin.Engine, d app.Deps) {
		if d.Logger != nil {
			list.log = d.Logger
		}
		w := &receiver{auth: d.Auth, store: d.Store, revocations: list, log: list.log, count: count}
		// No session: the signed token in the body is the proof.
		r.POST("/webhooks/hanko", w.hankoWebhook)
	})
	h.OnStart(func(ctx context.Context, d app.Deps) error {
		ctx, cancel := context.WithTimeout(ctx, firstLoadWait)
		defer cancel()
		if err := list.Load(ctx, d.Store); err != nil {
			list.log.Error("revocation list: the first load failed; retrying beside the server, requests with credentials wait for it", "error", err)
		}
		return nil
	})
	h.Service(func(ctx context.Context, d app.Deps) error { return list.Run(ctx, d.Store) })
	h.OpenAPI(openapiFragment)
	h.Command("purge-deleted-users", "purge-deleted-users [--dry-run] [--force]", func(ctx context.Context, args []string, env app.CommandEnv) error {
		return purgeDeletedUsers(ctx, args, admin, env)
	})
}

// listenURL reads DATABASE_LISTEN_URL: where the connection that listens
// for revocations goes, when DATABASE_URL goes through a transaction pooler
// (PgBouncer in transaction mode) that cannot pass notifications on.
func listenURL(s *config.Settings) string {
	v := s.Get("DATABASE_LISTEN_URL", "")
	if v == "" {
		return ""
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		s.Bad("DATABASE_LISTEN_URL must be a postgres:// URL straight to PostgreSQL (not through a transaction pooler)")
		return ""
	}
	if !strings.HasPrefix(s.Get("DATABASE_URL", ""), "postgres") {
		s.Bad("DATABASE_LISTEN_URL is set but DATABASE_URL is not PostgreSQL: it only applies to PostgreSQL")
		return ""
	}
	return v
}

// openapiFragment is the route's part of the API contract (/openapi.json).
//
//go:embed openapi.yaml
var openapiFragment []byte

// firstLoadWait bounds the first load of the revocation list at start-up,
// and how long a request waits for it.
const firstLoadWait = 10 * time.Second

// receiver answers POST /webhooks/hanko.
type receiver struct {
	auth        *auth.Authenticator
	store       store.Store
	revocations *Revocations
	log         *slog.Logger
	count       func(values ...string) // event, outcome
}

// delivered counts one delivery. Only events of verified tokens (signed by
// Hanko) become label values; a refused delivery is "unverified".
func (a *receiver) delivered(event, outcome string) {
	if event == "" {
		event = "unverified"
	}
	a.count(event, outcome)
}

// webhookAnswer is the body of a 200 to Hanko (which only looks at the
// status; the body is for people reading logs or testing with curl).
type webhookAnswer struct {
	Event   string `json:"event"`
	Outcome string `json:"outcome"` // "deleted", "revoked" or "ignored"
	Deleted *int   `json:"deleted,omitempty"`
}

// hankoWebhook receives Hanko's webhook deliveries (POST /webhooks/hanko,
// registered under webhooks.hooks in Hanko's config). The route needs no
// session: the signed token in the body is the proof, checked by Verify
// (token.go). Hanko sends each delivery once and never retries, so
// every outcome is logged (event, user id, outcome; never the token), and
// `hanko-gin purge-deleted-users` catches deletions that never arrived.
func (a *receiver) hankoWebhook(c *gin.Context) {
	ctx := c.Request.Context()
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		a.log.WarnContext(ctx, "hanko webhook", "outcome", "refused", "status", http.StatusBadRequest, "reason", "Content-Type is not application/json")
		a.delivered("", "refused")
		routes.RespondError(c, routes.BadRequest("A webhook delivery must be JSON, sent with Content-Type: application/json."))
		return
	}
	wh, err := Verify(a.auth, c.Request)
	if err != nil {
		status, level := http.StatusInternalServerError, slog.LevelWarn
		if e, ok := errors.AsType[*auth.Error](err); ok {
			status = e.Status
		}
		if status == http.StatusServiceUnavailable {
			level = slog.LevelError // a real deletion may be lost: the purge will catch it
		}
		a.log.Log(ctx, level, "hanko webhook", "outcome", "refused", "status", status, "reason", err.Error())
		a.delivered("", "refused")
		routes.RespondError(c, err)
		return
	}
	log := a.log.With("event", wh.Event, "user_id", wh.UserID())

	switch {
	case wh.Event == "user.delete":
		a.deleteUserData(c, wh, log)
	case strings.HasPrefix(wh.Event, "session.delete."):
		a.revokeSession(c, wh, log.With("session_id", wh.SessionID()))
	// Add your own events here, and subscribe to them in Hanko's config
	// (webhooks.hooks[].events). For example, to provision a user on sign-up:
	//
	//	case "user.create":
	//		// wh.Data is the user as Hanko's admin API shows it (id, emails, ...)
	//		err := a.store.CreateProfile(ctx, wh.UserID(), ...)
	default:
		log.DebugContext(ctx, "hanko webhook", "outcome", "ignored")
		a.delivered(wh.Event, "ignored")
		c.JSON(http.StatusOK, webhookAnswer{Event: wh.Event, Outcome: "ignored"})
	}
}

// deleteUserData handles user.delete: everything stored for the user goes,
// and the user is revoked (their tokens refused on every replica, every
// write for them refused), in one transaction that is durable before Hanko
// gets its 200. A replay or a second delivery deletes nothing more and is
// still a 200.
func (a *receiver) deleteUserData(c *gin.Context, wh *Webhook, log *slog.Logger) {
	ctx := c.Request.Context()
	id := wh.UserID()
	if id == "" {
		// Hanko's user ids are UUIDs; anything else names nobody we store for.
		log.WarnContext(ctx, "hanko webhook", "outcome", "ignored", "reason", "data.id is not a Hanko user id (a UUID); nothing deleted")
		a.delivered(wh.Event, "ignored")
		c.JSON(http.StatusOK, webhookAnswer{Event: wh.Event, Outcome: "ignored"})
		return
	}
	n, err := a.revocations.RevokeUser(ctx, a.store, id)
	if err != nil {
		log.ErrorContext(ctx, "hanko webhook", "outcome", "failed", "error", err,
			"reason", "deleting the user's data failed; Hanko does not retry: run hanko-gin purge-deleted-users")
		a.delivered(wh.Event, "failed")
		routes.RespondError(c, err)
		return
	}
	log.InfoContext(ctx, "hanko webhook", "outcome", "deleted", "deleted_rows", n)
	a.delivered(wh.Event, "deleted")
	c.JSON(http.StatusOK, webhookAnswer{Event: wh.Event, Outcome: "deleted", Deleted: &n})
}

// revokeSession handles every session.delete.* event (logout, a session
// revoked by the user or an admin, expired, evicted by the session limit):
// that session's tokens are refused on every replica from now on, until the
// session would have ended. The user's other sessions keep working.
func (a *receiver) revokeSession(c *gin.Context, wh *Webhook, log *slog.Logger) {
	ctx := c.Request.Context()
	session, user := wh.SessionID(), wh.UserID()
	if session == "" {
		log.WarnContext(ctx, "hanko webhook", "outcome", "ignored", "reason", "data.id is not a Hanko session id (a UUID); nothing revoked")
		a.delivered(wh.Event, "ignored")
		c.JSON(http.StatusOK, webhookAnswer{Event: wh.Event, Outcome: "ignored"})
		return
	}
	if err := a.revocations.RevokeSession(ctx, a.store, session, user, wh.SessionExpiresAt()); err != nil {
		log.ErrorContext(ctx, "hanko webhook", "outcome", "failed", "error", err,
			"reason", "recording the ended session failed; Hanko does not retry: the session check (HANKO_SESSION_CHECK) or the token's exp ends it")
		a.delivered(wh.Event, "failed")
		routes.RespondError(c, err)
		return
	}
	log.InfoContext(ctx, "hanko webhook", "outcome", "revoked")
	a.delivered(wh.Event, "revoked")
	c.JSON(http.StatusOK, webhookAnswer{Event: wh.Event, Outcome: "revoked"})
}
