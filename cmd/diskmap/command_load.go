package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/diskmap-go/diskmap/codec"
)

var loadCommand = &command{
	name: "load",
	args: "DIR",
	summary: "put every entry of the JSON lines on stdin, as dump writes them; a map that does not " +
		"exist is created only when -key and -value name its codecs",
	example: "diskmap load -key string -value bytes /var/lib/app/blobs < blobs.jsonl",
	run:     runLoad,
}

// loadFlags are load's flags: the codecs, the shards and the file
// permissions of the map to create if there is none.
type loadFlags struct {
	key, value, valueType string
	shards                int
	perm                  permFlag
}

func (lf *loadFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&lf.key, "key", "", "the key codec of the map to create if DIR holds none: "+knownCodecs)
	fs.StringVar(&lf.value, "value", "", "the value codec of the map to create, as -key; msgpack makes a map "+
		"that opens with every codec.Msgpack")
	fs.StringVar(&lf.valueType, "value-type", "", "with -value msgpack, the full name of the Go type of the values, "+
		"such as example.com/app/model.User: the map then opens with codec.Msgpack of that type only")
	fs.IntVar(&lf.shards, "shards", 0, "make the map created a concurrent.Map of this many shards (a power of two)")
	fs.Var(&lf.perm, "perm", "the permission bits, in octal, of the files of the map created, less the umask "+
		"(0600 keeps it to its owner; its directories get an x beside each r); default 0644")
}

// create returns how to open the map, to create it if need be.
func (lf *loadFlags) create() (openOptions, error) {
	switch {
	case lf.key == "" && lf.value == "":
		if lf.valueType != "" || lf.shards != 0 || lf.perm != 0 {
			return openOptions{}, errors.New("-value-type, -shards and -perm need -key and -value")
		}
		return openOptions{}, nil
	case lf.key == "" || lf.value == "":
		return openOptions{}, errors.New("-key and -value go together: give both codecs of the map to create")
	case lf.shards < 0:
		return openOptions{}, fmt.Errorf("-shards %d is negative", lf.shards)
	}
	names := codecNames{lf.key, lf.value}
	if lf.valueType != "" {
		if lf.value != "msgpack" {
			return openOptions{}, fmt.Errorf("-value-type names the Go type of msgpack values, not of %s", lf.value)
		}
		c, err := codec.MsgpackNamed[any](lf.valueType)
		if err != nil {
			return openOptions{}, fmt.Errorf("-value-type: %w", err)
		}
		names.value = c.Name()
	}
	return openOptions{create: &names, shards: lf.shards, perm: os.FileMode(lf.perm)}, nil
}

func runLoad(c *call, args []string) error {
	var lf loadFlags
	args, err := c.parse(args, lf.define, 1)
	if err != nil {
		return err
	}
	o, err := lf.create()
	if err != nil {
		return err
	}
	t, err := c.open(args[0], o)
	if errors.Is(err, errNoMap) {
		return fmt.Errorf("%w; load creates one only when -key and -value name its codecs", err)
	}
	if err != nil {
		return err
	}
	if err := t.need(true, true); err != nil {
		return t.close(err)
	}
	p, in := c.inputProgress()
	lr := &lineReader{r: bufio.NewReaderSize(in, 1<<16), keys: t.keys, values: t.values}
	n, err := t.load(c, lr)
	p.done()
	if err != nil {
		return t.close(fmt.Errorf("%w (loaded before it: %s)", err, entries(n.loaded)))
	}
	if err := t.Close(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "%s: loaded %s%s\n", t.dir, entries(n.loaded), n.skippedNote())
	return err
}

// loadCount counts what load did.
type loadCount struct {
	loaded  int // entries put
	expired int // entries left out: they had expired
}

func (n loadCount) skippedNote() string {
	if n.expired == 0 {
		return ""
	}
	return fmt.Sprintf(" (left out, as they had expired: %s)", entries(n.expired))
}

func entries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}

// load puts every entry lr reads.
func (t *target) load(c *call, lr *lineReader) (loadCount, error) {
	var n loadCount
	for {
		e, err := lr.next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		switch ttl := t.ttl(e.expires); {
		case e.expires.IsZero():
			err = t.Put(e.key, e.value)
		case ttl <= 0:
			n.expired++
			continue
		default:
			err = t.PutTTL(e.key, e.value, ttl)
		}
		if err != nil {
			return n, fmt.Errorf("line %d: %w", lr.n, err)
		}
		n.loaded++
	}
}

// inputProgress returns the progress of reading stdin, and stdin read
// through it: a bar of bytes when stdin is a file of known size, and a
// spinner otherwise.
func (c *call) inputProgress() (*progress, io.Reader) {
	size := int64(-1)
	if f, ok := c.stdin.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			size = info.Size()
		}
	}
	p := newProgress(c.stderr, c.progress, size, "loading", true)
	if p == nil {
		return nil, c.stdin
	}
	return p, &countingReader{c.stdin, p}
}

// countingReader reads r and counts the bytes on a progress.
type countingReader struct {
	r io.Reader
	p *progress
}

func (cr *countingReader) Read(b []byte) (int, error) {
	n, err := cr.r.Read(b)
	cr.p.add(n)
	return n, err
}
