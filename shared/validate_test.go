package shared

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidateEmail(t *testing.T) {
	good := []string{"a@b.co", "first.last+tag@example.com", "x@sub.example.org"}
	bad := []string{"", "a", "a@", "@b.co", "a@b", "a b@c.de", "<a@b.co>", "Ann <a@b.co>", "a@b.co\n", strings.Repeat("a", 250) + "@b.co",
		"a@[127.0.0.1]", "a@[IPv6:::1]", "a@[10.0.0.1].com"}
	for _, e := range good {
		if msg := ValidateEmail(e); msg != "" {
			t.Errorf("ValidateEmail(%q) = %q", e, msg)
		}
	}
	for _, e := range bad {
		if ValidateEmail(e) == "" {
			t.Errorf("ValidateEmail(%q) accepted", e)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	cases := map[string]bool{
		"":                             false,
		"short":                        false,
		"password":                     false, // common
		"PassWord":                     false, // common, any case
		"baseball":                     false,
		"a@b.co.uk":                    true,
		"correct horse battery staple": true,
		strings.Repeat("x", 256):       true,
		strings.Repeat("x", 257):       false,
		strings.Repeat("é", 8):         true, // characters, not bytes
	}
	for pw, ok := range cases {
		if got := ValidatePassword(pw, "someone@example.com") == ""; got != ok {
			t.Errorf("ValidatePassword(%q) ok = %v, want %v", pw, got, ok)
		}
	}
	if ValidatePassword("Someone@Example.com", "someone@example.com") == "" {
		t.Error("password equal to the email accepted")
	}
}

func TestCommonPasswordListIsLoaded(t *testing.T) {
	if n := len(commonPasswords()); n < 2000 {
		t.Fatalf("only %d common passwords", n)
	}
}

func TestRegisterRequest_ValidateNormalises(t *testing.T) {
	r := RegisterRequest{Email: "  Ann@Example.COM ", Name: "  Ann  ", Password: "correct horse battery"}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if r.Email != "ann@example.com" || r.Name != "Ann" {
		t.Fatalf("not normalised: %+v", r)
	}
}

func TestPasswordStrength(t *testing.T) {
	if PasswordStrength("short", "") != 0 || PasswordStrength("password", "") != 0 {
		t.Error("unusable passwords must score 0")
	}
	if a, b := PasswordStrength("qwhdkzmv", ""), PasswordStrength("Qwhdk zmv 83!x", ""); a >= b || b < 3 {
		t.Errorf("strength %d then %d", a, b)
	}
}

// FuzzValidationRules checks the rules never panic and that whatever they
// accept really is within the documented limits.
func FuzzValidationRules(f *testing.F) {
	for _, s := range []string{"", "a@b.co", "correct horse", "\x00", "é", strings.Repeat("a", 300)} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if ValidateEmail(NormalizeEmail(a)) == "" && (len(NormalizeEmail(a)) > MaxEmailLength || !strings.Contains(a, "@")) {
			t.Fatalf("accepted email %q", a)
		}
		if n := NormalizeName(a); ValidateName(n) == "" && (n == "" || utf8.RuneCountInString(n) > MaxNameLength) {
			t.Fatalf("accepted name %q", a)
		}
		if ValidatePassword(a, b) == "" && (utf8.RuneCountInString(a) < MinPasswordLength || IsCommonPassword(a)) {
			t.Fatalf("accepted password %q", a)
		}
		PasswordStrength(a, b)
	})
}

func TestValidateName_RefusesHiddenAndInvisibleCharacters(t *testing.T) {
	bad := map[string]string{
		"NUL":                     "Ann\x00",
		"bidi override":           "Ann\u202Enimda",
		"zero-width space":        "An\u200Bn",
		"zero-width joiner":       "An\u200Dn",
		"byte-order mark":         "\uFEFFAnn",
		"Hangul filler":           "Ann\u3164",
		"only Hangul fillers":     "\u3164\u3164",
		"only a combining mark":   "\u0301",
		"only ideographic spaces": "\u3000\u3000",
	}
	for what, name := range bad {
		if ValidateName(NormalizeName(name)) == "" {
			t.Errorf("%s: ValidateName(%q) accepted", what, name)
		}
	}
	for _, name := range []string{"Ann", "José", "Zoë O'Brien", "李小龍", "محمد", "Anne-Marie ❤️", "R2-D2"} {
		if msg := ValidateName(NormalizeName(name)); msg != "" {
			t.Errorf("ValidateName(%q) = %q", name, msg)
		}
	}
}

func TestNormalizeEmail_ComposesToNFC(t *testing.T) {
	for _, typed := range []string{"Jose\u0301@Example.com", " jos\u00e9@example.com", "JOS\u00c9@EXAMPLE.COM"} {
		if got := NormalizeEmail(typed); got != "jos\u00e9@example.com" {
			t.Errorf("NormalizeEmail(%q) = %q, want the composed %q", typed, got, "jos\u00e9@example.com")
		}
	}
}

// TestNormalizeEmail_IsStable: an address stored normalised is found again
// by the same rule, whatever letter it holds: lower-casing after NFC and
// NFC after lower-casing must not keep undoing each other.
func TestNormalizeEmail_IsStable(t *testing.T) {
	for r := rune(0x80); r < 0x30000; r++ {
		for _, typed := range []string{"a" + string(r) + "@x.co", string(r) + "\u0301@x.co", "A" + string(r) + "\u0345@x.co"} {
			once := NormalizeEmail(typed)
			if twice := NormalizeEmail(once); twice != once {
				t.Fatalf("NormalizeEmail(%+q) = %+q, and again %+q", typed, once, twice)
			}
		}
	}
}

func TestNormalizeName_ComposesToNFC(t *testing.T) {
	decomposed := "Jose\u0301" // e + combining acute
	if got := NormalizeName("  " + decomposed + " "); got != "Jos\u00e9" {
		t.Fatalf("NormalizeName(%q) = %q, want the composed %q", decomposed, got, "Jos\u00e9")
	}
}
