package notes_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authkit/authkit/server/httpapi"
	"github.com/authkit/authkit/shared"
	sharednotes "github.com/authkit/authkit/shared/notes"
)

// fuzzDecode checks a notes request through the kit's decoder and the
// request's own rules: whatever the body, the answer is a value or a
// *shared.Error with a 4xx status, never a panic.
func fuzzDecode[T any, P interface {
	*T
	Validate() error
}](f *testing.F, seeds ...string) {
	for _, s := range append(seeds, "", "{}", "null", "[]", `{"a":1}`, "{", `"x"`, "1e999", "{\"title\":\"\\ud800\"}") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		v, err := httpapi.Decode[T](httptest.NewRecorder(), r)
		if err == nil {
			err = P(&v).Validate()
		}
		if err == nil {
			return
		}
		var apiErr *shared.Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("decode(%q) = %T %v, want *shared.Error", body, err, err)
		}
		if s := apiErr.Code.Status(); s < 400 || s > 499 || apiErr.Message == "" {
			t.Fatalf("decode(%q) = %+v (status %d)", body, apiErr, s)
		}
	})
}

func FuzzDecodeCreateNote(f *testing.F) {
	fuzzDecode[sharednotes.CreateNoteRequest](f, `{"title":"t","body":"b"}`)
}

func FuzzDecodeUpdateNote(f *testing.F) {
	fuzzDecode[sharednotes.UpdateNoteRequest](f, `{"title":"t"}`, `{"body":null}`)
}
