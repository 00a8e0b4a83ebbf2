package routes

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
)

// requestLogger writes one structured line per request: method, path, status,
// latency and the user id when a session was verified. Never the token, the
// query string or any header.
func requestLogger(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case c.FullPath() == "/healthz" || c.FullPath() == "/readyz":
			level = slog.LevelDebug
		}
		ctx := c.Request.Context()
		if !log.Enabled(ctx, level) {
			return
		}
		attrs := make([]slog.Attr, 0, 7)
		attrs = append(attrs,
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Duration("latency", time.Since(start)),
		)
		if claims, ok := auth.FromContext(c); ok {
			attrs = append(attrs, slog.String("user_id", claims.UserID))
		}
		if len(c.Errors) > 0 {
			attrs = append(attrs, slog.String("error", c.Errors.String()))
		}
		log.LogAttrs(ctx, level, "request", attrs...)
	}
}

// recoverJSON turns a panic into a logged 500 with the usual JSON error body.
// It logs the panic and stack but never the request headers (they carry the
// session cookie).
func recoverJSON(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec) // net/http's way to abort a response; let it through
			}
			log.ErrorContext(c.Request.Context(), "panic while serving request",
				"method", c.Request.Method, "path", c.Request.URL.Path,
				"panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			RespondError(c, errInternal)
		}()
		c.Next()
	}
}

// readinessTimeout bounds each dependency check of /readyz.
const readinessTimeout = 2 * time.Second

func checkWithTimeout(ctx context.Context, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, readinessTimeout)
	defer cancel()
	return check(ctx)
}
