package diskmap

import (
	"fmt"
	"math"

	"github.com/diskmap-go/diskmap/layout"
)

// Options configures Open. The zero value, or a nil *Options, gives the
// defaults. Capacity, KeyBytes and ValueBytes matter only when Open creates
// the map.
type Options struct {
	// Capacity is how many keys the new map should hold before its table
	// first grows. Default 768 (a table of 1024 slots).
	Capacity int

	// KeyBytes and ValueBytes are the initial sizes of the keys and values
	// arena files. Arenas grow by doubling, so these only save early
	// growth. Default 64 KiB each.
	KeyBytes, ValueBytes int64

	// MaxLoad is the share of slots, live or deleted, past which the table
	// grows. Lower trades disk and memory for shorter probes. It must be in
	// (0, 0.95]. Default 0.75.
	MaxLoad float64

	// ReadOnly opens an existing map for reading only: its files are mapped
	// read-only, writes return ErrReadOnly, and several processes may hold
	// the same map read-only at once (but none while a writer has it).
	ReadOnly bool
}

const (
	defaultCapacity   = 768
	defaultArenaBytes = 64 << 10
	defaultMaxLoad    = 0.75
	maxMaxLoad        = 0.95
)

// withDefaults returns a copy of o with defaults filled in, or an error for
// values out of range.
func (o *Options) withDefaults() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Capacity == 0 {
		r.Capacity = defaultCapacity
	}
	if r.KeyBytes == 0 {
		r.KeyBytes = defaultArenaBytes
	}
	if r.ValueBytes == 0 {
		r.ValueBytes = defaultArenaBytes
	}
	if r.MaxLoad == 0 {
		r.MaxLoad = defaultMaxLoad
	}
	switch {
	case r.Capacity < 0:
		return r, fmt.Errorf("diskmap: Options.Capacity %d is negative", r.Capacity)
	case r.KeyBytes < 0 || r.KeyBytes > layout.MaxArenaSize:
		return r, fmt.Errorf("diskmap: Options.KeyBytes %d out of range", r.KeyBytes)
	case r.ValueBytes < 0 || r.ValueBytes > layout.MaxArenaSize:
		return r, fmt.Errorf("diskmap: Options.ValueBytes %d out of range", r.ValueBytes)
	case !(r.MaxLoad > 0 && r.MaxLoad <= maxMaxLoad):
		return r, fmt.Errorf("diskmap: Options.MaxLoad %v not in (0, %v]", r.MaxLoad, maxMaxLoad)
	}
	return r, nil
}

// log2For returns the log2 of the smallest table that holds n keys at load
// maxLoad.
func log2For(n int, maxLoad float64) uint8 {
	l := uint8(layout.MinLog2)
	for l < layout.MaxLog2 && float64(n) > maxLoad*math.Ldexp(1, int(l)) {
		l++
	}
	return l
}
