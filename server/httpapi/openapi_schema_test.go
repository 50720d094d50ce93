package httpapi

import (
	"encoding/json"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authkit/authkit/shared"
)

// schemaTypes collects the named struct types the routes carry, by name,
// walking their fields as encoding/json does: each should be a schema of
// that name.
func schemaTypes(t *testing.T, routes []Route) map[string]reflect.Type {
	t.Helper()
	types := map[string]reflect.Type{}
	var visit func(reflect.Type)
	visit = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == reflect.TypeFor[time.Time]() || types[typ.Name()] == typ {
			return
		}
		if typ.Name() != "" {
			types[typ.Name()] = typ
		}
		for _, f := range wireFields(typ) {
			visit(f.typ)
		}
	}
	visit(reflect.TypeFor[shared.ErrorBody]()) // every route's errors
	for _, rt := range routes {
		for _, v := range []any{rt.Request, rt.Response} {
			if v != nil {
				visit(reflect.TypeOf(v))
			}
		}
	}
	return types
}

// isRequestType reports whether a type is read from requests: it has a
// Validate method, or a route takes it as its body.
func isRequestType(typ reflect.Type, routes []Route) bool {
	if _, ok := reflect.PointerTo(typ).MethodByName("Validate"); ok {
		return true
	}
	return slices.ContainsFunc(routes, func(rt Route) bool { return rt.Request != nil && reflect.TypeOf(rt.Request) == typ })
}

// TestOpenAPI_SchemasMatchTheGoTypes checks each object schema against
// its Go type, read here independently of the generator: the same JSON
// field names; for types the server encodes, every field without
// omitempty required; pointers nullable (unless tagged nullable:"false")
// and times date-times; for request types (those with a Validate method
// or taken as a route's body), unknown fields refused, as decode refuses
// them, and the non-pointer fields without omitempty required.
func TestOpenAPI_SchemasMatchTheGoTypes(t *testing.T) {
	routes := newOpenAPITestAPI(t).Routes()
	types := schemaTypes(t, routes)
	schemas := object(object(testDocument(t)["components"])["schemas"])
	for name, schema := range schemas {
		s := object(schema)
		if s["type"] != "object" {
			continue
		}
		typ, ok := types[name]
		if !ok {
			t.Errorf("schema %s names no Go type the routes carry", name)
			continue
		}
		props := object(s["properties"])
		fields := wireFields(typ)
		if got, want := slices.Sorted(maps.Keys(props)), slices.Sorted(maps.Keys(fields)); !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v; %s has JSON fields %v", name, got, typ, want)
			continue
		}
		var required []string
		for _, r := range asSlice(s["required"]) {
			required = append(required, r.(string))
		}
		isRequest := isRequestType(typ, routes)
		if isRequest && s["additionalProperties"] != false {
			t.Errorf("schema %s: requests refuse unknown fields; want additionalProperties: false", name)
		}
		for jsonName, f := range fields {
			checkField(t, name+"."+jsonName, f, object(props[jsonName]), isRequest, slices.Contains(required, jsonName))
		}
	}
	for name := range types {
		if schemas[name] == nil {
			t.Errorf("the routes carry %s, but no schema has its name", name)
		}
	}
}

// checkField holds one property to its Go field.
func checkField(t *testing.T, where string, f wireField, prop map[string]any, isRequest, required bool) {
	t.Helper()
	wantRequired := !f.omitempty
	if isRequest {
		wantRequired = (!f.omitempty && f.typ.Kind() != reflect.Pointer) || f.tag.Get("required") == "true"
	}
	if required != wantRequired {
		t.Errorf("%s: required = %t, want %t", where, required, wantRequired)
	}
	if f.typ.Kind() == reflect.Pointer && f.tag.Get("nullable") != "false" && !allowsNull(prop) {
		t.Errorf("%s is a pointer and may be null; its schema must allow null: %v", where, prop)
	}
	if f.typ == reflect.TypeFor[time.Time]() || f.typ == reflect.TypeFor[*time.Time]() {
		if prop["format"] != "date-time" {
			t.Errorf("%s is a time; want format date-time", where)
		}
	}
	if doc := f.tag.Get("doc"); doc != "" && prop["description"] != doc {
		t.Errorf("%s: description %q, want the doc tag's %q", where, prop["description"], doc)
	}
}

// allowsNull reports whether a schema admits null: a type array with
// "null", or an anyOf with a null branch.
func allowsNull(schema map[string]any) bool {
	if slices.Contains(asSlice(schema["type"]), any("null")) {
		return true
	}
	for _, branch := range asSlice(schema["anyOf"]) {
		if object(branch)["type"] == "null" {
			return true
		}
	}
	return false
}

// node holds itself; page is generic.
type node struct {
	Next *node `json:"next"`
}

type page[T any] struct {
	Items []T `json:"items"`
}

// TestOpenAPI_SchemaShapes pins how Go shapes are written, those the kit
// uses and those a fork may.
func TestOpenAPI_SchemaShapes(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{struct{}{}, `{"maxProperties":0,"type":"object"}`},
		{map[string]any{}, `{"type":"object"}`},
		{map[string]int{}, `{"additionalProperties":{"type":"integer"},"type":"object"}`},
		{(*int)(nil), `{"type":["integer","null"]}`},
		{[]byte{}, `{"contentEncoding":"base64","type":"string"}`},
		{time.Time{}, `{"format":"date-time","type":"string"}`},
		{netip.Addr{}, `{"type":"string"}`}, // a struct with MarshalText
		{node{}, `{"$ref":"#/components/schemas/node"}`},
		{(*node)(nil), `{"anyOf":[{"$ref":"#/components/schemas/node"},{"type":"null"}]}`},
		{page[node]{}, `{"$ref":"#/components/schemas/page_node"}`},
	}
	for _, c := range cases {
		ref, err := newSchemaSet().of(reflect.TypeOf(c.v))
		if err != nil {
			t.Errorf("%T: %v", c.v, err)
			continue
		}
		if got, _ := json.Marshal(ref); string(got) != c.want {
			t.Errorf("%T: %s, want %s", c.v, got, c.want)
		}
	}

	// A type that holds itself ends in a $ref to itself.
	s := newSchemaSet()
	if _, err := s.of(reflect.TypeFor[node]()); err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(s.components["node"]); !strings.Contains(string(got), `"$ref":"#/components/schemas/node"`) {
		t.Errorf("node = %s", got)
	}
}

// wireField is a struct field as encoding/json writes it.
type wireField struct {
	typ       reflect.Type
	tag       reflect.StructTag
	omitempty bool
}

// wireFields returns the fields encoding/json writes for a struct type,
// by JSON name (no embedded structs: the kit's types have none).
func wireFields(typ reflect.Type) map[string]wireField {
	fields := map[string]wireField{}
	for f := range typ.Fields() {
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			maps.Copy(fields, wireFields(f.Type)) // promoted, as encoding/json does
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fields[name] = wireField{typ: f.Type, tag: f.Tag, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty")}
	}
	return fields
}
