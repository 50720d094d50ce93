//go:build !wasm

package main

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/server/httpapi/apitest"
	"github.com/authkit/authkit/shared"
)

// shippedAsStaff starts the kit with main.go's modules, as shipped, and
// signs a staff member in by cookie (a superuser, address confirmed, the
// login recent), whom every route's guard lets through.
func shippedAsStaff(t *testing.T) (*apitest.Server, *apitest.Client, shared.User) {
	t.Helper()
	ts := apitest.NewServer(t, apitest.WithModules(modules...))
	b := ts.Browser()
	me := b.Register("ann@example.com", "Ann")
	ts.MakeStaff(me.ID, true)
	b.ConfirmEmail()
	return ts, b, me
}

// routeAt is rt's method and its path with every wildcard set to id.
func routeAt(rt httpapi.Route, id string) (method, path string) {
	method, path, _ = strings.Cut(rt.Pattern, " ")
	return method, wildcard.ReplaceAllString(path, id)
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// TestEveryBodyRouteRefusesBadInputAlike sends every route that reads a
// JSON body (the kit's and every module's in main.go, as shipped) the
// same bad bodies, signed in as a staff member with a recent login: each
// is refused with the one error shape and its documented code, before the
// handler does anything.
func TestEveryBodyRouteRefusesBadInputAlike(t *testing.T) {
	ts, b, me := shippedAsStaff(t)

	huge := `{"name":"` + strings.Repeat("a", shared.MaxBodyBytes) + `"}`
	inputs := []struct {
		name, body, contentType string
		status                  int
		code                    shared.Code
	}{
		{"malformed", `{"email":"x"`, "application/json", 400, shared.CodeInvalidJSON},
		{"array", `[1,2]`, "application/json", 400, shared.CodeInvalidJSON},
		{"null", `null`, "application/json", 400, shared.CodeInvalidJSON},
		{"two values", `{} {}`, "application/json", 400, shared.CodeInvalidJSON},
		{"too large", huge, "application/json", 413, shared.CodeBodyTooLarge},
		{"text/plain", `{}`, "text/plain", 415, shared.CodeUnsupportedMediaType},
		{"no content type", `{}`, "", 415, shared.CodeUnsupportedMediaType},
	}
	checked := 0
	for _, rt := range ts.API.Routes() {
		if rt.Request == nil {
			continue
		}
		method, path := routeAt(rt, me.ID)
		if body := wrongTypes(rt.Request); body != "{}" {
			t.Run(rt.Pattern+"/wrong types", func(t *testing.T) {
				b.Do(method, path, body).ExpectError(t, 400, shared.CodeInvalidJSON)
			})
		}
		for _, in := range inputs {
			t.Run(rt.Pattern+"/"+in.name, func(t *testing.T) {
				b.Do(method, path, in.body, "Content-Type", in.contentType).ExpectError(t, in.status, in.code)
			})
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d routes read a body: are the modules mounted?", checked)
	}
	// Nothing was changed by any of it.
	var after shared.UserResponse
	b.Do("GET", "/api/me", nil).Decode(t, &after)
	if after.User.Name != "Ann" || after.User.Email != "ann@example.com" {
		t.Fatalf("the account changed: %+v", after.User)
	}
	b.Login("ann@example.com", apitest.Password).ExpectStatus(t, 200)
}

// wrongTypes is a JSON object giving every field of the request type v a
// value of another JSON type than the field's.
func wrongTypes(v any) string {
	body := map[string]any{}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || f.Type == reflect.TypeFor[json.RawMessage]() {
			continue // a raw message takes any JSON
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer { // an optional field
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.String:
			body[name] = 1
		case reflect.Slice, reflect.Map, reflect.Struct:
			body[name] = true
		default: // numbers, booleans
			body[name] = "x"
		}
	}
	out, _ := json.Marshal(body)
	return string(out)
}

// TestEveryQueryParameterSurvivesOddValues sends every query parameter of
// every route (as the route table documents them) values a form or a
// script might produce: each is served or refused with the error shape,
// never a 5xx.
func TestEveryQueryParameterSurvivesOddValues(t *testing.T) {
	ts, b, me := shippedAsStaff(t)

	odd := []string{"", "abc", "-1", "0", "1e3", "0x10", "99999999999999999999999", "%ff", "%E2%80%AE", "a%20b", strings.Repeat("z", 4000)}
	checked := 0
	for _, rt := range ts.API.Routes() {
		method, path := routeAt(rt, me.ID)
		for _, p := range rt.Params {
			if p.In != "query" {
				continue
			}
			checked++
			for _, v := range odd {
				r := b.Do(method, path+"?"+p.Name+"="+v, nil)
				if r.Status >= 500 {
					t.Errorf("%s?%s=%.20s: %d %s", rt.Pattern, p.Name, v, r.Status, r.Body)
				} else if r.Status >= 400 {
					r.ErrorBody(t)
				}
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d query parameters found", checked)
	}
}
