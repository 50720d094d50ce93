package httpapi

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Helpers that read the document as plain JSON, as a client would.

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
