package webhooks_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/webhooks"
	"github.com/hanko-gin/hanko-gin/features/webhooks/webhookstest"
)

// Receive Hanko's webhooks: register the route as a hook in Hanko's config
// (webhooks.hooks[].callback) and act on the verified event. No session is
// involved; the signed token in the body is the proof.
func ExampleVerify() {
	hanko := authtest.NewServer()
	defer hanko.Close()
	authn, err := auth.New(context.Background(), auth.Config{HankoAPIURL: hanko.URL})
	if err != nil {
		log.Fatal(err)
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/webhooks/hanko", func(c *gin.Context) {
		wh, err := webhooks.Verify(authn, c.Request)
		if err != nil {
			e, _ := errors.AsType[*auth.Error](err)
			auth.WriteError(c, e) // 400, 401, 413 or 503 with {"error", "message"}
			return
		}
		switch wh.Event {
		case "user.delete":
			// Delete what you store for wh.UserID() here; answer 2xx once it is durable.
			c.String(http.StatusOK, "deleted the data of "+wh.UserID())
		default:
			c.Status(http.StatusNoContent)
		}
	})

	deliver := func(body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/hanko", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}
	userID := "9f1c7f3e-5d0b-4d0e-9d47-6f2a1c3b8e11"
	deliver(webhookstest.Body(hanko.Issuer, webhookstest.Webhook{Event: "user.delete", Data: map[string]any{"id": userID}}))
	session := hanko.Token(authtest.Session{UserID: userID})
	deliver([]byte(`{"token": "` + session + `", "event": "user.delete"}`))
	// Output:
	// 200 deleted the data of 9f1c7f3e-5d0b-4d0e-9d47-6f2a1c3b8e11
	// 401 {"error":"invalid_token","message":"The webhook token is invalid or has expired."}
}
