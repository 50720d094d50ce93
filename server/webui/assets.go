package webui

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// assets serves the embedded web/ files. A file with a pre-compressed
// sibling (app.wasm.br, app.wasm.gz, written by ./precompress) is sent in
// the best encoding the browser accepts: brotli, then gzip, then as is.
// Source files are never served, nor are the compressed siblings by name.
type assets struct {
	fsys   fs.FS
	files  map[string]*asset
	digest string // hex SHA-256 over every file's name and content
}

type asset struct {
	name        string
	contentType string
	size        int64
	sum         [sha256.Size]byte
	crc         uint32 // CRC-32 of the content, to check the .gz sibling

	// The compressed siblings, checked once on first use: a sibling left
	// over from an older build (app.wasm rebuilt without ./precompress)
	// would otherwise serve yesterday's app to every browser.
	gzipOnce, brotliOnce   sync.Once
	gzipFresh, brotliFresh bool
}

// encodings are the pre-compressed forms, in order of preference.
var encodings = []struct{ name, suffix string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// contentTypes are set explicitly so they do not depend on the host's
// mime tables; application/wasm is required for streaming compilation.
var contentTypes = map[string]string{
	".wasm":        "application/wasm",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".woff2":       "font/woff2",
}

// newAssets indexes fsys. A file that cannot be read is left out, and so
// answers 404, rather than stopping the server.
func newAssets(fsys fs.FS) *assets {
	a := &assets{fsys: fsys, files: map[string]*asset{}}
	digest := sha256.New()
	_ = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !servable(name) {
			return nil
		}
		f, err := fsys.Open(name)
		if err != nil {
			return nil
		}
		defer f.Close()
		sum, crc := sha256.New(), crc32.NewIEEE()
		size, err := io.Copy(io.MultiWriter(sum, crc), f)
		if err != nil {
			return nil
		}
		file := &asset{name: name, contentType: contentType(name), size: size, crc: crc.Sum32()}
		sum.Sum(file.sum[:0])
		a.files[name] = file
		return nil
	})
	names := make([]string, 0, len(a.files))
	for name := range a.files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		digest.Write([]byte(name))
		digest.Write(a.files[name].sum[:])
	}
	if len(names) > 0 {
		a.digest = hex.EncodeToString(digest.Sum(nil))
	}
	return a
}

// servable reports whether a file of web/ may be served by its own name.
func servable(name string) bool {
	switch path.Ext(name) {
	case ".go", ".gz", ".br":
		return false
	}
	return !strings.HasPrefix(path.Base(name), ".")
}

func contentType(name string) string {
	if ct, ok := contentTypes[path.Ext(name)]; ok {
		return ct
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// serve answers a request for the file name (relative to web/).
func (a *assets) serve(w http.ResponseWriter, r *http.Request, name string) {
	file, ok := a.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	header := w.Header()
	header.Set("Content-Type", file.contentType)
	// The URLs are not versioned, so browsers revalidate each time; the
	// ETag makes that a 304. The service worker caches per release.
	header.Set("Cache-Control", "no-cache")

	etag := hex.EncodeToString(file.sum[:16])
	open := name
	if a.hasEncodings(file) {
		header.Add("Vary", "Accept-Encoding")
		if enc, suffix := a.negotiate(file, r.Header.Get("Accept-Encoding")); enc != "" {
			header.Set("Content-Encoding", enc)
			etag += "-" + enc
			open = name + suffix
		}
	}
	header.Set("ETag", `"`+etag+`"`)

	f, err := a.fsys.Open(open)
	if err != nil {
		http.Error(w, "could not read "+name, http.StatusInternalServerError)
		return
	}
	defer f.Close()
	content, ok := f.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(f)
		if err != nil {
			http.Error(w, "could not read "+name, http.StatusInternalServerError)
			return
		}
		content = bytes.NewReader(data)
	}
	http.ServeContent(w, r, name, time.Time{}, content)
}

// hasEncodings reports whether file has any fresh compressed sibling.
func (a *assets) hasEncodings(file *asset) bool {
	return a.fresh(file, "gzip") || a.fresh(file, "br")
}

// negotiate picks the encoding to send: the first of encodings that the
// request accepts and that exists for file.
func (a *assets) negotiate(file *asset, acceptEncoding string) (name, suffix string) {
	for _, enc := range encodings {
		if accepts(acceptEncoding, enc.name) && a.fresh(file, enc.name) {
			return enc.name, enc.suffix
		}
	}
	return "", ""
}

// fresh reports whether file's sibling in encoding enc exists and holds
// file's current content. For gzip the trailer's CRC-32 and length say so
// (RFC 1952 §2.3.1); brotli has no checksum, so its sibling is decoded
// once and hashed.
func (a *assets) fresh(file *asset, enc string) bool {
	switch enc {
	case "gzip":
		file.gzipOnce.Do(func() { file.gzipFresh = a.gzipMatches(file) })
		return file.gzipFresh
	case "br":
		file.brotliOnce.Do(func() { file.brotliFresh = a.brotliMatches(file) })
		return file.brotliFresh
	}
	return false
}

func (a *assets) gzipMatches(file *asset) bool {
	data, err := fs.ReadFile(a.fsys, file.name+".gz")
	if err != nil || len(data) < 18 {
		return false
	}
	trailer := data[len(data)-8:]
	return binary.LittleEndian.Uint32(trailer[:4]) == file.crc &&
		binary.LittleEndian.Uint32(trailer[4:]) == uint32(file.size)
}

func (a *assets) brotliMatches(file *asset) bool {
	f, err := a.fsys.Open(file.name + ".br")
	if err != nil {
		return false
	}
	defer f.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, brotli.NewReader(f))
	return err == nil && n == file.size && bytes.Equal(sum.Sum(nil), file.sum[:])
}

// accepts reports whether an Accept-Encoding header allows coding: named
// with a non-zero q-value, or covered by "*" (RFC 9110 §12.5.3).
func accepts(header, coding string) bool {
	wildcard := false
	for part := range strings.SplitSeq(header, ",") {
		token, params, _ := strings.Cut(part, ";")
		token = strings.ToLower(strings.TrimSpace(token))
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		switch token {
		case coding:
			return q > 0
		case "*":
			wildcard = q > 0
		}
	}
	return wildcard
}
