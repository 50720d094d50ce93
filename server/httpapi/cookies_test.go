package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authkit/authkit/shared"
)

// The jar reads a cookie as net/http's r.Cookie does, for every shape of
// Cookie header a client may send.
func TestCookieJar_ValueReadsAsRequestCookie(t *testing.T) {
	jar := newCookieJar(false)
	for _, lines := range [][]string{
		{"access_token=abc.def-ghi_j"},
		{"a=1; access_token=tok; b=2"},
		{"a=1;access_token=tok;b=2"},
		{"a=1", "access_token=second-line"},
		{`access_token="quoted"`},
		{"access_token=first; access_token=second"},
		{"access_token=bad value; access_token=good"},
		{`access_token=back\slash`},
		{"access_token=semi,colon"},
		{"access_token="},
		{"Access_Token=wrong-case"},
		{"xaccess_token=prefixed"},
		{"access_token"},
		{"access_token=caf\u00e9"},
		{"\u00a0access_token=evil; access_token=good"},
		{"\u2000access_token=evil"},
		{"\vaccess_token=evil; access_token=good"},
		{"\faccess_token=evil"},
		{"access_token=good\u00a0"},
		{"\taccess_token=tabbed"},
		{""},
		nil,
	} {
		r := &http.Request{Header: http.Header{"Cookie": lines}}
		want := ""
		if c, err := r.Cookie(shared.AccessCookie); err == nil {
			want = c.Value
		}
		if got := jar.access(r); got != want {
			t.Errorf("Cookie %q: access %q, r.Cookie %q", lines, got, want)
		}
	}
}

// The eight-bytes-a-step check answers as net/http for every byte, at
// every place in a word and in the tail after the last whole word.
func TestCookieJar_ValueTestsEveryByteAsRequestCookie(t *testing.T) {
	jar := newCookieJar(false)
	for n := 1; n <= 17; n++ {
		for at := range n {
			for b := range 256 {
				v := []byte(strings.Repeat("A", n))
				v[at] = byte(b)
				lines := []string{shared.AccessCookie + "=" + string(v)}
				r := &http.Request{Header: http.Header{"Cookie": lines}}
				want := ""
				if c, err := r.Cookie(shared.AccessCookie); err == nil {
					want = c.Value
				}
				if got := jar.access(r); got != want {
					t.Fatalf("Cookie %q: access %q, r.Cookie %q", lines, got, want)
				}
			}
		}
	}
}
