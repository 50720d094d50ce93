package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/notes"
	"github.com/authkit/authkit/server/store"
)

// exampleKit starts the kit on a temporary SQLite file with one user,
// ann@example.com, and returns the API, its service, its test server and a
// cleanup function.
func exampleKit() (*httpapi.API, *auth.Service, *httptest.Server, func()) {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "authkit-example")
	st, err := store.Open(ctx, filepath.Join(dir, "a.db"), store.Options{})
	if err != nil {
		panic(err)
	}
	st.Migrate(ctx)
	svc, err := auth.New(ctx, st, auth.Config{})
	if err != nil {
		panic(err)
	}
	if _, err := svc.CreateSuperuser(ctx, "root@example.com", "Root", "correct horse battery"); err != nil {
		panic(err)
	}
	api := httpapi.New(svc, notes.New(st.DB(), nil), httpapi.Options{InsecureCookies: true})
	srv := httptest.NewServer(api)
	post(srv.URL+"/api/auth/register", "", `{"email":"ann@example.com","password":"correct horse battery","name":"Ann"}`)
	return api, svc, srv, func() { srv.Close(); st.Close(); os.RemoveAll(dir) }
}

func post(url, token, body string) *http.Response {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	return resp
}

func get(url, token string) (int, string) {
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func accessToken(base, email string) string {
	resp := post(base+"/api/token", "", `{"email":"`+email+`","password":"correct horse battery"}`)
	defer resp.Body.Close()
	var pair struct{ Access string }
	json.NewDecoder(resp.Body).Decode(&pair)
	return pair.Access
}

func ExampleAPI_RequireUser() {
	api, svc, srv, cleanup := exampleKit()
	defer cleanup()

	// One line protects the endpoint; UserFrom names the caller.
	api.Handle("GET /api/hello", api.RequireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := httpapi.UserFrom(r.Context())
		u, err := svc.User(r.Context(), p)
		if err != nil {
			api.WriteError(w, r, err)
			return
		}
		fmt.Fprintf(w, "hello, %s", u.Name)
	})))

	fmt.Println(get(srv.URL+"/api/hello", ""))
	fmt.Println(get(srv.URL+"/api/hello", accessToken(srv.URL, "ann@example.com")))
	// Output:
	// 401 {"error":{"code":"not_authenticated","message":"Please log in."}}
	//
	// 200 hello, Ann
}

func ExampleAPI_RequireStaff() {
	api, _, srv, cleanup := exampleKit()
	defer cleanup()

	api.Handle("GET /api/reports", api.RequireStaff(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]int{"signups": 2})
	})))

	status, _ := get(srv.URL+"/api/reports", accessToken(srv.URL, "ann@example.com"))
	fmt.Println("ann:", status)
	status, body := get(srv.URL+"/api/reports", accessToken(srv.URL, "root@example.com"))
	fmt.Println("root:", status, body)
	// Output:
	// ann: 403
	// root: 200 {"signups":2}
}

func ExampleAPI_LogIn() {
	api, svc, srv, cleanup := exampleKit()
	defer cleanup()

	// An OAuth callback (say) has established who the user is; LogIn
	// gives them a session with the kit's cookies.
	api.Handle("GET /oauth/callback", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := svc.UserByEmail(r.Context(), "ann@example.com") // from the provider's answer
		if err == nil {
			err = api.LogIn(w, r, u)
		}
		if err != nil {
			api.WriteError(w, r, err)
			return
		}
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
	}))

	resp, _ := http.DefaultTransport.RoundTrip(httptest.NewRequest("GET", srv.URL+"/oauth/callback", nil))
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	for _, c := range resp.Cookies() {
		fmt.Println(c.Name, c.HttpOnly)
	}
	// Output:
	// 303 /profile
	// access_token true
	// refresh_token true
	// csrf_token false
}

func ExampleAPI_LogOut() {
	api, _, srv, cleanup := exampleKit()
	defer cleanup()

	api.Handle("POST /signout", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := api.LogOut(w, r); err != nil {
			api.WriteError(w, r, err)
			return
		}
		fmt.Fprint(w, "signed out")
	}))

	token := accessToken(srv.URL, "ann@example.com")
	resp := post(srv.URL+"/signout", token, "")
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	status, _ := get(srv.URL+"/api/me", token)
	fmt.Println("the old token now gets", status)
	// Output:
	// 200 signed out
	// the old token now gets 401
}
