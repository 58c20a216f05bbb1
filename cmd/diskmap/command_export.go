package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/diskmap-go/diskmap"
	"golang.org/x/term"
)

var exportCommand = &command{
	name: "export",
	args: "DIR",
	summary: "write a map's entries as an export stream (see package layout, Export stream) to stdout " +
		"or -o FILE: checksummed records that import reads back into any map of the same codecs",
	example: "diskmap export -o sessions.export /var/lib/app/sessions",
	run:     runExport,
}

func runExport(c *call, args []string) error {
	var out string
	args, err := c.parse(args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "o", "", "write the stream to this file, created (with the map's file permissions) "+
			"or truncated, instead of stdout")
	}, 1)
	if err != nil {
		return err
	}
	if out == "" && isTerminal(c.stdout) {
		return errors.New("stdout is a terminal: redirect it to a file, or give -o FILE")
	}
	t, err := c.open(args[0], openOptions{readOnly: true})
	if err != nil {
		return err
	}
	if out == "" {
		_, err := t.export(c, c.stdout)
		return t.close(err)
	}
	n, err := t.exportFile(c, out)
	if err := t.close(err); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "%s: exported to %s, %s\n", t.dir, out, size(n))
	return err
}

// exportFile writes the stream into the file at path, and removes it if
// the export fails. A file it creates gets the permissions of the map's
// files, less the umask, since it holds every key and value; one that
// exists keeps its own.
func (t *target) exportFile(c *call, path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, t.filePerm())
	if err != nil {
		return 0, err
	}
	n, err := t.export(c, f)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		_ = os.Remove(path) // a stream cut short is no export: leave none behind
		return n, err
	}
	return n, nil
}

// export writes the stream to w, counting its bytes on the meter while
// the library reports nothing of it.
func (t *target) export(c *call, w io.Writer) (int64, error) {
	n, err := t.Export(&meterWriter{w: w, m: c.meter})
	if err == nil {
		c.meter.own(diskmap.OpExport, n, n)
	}
	c.meter.finish()
	return n, err
}

// A meterWriter counts the bytes written through it on a meter (a nil
// one draws nothing).
type meterWriter struct {
	w    io.Writer
	m    *meter
	done int64
}

func (mw *meterWriter) Write(b []byte) (int, error) {
	n, err := mw.w.Write(b)
	mw.done += int64(n)
	mw.m.own(diskmap.OpExport, mw.done, 0)
	return n, err
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
