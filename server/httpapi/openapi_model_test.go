package httpapi

import (
	"reflect"
	"slices"
	"testing"
)

// TestOpenAPI_ModelFieldsAreInJSONNameOrder: encoding/json writes fields
// in the order they are declared, so below the document's top level each
// struct of the model declares them in the order of their JSON names, and
// docs/openapi.json keeps its keys sorted (openapi_model.go).
func TestOpenAPI_ModelFieldsAreInJSONNameOrder(t *testing.T) {
	checked := map[reflect.Type]bool{}
	var check func(reflect.Type)
	check = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || checked[typ] {
			return
		}
		checked[typ] = true
		var names []string
		for _, f := range jsonFields(typ) {
			names = append(names, f.name)
			check(f.typ)
		}
		if !slices.IsSorted(names) {
			t.Errorf("%s declares its fields in the order %v; want them sorted", typ, names)
		}
	}
	for _, f := range jsonFields(reflect.TypeFor[openAPIDocument]()) {
		check(f.typ)
	}
	if !checked[reflect.TypeFor[openAPISchema]()] || !checked[reflect.TypeFor[openAPIOperation]()] {
		t.Fatal("the walk missed the model's structs")
	}
}
