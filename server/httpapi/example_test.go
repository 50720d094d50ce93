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
	"github.com/authkit/authkit/server/store"
)

// exampleKit starts the kit on a temporary SQLite file with a module made
// of routes, and two users, ann@example.com and root@example.com (a
// superuser); it returns the test server and a cleanup function.
func exampleKit(routes func(k *httpapi.Kit) []httpapi.Route) (*httptest.Server, func()) {
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
	if _, err := svc.Accounts.CreateSuperuser(ctx, "root@example.com", "Root", "correct horse battery"); err != nil {
		panic(err)
	}
	example := httpapi.NewModule("example", func(k *httpapi.Kit) ([]httpapi.Route, error) { return routes(k), nil })
	api, err := httpapi.New(svc, st, httpapi.Options{InsecureCookies: true, Modules: []httpapi.Module{example}})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(api)
	post(srv.URL+"/api/auth/register", "", `{"email":"ann@example.com","password":"correct horse battery","name":"Ann"}`)
	return srv, func() { srv.Close(); st.Close(); os.RemoveAll(dir) }
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

func ExampleRoute_requireVerified() {
	srv, cleanup := exampleKit(func(k *httpapi.Kit) []httpapi.Route {
		// The guard protects the endpoint; UserFrom names the caller.
		return []httpapi.Route{{
			Pattern: "GET /api/hello", Guard: httpapi.RequireVerified, Summary: "Greet the caller",
			Handler: func(w http.ResponseWriter, r *http.Request) error {
				p, _ := httpapi.UserFrom(r.Context())
				u, err := k.Auth.Accounts.User(r.Context(), p)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "hello, %s", u.Name)
				return nil
			},
		}}
	})
	defer cleanup()

	fmt.Println(get(srv.URL+"/api/hello", ""))
	fmt.Println(get(srv.URL+"/api/hello", accessToken(srv.URL, "ann@example.com")))
	// Output:
	// 401 {"error":{"code":"not_authenticated","message":"Please log in."}}
	//
	// 200 hello, Ann
}

func ExampleRoute_requireStaff() {
	srv, cleanup := exampleKit(func(k *httpapi.Kit) []httpapi.Route {
		return []httpapi.Route{{
			Pattern: "GET /api/reports", Guard: httpapi.RequireStaff, Summary: "Sign-up figures",
			Response: map[string]int{},
			Handler: func(w http.ResponseWriter, r *http.Request) error {
				httpapi.WriteJSON(w, http.StatusOK, map[string]int{"signups": 2})
				return nil
			},
		}}
	})
	defer cleanup()

	status, _ := get(srv.URL+"/api/reports", accessToken(srv.URL, "ann@example.com"))
	fmt.Println("ann:", status)
	status, body := get(srv.URL+"/api/reports", accessToken(srv.URL, "root@example.com"))
	fmt.Println("root:", status, body)
	// Output:
	// ann: 403
	// root: 200 {"signups":2}
}

func ExampleAPI_LogIn() {
	srv, cleanup := exampleKit(func(k *httpapi.Kit) []httpapi.Route {
		// An OAuth callback (say) has established who the user is; LogIn
		// gives them a session with the kit's cookies.
		return []httpapi.Route{{
			Pattern: "GET /api/oauth/callback", Summary: "Finish a sign-in elsewhere", Status: http.StatusSeeOther,
			Handler: func(w http.ResponseWriter, r *http.Request) error {
				u, err := k.Auth.Accounts.UserByEmail(r.Context(), "ann@example.com") // from the provider's answer
				if err != nil {
					return err
				}
				if err := k.API.LogIn(w, r, u); err != nil {
					return err
				}
				http.Redirect(w, r, "/profile", http.StatusSeeOther)
				return nil
			},
		}}
	})
	defer cleanup()

	resp, _ := http.DefaultTransport.RoundTrip(httptest.NewRequest("GET", srv.URL+"/api/oauth/callback", nil))
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
	srv, cleanup := exampleKit(func(k *httpapi.Kit) []httpapi.Route {
		return []httpapi.Route{{
			Pattern: "POST /api/signout", Summary: "Sign out, the fork's way", Status: http.StatusOK,
			Handler: func(w http.ResponseWriter, r *http.Request) error {
				if err := k.API.LogOut(w, r); err != nil {
					return err
				}
				fmt.Fprint(w, "signed out")
				return nil
			},
		}}
	})
	defer cleanup()

	token := accessToken(srv.URL, "ann@example.com")
	resp := post(srv.URL+"/api/signout", token, "")
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	status, _ := get(srv.URL+"/api/me", token)
	fmt.Println("the old token now gets", status)
	// Output:
	// 200 signed out
	// the old token now gets 401
}
