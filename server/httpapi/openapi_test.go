package httpapi

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/signing"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// These tests hold openapi.json to the code: the routes registered in
// routes.go, the error codes of shared/errors.go and their statuses, and
// the JSON fields of the shared/ types. When one fails after a change,
// the document is what needs editing (see docs/adding-a-protected-endpoint.md).

// openAPIDoc is the embedded document, decoded.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// newOpenAPITestAPI is the real API on a fresh database.
func newOpenAPITestAPI(t *testing.T) *API {
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

// pathItemKeys are the keys an OpenAPI path item may hold besides its
// operations.
var pathItemKeys = []string{"$ref", "summary", "description", "servers", "parameters"}

// documentedRoutes lists the document's operations as "METHOD /path".
func documentedRoutes(t *testing.T, doc map[string]any) []string {
	t.Helper()
	var routes []string
	for path, item := range object(doc["paths"]) {
		for key := range object(item) {
			switch method := strings.ToUpper(key); method {
			case "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE":
				routes = append(routes, method+" "+path)
			default:
				if !slices.Contains(pathItemKeys, key) {
					t.Errorf("paths[%q] has %q, which is neither an HTTP method nor a path item field", path, key)
				}
			}
		}
	}
	return routes
}

func TestOpenAPI_DocumentsEveryRouteAndNoOther(t *testing.T) {
	api := newOpenAPITestAPI(t)
	var registered []string
	for _, route := range api.Routes() {
		registered = append(registered, route.Pattern)
	}
	documented := documentedRoutes(t, openAPIDoc(t))
	if len(registered) == 0 {
		t.Fatal("the router reported no routes")
	}
	for _, route := range registered {
		if !slices.Contains(documented, route) {
			t.Errorf("%s is served (routes.go) but missing from openapi.json", route)
		}
	}
	for _, route := range documented {
		if !slices.Contains(registered, route) {
			t.Errorf("openapi.json documents %s, which routes.go does not serve", route)
		}
	}
}

func TestOpenAPI_IsOpenAPI31AndEveryRefResolves(t *testing.T) {
	doc := openAPIDoc(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf(`openapi = %q, want "3.1.x"`, v)
	}
	for _, key := range []string{"info", "paths", "components"} {
		if _, ok := doc[key].(map[string]any); !ok {
			t.Fatalf("the document has no %q object", key)
		}
	}
	used := map[string]bool{}
	walkRefs(doc, func(ref string) {
		used[ref] = true
		if _, ok := resolveRef(doc, ref); !ok {
			t.Errorf("$ref %q does not resolve", ref)
		}
	})
	// Leftovers (say, after deleting an endpoint) are dead weight that
	// misleads readers: every component must be used.
	for _, kind := range []string{"schemas", "responses", "headers", "parameters"} {
		for name := range object(object(doc["components"])[kind]) {
			if ref := "#/components/" + kind + "/" + name; !used[ref] {
				t.Errorf("%s is never referenced", ref)
			}
		}
	}
}

func TestOpenAPI_EveryOperationIsComplete(t *testing.T) {
	doc := openAPIDoc(t)
	schemes := object(object(doc["components"])["securitySchemes"])
	ids := map[string]bool{}
	forEachOperation(doc, func(route string, op map[string]any) {
		id, _ := op["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s: operationId %q is missing or not unique", route, id)
		}
		ids[id] = true
		if len(object(op["responses"])) == 0 {
			t.Errorf("%s has no responses", route)
		}
		security, _ := op["security"].([]any)
		for _, requirement := range security {
			for name := range object(requirement) {
				if schemes[name] == nil {
					t.Errorf("%s: security scheme %q is not defined", route, name)
				}
			}
		}
	})
}

func TestOpenAPI_ErrorCodesAreTheSharedCodes(t *testing.T) {
	doc := openAPIDoc(t)
	schemas := object(object(doc["components"])["schemas"])
	var documented []string
	for _, c := range asSlice(object(schemas["ErrorCode"])["enum"]) {
		code, _ := c.(string)
		documented = append(documented, code)
	}
	declared := sharedErrorCodes(t)
	slices.Sort(documented)
	if !slices.Equal(documented, declared) {
		t.Errorf("ErrorCode enum = %v,\nshared/errors.go declares %v", documented, declared)
	}

	// Each error response of an operation lists codes whose status
	// (shared.Code.Status) is the status it is given under.
	forEachOperation(doc, func(route string, op map[string]any) {
		for status, resp := range object(op["responses"]) {
			ref, _ := object(resp)["$ref"].(string)
			if ref == "" {
				continue
			}
			target, ok := resolveRef(doc, ref)
			if !ok {
				continue // reported by TestOpenAPI_IsOpenAPI31AndEveryRefResolves
			}
			for _, code := range errorResponseCodes(target) {
				if want := strconv.Itoa(shared.Code(code).Status()); want != status || !slices.Contains(declared, code) {
					t.Errorf("%s: %s under %s lists %q, a code of status %s", route, ref, status, code, want)
				}
			}
		}
	})
}

// openAPISchemaTypes maps the document's object schemas to the Go types
// they describe.
var openAPISchemaTypes = map[string]any{
	"User": shared.User{}, "UserResponse": shared.UserResponse{},
	"RegisterRequest": shared.RegisterRequest{}, "LoginRequest": shared.LoginRequest{},
	"TokenPair": shared.TokenPair{}, "RefreshRequest": shared.RefreshRequest{}, "VerifyRequest": shared.VerifyRequest{},
	"UpdateProfileRequest": shared.UpdateProfileRequest{}, "ChangePasswordRequest": shared.ChangePasswordRequest{},
	"Session": shared.Session{}, "SessionsResponse": shared.SessionsResponse{}, "UsersResponse": shared.UsersResponse{},
	"AdminUpdateUserRequest": shared.AdminUpdateUserRequest{},
	"PasswordResetRequest":   shared.PasswordResetRequest{}, "PasswordResetConfirmRequest": shared.PasswordResetConfirmRequest{},
	"VerifyEmailRequest": shared.VerifyEmailRequest{}, "Accepted": shared.Accepted{}, "Health": shared.Health{},
	"Note": sharednotes.Note{}, "NotesResponse": sharednotes.NotesResponse{}, "NoteResponse": sharednotes.NoteResponse{},
	"CreateNoteRequest": sharednotes.CreateNoteRequest{}, "UpdateNoteRequest": sharednotes.UpdateNoteRequest{},
	"Error": shared.Error{}, "ErrorBody": shared.ErrorBody{},
	"JWKS": signing.JWKS{}, "JWK": signing.JWK{},
}

// neverNull are pointer fields the server always sets.
var neverNull = map[string]bool{"ErrorBody.error": true}

// TestOpenAPI_SchemasMatchTheGoTypes checks each object schema against
// its Go type: the same JSON field names; for types the server encodes,
// every field without omitempty required, pointers nullable and times
// date-times; for request types (those with a Validate method), unknown
// fields refused, as decode refuses them.
func TestOpenAPI_SchemasMatchTheGoTypes(t *testing.T) {
	schemas := object(object(openAPIDoc(t)["components"])["schemas"])
	for name, schema := range schemas {
		s := object(schema)
		if s["type"] != "object" {
			continue
		}
		v, ok := openAPISchemaTypes[name]
		if !ok {
			t.Errorf("schema %s: add its Go type to openAPISchemaTypes", name)
			continue
		}
		typ := reflect.TypeOf(v)
		props := object(s["properties"])
		fields := jsonFields(typ)
		if got, want := slices.Sorted(maps.Keys(props)), slices.Sorted(maps.Keys(fields)); !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v; %s has JSON fields %v", name, got, typ, want)
			continue
		}
		var required []string
		for _, r := range asSlice(s["required"]) {
			field, _ := r.(string)
			required = append(required, field)
		}
		if _, isRequest := reflect.PointerTo(typ).MethodByName("Validate"); isRequest {
			if s["additionalProperties"] != false {
				t.Errorf("schema %s: requests refuse unknown fields; set additionalProperties: false", name)
			}
			continue
		}
		for jsonName, f := range fields {
			prop := object(props[jsonName])
			if !f.omitempty && !slices.Contains(required, jsonName) {
				t.Errorf("schema %s: %q is always sent, so it must be required", name, jsonName)
			}
			if f.typ.Kind() == reflect.Pointer && !neverNull[name+"."+jsonName] && !slices.Contains(asSlice(prop["type"]), any("null")) {
				t.Errorf("schema %s: %q is a pointer and may be null; its type must include \"null\"", name, jsonName)
			}
			if f.typ == reflect.TypeFor[time.Time]() || f.typ == reflect.TypeFor[*time.Time]() {
				if prop["format"] != "date-time" {
					t.Errorf("schema %s: %q is a time; give it format date-time", name, jsonName)
				}
			}
		}
	}
}

func TestOpenAPI_ServedAtAPIOpenAPIJSON(t *testing.T) {
	api := newOpenAPITestAPI(t)
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != string(openAPIDocument) {
		t.Fatalf("status %d; body equals openapi.json: %t", rec.Code, rec.Body.String() == string(openAPIDocument))
	}
	h := rec.Header()
	if h.Get("Content-Type") != "application/json" || h.Get("Cache-Control") != "no-cache" || h.Get("ETag") == "" {
		t.Fatalf("headers = %v", h)
	}

	// A cache revalidates with the ETag and downloads nothing new.
	req := httptest.NewRequest("GET", "/api/openapi.json", nil)
	req.Header.Set("If-None-Match", h.Get("ETag"))
	rec = httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("revalidation: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

// walkRefs calls fn with every $ref in v.
func walkRefs(v any, fn func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if ref, ok := child.(string); ok && k == "$ref" {
				fn(ref)
			}
			walkRefs(child, fn)
		}
	case []any:
		for _, child := range v {
			walkRefs(child, fn)
		}
	}
}

// resolveRef follows a local reference ("#/components/schemas/User", a
// JSON Pointer, RFC 6901) within doc.
func resolveRef(doc map[string]any, ref string) (any, bool) {
	pointer, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, false
	}
	var node any = doc
	for token := range strings.SplitSeq(pointer, "/") {
		token = strings.NewReplacer("~1", "/", "~0", "~").Replace(token)
		switch n := node.(type) {
		case map[string]any:
			if node, ok = n[token]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			node = n[i]
		default:
			return nil, false
		}
	}
	return node, true
}

// forEachOperation calls fn with each operation of the document.
func forEachOperation(doc map[string]any, fn func(route string, op map[string]any)) {
	for path, item := range object(doc["paths"]) {
		for key, op := range object(item) {
			if op, ok := op.(map[string]any); ok && !slices.Contains(pathItemKeys, key) {
				fn(strings.ToUpper(key)+" "+path, op)
			}
		}
	}
}

// errorResponseCodes returns the codes an error response narrows its
// ErrorBody to: content.application/json.schema.properties.error.
// properties.code.enum.
func errorResponseCodes(resp any) []string {
	node := resp
	for _, key := range []string{"content", "application/json", "schema", "properties", "error", "properties", "code", "enum"} {
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[key]
	}
	var codes []string
	for _, c := range asSlice(node) {
		code, _ := c.(string)
		codes = append(codes, code)
	}
	return codes
}

// sharedErrorCodes reads the Code constants declared in shared/errors.go,
// sorted: the source is the list, since Go cannot enumerate constants.
func sharedErrorCodes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../shared/errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					codes = append(codes, s)
				}
			}
		}
	}
	if len(codes) == 0 {
		t.Fatal("no Code constants found in shared/errors.go")
	}
	slices.Sort(codes)
	return codes
}

type jsonField struct {
	typ       reflect.Type
	omitempty bool
}

// jsonFields returns the fields encoding/json writes for a struct type,
// by JSON name.
func jsonFields(typ reflect.Type) map[string]jsonField {
	fields := map[string]jsonField{}
	for f := range typ.Fields() {
		tag := f.Tag.Get("json")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fields[name] = jsonField{typ: f.Type, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty")}
	}
	return fields
}

// object returns v as a JSON object, or an empty one when it is not, so a
// malformed document fails the tests rather than crashing them.
func object(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// asSlice returns v as a JSON array, wrapping a lone value ("type":
// "string" as well as "type": ["string", "null"]).
func asSlice(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}
