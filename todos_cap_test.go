package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// TestRunAppliesTodosMaxPerUser: the setting reaches the store of the real
// program, and the write past it is answered 409 todo_limit_reached.
func TestRunAppliesTodosMaxPerUser(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	port := freePort(t)
	env := map[string]string{
		"HANKO_API_URL":      hanko.URL,
		"PORT":               strconv.Itoa(port),
		"DATABASE_URL":       "sqlite://" + filepath.Join(t.TempDir(), "todos.db"),
		"TODOS_MAX_PER_USER": "2",
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, new(syncBuffer)) }()
	defer func() { cancel(); <-done }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})

	token := hanko.Token(authtest.Session{})
	var got []string
	for i := range 3 {
		req, _ := http.NewRequest("POST", base+"/api/todos", strings.NewReader(fmt.Sprintf(`{"title":"todo %d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error, Message string }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		got = append(got, fmt.Sprint(resp.StatusCode, " ", body.Error, " ", body.Message))
	}
	want := []string{"201  ", "201  ", "409 todo_limit_reached You have reached the limit of 2 todos. Delete one to add another."}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("three creates with TODOS_MAX_PER_USER=2 answered\n %q\nwant\n %q", got, want)
	}
}
