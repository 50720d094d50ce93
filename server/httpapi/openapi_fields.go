package httpapi

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Struct fields in the document: which encoding/json writes, which are
// required, and what their tags say about them.

// field is the schema of one struct field, with its tags applied.
func (s *schemaSet) field(f jsonField) (*openAPISchema, error) {
	t := f.typ
	if t.Kind() == reflect.Pointer && !f.nullable() {
		t = t.Elem()
	}
	schema, err := s.of(t)
	if err != nil {
		return nil, err
	}
	return annotate(schema, f.tag)
}

// fieldKeywords are the tags that document a field, each applied to the
// field's schema.
var fieldKeywords = []struct {
	tag   string
	apply func(s *openAPISchema, v string) error
}{
	{"doc", func(s *openAPISchema, v string) error { s.Description = v; return nil }},
	{"format", func(s *openAPISchema, v string) error { s.Format = v; return nil }},
	{"minLength", func(s *openAPISchema, v string) (err error) {
		s.MinLength, err = strconv.ParseUint(v, 10, 64)
		return
	}},
	{"maxLength", func(s *openAPISchema, v string) (err error) { s.MaxLength, err = parseUintPtr(v); return }},
	{"minimum", func(s *openAPISchema, v string) (err error) { s.Minimum, err = parseFloatPtr(v); return }},
	{"maximum", func(s *openAPISchema, v string) (err error) { s.Maximum, err = parseFloatPtr(v); return }},
	{"const", func(s *openAPISchema, v string) error { s.Const = v; return nil }},
}

// annotate applies a field's tags to its schema. Next to a $ref they go
// on a wrapper (allOf), which every tool reads alike.
func annotate(schema *openAPISchema, tag reflect.StructTag) (*openAPISchema, error) {
	target := schema
	for _, kw := range fieldKeywords {
		v, ok := tag.Lookup(kw.tag)
		if !ok {
			continue
		}
		if target.Ref != "" {
			target = &openAPISchema{AllOf: []*openAPISchema{schema}}
		}
		if err := kw.apply(target, v); err != nil {
			return nil, fmt.Errorf("tag %s:%q: %w", kw.tag, v, err)
		}
	}
	return target, nil
}

// jsonField is a struct field as encoding/json writes it.
type jsonField struct {
	name, goName string
	typ          reflect.Type
	tag          reflect.StructTag
	omitempty    bool
}

// required says whether the field is always there: always sent in a
// response, or demanded in a request (see the rules in
// openapi_schema.go).
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

func parseUintPtr(v string) (*uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	return &n, err
}

func parseFloatPtr(v string) (*float64, error) {
	n, err := strconv.ParseFloat(v, 64)
	return &n, err
}
