package durable

import (
	"sync"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

func init() {
	register(Kind{
		Name:   "diskmap-walsync",
		Open:   openDiskmap,
		Module: "github.com/diskmap-go/diskmap",
		Settings: "A diskmap.Map with Durability: DurabilityWALSync: each Put appends its frame to the " +
			"write-ahead log and fsyncs the log before it returns. A Map is not safe for concurrent " +
			"mutation, so several writers take turns on one mutex, each holding it through its own " +
			"fsync: they cannot share fsyncs.",
	})
	register(Kind{
		Name:   "concurrent-walsync-1",
		Open:   func(dir string) (Writer, error) { return openConcurrent(dir, 1) },
		Module: "github.com/diskmap-go/diskmap",
		Settings: "Package concurrent with one shard (one diskmap.Map, one log) and Map.Durability: " +
			"DurabilityWALSync: a writer logs its frame under the shard's lock, releases it, then " +
			"waits for an fsync that covers its frame, so writers waiting at once share one fsync " +
			"(group commit).",
	})
	register(Kind{
		Name:   "concurrent-walsync",
		Open:   func(dir string) (Writer, error) { return openConcurrent(dir, 0) },
		Module: "github.com/diskmap-go/diskmap",
		Settings: "Package concurrent with its default shards (4 x GOMAXPROCS) and Map.Durability: " +
			"DurabilityWALSync: each shard has its own log; writers to one shard share its fsyncs, " +
			"writers to different shards fsync different files at once.",
	})
}

// diskmapWriter is a diskmap.Map in DurabilityWALSync behind one mutex,
// which guards every call of the map.
type diskmapWriter struct {
	mu sync.Mutex
	m  *diskmap.BytesMap
}

func openDiskmap(dir string) (Writer, error) {
	m, err := diskmap.Open[[]byte, []byte](dir, &diskmap.Options{Durability: diskmap.DurabilityWALSync})
	if err != nil {
		return nil, err
	}
	return &diskmapWriter{m: m}, nil
}

func (d *diskmapWriter) Put(k, v []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m.Put(k, v)
}

func (d *diskmapWriter) Get(k []byte) ([]byte, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m.Get(k)
}

func (d *diskmapWriter) Close() error { return d.m.Close() }

// concurrentWriter is a concurrent.Map in DurabilityWALSync: safe for
// concurrent use as it is.
type concurrentWriter struct {
	m *concurrent.Map[[]byte, []byte]
}

func openConcurrent(dir string, shards int) (Writer, error) {
	m, err := concurrent.Open[[]byte, []byte](dir, &concurrent.Options{
		Shards: shards,
		Map:    diskmap.Options{Durability: diskmap.DurabilityWALSync},
	})
	if err != nil {
		return nil, err
	}
	return concurrentWriter{m}, nil
}

func (c concurrentWriter) Put(k, v []byte) error              { return c.m.Put(k, v) }
func (c concurrentWriter) Get(k []byte) ([]byte, bool, error) { return c.m.Get(k) }
func (c concurrentWriter) Close() error                       { return c.m.Close() }
