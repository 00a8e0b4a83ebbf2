package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// TestRunAppliesTodosMaxPerUser: the setting reaches the store of the real
// program, and the write past it is answered 409 todo_limit_reached.
func TestRunAppliesTodosMaxPerUser(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	base, _ := startServer(t, map[string]string{
		"HANKO_API_URL":      hanko.URL,
		"DATABASE_URL":       "sqlite://" + filepath.Join(t.TempDir(), "todos.db"),
		"TODOS_MAX_PER_USER": "2",
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
