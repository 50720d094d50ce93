package httpapi

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authkit/authkit/shared"
)

// The JSON Schemas of the document, made by reflection from the Go types
// the routes declare, into kin-openapi's model. kin-openapi's own
// generator (openapi3gen) is not used: it writes OpenAPI 3.0's
// `nullable: true` where 3.1 wants a type array (["string", "null"]),
// never fills `required`, leaves struct{} without a type, cannot make a
// $ref nullable and only names structs as components (so no ErrorCode
// enum). Each would need patching after the fact; the rules below are
// short enough to own.
//
// The rules, as encoding/json sees a type:
//   - a named struct is a component named after the Go type and $ref'd;
//     struct{} is an object with no properties (maxProperties: 0);
//   - a field's name is its JSON name; pointers add "null" to the type,
//     unless the field is tagged nullable:"false" (the server always sets
//     it, or Validate refuses null);
//   - a response field without omitempty is required (it is always sent);
//   - a request type (one with a Validate method, or that a route takes as
//     its body) refuses unknown fields (additionalProperties: false), as
//     decode does, and its
//     non-pointer fields without omitempty are required, as is any field
//     tagged required:"true" (a pointer whose absence Validate refuses);
//   - time.Time is a date-time string, a map an object of its values
//     (free-form for map[string]any), shared.Code the ErrorCode enum;
//   - tags document a field: doc (the description), format, minLength,
//     maxLength, minimum, maximum and const (for strings); SchemaDescription() describes a
//     type.

// schemaDescriber is a wire type that describes itself. shared/ cannot
// import this package (the browser app compiles it too), so the method is
// matched by name, as encoding/json matches MarshalJSON.
type schemaDescriber interface{ SchemaDescription() string }

var (
	timeType          = reflect.TypeFor[time.Time]()
	codeType          = reflect.TypeFor[shared.Code]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
)

// schemaSet builds schemas, collecting the named ones as components.
type schemaSet struct {
	components openapi3.Schemas
	owners     map[string]reflect.Type // component name → its Go type
	bodies     map[reflect.Type]bool   // the types routes take as bodies
}

func newSchemaSet() *schemaSet {
	return &schemaSet{components: openapi3.Schemas{}, owners: map[string]reflect.Type{}, bodies: map[reflect.Type]bool{}}
}

// isRequest reports whether t is read from requests: a route takes it as
// its body, or it has a Validate method (of any signature: some take the
// account's email).
func (s *schemaSet) isRequest(t reflect.Type) bool {
	_, validates := reflect.PointerTo(t).MethodByName("Validate")
	return validates || s.bodies[t]
}

// of returns the schema of a Go type: a $ref for named structs and
// shared.Code, an inline schema otherwise.
func (s *schemaSet) of(t reflect.Type) (*openapi3.SchemaRef, error) {
	switch {
	case t == timeType:
		return inline(&openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "date-time"}), nil
	case t == codeType:
		return s.component("ErrorCode", t, func() (*openapi3.Schema, error) { return errorCodeSchema(), nil })
	case t.Kind() == reflect.Pointer:
		elem, err := s.of(t.Elem())
		return orNull(elem), err
	case t.Kind() == reflect.Struct && t.Name() != "":
		return s.component(componentName(t), t, func() (*openapi3.Schema, error) { return s.object(t) })
	case t.Kind() == reflect.Struct:
		schema, err := s.object(t)
		return inline(schema), err
	}
	schema, err := s.plain(t)
	return inline(schema), err
}

// plain is the schema of a type that is not a struct.
func (s *schemaSet) plain(t reflect.Type) (*openapi3.Schema, error) {
	if t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType) {
		return &openapi3.Schema{}, nil // it writes any JSON it likes
	}
	if t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
		return typed("string"), nil
	}
	switch t.Kind() {
	case reflect.String:
		return typed("string"), nil
	case reflect.Bool:
		return typed("boolean"), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return typed("integer"), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		schema := typed("integer")
		schema.Min = new(0.0)
		return schema, nil
	case reflect.Float32, reflect.Float64:
		return typed("number"), nil
	case reflect.Interface:
		return &openapi3.Schema{}, nil
	case reflect.Slice, reflect.Array:
		return s.array(t)
	case reflect.Map:
		return s.mapOf(t)
	}
	return nil, fmt.Errorf("openapi: cannot describe %s (a %s) in JSON", t, t.Kind())
}

func (s *schemaSet) array(t reflect.Type) (*openapi3.Schema, error) {
	if t.Elem().Kind() == reflect.Uint8 {
		return &openapi3.Schema{Type: &openapi3.Types{"string"}, ContentEncoding: "base64"}, nil
	}
	items, err := s.of(t.Elem())
	return &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: items}, err
}

// mapOf is an object whose values are the map's; map[string]any is
// free-form.
func (s *schemaSet) mapOf(t reflect.Type) (*openapi3.Schema, error) {
	schema := typed("object")
	if t.Elem().Kind() == reflect.Interface {
		return schema, nil
	}
	values, err := s.of(t.Elem())
	schema.AdditionalProperties = openapi3.AdditionalProperties{Schema: values}
	return schema, err
}

// component returns a $ref to the component name, building it the first
// time. Two Go types of one name (in two packages) cannot both be
// components: that is an error, so a fork renames one rather than getting
// a document that describes the wrong type.
func (s *schemaSet) component(name string, t reflect.Type, build func() (*openapi3.Schema, error)) (*openapi3.SchemaRef, error) {
	ref := openapi3.NewSchemaRef("#/components/schemas/"+name, nil)
	if owner, ok := s.owners[name]; ok {
		if owner != t {
			return nil, fmt.Errorf("openapi: %s and %s would both be the schema %q; rename one", owner, t, name)
		}
		return ref, nil
	}
	s.owners[name] = t // first, so a type that contains itself ends in a $ref
	schema, err := build()
	if err != nil {
		return nil, err
	}
	s.components[name] = inline(schema)
	return ref, nil
}

// qualifier matches the package paths in a generic type's name
// ("Page[github.com/x/shared.Note]"); unsafeName what component names do
// not allow.
var (
	qualifier  = regexp.MustCompile(`[^\[\],]*\.`)
	unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
)

// componentName is the Go type's name, which for a generic type is made
// of what component names allow: Page[shared.Note] becomes Page_Note.
func componentName(t reflect.Type) string {
	name := qualifier.ReplaceAllString(t.Name(), "")
	return strings.Trim(unsafeName.ReplaceAllString(name, "_"), "_")
}

// object is the schema of a struct type.
func (s *schemaSet) object(t reflect.Type) (*openapi3.Schema, error) {
	request := s.isRequest(t)
	schema := typed("object")
	fields := jsonFields(t)
	for _, f := range fields {
		prop, err := s.field(f)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t, f.goName, err)
		}
		schema.WithPropertyRef(f.name, prop)
		if f.required(request) {
			schema.Required = append(schema.Required, f.name)
		}
	}
	if len(fields) == 0 {
		schema.MaxProps = new(uint64(0))
	}
	if d, ok := reflect.Zero(t).Interface().(schemaDescriber); ok {
		schema.Description = d.SchemaDescription()
	}
	if request {
		// decode refuses unknown members (RejectUnknownMembers).
		schema.AdditionalProperties = openapi3.AdditionalProperties{Has: new(false)}
		schema.Description = strings.TrimSpace(schema.Description + " Unknown fields are refused (`invalid_json`).")
	}
	return schema, nil
}

// field is the schema of one struct field, with its tags applied.
func (s *schemaSet) field(f jsonField) (*openapi3.SchemaRef, error) {
	t := f.typ
	if t.Kind() == reflect.Pointer && !f.nullable() {
		t = t.Elem()
	}
	ref, err := s.of(t)
	if err != nil {
		return nil, err
	}
	return annotate(ref, f.tag)
}

// fieldKeywords are the tags that document a field, each applied to the
// field's schema.
var fieldKeywords = []struct {
	tag   string
	apply func(s *openapi3.Schema, v string) error
}{
	{"doc", func(s *openapi3.Schema, v string) error { s.Description = v; return nil }},
	{"format", func(s *openapi3.Schema, v string) error { s.Format = v; return nil }},
	{"minLength", func(s *openapi3.Schema, v string) (err error) {
		s.MinLength, err = strconv.ParseUint(v, 10, 64)
		return
	}},
	{"maxLength", func(s *openapi3.Schema, v string) (err error) { s.MaxLength, err = parseUintPtr(v); return }},
	{"minimum", func(s *openapi3.Schema, v string) (err error) { s.Min, err = parseFloatPtr(v); return }},
	{"maximum", func(s *openapi3.Schema, v string) (err error) { s.Max, err = parseFloatPtr(v); return }},
	{"const", func(s *openapi3.Schema, v string) error { s.Const = v; return nil }},
}

// annotate applies a field's tags to its schema. Next to a $ref they go
// on a wrapper (allOf), which every tool reads alike.
func annotate(ref *openapi3.SchemaRef, tag reflect.StructTag) (*openapi3.SchemaRef, error) {
	target := ref
	for _, kw := range fieldKeywords {
		v, ok := tag.Lookup(kw.tag)
		if !ok {
			continue
		}
		if target.Ref != "" {
			target = inline(&openapi3.Schema{AllOf: openapi3.SchemaRefs{ref}})
		}
		if err := kw.apply(target.Value, v); err != nil {
			return nil, fmt.Errorf("tag %s:%q: %w", kw.tag, v, err)
		}
	}
	return target, nil
}

// orNull lets a schema also be null: a type array for an inline schema
// (OpenAPI 3.1 has no `nullable`), anyOf for a $ref.
func orNull(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	switch {
	case ref.Ref != "":
		return inline(&openapi3.Schema{AnyOf: openapi3.SchemaRefs{ref, inline(typed("null"))}})
	case ref.Value.Type.IsEmpty():
		return ref // any JSON value, null included
	default:
		ref.Value.Type.With("null")
		return ref
	}
}

// errorCodeSchema is the ErrorCode enum: every code, each explained.
func errorCodeSchema() *openapi3.Schema {
	schema := typed("string")
	var b strings.Builder
	b.WriteString("A stable, machine-readable error code (`shared/errors.go`); clients branch on it, never on the message. Each code has one status:\n")
	for _, c := range shared.Codes() {
		schema.Enum = append(schema.Enum, string(c))
		fmt.Fprintf(&b, "\n- `%s` (%d): %s", c, c.Status(), codeMeanings[c])
	}
	schema.Description = b.String()
	return schema
}

// jsonField is a struct field as encoding/json writes it.
type jsonField struct {
	name, goName string
	typ          reflect.Type
	tag          reflect.StructTag
	omitempty    bool
}

// required says whether the field is always there: always sent in a
// response, or demanded in a request (see the rules at the top).
func (f jsonField) required(request bool) bool {
	switch {
	case f.tag.Get("required") == "true":
		return true
	case request:
		return !f.omitempty && f.typ.Kind() != reflect.Pointer
	default:
		return !f.omitempty
	}
}

// nullable says whether a pointer field may be null on the wire.
func (f jsonField) nullable() bool { return f.tag.Get("nullable") != "false" }

// jsonFields returns the fields encoding/json reads and writes for a
// struct type, in order, with embedded structs' fields promoted.
func jsonFields(t reflect.Type) []jsonField {
	var fields []jsonField
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-":
			continue
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			fields = append(fields, jsonFields(f.Type)...)
			continue
		case !f.IsExported():
			continue
		case name == "":
			name = f.Name
		}
		options := strings.Split(opts, ",")
		fields = append(fields, jsonField{
			name: name, goName: f.Name, typ: f.Type, tag: f.Tag,
			omitempty: slices.Contains(options, "omitempty") || slices.Contains(options, "omitzero"),
		})
	}
	return fields
}

func typed(t string) *openapi3.Schema               { return &openapi3.Schema{Type: &openapi3.Types{t}} }
func inline(s *openapi3.Schema) *openapi3.SchemaRef { return &openapi3.SchemaRef{Value: s} }

func parseUintPtr(v string) (*uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	return &n, err
}

func parseFloatPtr(v string) (*float64, error) {
	n, err := strconv.ParseFloat(v, 64)
	return &n, err
}
