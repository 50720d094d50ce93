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
	"maps"
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
// sibling (name.br or name.gz beside it) is sent in the best encoding the
// browser accepts: brotli, then gzip, then as is. Source files are never
// served, nor are the compressed siblings by name.
//
// A file may also be present only as its brotli copy: the build embeds
// app.wasm as app.wasm.br alone. The raw file would add its whole size
// (nearly 10 MB) to the binary and a gzip copy 2.5 MB more, for the few
// browsers that are not offered brotli (Chromium over plain http to a
// host other than localhost). Those get a gzip copy made from the brotli
// one on their first request and kept in memory; a client that accepts
// neither gets that gzip copy decoded as it is sent (gunzipReader).
type assets struct {
	fsys   fs.FS
	files  map[string]*asset
	digest string // hex SHA-256 over every file's name and content

	decodingAhead sync.Once
}

type asset struct {
	name        string
	contentType string
	// onlyBrotli: there is no raw file; name.br is the content's source,
	// and sum is the SHA-256 of the .br file (which changes exactly when
	// the content does).
	onlyBrotli bool
	sum        [sha256.Size]byte

	// The raw content's size and CRC-32 (to check the siblings against).
	// A brotli-only file's are known once measure has run (it decodes the
	// copy); measureErr then says if the copy was unreadable.
	size       int64
	crc        uint32
	measure    sync.Once
	measureErr error

	// The compressed siblings of a raw file, checked once on first use: a
	// sibling left over from an older build would otherwise serve
	// yesterday's app to every browser.
	gzipOnce, brotliOnce   sync.Once
	gzipFresh, brotliFresh bool

	// A brotli-only file's gzip copy, made on first demand.
	gzipCopy    sync.Once
	gzipData    []byte
	gzipCopyErr error
}

// encodings are the pre-compressed forms, in order of preference.
var encodings = []struct{ name, suffix string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// DecodedLengthHeader carries a compressed file's decoded size on every
// response for it: go-app's loader shows its progress against the size of
// app.wasm, which Content-Length (the compressed size) does not give, and
// which a brotli-only file knows only once decoded, after start-up.
const DecodedLengthHeader = "Decoded-Content-Length"

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
		file.measure.Do(func() {}) // measured just now
		sum.Sum(file.sum[:0])
		a.files[name] = file
		return nil
	})
	a.indexBrotliOnly()

	digest := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(a.files)) {
		digest.Write([]byte(name))
		digest.Write(a.files[name].sum[:])
	}
	if len(a.files) > 0 {
		a.digest = hex.EncodeToString(digest.Sum(nil))
	}
	// Check the siblings now rather than on the first request for them,
	// which would otherwise wait for a brotli decode. A brotli-only file is
	// decoded once a page or the file itself is asked for (about a tenth
	// of a second for app.wasm), not now: the decoder's window would add
	// 8 MB to the peak memory of a server that may never serve it.
	go func() {
		for _, file := range a.files {
			a.hasEncodings(file)
		}
	}()
	return a
}

// indexBrotliOnly adds the files present only as a .br, such as app.wasm
// in a built binary. Brotli keeps no size or checksum, so theirs are
// measured on first use, by decoding (measured).
func (a *assets) indexBrotliOnly() {
	_ = fs.WalkDir(a.fsys, ".", func(brName string, d fs.DirEntry, err error) error {
		name, ok := strings.CutSuffix(brName, ".br")
		if err != nil || d.IsDir() || !ok || !servable(name) || a.files[name] != nil {
			return nil
		}
		data, err := fs.ReadFile(a.fsys, brName)
		if err != nil {
			return nil
		}
		a.files[name] = &asset{name: name, contentType: contentType(name), onlyBrotli: true, sum: sha256.Sum256(data)}
		return nil
	})
}

// decodeAhead measures the brotli-only files in the background, once:
// serving a page calls it, so the decode is under way, if not done, by
// the time the page asks for app.wasm.
func (a *assets) decodeAhead() {
	a.decodingAhead.Do(func() {
		go func() {
			for _, file := range a.files {
				a.measured(file)
			}
		}()
	})
}

// measured returns file's raw size, decoding a brotli-only file's copy
// the first time.
func (a *assets) measured(file *asset) (int64, error) {
	file.measure.Do(func() {
		crc := crc32.NewIEEE()
		file.size, file.measureErr = a.decodeBrotli(file, crc)
		file.crc = crc.Sum32()
	})
	return file.size, file.measureErr
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
	size, err := a.measured(file)
	if err != nil {
		http.Error(w, "could not read "+name, http.StatusInternalServerError)
		return
	}
	header := w.Header()
	header.Set("Content-Type", file.contentType)
	// The URLs are not versioned, so browsers revalidate each time; the
	// ETag makes that a 304. The service worker caches per release.
	header.Set("Cache-Control", "no-cache")
	etag := hex.EncodeToString(file.sum[:16])

	content, enc, err := a.content(file, r.Header.Get("Accept-Encoding"))
	if err != nil {
		http.Error(w, "could not read "+name, http.StatusInternalServerError)
		return
	}
	defer content.Close()
	if file.onlyBrotli || a.hasEncodings(file) {
		header.Add("Vary", "Accept-Encoding")
		header.Set(DecodedLengthHeader, strconv.FormatInt(size, 10))
	}
	if enc != "" {
		header.Set("Content-Encoding", enc)
		etag += "-" + enc
	}
	header.Set("ETag", `"`+etag+`"`)
	giveTimeToSend(w, sendLength(content, enc, size))
	if _, decoding := content.(*gunzipReader); decoding && strings.Contains(r.Header.Get("Range"), ",") {
		// Every range behind the last one read starts the decoder again
		// from the file's beginning (tens of milliseconds for app.wasm), so
		// a request for thousands of ranges would cost as much as
		// thousands of requests. The rare client that takes no encoding
		// gets one range, or else the whole file.
		r.Header.Del("Range")
	}
	http.ServeContent(w, r, name, time.Time{}, content)
}

// slowestLink is the slowest download serve gives a file time for: 16
// KiB/s, 128 kbit/s, a weak mobile signal. serve's write timeout (60 s,
// cli's newHTTPServer) is right for the API's answers, but alone it cut
// app.wasm (1.9 MB) off below about 260 kbit/s, and a browser without
// app.wasm cannot sign in at all. longestSend bounds what a client that
// reads slowly on purpose can hold a connection for.
const (
	slowestLink = 16 << 10 // bytes per second
	longestSend = 10 * time.Minute
)

// giveTimeToSend moves w's write deadline so that n bytes can go out at
// slowestLink, when that is longer than the server's own timeout gives.
func giveTimeToSend(w http.ResponseWriter, n int64) {
	if n < 30*slowestLink {
		return // the server's 60 s are enough
	}
	need := time.Minute + time.Duration(n/slowestLink)*time.Second
	// A writer that cannot move its deadline (a test's recorder) keeps
	// the server's.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(min(need, longestSend)))
}

// sendLength is the length of content as sent: the compressed copy's, or
// size when it is sent decoded.
func sendLength(content readSeekCloser, enc string, size int64) int64 {
	if enc == "" {
		return size
	}
	end, err := content.Seek(0, io.SeekEnd)
	if _, rewind := content.Seek(0, io.SeekStart); err != nil || rewind != nil {
		return size // ServeContent seeks again itself and answers the error
	}
	return end
}

// readSeekCloser is what serve hands http.ServeContent.
type readSeekCloser interface {
	io.ReadSeeker
	io.Closer
}

// content opens file in the best encoding acceptEncoding allows; enc is
// "" for the raw content.
func (a *assets) content(file *asset, acceptEncoding string) (content readSeekCloser, enc string, err error) {
	if file.onlyBrotli {
		switch {
		case accepts(acceptEncoding, "br"):
			content, err := a.open(file.name + ".br")
			return content, "br", err
		case accepts(acceptEncoding, "gzip"):
			data, err := a.gzipCopy(file)
			return nopCloser{bytes.NewReader(data)}, "gzip", err
		default:
			data, err := a.gzipCopy(file)
			return &gunzipReader{data: data, size: file.size}, "", err
		}
	}
	for _, e := range encodings {
		if accepts(acceptEncoding, e.name) && a.fresh(file, e.name) {
			content, err := a.open(file.name + e.suffix)
			return content, e.name, err
		}
	}
	content, err = a.open(file.name)
	return content, "", err
}

// open opens a file of fsys for http.ServeContent. embed.FS and
// fstest.MapFS files can seek; any other is read into memory.
func (a *assets) open(name string) (readSeekCloser, error) {
	f, err := a.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	if content, ok := f.(readSeekCloser); ok {
		return content, nil
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	return nopCloser{bytes.NewReader(data)}, err
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// gzipCopy returns a brotli-only file's content in gzip, made the first
// time it is asked for: about half a second of one core for app.wasm, and
// 2.5 MB of memory from then on.
func (a *assets) gzipCopy(file *asset) ([]byte, error) {
	file.gzipCopy.Do(func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := a.decodeBrotli(file, zw); err != nil {
			file.gzipCopyErr = err
			return
		}
		file.gzipCopyErr = zw.Close()
		file.gzipData = buf.Bytes()
	})
	return file.gzipData, file.gzipCopyErr
}

// hasEncodings reports whether a raw file has any fresh compressed
// sibling.
func (a *assets) hasEncodings(file *asset) bool {
	return !file.onlyBrotli && (a.fresh(file, "gzip") || a.fresh(file, "br"))
}

// fresh reports whether a raw file's sibling in encoding enc exists and
// holds its current content. For gzip the trailer's CRC-32 and length say
// so (RFC 1952 §2.3.1); brotli has no checksum, so its sibling is decoded
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
	data, err := fs.ReadFile(a.fsys, file.name+".gz")
	if err != nil || len(data) < 18 {
		return false
	}
	trailer := data[len(data)-8:]
	return binary.LittleEndian.Uint32(trailer[:4]) == file.crc &&
		binary.LittleEndian.Uint32(trailer[4:]) == uint32(file.size)
}

func (a *assets) brotliMatches(file *asset) bool {
	crc := crc32.NewIEEE()
	n, err := a.decodeBrotli(file, crc)
	return err == nil && n == file.size && crc.Sum32() == file.crc
}

// decodeBrotli writes the decoded content of file's brotli copy to w and
// returns its length.
func (a *assets) decodeBrotli(file *asset, w io.Writer) (int64, error) {
	f, err := a.fsys.Open(file.name + ".br")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(w, brotli.NewReader(f))
}

// gunzipReader is the content of a file stored only as a .br, for the
// client that takes no encoding: its gzip copy (gzipCopy), decoded as it
// is read, for http.ServeContent. Each such download holds its own
// decoder for as long as the client reads (up to longestSend): gzip's
// keeps a 32 KB window, where brotli's, decoding the .br itself, kept up
// to 16 MB, so a few hundred clients that asked and never read held
// gigabytes. Seeking only moves the offset, and a read from an offset
// the stream has passed starts the stream again (range requests, rare
// for the clients that end up here).
type gunzipReader struct {
	data   []byte // the gzip copy
	size   int64  // the decoded size
	offset int64  // where the next Read starts

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
		stream, err := gzip.NewReader(bytes.NewReader(g.data))
		if err != nil {
			return 0, err
		}
		g.stream, g.pos = stream, 0
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

// Close drops the decoder; ServeContent does not call it, serve does.
func (g *gunzipReader) Close() error {
	g.stream = nil
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
