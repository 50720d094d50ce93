// Command precompress writes the brotli copy of a built file that
// server/webui sends to browsers instead of the original:
//
//	go run ./server/webui/precompress [-brotli-quality N] [-o OUT] FILE
//
// writes OUT.br (brotli, quality 11 unless told otherwise); OUT defaults
// to FILE. The build compresses bin/app.wasm to web/app.wasm.br and
// embeds that copy alone: server/webui makes the gzip copy and the raw
// content from it for the few clients that need them (see
// server/webui/assets.go).
//
// On the 9.4 MB app.wasm, quality 6 (make build) takes about a second;
// quality 11 (make release: the smallest download) takes about 40 s. The
// copy is written through a temporary file and a rename, so a server
// embedding the directory never sees half a file.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

func main() {
	quality := flag.Int("brotli-quality", brotli.BestCompression, "brotli quality, 0 to 11")
	out := flag.String("o", "", "the copy's name without .br (default FILE)")
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

func run(name, out string, quality int) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	if out == "" {
		out = name
	}
	size, err := writeBrotli(out+".br", data, quality)
	if err != nil {
		return fmt.Errorf("writing %s.br: %w", out, err)
	}
	fmt.Printf("%s: %d bytes; %s.br (brotli -q %d) %d\n", name, len(data), out, quality, size)
	return nil
}

// writeBrotli compresses data into the file name and returns its size.
func writeBrotli(name string, data []byte, quality int) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".tmp*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	zw := brotli.NewWriterOptions(tmp, brotli.WriterOptions{Quality: quality, LGWin: 24})
	_, err = zw.Write(data)
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
		return 0, err
	}
	info, err := os.Stat(tmp.Name())
	if err != nil {
		return 0, err
	}
	return info.Size(), os.Rename(tmp.Name(), name)
}
