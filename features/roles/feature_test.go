package roles

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
)

// Start-up warns when HANKO_ADMIN_API_KEY would travel over plain http to a
// remote host, as it does for HANKO_API_URL; never with the key.
func TestSetupWarnsAboutAnAdminKeyInTheClear(t *testing.T) {
	db := storetest.New(t, storetest.Backend{Name: "sqlite", NewURL: storetest.SQLiteURL})
	for _, tc := range []struct {
		url, key string
		warn     bool
	}{
		{"http://admin.example.com:8001", "the-key", true},
		{"http://admin.example.com:8001", "", false},
		{"https://admin.example.com", "the-key", false},
		{"http://hanko:8001", "the-key", false},
	} {
		env := map[string]string{"HANKO_API_URL": "https://login.example.com", "HANKO_ADMIN_API_URL": tc.url, "HANKO_ADMIN_API_KEY": tc.key}
		s := config.NewSettings(func(k string) string { return env[k] })
		cfg := config.Read(s)
		h := &app.Hooks{}
		Feature{}.Setup(s, h)
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		h.AddRoutes(gin.New(), app.Deps{Store: db, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Config: cfg})
		warned := strings.Contains(logs.String(), "level=WARN") && strings.Contains(logs.String(), "HANKO_ADMIN_API_URL uses plain http")
		if warned != tc.warn {
			t.Errorf("%s, key %q: warned %v, want %v\n%s", tc.url, tc.key, warned, tc.warn, logs.String())
		}
		if strings.Contains(logs.String(), "the-key") {
			t.Error("the API key was logged")
		}
	}
}
