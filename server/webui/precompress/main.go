// Command precompress writes the compressed copies of a built file that
// server/webui sends to browsers instead of the original:
//
//	go run ./server/webui/precompress [-brotli-quality N] web/app.wasm
//
// writes web/app.wasm.br (brotli, quality 11 unless told otherwise) and
// web/app.wasm.gz (gzip -9). On a 13 MB app.wasm, quality 11 takes about
// 35 s for 2.4 MB; quality 9 takes 3 s for 2.7 MB, handy while developing. Browsers download about a fifth of the raw app.wasm this way. Both
// are written beside the input through a temporary file and a rename, so a
// server embedding the directory never sees half a file.
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

func main() {
	quality := flag.Int("brotli-quality", brotli.BestCompression, "brotli quality, 0 to 11")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: precompress [-brotli-quality N] FILE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *quality); err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
}

func run(name string, brotliQuality int) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	gz, err := write(name+".gz", data, func(w io.Writer) (io.WriteCloser, error) {
		return gzip.NewWriterLevel(w, gzip.BestCompression)
	})
	if err != nil {
		return err
	}
	br, err := write(name+".br", data, func(w io.Writer) (io.WriteCloser, error) {
		return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: brotliQuality, LGWin: 24}), nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes, gzip %d, brotli %d\n", name, len(data), gz, br)
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
