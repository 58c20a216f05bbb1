package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

var benchCommand = &command{
	name: "bench",
	summary: "time a standard workload on a temporary map: put N new keys, then get each; " +
		"print ns/op of each (a quick look, not a benchmark to compare releases with)",
	example: "diskmap bench -n 1000000 -durability wal",
	run:     runBench,
	ownMap:  true,
}

// benchMap is what the workload calls: diskmap.Map and concurrent.Map of
// string keys and []byte values alike.
type benchMap interface {
	Put(k string, v []byte) error
	Get(k string) ([]byte, bool, error)
	Close() error
}

// benchFlags say which workload to run.
type benchFlags struct {
	n, valueBytes, shards int
	durability            string
}

func (bf *benchFlags) define(fs *flag.FlagSet) {
	fs.IntVar(&bf.n, "n", 100000, "keys to put and get")
	fs.IntVar(&bf.valueBytes, "value-bytes", 100, "bytes of each value")
	fs.IntVar(&bf.shards, "shards", 0, "run on a concurrent.Map of this many shards (default: a diskmap.Map)")
	fs.StringVar(&bf.durability, "durability", "os", "os, wal or walsync (see diskmap.Durability)")
}

var durabilities = map[string]diskmap.Durability{
	"os": diskmap.DurabilityOS, "wal": diskmap.DurabilityWAL, "walsync": diskmap.DurabilityWALSync,
}

func runBench(c *call, args []string) error {
	var bf benchFlags
	if _, err := c.parse(args, bf.define, 0); err != nil {
		return err
	}
	d, known := durabilities[bf.durability]
	switch {
	case !known:
		return fmt.Errorf("-durability %q: want os, wal or walsync", bf.durability)
	case bf.n <= 0 || bf.valueBytes < 0 || bf.shards < 0:
		return errors.New("-n must be positive, -value-bytes and -shards not negative")
	}
	tmp, err := os.MkdirTemp("", "diskmap-bench")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }() // a scratch map: nothing to keep
	m, err := bf.open(filepath.Join(tmp, "m"), d)
	if err != nil {
		return err
	}
	return errors.Join(bf.run(c.stdout, m, d), m.Close())
}

// open creates the map the workload runs on.
func (bf *benchFlags) open(dir string, d diskmap.Durability) (benchMap, error) {
	o := diskmap.Options{Durability: d}
	if bf.shards == 0 {
		return diskmap.Open[string, []byte](dir, &o)
	}
	return concurrent.Open[string, []byte](dir, &concurrent.Options{Shards: bf.shards, Map: o})
}

// run puts bf.n keys, then gets each, and prints the time of each kind
// of call.
func (bf *benchFlags) run(w io.Writer, m benchMap, d diskmap.Durability) error {
	p := &printer{w: w}
	kind := "diskmap.Map"
	if bf.shards > 0 {
		kind = fmt.Sprintf("concurrent.Map of %d shards", bf.shards)
	}
	p.printf("%s, %s: %d keys, values of %d bytes\n", kind, d, bf.n, bf.valueBytes)
	value := make([]byte, bf.valueBytes)
	start := time.Now()
	for i := range bf.n {
		if err := m.Put(benchKey(i), value); err != nil {
			return err
		}
	}
	p.printf("put  %8.0f ns/op\n", perOp(start, bf.n))
	start = time.Now()
	for i := range bf.n {
		if _, found, err := m.Get(benchKey(i)); err != nil || !found {
			return errors.Join(err, fmt.Errorf("key %s put but not found", benchKey(i)))
		}
	}
	p.printf("get  %8.0f ns/op\n", perOp(start, bf.n))
	return p.err
}

func benchKey(i int) string { return fmt.Sprintf("key%012d", i) }

func perOp(start time.Time, n int) float64 {
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}
