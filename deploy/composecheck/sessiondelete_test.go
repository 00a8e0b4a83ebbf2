package composecheck

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Hanko's session events (session.delete.*: logout, revoked sessions) end a
// session on every backend replica at once. No tagged Hanko sends them yet:
// the stack pins v3.0.4, whose config schema has no session.delete among
// webhooks.hooks[].events (checked in teamhanko/hanko at backend/v3.0.4,
// backend/json_schema/hanko.config.json), so Hanko v3.0.4 would refuse to
// start with it. deploy/hanko/config.yaml therefore documents the one line to
// add, in a comment below the webhooks block. That schema is not kept here; the one in testdata is the
// schema of the Hanko build that sends the events (v3.0.4-79-gf742d496, the
// build the session-delete fixtures were captured from), and the variant with
// the line must validate against it and fit the stack.
func TestHankoConfigSessionDeleteLine(t *testing.T) {
	const (
		documented = "#         - session.delete\n" // in the comment below the webhooks block
		after      = "        - user.delete\n"      // where it goes
		active     = "        - session.delete\n"
	)
	base := string(readFile(t, filepath.Join(RepoRoot, hankoConfig)))
	if strings.Count(base, documented) != 1 {
		t.Fatalf("%s does not document the session.delete line exactly once (%q)", hankoConfig, documented)
	}
	project := defaultProject(t)
	if img := service(t, project, "hanko").Image; !strings.HasSuffix(img, ":v3.0.4") {
		t.Fatalf("hanko image %q: the pinned version changed; if it sends session.delete, make the line active (and drop this check)", img)
	}
	for _, h := range readHankoConfig(t, hankoConfig).Webhooks.Hooks {
		if slices.ContainsFunc(h.Events, func(e string) bool { return e == "session" || strings.HasPrefix(e, "session.") }) {
			t.Errorf("hook %s subscribes to %v: Hanko v3.0.4 refuses session events", h.Callback, h.Events)
		}
	}

	if strings.Count(base, after) != 1 {
		t.Fatalf("%s does not list user.delete exactly once", hankoConfig)
	}
	variant := strings.Replace(base, after, after+active, 1)
	if err := loadSchema(t).Validate([]byte(variant), false); err != nil {
		t.Fatalf("the config with the documented line does not validate against the schema of the Hanko that sends session events:\n%v", err)
	}
	if errs := CheckHankoConfigForStack(loadSchema(t), []byte(variant), project); len(errs) != 0 {
		t.Fatalf("the config with the documented line does not fit the stack: %v", errs)
	}
	c, err := ParseHankoConfig([]byte(variant))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Webhooks.Hooks) != 1 || !slices.Equal(c.Webhooks.Hooks[0].Events, []string{"user.delete", "session.delete"}) {
		t.Errorf("with the line, the hook's events are %v, want [user.delete session.delete]", c.Webhooks.Hooks)
	}
	// The schema knows each sub-event the backend handles; session.delete
	// subscribes to all of them (Hanko matches events by prefix).
	for _, sub := range []string{"session.delete.explicit.logout", "session.delete.explicit.revoke", "session.delete.admin.revoke",
		"session.delete.passive.expire", "session.delete.passive.limit"} {
		one := strings.Replace(base, after, after+"        - "+sub+"\n", 1)
		if err := loadSchema(t).Validate([]byte(one), false); err != nil {
			t.Errorf("%s is not an event of the schema: %v", sub, err)
		}
	}
}
