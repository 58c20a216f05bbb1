package diskmap

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/diskmap-go/diskmap/internal/batchkeys"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// Options configures Open. The zero value, or a nil *Options, gives the
// defaults. Capacity, KeyBytes and ValueBytes matter only when Open creates
// the map, and when Map.Clear empties it.
type Options struct {
	// Capacity is how many keys the new map should hold before its table
	// first grows. Default 768 (a table of 1024 slots).
	Capacity int

	// KeyBytes and ValueBytes are the initial sizes of the keys and values
	// arena files. Arenas hold up to an eighth of their size allocated
	// ahead of their records (64 KiB to 1 GiB), growing as they fill, so
	// these only save early growth. Default 64 KiB each.
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

	// CompactAt is the share of dead bytes (records replaced or deleted)
	// in an arena past which the next write first compacts the map, as
	// Compact does: so an arena holds at most about 1/(1-CompactAt) times
	// its live bytes, twice at the default. It is also the share of the
	// table's slots that tombstones may take before the next write first
	// rebuilds the table at its size. It must be below 1; a negative value
	// turns both off. Default 0.5. See Map.Put for what a write that
	// compacts does.
	CompactAt float64

	// CompactMinBytes is the size, in bytes of records live and dead, that
	// an arena must reach before a write compacts it by itself: a small
	// map is not worth rewriting. Default 16 MiB.
	CompactMinBytes int64

	// Clock is the time by which keys put with a time to live (PutTTL)
	// expire. Readers call it from their goroutines: it must be safe for
	// concurrent use. It should not go back: a key expired and not yet
	// removed would be there again. Default time.Now.
	Clock func() time.Time

	// LockTimeout is how long Open waits for the directory's lock while
	// another Map holds it (bbolt's Options.Timeout): 0 fails at once with
	// a *LockedError, as does a wait that runs out.
	LockTimeout time.Duration

	// Logger, if set, gets a record of each event that changes the files
	// as a whole: a recovery (what it found, replayed and dropped, and how
	// long it took) and a compaction (bytes before and after, and time) at
	// Info level; the start and end of a table growth and each checkpoint
	// at Debug level. Nothing is logged for a single read or write.
	Logger *slog.Logger

	// FilePerm is the permission bits, less the process's umask, of every
	// file the map creates: the table, the arenas, the log, the lock file,
	// the spare table, and the files that a growth, a compaction, Clear or
	// a recovery writes beside them and renames into place. The map's
	// directory, where Open creates it (and any parent it creates), gets
	// the same bits with an execute bit beside each read bit and without
	// write for group and other: 0o600 gives 0o700, 0o640 and 0o660 give
	// 0o750, 0o644 gives 0o755. It must be within 0o777 and let the owner
	// read and write. Open never changes the permissions of a file or
	// directory that exists; chmod them to change those of a map.
	// Default: 0o644 for a new map; for one that exists, the permissions
	// of its buckets file (of its lock, keys or values file where a crash
	// cut its creation short before the buckets file), so that the files
	// that later replace its own keep theirs. Backup
	// gives each file of the copy the permissions of the one it copies. On
	// Windows only the owner's write bit has an effect, and FilePerm must
	// hold it.
	FilePerm os.FileMode

	// Progress, if set, is called as Compact, Check, Backup, Export,
	// Import and a recovery by Open go on, with what is done of how much
	// (see Progress and Op): at the start, at least every 1/128 of the
	// total (Backup after each file), and at the end. It runs in the
	// goroutine doing the work, which waits for it. Get, View and Put
	// never call it.
	Progress func(Progress)

	// files is what every operation of the map on its files outside the
	// mappings goes through: the operating system's unless a test sets one
	// that fails on purpose (see mmap.SetFiles). Default mmap.OS.
	files mmap.FS

	// batchKeys, if set, is called by every call of a Batch with its
	// encoded key before anything else, and its error is the call's: how
	// package concurrent keeps a batch on one shard's keys (see
	// batchkeys.Set). Default nil, every key allowed.
	batchKeys func(kb []byte) error
}

// init installs the ways to set files, and batchKeys, from outside this
// package; see mmap.SetFiles and batchkeys.Set.
func init() {
	mmap.SetFiles = func(opts any, fs mmap.FS) { opts.(*Options).files = fs }
	batchkeys.Set = func(opts any, check func(kb []byte) error) { opts.(*Options).batchKeys = check }
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
	defaultCompactAt  = 0.5
	defaultCompactMin = 16 << 20
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
	if r.files == nil {
		r.files = mmap.OS{}
	}
	if r.CompactAt == 0 {
		r.CompactAt = defaultCompactAt
	}
	if r.CompactMinBytes == 0 {
		r.CompactMinBytes = defaultCompactMin
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
		return r, fmt.Errorf("capacity %d (Options.Capacity) needs more than the %d slots a table may have %s: %w",
			r.Capacity, uint64(1)<<maxLog2, platform(), ErrTooLarge)
	case r.Durability < DurabilityOS || r.Durability > DurabilityWALSync:
		return r, fmt.Errorf("diskmap: unknown %v", r.Durability)
	case r.WALCheckpointBytes < 0:
		return r, fmt.Errorf("diskmap: Options.WALCheckpointBytes %d is negative", r.WALCheckpointBytes)
	case !(r.CompactAt < 1): // NaN too
		return r, fmt.Errorf("diskmap: Options.CompactAt %v not below 1 (negative turns automatic compaction off)", r.CompactAt)
	case r.CompactMinBytes < 0:
		return r, fmt.Errorf("diskmap: Options.CompactMinBytes %d is negative", r.CompactMinBytes)
	}
	if r.FilePerm != 0 {
		if err := mmap.CheckFilePerm(r.FilePerm); err != nil {
			return r, fmt.Errorf("diskmap: Options.FilePerm %w", err)
		}
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
