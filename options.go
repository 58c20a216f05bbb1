package diskmap

import (
	"fmt"
	"math"
	"time"

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

	// Durability says what survives a crash; see Durability. It may differ
	// from one Open to the next. Default DurabilityOS.
	Durability Durability

	// WALCheckpointBytes is the size of write-ahead log past which the next
	// mutation first checkpoints the map. Default 64 MiB.
	WALCheckpointBytes int64

	// Clock is the time by which keys put with a time to live (PutTTL)
	// expire. Readers call it from their goroutines: it must be safe for
	// concurrent use. It should not go back: a key expired and not yet
	// removed would be there again. Default time.Now.
	Clock func() time.Time
}

// Durability says what survives a crash, and what it costs.
type Durability int

const (
	// DurabilityOS is the default: the operating system writes mapped pages
	// back when it pleases, and Sync forces them out. A crash of the process
	// loses nothing; a power loss may lose what changed since the last Sync.
	DurabilityOS Durability = iota

	// DurabilityWAL also appends every mutation to a write-ahead log, the
	// file wal beside the others. Sync makes everything before it survive a
	// power loss, and costs one fsync of the log.
	DurabilityWAL

	// DurabilityWALSync is DurabilityWAL with a synced log before every
	// mutation returns: a mutation is durable when it returns. Callers that
	// wait at the same time share fsyncs (group commit; see
	// Map.WaitSynced).
	DurabilityWALSync
)

// String returns the constant's name, as in DurabilityWAL.
func (d Durability) String() string {
	switch d {
	case DurabilityOS:
		return "DurabilityOS"
	case DurabilityWAL:
		return "DurabilityWAL"
	case DurabilityWALSync:
		return "DurabilityWALSync"
	}
	return fmt.Sprintf("Durability(%d)", int(d))
}

const (
	defaultCapacity   = 768
	defaultArenaBytes = 64 << 10
	defaultMaxLoad    = 0.75
	defaultCheckpoint = 64 << 20
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
	if r.WALCheckpointBytes == 0 {
		r.WALCheckpointBytes = defaultCheckpoint
	}
	if r.Clock == nil {
		r.Clock = time.Now
	}
	switch {
	case r.Capacity < 0:
		return r, fmt.Errorf("diskmap: Options.Capacity %d is negative", r.Capacity)
	case r.KeyBytes < 0 || r.KeyBytes > maxArena:
		return r, fmt.Errorf("diskmap: Options.KeyBytes %d not in [0, %d] %s", r.KeyBytes, maxArena, platform())
	case r.ValueBytes < 0 || r.ValueBytes > maxArena:
		return r, fmt.Errorf("diskmap: Options.ValueBytes %d not in [0, %d] %s", r.ValueBytes, maxArena, platform())
	case !(r.MaxLoad > 0 && r.MaxLoad <= maxMaxLoad):
		return r, fmt.Errorf("diskmap: Options.MaxLoad %v not in (0, %v]", r.MaxLoad, maxMaxLoad)
	case log2For(r.Capacity, r.MaxLoad) > maxLog2:
		return r, fmt.Errorf("diskmap: Options.Capacity %d needs more than the %d slots a table may have %s: %w",
			r.Capacity, uint64(1)<<maxLog2, platform(), ErrTooLarge)
	case r.Durability < DurabilityOS || r.Durability > DurabilityWALSync:
		return r, fmt.Errorf("diskmap: unknown %v", r.Durability)
	case r.WALCheckpointBytes < 0:
		return r, fmt.Errorf("diskmap: Options.WALCheckpointBytes %d is negative", r.WALCheckpointBytes)
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
