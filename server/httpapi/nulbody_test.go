package httpapi

import "testing"

func TestHoldsNUL(t *testing.T) {
	for body, want := range map[string]bool{
		`{"email":"ann\u0000@example.com"}`:    true,
		`{"a":"\\\u0000"}`:                     true,  // an escaped backslash, then NUL
		`{"a":"\\u0000"}`:                      false, // the text \u0000
		`{"a":"u0000"}`:                        false,
		`{"a":"x","b":"\\\\u0000 and \u0000"}`: true,
		`{}`:                                   false,
	} {
		if got := holdsNUL([]byte(body)); got != want {
			t.Errorf("holdsNUL(%s) = %v, want %v", body, got, want)
		}
	}
}
