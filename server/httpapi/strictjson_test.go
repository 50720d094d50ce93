package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// A proxy or WAF in front of the server must never judge a different
// request than the one the server acts on: every body that parsers could
// read two ways is refused as invalid_json (issue: strict input).
func TestDecode_AmbiguousBodiesAreInvalidJSON(t *testing.T) {
	api := newStrictAPI(t)
	register := `{"email":"ann@example.com","password":"correct horse battery","name":"Ann"}`
	if rec := post(api, "/api/auth/register", register); rec.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}

	cases := map[string]string{
		"duplicate key":     `{"email":"eve@example.com","email":"ann@example.com","password":"correct horse battery"}`,
		"key in upper case": `{"EMAIL":"ann@example.com","password":"correct horse battery"}`,
		"key in title case": `{"email":"ann@example.com","Password":"correct horse battery"}`,
		"invalid UTF-8":     "{\"email\":\"ann@example.com\",\"password\":\"correct horse \xff\xfe\"}",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			rec := post(api, "/api/auth/login", body)
			if !isInvalidJSON(rec) {
				t.Fatalf("status %d, body %s; want 400 invalid_json", rec.Code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "correct horse") {
				t.Fatalf("the error echoes the password: %s", rec.Body)
			}
		})
	}
	// The same body, unambiguous, logs in: the refusals above are about
	// the shape, not the account.
	if rec := post(api, "/api/auth/login", `{"email":"ann@example.com","password":"correct horse battery"}`); rec.Code != http.StatusOK {
		t.Fatalf("plain login: %d %s", rec.Code, rec.Body)
	}
}

// TestDecode_ABodyThatIsNoObjectIsInvalidJSON: a body must be one JSON
// object; null, which the decoder would read as {}, is refused like an
// array or a string rather than answered as an empty form.
func TestDecode_ABodyThatIsNoObjectIsInvalidJSON(t *testing.T) {
	api := newStrictAPI(t)
	for _, body := range []string{"null", " null\n", "[]", `"x"`, "1", "true"} {
		rec := post(api, "/api/auth/login", body)
		if !isInvalidJSON(rec) {
			t.Errorf("body %q: status %d, body %s; want 400 invalid_json", body, rec.Code, rec.Body)
		}
	}
}

// newStrictAPI is the kit's handler on a fresh database, with no options.
func newStrictAPI(t *testing.T) *API {
	t.Helper()
	st := storetest.Open(t)
	svc, err := auth.New(context.Background(), st, auth.Config{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := New(svc, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// isInvalidJSON reports whether rec is the 400 invalid_json error.
func isInvalidJSON(rec *httptest.ResponseRecorder) bool {
	var got shared.ErrorBody
	err := json.Unmarshal(rec.Body.Bytes(), &got)
	return err == nil && rec.Code == http.StatusBadRequest && got.Error != nil && got.Error.Code == shared.CodeInvalidJSON
}

func post(h http.Handler, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
