// Package shared is the contract between the browser app and the server:
// the JSON request and response types, the error codes and the validation
// rules. Both sides import it, so a rule is written once and enforced twice:
// in the browser for quick feedback, on the server because the browser
// cannot be trusted.
//
// Keep this package free of server-only dependencies (database drivers,
// crypto back ends): it is compiled into app.wasm.
package shared
