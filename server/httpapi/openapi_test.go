package httpapi

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/store/storetest"
	"github.com/authkit/authkit/shared"
)

// These tests hold the generated document to what the server serves: the
// routes (the kit's and a module's), the error codes of shared/errors.go
// and their statuses, and the JSON shapes of the Go types
// (openapi_schema_test.go).

// testWidget and testWidgetRequest are a fork's types in miniature.
type testWidget struct {
	ID       string      `json:"id"`
	Parent   *testWidget `json:"parent"`
	MadeAt   time.Time   `json:"made_at"`
	Labels   []string    `json:"labels,omitempty"`
	Settings map[string]any
}

type testWidgetRequest struct {
	Name  string  `json:"name" minLength:"1"`
	Color *string `json:"color"`
}

func (*testWidgetRequest) Validate() error { return nil }

// widgetModule is a fork's module: its routes must be served and
// documented like the kit's, without naming it anywhere else.
var widgetModule = NewModule("widgets", func(k *Kit) ([]Route, error) {
	ok := func(w http.ResponseWriter, r *http.Request) error { return nil }
	return []Route{
		{Pattern: "GET /api/widgets/{id}", Guard: RequireVerified, Summary: "A widget",
			Response: testWidget{}, Errors: []shared.Code{shared.CodeNotFound}, Handler: ok},
		{Pattern: "POST /api/widgets", Guard: RequireVerified, Summary: "Add a widget",
			Request: testWidgetRequest{}, Response: testWidget{}, Status: http.StatusCreated, Handler: ok},
		{Pattern: "DELETE /api/widgets", Summary: "Delete widgets, all of them or those named",
			Request: testWidgetRequest{}, OptionalBody: true, Handler: func(w http.ResponseWriter, r *http.Request) error {
				if _, err := DecodeOptional[testWidgetRequest](w, r); err != nil {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
	}, nil
})

var testModules = []Module{widgetModule}

// newOpenAPITestAPI is the real API, with widgetModule, on a fresh
// database.
func newOpenAPITestAPI(t *testing.T) *API {
	t.Helper()
	st := storetest.Open(t)
	svc, err := auth.New(context.Background(), st, auth.Config{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := New(svc, st, Options{Modules: testModules})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// servedDocument fetches GET /api/openapi.json.
func servedDocument(t *testing.T, api *API) (map[string]any, *httptest.ResponseRecorder) {
	t.Helper()
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); rec.Code != http.StatusOK || err != nil {
		t.Fatalf("GET /api/openapi.json: %d, %v", rec.Code, err)
	}
	return doc, rec
}

// testDocument is the document of the kit with widgetModule.
func testDocument(t *testing.T) map[string]any {
	t.Helper()
	body, err := OpenAPIDocument(testModules)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestOpenAPI_DocumentsEveryRouteServedAndNoOther(t *testing.T) {
	api := newOpenAPITestAPI(t)
	doc, _ := servedDocument(t, api)
	var served []string
	for _, route := range api.Routes() {
		served = append(served, route.method()+" "+documentedPath(route.path()))
	}
	documented := documentedRoutes(t, doc)
	for _, route := range served {
		if !slices.Contains(documented, route) {
			t.Errorf("%s is served but missing from the document", route)
		}
	}
	for _, route := range documented {
		if !slices.Contains(served, route) {
			t.Errorf("the document lists %s, which is not served", route)
		}
	}
	for _, route := range []string{"GET /api/widgets/{id}", "POST /api/widgets", "GET /api/openapi.json", "GET /healthz"} {
		if !slices.Contains(documented, route) {
			t.Errorf("%s is missing", route)
		}
	}
}

func TestOpenAPI_AModuleIsDocumentedAndServedLikeTheKit(t *testing.T) {
	doc := testDocument(t)
	op := object(object(object(doc["paths"])["/api/widgets/{id}"])["get"])
	if op["operationId"] != "getWidgetsByID" || !slices.Equal(asSlice(op["tags"]), []any{"widgets"}) {
		t.Errorf("operationId %v, tags %v; want the derived id and the module's name", op["operationId"], op["tags"])
	}
	var tag map[string]any
	for _, tg := range asSlice(doc["tags"]) {
		if object(tg)["name"] == "widgets" {
			tag = object(tg)
		}
	}
	if desc, _ := tag["description"].(string); !strings.Contains(desc, "widgets") {
		t.Errorf("the module's tag = %v, want a generic description", tag)
	}

	// The router gives the module's path the kit's JSON 405.
	rec := httptest.NewRecorder()
	newOpenAPITestAPI(t).ServeHTTP(rec, httptest.NewRequest("DELETE", "/api/widgets/1", nil))
	var body shared.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 405 || body.Error.Code != shared.CodeMethodNotAllowed {
		t.Fatalf("DELETE /api/widgets/1: %d %s", rec.Code, rec.Body)
	}
	if allow := rec.Header().Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("Allow = %q", allow)
	}
}

// TestOpenAPI_AnOptionalBodyIsNotRequired: a route whose body may be left
// out (OptionalBody, DecodeOptional; DELETE /api/me) documents it as not
// required, and serves a request without one; others require theirs.
func TestOpenAPI_AnOptionalBodyIsNotRequired(t *testing.T) {
	doc := testDocument(t)
	paths := object(doc["paths"])
	if body := object(object(object(paths["/api/widgets"])["delete"])["requestBody"]); body == nil || body["required"] == true {
		t.Errorf("DELETE /api/widgets: requestBody = %v, want one that is not required", body)
	}
	if body := object(object(object(paths["/api/widgets"])["post"])["requestBody"]); body["required"] != true {
		t.Errorf("POST /api/widgets: requestBody = %v, want a required one", body)
	}
	api := newOpenAPITestAPI(t)
	for _, body := range []string{"", `{"name":"w"}`} {
		req := httptest.NewRequest("DELETE", "/api/widgets", strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			t.Errorf("DELETE /api/widgets with body %q: %d %s", body, rec.Code, rec.Body)
		}
	}
}

// TestOpenAPI_IsValidOpenAPI31 has kin-openapi load and validate the
// document as OpenAPI 3.1 (JSON Schema 2020-12), references included.
func TestOpenAPI_IsValidOpenAPI31(t *testing.T) {
	body, err := OpenAPIDocument(testModules)
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(body)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatal(err)
	}
}

func TestOpenAPI_EveryRefResolvesAndEveryComponentIsUsed(t *testing.T) {
	doc := testDocument(t)
	used := map[string]bool{}
	walkRefs(doc, func(ref string) {
		used[ref] = true
		if _, ok := resolveRef(doc, ref); !ok {
			t.Errorf("$ref %q does not resolve", ref)
		}
	})
	for _, kind := range []string{"schemas", "responses", "headers", "parameters"} {
		for name := range object(object(doc["components"])[kind]) {
			if ref := "#/components/" + kind + "/" + name; !used[ref] {
				t.Errorf("%s is never referenced", ref)
			}
		}
	}
}

func TestOpenAPI_EveryOperationIsComplete(t *testing.T) {
	doc := testDocument(t)
	schemes := object(object(doc["components"])["securitySchemes"])
	ids := map[string]bool{}
	forEachOperation(doc, func(route string, op map[string]any) {
		id, _ := op["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s: operationId %q is missing or not unique", route, id)
		}
		ids[id] = true
		if op["summary"] == "" || len(asSlice(op["tags"])) != 1 {
			t.Errorf("%s: summary %v, tags %v", route, op["summary"], op["tags"])
		}
		security, ok := op["security"].([]any)
		if !ok {
			t.Errorf("%s states no security (public routes state [])", route)
		}
		for _, requirement := range security {
			for name := range object(requirement) {
				if schemes[name] == nil {
					t.Errorf("%s: security scheme %q is not defined", route, name)
				}
			}
		}
	})
}

// TestOpenAPI_SecurityFollowsTheGuard checks the requirements a guard
// implies, and that public routes say so.
func TestOpenAPI_SecurityFollowsTheGuard(t *testing.T) {
	doc := testDocument(t)
	cases := map[string]string{
		"GET /api/me":                  `[{"bearerAuth":[]},{"cookieAuth":[]}]`,
		"PATCH /api/me":                `[{"bearerAuth":[]},{"cookieAuth":[],"csrfToken":[]}]`,
		"POST /api/widgets":            `[{"bearerAuth":[]},{"cookieAuth":[],"csrfToken":[]}]`,
		"POST /api/auth/login":         `[]`,
		"GET /healthz":                 `[]`,
		"POST /api/auth/refresh":       `[{"csrfToken":[],"refreshCookie":[]}]`,
		"DELETE /api/me/sessions/{id}": `[{"bearerAuth":[]},{"cookieAuth":[],"csrfToken":[]}]`,
	}
	for route, want := range cases {
		method, path, _ := strings.Cut(route, " ")
		op := object(object(object(doc["paths"])[path])[strings.ToLower(method)])
		if got, _ := json.Marshal(op["security"]); string(got) != want {
			t.Errorf("%s: security = %s, want %s", route, got, want)
		}
	}
}

func TestOpenAPI_ErrorCodeEnumIsTheSharedCodes(t *testing.T) {
	schemas := object(object(testDocument(t)["components"])["schemas"])
	var documented []shared.Code
	for _, c := range asSlice(object(schemas["ErrorCode"])["enum"]) {
		code, _ := c.(string)
		documented = append(documented, shared.Code(code))
	}
	if !slices.Equal(documented, shared.Codes()) {
		t.Errorf("ErrorCode enum = %v,\nshared.Codes() = %v", documented, shared.Codes())
	}
	for _, c := range shared.Codes() {
		if codeMeanings[c] == "" {
			t.Errorf("codeMeanings has nothing for %s", c)
		}
	}
	if len(codeMeanings) != len(shared.Codes()) {
		t.Errorf("codeMeanings explains %d codes; there are %d", len(codeMeanings), len(shared.Codes()))
	}
}

// TestOpenAPI_EveryOperationListsTheErrorsItCanAnswer checks each route's
// error responses against what the server does: each code under its own
// status, the route's declared codes, the guard's, the body's, the
// cross-origin check's, and a 4XX wherever one can happen.
func TestOpenAPI_EveryOperationListsTheErrorsItCanAnswer(t *testing.T) {
	doc := testDocument(t)
	for _, rt := range newOpenAPITestAPI(t).Routes() {
		op := object(object(object(doc["paths"])[documentedPath(rt.path())])[strings.ToLower(rt.method())])
		listed := map[shared.Code]string{} // code → status it is listed under
		for status, resp := range object(op["responses"]) {
			ref, _ := object(resp)["$ref"].(string)
			target, _ := resolveRef(doc, ref)
			for _, code := range errorResponseCodes(target) {
				listed[shared.Code(code)] = status
			}
		}
		// Every route refuses a NUL byte in its path or query
		// (errNULInAddress) with validation_failed.
		want := slices.Concat(rt.Errors, []shared.Code{shared.CodeInternal, shared.CodeUnavailable, shared.CodeValidationFailed})
		if rt.Request != nil {
			want = append(want, shared.CodeInvalidJSON, shared.CodeValidationFailed, shared.CodeBodyTooLarge, shared.CodeUnsupportedMediaType)
		}
		if rt.Guard != Public {
			want = append(want, shared.CodeNotAuthenticated, shared.CodeTokenExpired)
		}
		if rt.method() != "GET" {
			want = append(want, shared.CodeCSRFFailed)
		}
		// The status a code answers with on this route: its own, unless
		// the route answers it with another (invalid_code at the login's
		// second step).
		statusOf := func(code shared.Code) int {
			if s, ok := rt.codeStatus[code]; ok {
				return s
			}
			return code.Status()
		}
		can4xx := false
		for _, code := range want {
			status, ok := listed[code]
			if !ok || status != strconv.Itoa(statusOf(code)) {
				t.Errorf("%s: %s listed under %q, want %d", rt.Pattern, code, status, statusOf(code))
			}
			can4xx = can4xx || statusOf(code) < 500
		}
		for code, status := range listed {
			if status != strconv.Itoa(statusOf(code)) {
				t.Errorf("%s: %s listed under %s, but its status is %d", rt.Pattern, code, status, statusOf(code))
			}
		}
		has4xx := slices.ContainsFunc(slices.Collect(maps.Keys(object(op["responses"]))), func(s string) bool { return s[0] == '4' })
		if can4xx && !has4xx {
			t.Errorf("%s can fail with a 4XX but lists none", rt.Pattern)
		}
	}
}

func TestOpenAPI_ServedAtAPIOpenAPIJSONWithRevalidation(t *testing.T) {
	api := newOpenAPITestAPI(t)
	_, rec := servedDocument(t, api)
	generated, err := OpenAPIDocument(testModules)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Body.String() != string(generated) {
		t.Error("the served document differs from OpenAPIDocument's (what authkit openapi writes)")
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

// TestOpenAPI_AmbiguousRoutesStopTheServer: what would make the document
// wrong fails New (and authkit openapi), rather than serving it.
func TestOpenAPI_AmbiguousRoutesStopTheServer(t *testing.T) {
	type User struct{ Name string } // not shared.User, but of its name
	ok := func(http.ResponseWriter, *http.Request) error { return nil }
	cases := map[string][]Route{
		"operationId": {
			{Pattern: "GET /api/a", Name: "same", Handler: ok},
			{Pattern: "GET /api/b", Name: "same", Handler: ok},
		},
		"lacks": {{Pattern: "GET /api/a", Params: []Param{{Name: "id", In: "path"}}, Handler: ok}},
		"query": {{Pattern: "GET /api/a", Params: []Param{{Name: "x", In: "header"}}, Handler: ok}},
		"rename": {
			{Pattern: "GET /api/a", Response: shared.UserResponse{}, Handler: ok},
			{Pattern: "GET /api/b", Response: User{}, Handler: ok},
		},
		"cannot describe": {{Pattern: "GET /api/a", Response: struct{ F func() }{}, Handler: ok}},
	}
	for want, routes := range cases {
		_, err := OpenAPIDocument([]Module{NewModule("bad", func(*Kit) ([]Route, error) { return routes, nil })})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

// BenchmarkOpenAPI_Generate measures what generating the document adds to
// start-up.
func BenchmarkOpenAPI_Generate(b *testing.B) {
	for b.Loop() {
		if _, err := OpenAPIDocument(testModules); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOpenAPI_EveryRouteRefusesANulByteAsDocumented: a NUL byte in the
// query is refused before the guard, by every route, with the
// validation_failed its document lists under 400.
func TestOpenAPI_EveryRouteRefusesANulByteAsDocumented(t *testing.T) {
	api := newOpenAPITestAPI(t)
	doc := testDocument(t)
	for _, rt := range api.Routes() {
		path := wildcard.ReplaceAllString(rt.path(), "x")
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(rt.method(), path+"?q=%00", nil))
		var body shared.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusBadRequest ||
			body.Error == nil || body.Error.Code != shared.CodeValidationFailed {
			t.Errorf("%s?q=%%00: %d %s", rt.Pattern, rec.Code, rec.Body)
		}
		op := object(object(object(doc["paths"])[documentedPath(rt.path())])[strings.ToLower(rt.method())])
		ref, _ := object(object(op["responses"])["400"])["$ref"].(string)
		target, _ := resolveRef(doc, ref)
		if !slices.Contains(errorResponseCodes(target), string(shared.CodeValidationFailed)) {
			t.Errorf("%s: the document lists no 400 validation_failed", rt.Pattern)
		}
	}
}
