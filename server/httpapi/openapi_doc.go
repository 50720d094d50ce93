package httpapi

import (
	"fmt"
	"slices"
	"strings"
)

// The OpenAPI 3.1 document is generated from the routes the server serves
// (the kit's and every module's), so it cannot drift from them and a
// fork's module appears in it without a line of YAML.
//
// It is built on a model of our own of the few OpenAPI objects it uses
// (openapi_model.go says why not kin-openapi's), and its schemas come
// from a small reflector of our own (openapi_schema.go). The tests have
// kin-openapi, the most used OpenAPI library for Go, validate the result
// as OpenAPI 3.1.

// docBuilder collects the document's components while it walks the routes.
type docBuilder struct {
	schemas   *schemaSet
	responses map[string]*openAPIResponse
	headers   map[string]*openAPIHeader
}

// generateOpenAPI describes routes; moduleTags describes the tags of
// modules that describe themselves. It fails on what would make the
// document wrong: a duplicate operationId, a parameter the pattern lacks,
// two types of one name, a type JSON cannot carry.
func generateOpenAPI(routes []Route, moduleTags map[string]string) (*openAPIDocument, error) {
	b := &docBuilder{schemas: newSchemaSet(), responses: map[string]*openAPIResponse{}, headers: map[string]*openAPIHeader{}}
	doc := &openAPIDocument{
		OpenAPI: "3.1.1",
		Info:    documentInfo(),
		Servers: []openAPIServer{{URL: "/", Description: "The server that serves this document."}},
		Paths:   map[string]openAPIPathItem{},
		Tags:    documentTags(routes, moduleTags),
	}
	for _, rt := range routes {
		if rt.Request != nil {
			b.schemas.bodies[bodyType(rt.Request)] = true
		}
	}
	ids := map[string]string{} // operationId → pattern
	for _, rt := range routes {
		op, err := b.operation(rt)
		if err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", rt.Pattern, err)
		}
		if other, ok := ids[op.OperationID]; ok {
			return nil, fmt.Errorf("openapi: %s and %s share the operationId %q; give one a Name", other, rt.Pattern, op.OperationID)
		}
		ids[op.OperationID] = rt.Pattern
		path := documentedPath(rt.path())
		item := doc.Paths[path]
		if item == nil {
			item = openAPIPathItem{}
			doc.Paths[path] = item
		}
		item[strings.ToLower(rt.method())] = op
	}
	doc.Components = openAPIComponents{
		Schemas:         b.schemas.components,
		Responses:       b.responses,
		Headers:         b.headers,
		SecuritySchemes: securitySchemes(),
	}
	return doc, nil
}

func documentInfo() openAPIInfo {
	return openAPIInfo{
		Title:   "authkit API",
		Version: "1",
		Summary: "Accounts, sessions and JWTs for a Go web app.",
		Description: "JSON in and out. Every `/api/` response carries `Cache-Control: no-store` (this document excepted). " +
			"Browsers use the cookie flow (`/api/auth/…`; state-changing requests echo the CSRF cookie in `X-CSRF-Token`), " +
			"API clients the token flow (`/api/token…` and `Authorization: Bearer`). " +
			"Every error has one shape, `{\"error\":{\"code\",\"message\",\"fields\"}}` (`ErrorBody`). " +
			"Not listed per operation: an unknown `/api/` path answers `404 not_found`, and a known path called with another " +
			"method answers `405 method_not_allowed` with an `Allow` header. Every `GET` also answers `HEAD`. " +
			"Generated from the server's route declarations (`authkit openapi`).",
		License: &openAPILicense{Name: "MIT", Identifier: "MIT"},
	}
}

// kitTags describe the kit's own tags, in the order the document lists
// them.
var kitTags = []openAPITag{
	{Name: "browser", Description: "Log in and out with cookies (the web app)."},
	{Name: "recovery", Description: "Password reset and email confirmation, by mailed single-use links."},
	{Name: "token", Description: "Tokens in the body, for API clients (DRF SimpleJWT shapes)."},
	{Name: "me", Description: "The logged-in user's account and sessions."},
	{Name: "admin", Description: "User management, for staff."},
	{Name: "meta", Description: "About the service: this document, health, signing keys."},
}

// documentTags lists the tags the routes use: the kit's first, then the
// others in the order of their first route, described by their module or
// generically.
func documentTags(routes []Route, moduleTags map[string]string) []openAPITag {
	var used []string
	for _, rt := range routes {
		if rt.Tag != "" && !slices.Contains(used, rt.Tag) {
			used = append(used, rt.Tag)
		}
	}
	var tags []openAPITag
	for _, t := range kitTags {
		if slices.Contains(used, t.Name) {
			tags = append(tags, t)
		}
	}
	for _, name := range used {
		if slices.ContainsFunc(tags, func(t openAPITag) bool { return t.Name == name }) {
			continue
		}
		desc := moduleTags[name]
		if desc == "" {
			desc = fmt.Sprintf("The routes of the `%s` module.", name)
		}
		tags = append(tags, openAPITag{Name: name, Description: desc})
	}
	return tags
}

func securitySchemes() map[string]openAPISecurityScheme {
	return map[string]openAPISecurityScheme{
		bearerAuth: {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "An access token from `POST /api/token` (or `/api/token/refresh`) in `Authorization: Bearer …`. Needs no CSRF token: browsers never attach this header on their own."},
		cookieAuth: {Type: "apiKey", In: "cookie", Name: "__Host-access_token",
			Description: "The browser flow: the access token in an HttpOnly cookie set by register, login and refresh (named `access_token` under `--insecure-cookies`). A `POST`, `PUT`, `PATCH` or `DELETE` authenticated this way must also send `csrfToken`."},
		csrfToken: {Type: "apiKey", In: "header", Name: "X-CSRF-Token",
			Description: "The value of the readable `__Host-csrf_token` cookie (`csrf_token` under `--insecure-cookies`), echoed on every state-changing cookie-authenticated request. It must equal the cookie and be the HMAC of the session id under a server secret (a signed double-submit cookie), else `403 csrf_failed`."},
		refreshCookie: {Type: "apiKey", In: "cookie", Name: "__Secure-refresh_token",
			Description: "The opaque refresh token in an HttpOnly, SameSite=Strict cookie scoped to `/api/auth` (named `refresh_token` under `--insecure-cookies`)."},
	}
}

// documentHeaders are the response headers operations refer to.
var documentHeaders = map[string]openAPIHeader{
	"RetryAfter": {
		Description: "Seconds until a retry can succeed (RFC 9110 §10.2.3).",
		Schema:      &openAPISchema{Type: jsonTypes{"integer"}, Minimum: new(1.0)},
	},
	"WWWAuthenticate": {
		Description: "The challenge every 401 carries (RFC 9110 §15.5.2): `Bearer` (RFC 6750 §3), and `Bearer error=\"invalid_token\", error_description=\"The access token expired\"` with `token_expired`.",
		Schema:      typed("string"),
	},
	"SetSessionCookies": {
		Description: "The session's three cookies (names in the default, secure mode; `--insecure-cookies` drops the prefixes and `Secure`): `__Host-access_token` (the JWT; HttpOnly, SameSite=Lax, Path=/), `__Secure-refresh_token` (HttpOnly, SameSite=Strict, Path=/api/auth) and `__Host-csrf_token` (readable by the page, SameSite=Strict, Path=/). All three live as long as the refresh token.",
		Schema:      typed("string"),
	},
	"ClearSessionCookies": {
		Description: "The three session cookies, expired.",
		Schema:      typed("string"),
	},
}

// header returns a $ref to a header of documentHeaders, adding it to the
// components the first time.
func (b *docBuilder) header(name string) *openAPIHeader {
	if _, ok := b.headers[name]; !ok {
		h := documentHeaders[name]
		b.headers[name] = &h
	}
	return &openAPIHeader{Ref: "#/components/headers/" + name}
}
