package httpapi

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/authkit/authkit/shared"
)

// The JSON Schemas of the document, made by reflection from the Go types
// the routes declare, into the model of openapi_model.go. kin-openapi's
// generator (openapi3gen) is not used: besides bringing kin-openapi into
// the binary, it writes OpenAPI 3.0's `nullable: true` where 3.1 wants a
// type array (["string", "null"]), never fills `required`, leaves struct{}
// without a type, cannot make a $ref nullable and only names structs as
// components (so no ErrorCode enum). Each would need patching after the
// fact; the rules below are short enough to own.
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
//     decode does; its non-pointer fields without omitempty are required,
//     as is any field tagged required:"true" (a pointer whose absence
//     Validate refuses);
//   - time.Time is a date-time string, a map an object of its values
//     (free-form for map[string]any), shared.Code the ErrorCode enum;
//   - tags document a field (openapi_fields.go): doc (the description),
//     format, minLength, maxLength, minimum, maximum and const (strings);
//     a SchemaDescription() method describes a type.

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
	components map[string]*openAPISchema
	owners     map[string]reflect.Type // component name → its Go type
	bodies     map[reflect.Type]bool   // the types routes take as bodies
}

func newSchemaSet() *schemaSet {
	return &schemaSet{components: map[string]*openAPISchema{}, owners: map[string]reflect.Type{}, bodies: map[reflect.Type]bool{}}
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
func (s *schemaSet) of(t reflect.Type) (*openAPISchema, error) {
	switch {
	case t == timeType:
		return &openAPISchema{Type: jsonTypes{"string"}, Format: "date-time"}, nil
	case t == codeType:
		return s.component("ErrorCode", t, func() (*openAPISchema, error) { return errorCodeSchema(), nil })
	case t.Kind() == reflect.Pointer:
		elem, err := s.of(t.Elem())
		if err != nil {
			return nil, err
		}
		return orNull(elem), nil
	case marshals(t, jsonMarshalerType):
		return &openAPISchema{}, nil // it writes any JSON it likes
	case marshals(t, textMarshalerType):
		return typed("string"), nil
	case t.Kind() == reflect.Struct && t.Name() != "":
		return s.component(componentName(t), t, func() (*openAPISchema, error) { return s.object(t) })
	case t.Kind() == reflect.Struct:
		return s.object(t)
	}
	return s.plain(t)
}

// marshals reports whether encoding/json hands t (or *t) to a marshaler
// of this kind rather than reflecting it.
func marshals(t, marshaler reflect.Type) bool {
	return t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler)
}

// plain is the schema of a type that is not a struct.
func (s *schemaSet) plain(t reflect.Type) (*openAPISchema, error) {
	switch t.Kind() {
	case reflect.String:
		return typed("string"), nil
	case reflect.Bool:
		return typed("boolean"), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return typed("integer"), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		schema := typed("integer")
		schema.Minimum = new(0.0)
		return schema, nil
	case reflect.Float32, reflect.Float64:
		return typed("number"), nil
	case reflect.Interface:
		return &openAPISchema{}, nil
	case reflect.Slice, reflect.Array:
		return s.array(t)
	case reflect.Map:
		return s.mapOf(t)
	}
	return nil, fmt.Errorf("cannot describe %s (a %s) in JSON", t, t.Kind())
}

func (s *schemaSet) array(t reflect.Type) (*openAPISchema, error) {
	if t.Elem().Kind() == reflect.Uint8 {
		return &openAPISchema{Type: jsonTypes{"string"}, ContentEncoding: "base64"}, nil
	}
	items, err := s.of(t.Elem())
	return &openAPISchema{Type: jsonTypes{"array"}, Items: items}, err
}

// mapOf is an object whose values are the map's; map[string]any is
// free-form.
func (s *schemaSet) mapOf(t reflect.Type) (*openAPISchema, error) {
	schema := typed("object")
	if t.Elem().Kind() == reflect.Interface {
		return schema, nil
	}
	values, err := s.of(t.Elem())
	schema.AdditionalProperties = values
	return schema, err
}

// component returns a $ref to the component name, building it the first
// time. Two Go types of one name (in two packages) cannot both be
// components: that is an error, so a fork renames one rather than getting
// a document that describes the wrong type.
func (s *schemaSet) component(name string, t reflect.Type, build func() (*openAPISchema, error)) (*openAPISchema, error) {
	ref := &openAPISchema{Ref: "#/components/schemas/" + name}
	if owner, ok := s.owners[name]; ok {
		if owner != t {
			return nil, fmt.Errorf("%s and %s would both be the schema %q; rename one", owner, t, name)
		}
		return ref, nil
	}
	s.owners[name] = t // first, so a type that contains itself ends in a $ref
	schema, err := build()
	if err != nil {
		return nil, err
	}
	s.components[name] = schema
	return ref, nil
}

// orNull lets a schema also be null: a type array for an inline schema
// (OpenAPI 3.1 has no `nullable`), anyOf for a $ref.
func orNull(schema *openAPISchema) *openAPISchema {
	switch {
	case schema.Ref != "":
		return &openAPISchema{AnyOf: []*openAPISchema{schema, typed("null")}}
	case len(schema.Type) == 0:
		return schema // any JSON value, null included
	default:
		schema.Type = append(schema.Type, "null")
		return schema
	}
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
func (s *schemaSet) object(t reflect.Type) (*openAPISchema, error) {
	request := s.isRequest(t)
	schema := typed("object")
	schema.Properties = map[string]*openAPISchema{}
	fields := jsonFields(t)
	for _, f := range fields {
		prop, err := s.field(f)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t, f.goName, err)
		}
		schema.Properties[f.name] = prop
		if f.required(request) {
			schema.Required = append(schema.Required, f.name)
		}
	}
	if len(fields) == 0 {
		schema.MaxProperties = new(uint64(0))
	}
	if d, ok := reflect.Zero(t).Interface().(schemaDescriber); ok {
		schema.Description = d.SchemaDescription()
	}
	if request {
		// decode refuses unknown members (RejectUnknownMembers).
		schema.AdditionalProperties = false
		schema.Description = strings.TrimSpace(schema.Description + " Unknown fields are refused (`invalid_json`).")
	}
	return schema, nil
}

// typed is the schema of one JSON type.
func typed(t string) *openAPISchema { return &openAPISchema{Type: jsonTypes{t}} }
