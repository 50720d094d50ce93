package httpapi

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"net/http"
	"time"
)

// The API's description in OpenAPI 3.1, for client generators and API
// explorers. openapi_test.go fails when it and routes.go disagree, so a
// new endpoint comes with its entry.

//go:embed openapi.json
var openAPIDocument []byte

// openAPIETag names the document's version, so clients revalidate it
// cheaply (If-None-Match) instead of downloading it again.
var openAPIETag = func() string {
	sum := sha256.Sum256(openAPIDocument)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}()

// openAPI serves the document. It describes the API and holds no user
// data, so unlike the rest of /api/ it may be cached, as long as the cache
// checks with the server first (no-cache): a new release may change it.
func (a *API) openAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", openAPIETag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(openAPIDocument))
	return nil
}
