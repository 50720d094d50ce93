// Command precompress writes the compressed copies of a built file that
// server/webui sends to browsers instead of the original:
//
//	go run ./server/webui/precompress [-brotli-quality N] [-o OUT] FILE
//
// writes OUT.gz (gzip -9) and OUT.br (brotli, quality 11 unless told
// otherwise); OUT defaults to FILE. The build compresses bin/app.wasm to
// web/app.wasm.gz and .br and embeds these two alone, not the raw file:
// see server/webui/assets.go.
//
// The two compress at the same time, on two goroutines. On the 8.8 MB
// app.wasm, gzip -9 takes about a second and brotli quality 6 (make build)
// a little less, for 1.94 MB; quality 11 (make release: the smallest
// download, 1.68 MB) takes about 25 s on its own core.
// Both are written through a temporary file and a rename, so a server
// embedding the directory never sees half a file.
package main

import (
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

func main() {
	quality := flag.Int("brotli-quality", brotli.BestCompression, "brotli quality, 0 to 11")
	out := flag.String("o", "", "the copies' name without .gz or .br (default FILE)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: precompress [-brotli-quality N] [-o OUT] FILE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *out, *quality); err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
}

func run(name, out string, brotliQuality int) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	if out == "" {
		out = name
	}
	type result struct {
		size int64
		err  error
	}
	gz, br := make(chan result, 1), make(chan result, 1)
	go func() {
		n, err := write(out+".gz", data, func(w io.Writer) (io.WriteCloser, error) {
			return gzip.NewWriterLevel(w, gzip.BestCompression)
		})
		gz <- result{n, err}
	}()
	go func() {
		n, err := write(out+".br", data, func(w io.Writer) (io.WriteCloser, error) {
			return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: brotliQuality, LGWin: 24}), nil
		})
		br <- result{n, err}
	}()
	g, b := <-gz, <-br
	if err := errors.Join(g.err, b.err); err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes; %s.gz (gzip -9) %d; %s.br (brotli -q %d) %d\n", name, len(data), out, g.size, out, brotliQuality, b.size)
	return nil
}

// write compresses data into the file name and returns its size.
func write(name string, data []byte, compressor func(io.Writer) (io.WriteCloser, error)) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".tmp*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	zw, err := compressor(tmp)
	if err == nil {
		_, err = zw.Write(data)
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w", name, err)
	}
	info, err := os.Stat(tmp.Name())
	if err != nil {
		return 0, err
	}
	return info.Size(), os.Rename(tmp.Name(), name)
}
