package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/diskmap-go/diskmap"
)

var importCommand = &command{
	name: "import",
	args: "DIR",
	summary: "put every record of the export stream on stdin or in -i FILE, as export writes it; a map " +
		"that does not exist is created only when -key and -value name its codecs",
	example: "diskmap import -key string -value bytes -i blobs.export /var/lib/app/blobs",
	run:     runImport,
}

func runImport(c *call, args []string) error {
	var lf loadFlags
	var in string
	args, err := c.parse(args, func(fs *flag.FlagSet) {
		lf.define(fs)
		fs.StringVar(&in, "i", "", "read the stream from this file instead of stdin")
	}, 1)
	if err != nil {
		return err
	}
	o, err := lf.create()
	if err != nil {
		return err
	}
	r, closeInput, err := c.input(in)
	if err != nil {
		return err
	}
	defer closeInput()
	t, err := c.open(args[0], o)
	if errors.Is(err, errNoMap) {
		return fmt.Errorf("%w; import creates one only when -key and -value name its codecs", err)
	}
	if err != nil {
		return err
	}
	mr := &meterReader{r: r, m: c.meter, total: regularSize(r)}
	n, err := t.Import(mr)
	if err == nil {
		c.meter.own(diskmap.OpImport, mr.done, mr.done)
	}
	c.meter.finish()
	if err != nil {
		return t.close(fmt.Errorf("%w (imported before it: %s)", err, entries(n)))
	}
	if err := t.Close(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "%s: imported %s\n", t.dir, entries(n))
	return err
}

// input returns the file at path, or stdin if path is "", and what
// closes it.
func (c *call) input(path string) (io.Reader, func(), error) {
	if path == "" {
		return c.stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { _ = f.Close() }, nil // read only: closing loses nothing
}

// regularSize returns the size of r if it is a regular file, else 0: not
// known.
func regularSize(r io.Reader) int64 {
	f, ok := r.(*os.File)
	if !ok {
		return 0
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return 0
	}
	return info.Size()
}

// A meterReader counts the bytes read through it on a meter (a nil one
// draws nothing), of total, the size of the file it reads, or 0.
type meterReader struct {
	r           io.Reader
	m           *meter
	done, total int64
}

func (mr *meterReader) Read(b []byte) (int, error) {
	n, err := mr.r.Read(b)
	mr.done += int64(n)
	mr.m.own(diskmap.OpImport, mr.done, mr.total)
	return n, err
}
