package httpapi

import (
	"cmp"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// One operation of the document, from one Route.

// operation describes a route: who may call it, what it reads, what it
// answers on success and every error it can answer.
func (b *docBuilder) operation(rt Route) (*openAPIOperation, error) {
	if rt.method() == "" || !strings.HasPrefix(rt.path(), "/") {
		return nil, fmt.Errorf(`the pattern must be "METHOD /path"`)
	}
	params, err := parameters(rt)
	if err != nil {
		return nil, err
	}
	description := rt.Description
	if rt.AddsCredential {
		description = strings.TrimSpace(description + "\n\nAdds a credential to the account, so it needs a confirmed email address (else 403 `email_unverified`), whatever the server's `--require-verified-email`.")
	}
	op := &openAPIOperation{
		OperationID: rt.operationID(),
		Summary:     rt.Summary,
		Description: description,
		Parameters:  params,
		Security:    rt.securityRequirements(),
		Responses:   map[string]*openAPIResponse{},
	}
	if rt.Tag != "" {
		op.Tags = []string{rt.Tag}
	}
	if rt.Request != nil {
		schema, err := b.schemas.of(bodyType(rt.Request))
		if err != nil {
			return nil, err
		}
		op.RequestBody = &openAPIRequestBody{Required: !rt.OptionalBody, Content: jsonContent(schema)}
	}
	success, err := b.success(rt)
	if err != nil {
		return nil, err
	}
	op.Responses[strconv.Itoa(rt.successStatus())] = success
	groups := rt.errorsByStatus()
	for _, status := range sortedStatuses(groups) {
		resp, err := b.errorResponse(status, groups[status])
		if err != nil {
			return nil, err
		}
		op.Responses[strconv.Itoa(status)] = resp
	}
	return op, nil
}

// success is the response of a route that did its work.
func (b *docBuilder) success(rt Route) (*openAPIResponse, error) {
	desc := rt.Returns
	if desc == "" {
		desc = http.StatusText(rt.successStatus()) + "."
	}
	resp := &openAPIResponse{Description: desc}
	if rt.Response != nil {
		schema, err := b.schemas.of(bodyType(rt.Response))
		if err != nil {
			return nil, err
		}
		resp.Content = jsonContent(schema)
	}
	switch {
	case rt.cookies == setsCookies:
		resp.Headers = map[string]*openAPIHeader{"Set-Cookie": b.header("SetSessionCookies")}
	case rt.cookies == clearsCookies || rt.ClearsSession:
		resp.Headers = map[string]*openAPIHeader{"Set-Cookie": b.header("ClearSessionCookies")}
	}
	return resp, nil
}

// jsonContent is the content of a JSON body of this schema.
func jsonContent(schema *openAPISchema) map[string]openAPIMediaType {
	return map[string]openAPIMediaType{"application/json": {Schema: schema}}
}

// bodyType is the type of a Request or Response value; a pointer means
// the value it points to (a body is never null).
func bodyType(v any) reflect.Type {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// securityRequirements says how the route authenticates: its override,
// or what its guard demands. Public routes state `security: []`, so
// linters and readers see "no credentials" rather than "forgotten".
func (rt *Route) securityRequirements() []openAPISecurityRequirement {
	reqs := rt.security
	switch {
	case reqs != nil:
	case rt.Guard == Public:
		reqs = []securityRequirement{}
	case isSafeMethod(rt.method()):
		reqs = []securityRequirement{{bearerAuth}, {cookieAuth}}
	default:
		reqs = []securityRequirement{{bearerAuth}, {cookieAuth, csrfToken}}
	}
	out := []openAPISecurityRequirement{}
	for _, req := range reqs {
		r := openAPISecurityRequirement{}
		for _, scheme := range req {
			r[scheme] = []string{}
		}
		out = append(out, r)
	}
	return out
}

// wildcard matches a path wildcard of a ServeMux pattern: {id}, {rest...}
// or the end anchor {$}.
var wildcard = regexp.MustCompile(`\{([^{}]*?)(\.\.\.)?\}`)

// documentedPath writes a pattern's path as OpenAPI does: {rest...} is
// {rest}, and the {$} anchor is left out.
func documentedPath(path string) string {
	return wildcard.ReplaceAllStringFunc(path, func(w string) string {
		name := wildcard.FindStringSubmatch(w)[1]
		if name == "$" {
			return ""
		}
		return "{" + name + "}"
	})
}

// pathWildcards names the path parameters of a pattern's path.
func pathWildcards(path string) []string {
	var names []string
	for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
		if m[1] != "$" {
			names = append(names, m[1])
		}
	}
	return names
}

// parameters are the route's path wildcards (each required; described by
// Params when it names them) and its query parameters.
func parameters(rt Route) ([]openAPIParameter, error) {
	wildcards := pathWildcards(rt.path())
	var params []openAPIParameter
	for _, name := range wildcards {
		params = append(params, openAPIParameter{In: "path", Name: name, Required: true, Schema: typed("string")})
	}
	for _, declared := range rt.Params {
		typ := cmp.Or(declared.Type, "string")
		switch declared.In {
		case "path":
			i := slices.Index(wildcards, declared.Name)
			if i < 0 {
				return nil, fmt.Errorf("the route's Params describe {%s}, which its pattern lacks", declared.Name)
			}
			params[i].Description = declared.Description
			params[i].Schema = typed(typ)
		case "query":
			params = append(params, openAPIParameter{In: "query", Name: declared.Name, Description: declared.Description, Schema: typed(typ)})
		default:
			return nil, fmt.Errorf("parameter %s: In must be \"path\" or \"query\", not %q", declared.Name, declared.In)
		}
	}
	return params, nil
}

// operationID is Name, or one made from the pattern: "DELETE
// /api/notes/{id}" is "deleteNotesByID".
func (rt *Route) operationID() string {
	if rt.Name != "" {
		return rt.Name
	}
	id := strings.ToLower(rt.method())
	for i, seg := range strings.Split(strings.Trim(documentedPath(rt.path()), "/"), "/") {
		switch {
		case i == 0 && seg == "api":
		case strings.HasPrefix(seg, "{"):
			id += "By" + pascalCase(strings.Trim(seg, "{}"))
		default:
			id += pascalCase(seg)
		}
	}
	return id
}
