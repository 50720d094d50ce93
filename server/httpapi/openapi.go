package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// The API's description in OpenAPI 3.1, for client generators and API
// explorers, generated at start-up from the routes served (openapi_doc.go)
// and served at GET /api/openapi.json. docs/openapi.json is the same
// document checked in for readers and linters (make openapi).

// openAPIFile is the encoded document and its ETag, made once at start-up
// (a few milliseconds), so serving it costs no more than a static file.
type openAPIFile struct {
	body []byte
	etag string
}

// newOpenAPIFile generates the document of the router's routes.
func newOpenAPIFile(r *Router) (openAPIFile, error) {
	doc, err := generateOpenAPI(r.Routes(), r.moduleTags)
	if err != nil {
		return openAPIFile{}, err
	}
	body, err := encodeDocument(doc)
	if err != nil {
		return openAPIFile{}, err
	}
	// The ETag names the document's version, so clients revalidate it
	// cheaply (If-None-Match) instead of downloading it again.
	sum := sha256.Sum256(body)
	return openAPIFile{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}, nil
}

// encodeDocument writes the document indented, as docs/openapi.json
// holds it (openapi_model.go says in which order).
func encodeDocument(doc *openAPIDocument) ([]byte, error) {
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(body, '\n'), nil
}

// OpenAPIDocument returns the document a server with these modules serves
// at /api/openapi.json, without a database: `authkit openapi` writes it
// to docs/openapi.json. It mounts the modules with no store (see
// Module.Mount).
func OpenAPIDocument(modules []Module) ([]byte, error) {
	a := &API{log: slog.New(slog.DiscardHandler), now: time.Now}
	r := newRouter(a, http.NewServeMux())
	if err := a.serveRoutes(r, modules, nil); err != nil {
		return nil, err
	}
	f, err := newOpenAPIFile(r)
	return f.body, err
}

// openAPI serves the document. It describes the API and holds no user
// data, so unlike the rest of /api/ it may be cached, as long as the cache
// checks with the server first (no-cache): a new release may change it.
func (a *API) openAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.openAPIDoc.etag)
	// No ranges: a part of a 100 KB document serves no one, and the 416
	// ServeContent answers an unsatisfiable one with drops Cache-Control.
	r.Header.Del("Range")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.openAPIDoc.body))
	return nil
}
