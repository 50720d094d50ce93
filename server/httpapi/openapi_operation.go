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

	"github.com/getkin/kin-openapi/openapi3"
)

// One operation of the document, from one Route.

// operation describes a route: who may call it, what it reads, what it
// answers on success and every error it can answer.
func (b *docBuilder) operation(rt Route) (*openapi3.Operation, error) {
	if rt.method() == "" || !strings.HasPrefix(rt.path(), "/") {
		return nil, fmt.Errorf(`the pattern must be "METHOD /path"`)
	}
	params, err := parameters(rt)
	if err != nil {
		return nil, err
	}
	op := &openapi3.Operation{
		OperationID: rt.operationID(),
		Summary:     rt.Summary,
		Description: rt.Description,
		Parameters:  params,
		Security:    rt.securityRequirements(),
		Responses:   openapi3.NewResponsesWithCapacity(8),
	}
	if rt.Tag != "" {
		op.Tags = []string{rt.Tag}
	}
	if rt.Request != nil {
		schema, err := b.schemas.of(bodyType(rt.Request))
		if err != nil {
			return nil, err
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).WithJSONSchemaRef(schema)}
	}
	success, err := b.success(rt)
	if err != nil {
		return nil, err
	}
	op.Responses.Set(strconv.Itoa(rt.successStatus()), success)
	groups := rt.errorsByStatus()
	for _, status := range sortedStatuses(groups) {
		resp, err := b.errorResponse(groups[status])
		if err != nil {
			return nil, err
		}
		op.Responses.Set(strconv.Itoa(status), resp)
	}
	return op, nil
}

// success is the response of a route that did its work.
func (b *docBuilder) success(rt Route) (*openapi3.ResponseRef, error) {
	desc := rt.Returns
	if desc == "" {
		desc = http.StatusText(rt.successStatus()) + "."
	}
	resp := openapi3.NewResponse().WithDescription(desc)
	if rt.Response != nil {
		schema, err := b.schemas.of(bodyType(rt.Response))
		if err != nil {
			return nil, err
		}
		resp.WithJSONSchemaRef(schema)
	}
	switch {
	case rt.cookies == setsCookies:
		resp.Headers = openapi3.Headers{"Set-Cookie": b.header("SetSessionCookies")}
	case rt.cookies == clearsCookies || rt.ClearsSession:
		resp.Headers = openapi3.Headers{"Set-Cookie": b.header("ClearSessionCookies")}
	}
	return &openapi3.ResponseRef{Value: resp}, nil
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
func (rt *Route) securityRequirements() *openapi3.SecurityRequirements {
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
	out := openapi3.SecurityRequirements{}
	for _, req := range reqs {
		r := openapi3.SecurityRequirement{}
		for _, scheme := range req {
			r[scheme] = []string{}
		}
		out = append(out, r)
	}
	return &out
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
func parameters(rt Route) (openapi3.Parameters, error) {
	wildcards := pathWildcards(rt.path())
	var params openapi3.Parameters
	for _, name := range wildcards {
		p := openapi3.NewPathParameter(name).WithSchema(typed("string"))
		params = append(params, &openapi3.ParameterRef{Value: p})
	}
	for _, declared := range rt.Params {
		typ := cmp.Or(declared.Type, "string")
		switch declared.In {
		case openapi3.ParameterInPath:
			i := slices.Index(wildcards, declared.Name)
			if i < 0 {
				return nil, fmt.Errorf("the route's Params describe {%s}, which its pattern lacks", declared.Name)
			}
			params[i].Value.WithDescription(declared.Description).WithSchema(typed(typ))
		case openapi3.ParameterInQuery:
			p := openapi3.NewQueryParameter(declared.Name).WithDescription(declared.Description).WithSchema(typed(typ))
			params = append(params, &openapi3.ParameterRef{Value: p})
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
