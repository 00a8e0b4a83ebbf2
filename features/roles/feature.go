package roles

import (
	"context"
	_ "embed"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
)

// Feature is the roles feature (docs/roles.md), for main.go's feature list:
// the admin area (GET /api/admin/users, PUT /api/admin/users/:id/roles,
// admin role only) and the `hanko-gin roles` subcommand.
type Feature struct{}

// Name implements app.Feature.
func (Feature) Name() string { return "roles" }

// Setup implements app.Feature.
func (Feature) Setup(s *config.Settings, h *app.Hooks) {
	admin := hankoadmin.FromSettings(s) // nil: the admin area answers 503
	h.Routes(func(r *gin.Engine, d app.Deps) {
		if admin != nil && admin.SendsKeyInTheClear() {
			d.Logger.Warn("HANKO_ADMIN_API_URL uses plain http to a remote host while HANKO_ADMIN_API_KEY is set: anyone on the network path "+
				"could read the key and change every user's roles; use https", "hanko_admin_api_url", admin.URL())
		}
		a := &adminArea{auth: d.Auth, store: d.Store, log: d.Logger, admin: admin}
		a.adminRoutes(r)
	})
	h.Command("roles", "roles grant|revoke|list", func(ctx context.Context, args []string, env app.CommandEnv) error {
		return rolesCommand(ctx, args, admin, env)
	})
	h.OpenAPI(openapiFragment)
}

// openapiFragment is the admin area's part of the API contract (/openapi.json).
//
//go:embed openapi.yaml
var openapiFragment []byte
