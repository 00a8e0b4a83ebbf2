package hankoadmin_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
)

func ExampleNew() {
	// Self-hosted Hanko: the admin port, which has no authentication (keep it
	// internal). Hanko Cloud: its admin API URL and an API key.
	c, err := hankoadmin.New("http://hanko:8001", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)

	_, err = hankoadmin.New("hanko:8001", "")
	fmt.Println(err)
	// Output:
	// hankoadmin.Client(http://hanko:8001, no API key)
	// the admin API URL "hanko:8001" must be an absolute http(s) URL, like http://hanko:8001
}

// Purging the data of users deleted while the webhook could not be delivered.
func ExampleClient_UsersByID() {
	admin := hankoadmintest.NewServer(nil) // stands in for http://hanko:8001
	defer admin.Close()
	kept := admin.PutUser(hankoadmin.User{ID: "11111111-1111-4111-8111-111111111111"})
	gone := admin.PutUser(hankoadmin.User{ID: "22222222-2222-4222-8222-222222222222"})
	admin.DeleteUser(gone.ID)

	c, _ := hankoadmin.New(admin.URL, "")
	owners := []string{kept.ID, gone.ID} // the user ids that own data here
	found, err := c.UsersByID(context.Background(), owners)
	if err != nil {
		fmt.Println("deleting nothing:", err)
		return
	}
	for _, id := range owners {
		if _, ok := found[id]; !ok {
			fmt.Println("Hanko deleted", id)
		}
	}
	// Output: Hanko deleted 22222222-2222-4222-8222-222222222222
}

// Granting a role: a merge patch keeps the rest of the user's metadata.
func ExampleClient_PatchMetadata() {
	admin := hankoadmintest.NewServer(nil)
	defer admin.Close()
	u := admin.AddUser("ada@example.com")
	admin.SetPublicMetadata(u.ID, map[string]any{"team": "blue"})

	c, _ := hankoadmin.New(admin.URL, "")
	ctx := context.Background()
	m, err := c.PatchMetadata(ctx, u.ID, map[string]any{
		"public_metadata": map[string]any{"roles": []string{"admin"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(m.Public))
	fmt.Println(string(m.PublicValue("roles")))
	// Output:
	// {"roles":["admin"],"team":"blue"}
	// ["admin"]
}

// Taking a role away takes effect at once when the user's sessions end.
func ExampleClient_RevokeAllSessions() {
	hanko := authtest.NewServer()
	defer hanko.Close()
	admin := hankoadmintest.NewServer(hanko.Issuer)
	defer admin.Close()
	token := admin.LoginSession(admin.AddUser("ada@example.com").ID)

	c, _ := hankoadmin.New(admin.URL, "")
	ctx := context.Background()
	u, err := c.UserByEmail(ctx, "Ada@Example.com")
	if errors.Is(err, hankoadmin.ErrNotFound) {
		fmt.Println("no such user")
		return
	} else if err != nil {
		fmt.Println(err)
		return
	}
	n, err := c.RevokeAllSessions(ctx, u.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.PrimaryEmail(), "lost", n, "session(s)")
	fmt.Println("old token still valid:", hanko.Validate(token).IsValid)
	// Output:
	// ada@example.com lost 1 session(s)
	// old token still valid: false
}

// Walking all users, a page at a time.
func ExampleClient_ListUsers() {
	admin := hankoadmintest.NewServer(nil)
	defer admin.Close()
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		admin.AddUser(e)
	}

	c, _ := hankoadmin.New(admin.URL, "")
	for page := 1; ; page++ {
		p, err := c.ListUsers(context.Background(), page, 2)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("page %d: %d of %d users\n", page, len(p.Users), p.Total)
		if !p.HasNext {
			break
		}
	}
	// Output:
	// page 1: 2 of 3 users
	// page 2: 1 of 3 users
}

// Telling "Hanko says this user is gone" from "Hanko could not be asked".
func ExampleError() {
	admin := hankoadmintest.NewServer(nil)
	defer admin.Close()
	u := admin.AddUser("ada@example.com")
	admin.FailWith(503)

	c, _ := hankoadmin.New(admin.URL, "")
	_, err := c.User(context.Background(), u.ID)
	var e *hankoadmin.Error
	switch {
	case errors.Is(err, hankoadmin.ErrNotFound):
		fmt.Println("deleted at Hanko")
	case errors.As(err, &e):
		fmt.Println("cannot tell; HTTP", e.Status, e.Message)
	}
	// Output: cannot tell; HTTP 503 Service Unavailable
}
