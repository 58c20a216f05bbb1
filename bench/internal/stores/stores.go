// Package stores puts every store the benchmark compares behind one small
// interface, with the settings that make the comparison fair: no fsync per
// operation, one Sync at the end of each write phase, writes batched 10,000
// to a transaction where the store has transactions, and Get returning bytes
// the caller may keep.
package stores

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
)

// BatchSize is how many writes a transactional store groups into one
// transaction or batch before committing it. The last, partial batch of a
// phase is committed by Sync.
const BatchSize = 10_000

// Store is one key-value store under test.
//
// Put and Delete may be buffered until Sync. Get must see every write made
// before the last Sync, and returns bytes the caller may keep. After Sync,
// Get (and View, Contains) may be called from any number of goroutines at
// once.
type Store interface {
	Put(k, v []byte) error
	Get(k []byte) ([]byte, bool, error)
	Delete(k []byte) error
	// Sync ends a write phase: it commits what is buffered and flushes
	// everything to stable storage, once.
	Sync() error
	Close() error
}

// Viewer is a Store that can hand a value to fn where it lies, without a
// copy. The bytes are valid only inside fn. It reports whether k was found
// and returns fn's error; fn is not called for a missing key.
type Viewer interface {
	View(k []byte, fn func(v []byte) error) (bool, error)
}

// Batcher is a Store that reads many keys in one call: it calls fn with the
// index in keys and the value of each key, in the order of keys (nil and
// false for a missing key). The value is valid only inside fn; it lies in
// place when the kind reads through View, else it is a copy.
type Batcher interface {
	ReadMany(keys [][]byte, fn func(i int, v []byte, found bool) error) error
}

// Incrementer is a Store that adds one to the counter stored under k, 8
// bytes little-endian, or stores 1 if k is absent: one read-modify-write,
// made the store's own way (diskmap's entry API, a read and a write in the
// open transaction or batch, or a Get and a Put). Increments may be
// buffered until Sync, as Puts are, but each sees the ones before it.
type Incrementer interface {
	Increment(k []byte) error
}

// Counter decodes a counter that Increment stores.
func Counter(v []byte) uint64 {
	if len(v) != 8 {
		return 0
	}
	return binary.LittleEndian.Uint64(v)
}

// counterAfter returns the counter that follows v, a counter or nil for
// none, in new bytes.
func counterAfter(v []byte) []byte {
	return binary.LittleEndian.AppendUint64(make([]byte, 0, 8), Counter(v)+1)
}

// Compacter is a Store that can rewrite itself without dead space.
type Compacter interface {
	Compact() error
}

// Footprinter is a Store that tells the least its files must hold for what
// it holds now: its live records and its index, as it lays them out.
type Footprinter interface {
	Footprint() (int64, error)
}

// Container is a Store with a membership test that reads no value.
type Container interface {
	Contains(k []byte) (bool, error)
}

// Kind describes a store and opens it.
type Kind struct {
	Name string
	// Open opens or creates the store in dir, an existing directory.
	Open func(dir string) (Store, error)
	// InMemory stores keep nothing on disk: no reopen, no disk size.
	InMemory bool
	// ReadsView: the timed reads go through View, not Get (the store must
	// be a Viewer).
	ReadsView bool
	// Module is the Go module path of the store, for its version.
	Module string
	// Settings lists every setting that differs from the store's defaults,
	// and why, for the README and the results.
	Settings string
}

var registry = map[string]Kind{}

// register adds a kind; each adapter file registers its own in init, so a
// new store or variant is one file.
func register(k Kind) {
	if _, dup := registry[k.Name]; dup {
		panic("stores: duplicate kind " + k.Name)
	}
	registry[k.Name] = k
}

// order is the order of the tables and charts: the in-memory limit, the
// diskmap variants, then the peers. Kinds not listed sort after, by name.
var order = []string{
	"builtin",
	"diskmap-view", "diskmap-get", "diskmap-wal-view", "diskmap-wal-get",
	"concurrent-view", "concurrent-get",
	"bbolt", "pogreb", "badger", "pebble",
}

func rank(name string) int {
	for i, n := range order {
		if n == name {
			return i
		}
	}
	return len(order)
}

// All returns every registered kind in table order.
func All() []Kind {
	ks := make([]Kind, 0, len(registry))
	for _, k := range registry {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		ri, rj := rank(ks[i].Name), rank(ks[j].Name)
		if ri != rj {
			return ri < rj
		}
		return ks[i].Name < ks[j].Name
	})
	return ks
}

// Names returns the names of every registered kind in table order.
func Names() []string {
	var ns []string
	for _, k := range All() {
		ns = append(ns, k.Name)
	}
	return ns
}

// Lookup returns the kind called name.
func Lookup(name string) (Kind, error) {
	k, ok := registry[name]
	if !ok {
		return Kind{}, fmt.Errorf("unknown store %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return k, nil
}

// IsPeer reports whether a kind is another project's store, not diskmap and
// not the built-in map: the "fastest peer" of the targets is among these.
func IsPeer(name string) bool {
	return name != "builtin" && !strings.HasPrefix(name, "diskmap") && !strings.HasPrefix(name, "concurrent")
}
