package httpapi

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
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

// topLevelOrder is the order of the document's members as people read
// them (kin-openapi writes them sorted, components before openapi).
var topLevelOrder = []string{"openapi", "info", "servers", "tags", "security", "paths", "webhooks", "components"}

// encodeDocument writes the document indented, its top-level members in
// topLevelOrder; below them, keys stay sorted, which keeps diffs of
// docs/openapi.json stable.
func encodeDocument(doc *openapi3.T) ([]byte, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, err
	}
	keys := slices.SortedFunc(maps.Keys(members), func(a, b string) int {
		return cmp.Compare(orderOf(a), orderOf(b))
	})
	var buf bytes.Buffer
	buf.WriteString("{")
	for i, key := range keys {
		if i > 0 {
			buf.WriteString(",")
		}
		fmt.Fprintf(&buf, "\n  %q: ", key)
		if err := json.Indent(&buf, members[key], "  ", "  "); err != nil {
			return nil, err
		}
	}
	buf.WriteString("\n}\n")
	return buf.Bytes(), nil
}

// orderOf ranks a top-level member; unknown ones go last.
func orderOf(key string) int {
	if i := slices.Index(topLevelOrder, key); i >= 0 {
		return i
	}
	return len(topLevelOrder)
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
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.openAPIDoc.body))
	return nil
}
