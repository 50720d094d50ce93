package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
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
//
// A file may also be present only compressed: the build embeds app.wasm as
// app.wasm.gz and app.wasm.br alone, since every browser accepts one of
// them and the raw copy would add its whole size (over 8 MB) to the
// binary. The rare client that accepts neither gets the gzip copy
// decompressed on the fly (gunzipReader).
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
	crc         uint32 // CRC-32 of the content, to check the siblings
	// onlyGzip: there is no raw file; name.gz is the content's source.
	// size and crc then come from its trailer, and sum is the SHA-256 of
	// the .gz file (which changes exactly when the content does).
	onlyGzip bool

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
	a.indexGzipOnly()
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
	// Check the compressed siblings now rather than on the first request
	// for them, which would otherwise wait for a brotli decode.
	go func() {
		for _, file := range a.files {
			a.hasEncodings(file)
		}
	}()
	return a
}

// indexGzipOnly adds the files present only as a .gz, such as app.wasm in
// a built binary: their size and CRC-32 are in the gzip trailer (RFC 1952
// §2.3.1), so nothing is decompressed at start-up.
func (a *assets) indexGzipOnly() {
	_ = fs.WalkDir(a.fsys, ".", func(gzName string, d fs.DirEntry, err error) error {
		name, ok := strings.CutSuffix(gzName, ".gz")
		if err != nil || d.IsDir() || !ok || !servable(name) || a.files[name] != nil {
			return nil
		}
		data, err := fs.ReadFile(a.fsys, gzName)
		if err != nil || len(data) < 18 {
			return nil
		}
		trailer := data[len(data)-8:]
		file := &asset{
			name:        name,
			contentType: contentType(name),
			crc:         binary.LittleEndian.Uint32(trailer[:4]),
			size:        int64(binary.LittleEndian.Uint32(trailer[4:])),
			onlyGzip:    true,
			sum:         sha256.Sum256(data),
		}
		a.files[name] = file
		return nil
	})
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

	if file.onlyGzip && open == name {
		content := &gunzipReader{fsys: a.fsys, name: name + ".gz", size: file.size}
		defer content.Close()
		http.ServeContent(w, r, name, time.Time{}, content)
		return
	}
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
// once and its CRC-32 and length compared.
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
	if file.onlyGzip {
		return true // the source itself
	}
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
	crc := crc32.NewIEEE()
	n, err := io.Copy(crc, brotli.NewReader(f))
	return err == nil && n == file.size && crc.Sum32() == file.crc
}

// gunzipReader is the content of a file stored only as a .gz, decompressed
// as it is read, for http.ServeContent: seeking only moves the offset, and
// a read from an offset the stream has passed starts the stream again
// (range requests, rare for the clients that end up here).
type gunzipReader struct {
	fsys   fs.FS
	name   string // the .gz file
	size   int64  // the decompressed size
	offset int64  // where the next Read starts

	file   fs.File
	stream *gzip.Reader
	pos    int64 // how far stream has been read
}

func (g *gunzipReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += g.offset
	case io.SeekEnd:
		offset += g.size
	}
	if offset < 0 {
		return 0, errors.New("gunzipReader: negative position")
	}
	g.offset = offset
	return offset, nil
}

func (g *gunzipReader) Read(p []byte) (int, error) {
	if g.offset >= g.size {
		return 0, io.EOF
	}
	if g.stream == nil || g.pos > g.offset {
		if err := g.restart(); err != nil {
			return 0, err
		}
	}
	if _, err := io.CopyN(io.Discard, g.stream, g.offset-g.pos); err != nil {
		return 0, err
	}
	g.pos = g.offset
	n, err := g.stream.Read(p)
	g.pos += int64(n)
	g.offset = g.pos
	if err == io.EOF && g.pos < g.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (g *gunzipReader) restart() error {
	g.Close()
	f, err := g.fsys.Open(g.name)
	if err != nil {
		return err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return err
	}
	g.file, g.stream, g.pos = f, zr, 0
	return nil
}

// Close releases the .gz file; ServeContent does not call it, serve does.
func (g *gunzipReader) Close() error {
	if g.file != nil {
		g.file.Close()
		g.file, g.stream = nil, nil
	}
	return nil
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
