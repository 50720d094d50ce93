package shared

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"slices"
	"strconv"
	"testing"
)

// declaredCodes reads the Code constants of errors.go, in order: the
// source is the list, since Go cannot enumerate constants.
func declaredCodes(t *testing.T) []Code {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []Code
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					codes = append(codes, Code(s))
				}
			}
		}
	}
	if len(codes) == 0 {
		t.Fatal("no Code constants found in errors.go")
	}
	return codes
}

// TestCodes_ListsEveryDeclaredCode keeps Codes (the OpenAPI document's
// ErrorCode enum) in step with the constants.
func TestCodes_ListsEveryDeclaredCode(t *testing.T) {
	if got, want := Codes(), declaredCodes(t); !slices.Equal(got, want) {
		t.Errorf("Codes() = %v,\nerrors.go declares %v", got, want)
	}
}

func TestCodes_EachHasAnErrorStatus(t *testing.T) {
	for _, c := range Codes() {
		if s := c.Status(); s < 400 || (s == http.StatusInternalServerError && c != CodeInternal) {
			t.Errorf("%s has status %d", c, s)
		}
	}
}
