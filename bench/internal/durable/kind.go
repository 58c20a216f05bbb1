// Package durable runs the durable-write workload: every write is on
// stable storage when it returns (an fsync, or a share of one, before each
// Put returns), from one writer goroutine or from many at once, against
// diskmap's synced modes and the synced modes of the other stores. It
// measures the synced writes per second and the latency of each write,
// and the rate of plain synced appends to a file on the same disk, a
// yardstick for one sync at a time.
package durable

import (
	"fmt"
	"slices"
	"strings"
)

// Writer is a store opened so that each Put is durable when it returns.
// Put and Get are safe for concurrent use; Get is called only after the
// writers are done, to check what they wrote.
type Writer interface {
	Put(k, v []byte) error
	Get(k []byte) ([]byte, bool, error)
	Close() error
}

// Kind describes a store in its synced mode and opens it.
type Kind struct {
	Name string
	// Open opens or creates the store in dir, an existing directory.
	Open func(dir string) (Writer, error)
	// Module is the Go module path of the store, for its version.
	Module string
	// Settings says how the store is opened and written, and how several
	// writers share it.
	Settings string
}

// kinds lists every kind in table order: diskmap's, then the peers.
var kinds []Kind

// register adds a kind; each store's file registers its own in init.
func register(k Kind) {
	for _, o := range kinds {
		if o.Name == k.Name {
			panic("durable: duplicate kind " + k.Name)
		}
	}
	kinds = append(kinds, k)
}

// All returns every kind in table order.
func All() []Kind {
	out := slices.Clone(kinds)
	rank := func(name string) int {
		if i := slices.Index(order, name); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(out, func(a, b Kind) int { return rank(a.Name) - rank(b.Name) })
	return out
}

// order is the order of the tables and charts.
var order = []string{
	"diskmap-walsync", "concurrent-walsync-1", "concurrent-walsync",
	"bbolt", "bbolt-batch", "pogreb", "badger", "pebble",
}

// Names returns the names of every kind in table order.
func Names() []string {
	var ns []string
	for _, k := range All() {
		ns = append(ns, k.Name)
	}
	return ns
}

// Lookup returns the kind called name.
func Lookup(name string) (Kind, error) {
	for _, k := range kinds {
		if k.Name == name {
			return k, nil
		}
	}
	return Kind{}, fmt.Errorf("unknown store %q (have %s)", name, strings.Join(Names(), ", "))
}

// IsPeer reports whether a kind is another project's store, not diskmap.
func IsPeer(name string) bool {
	return !strings.HasPrefix(name, "diskmap") && !strings.HasPrefix(name, "concurrent")
}
