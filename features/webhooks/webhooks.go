// Package webhooks is the webhooks feature (docs/webhooks.md): POST
// /webhooks/hanko receives Hanko's webhook deliveries (user.delete removes
// the user's data), and `hanko-gin purge-deleted-users` catches deletions
// whose delivery was lost.
package webhooks

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"

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

// Setup implements app.Feature: the route, the purge subcommand, and a
// counter of deliveries (counted when the metrics feature is on).
func (Feature) Setup(s *config.Settings, h *app.Hooks) {
	hankoadmin.FromSettings(s) // checked at start-up too, not only when the purge runs
	count := h.Counter("hanko_gin_webhook_deliveries_total",
		"Hanko webhook deliveries by event (\"unverified\" when refused before the token was verified) and outcome (deleted, ignored, refused, failed).",
		"event", "outcome")
	h.Routes(func(r *gin.Engine, d app.Deps) {
		w := &receiver{auth: d.Auth, store: d.Store.(store.UserData), log: d.Logger, count: count}
		// No session: the signed token in the body is the proof.
		r.POST("/webhooks/hanko", w.hankoWebhook)
	})
	h.Command("purge-deleted-users", "purge-deleted-users [--dry-run] [--force]", purgeDeletedUsers)
}

// receiver answers POST /webhooks/hanko.
type receiver struct {
	auth  *auth.Authenticator
	store store.UserData
	log   *slog.Logger
	count func(values ...string) // event, outcome
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
	Outcome string `json:"outcome"` // "deleted" or "ignored"
	Deleted *int   `json:"deleted,omitempty"`
}

// hankoWebhook receives Hanko's webhook deliveries (POST /webhooks/hanko,
// registered under webhooks.hooks in Hanko's config). The route needs no
// session: the signed token in the body is the proof, checked by
// auth.VerifyWebhook. Hanko sends each delivery once and never retries, so
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
	wh, err := a.auth.VerifyWebhook(ctx, c.Request.Body)
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

	switch wh.Event {
	case "user.delete":
		a.deleteUserData(c, wh, log)
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
// in one transaction that is durable before Hanko gets its 200. A replay or a
// second delivery deletes nothing more and is still a 200.
func (a *receiver) deleteUserData(c *gin.Context, wh *auth.Webhook, log *slog.Logger) {
	ctx := c.Request.Context()
	id := wh.UserID()
	if id == "" {
		// Hanko's user ids are UUIDs; anything else names nobody we store for.
		log.WarnContext(ctx, "hanko webhook", "outcome", "ignored", "reason", "data.id is not a Hanko user id (a UUID); nothing deleted")
		a.delivered(wh.Event, "ignored")
		c.JSON(http.StatusOK, webhookAnswer{Event: wh.Event, Outcome: "ignored"})
		return
	}
	n, err := a.store.DeleteUserData(ctx, id)
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
