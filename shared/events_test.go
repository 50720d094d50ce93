package shared

import "testing"

func TestDescribe_NamesTheProviderOfAConnectedAccount(t *testing.T) {
	e := SecurityEvent{Type: EventType("identity_test"), Detail: map[string]string{DetailProvider: "GitHub"},
		IP: "127.0.0.1"}
	if got, want := e.Describe(), "identity test at GitHub from 127.0.0.1"; got != want {
		t.Errorf("Describe() = %q, want %q", got, want)
	}
}
