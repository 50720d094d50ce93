package passkeys

import (
	"encoding/json"

	"github.com/authkit/authkit/app"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The browser's WebAuthn API, called through syscall/js (go-app's Value),
// so the app carries no WebAuthn library: the server's options go through
// PublicKeyCredential.parse…OptionsFromJSON and the credential comes back
// through toJSON() (WebAuthn Level 3, in every current browser).

// errCancelled is a ceremony the person (or the browser) stopped: they
// closed the prompt, or no passkey was there.
var errCancelled = app.NewProblem("The passkey prompt was closed before a passkey was chosen.")

// errAlreadyOnDevice is a registration the device refused because it
// holds one of the account's passkeys already: the server lists them for
// the browser to exclude, and the browser then answers InvalidStateError
// (WebAuthn §5.1.3), worded for developers ("relying party").
var errAlreadyOnDevice = app.NewProblem("This device already holds a passkey for your account. Add one on another device or password manager, or delete the old one first.")

// errUnsupported is a browser without WebAuthn's JSON methods.
var errUnsupported = app.NewProblem("This browser cannot use passkeys here. Use your password instead.")

// supported reports whether the browser has the WebAuthn API this module
// uses.
func supported() bool {
	pkc := goapp.Window().Get("PublicKeyCredential")
	return pkc.Truthy() && pkc.Get("parseCreationOptionsFromJSON").Truthy()
}

// createCredential asks the browser to make a passkey for the creation
// options and returns the credential's JSON.
func createCredential(publicKey json.RawMessage) (json.RawMessage, error) {
	if !supported() {
		return nil, errUnsupported
	}
	w := goapp.Window()
	opts := w.Get("Object").New()
	opts.Set("publicKey", w.Get("PublicKeyCredential").Call("parseCreationOptionsFromJSON", w.Get("JSON").Call("parse", string(publicKey))))
	cred, err := await(w.Get("navigator").Get("credentials").Call("create", opts))
	if err != nil {
		return nil, err
	}
	return credentialJSON(cred), nil
}

// getCredential asks the browser for an assertion of one of this site's
// passkeys. With mediation "conditional" the browser offers the passkeys
// in the autofill of a field marked autocomplete="… webauthn" and waits
// until one is picked; signal (an AbortSignal, or nil) stops it.
func getCredential(publicKey json.RawMessage, mediation string, signal goapp.Value) (json.RawMessage, error) {
	if !supported() {
		return nil, errUnsupported
	}
	w := goapp.Window()
	opts := w.Get("Object").New()
	opts.Set("publicKey", w.Get("PublicKeyCredential").Call("parseRequestOptionsFromJSON", w.Get("JSON").Call("parse", string(publicKey))))
	if mediation != "" {
		opts.Set("mediation", mediation)
	}
	if signal != nil {
		opts.Set("signal", signal)
	}
	cred, err := await(w.Get("navigator").Get("credentials").Call("get", opts))
	if err == errAlreadyOnDevice { // said of registrations only
		err = errCancelled
	}
	if err != nil {
		return nil, err
	}
	return credentialJSON(cred), nil
}

// conditionalMediation reports whether the browser can offer passkeys in
// autofill (it answers through a promise).
func conditionalMediation() bool {
	pkc := goapp.Window().Get("PublicKeyCredential")
	if !supported() || !pkc.Get("isConditionalMediationAvailable").Truthy() {
		return false
	}
	ok, err := await(pkc.Call("isConditionalMediationAvailable"))
	return err == nil && ok.Bool()
}

func credentialJSON(cred goapp.Value) json.RawMessage {
	return json.RawMessage(goapp.Window().Get("JSON").Call("stringify", cred.Call("toJSON")).String())
}

// await blocks (off the UI goroutine) until a promise settles. A
// rejection becomes errCancelled for the DOMExceptions a closed or
// aborted prompt gives, and the browser's message otherwise.
func await(promise goapp.Value) (goapp.Value, error) {
	type settled struct {
		v   goapp.Value
		err error
	}
	done := make(chan settled, 1)
	resolve := goapp.FuncOf(func(_ goapp.Value, args []goapp.Value) any {
		done <- settled{v: arg0(args)}
		return nil
	})
	reject := goapp.FuncOf(func(_ goapp.Value, args []goapp.Value) any {
		done <- settled{err: jsError(arg0(args))}
		return nil
	})
	defer resolve.Release()
	defer reject.Release()
	promise.Call("then", resolve, reject)
	s := <-done
	return s.v, s.err
}

func arg0(args []goapp.Value) goapp.Value {
	if len(args) == 0 {
		return goapp.Undefined()
	}
	return args[0]
}

func jsError(v goapp.Value) error {
	if !v.Truthy() {
		return errCancelled
	}
	switch v.Get("name").String() {
	case "NotAllowedError", "AbortError":
		return errCancelled
	case "InvalidStateError":
		return errAlreadyOnDevice
	}
	if msg := v.Get("message").String(); msg != "" {
		return app.NewProblem(msg)
	}
	return errCancelled
}
