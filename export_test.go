package diskmap

import (
	"errors"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// SetHashBits makes every hash of m keep only the bits in and, then set the
// bits in or, so that tests can force collisions: SetHashBits(m, 0, ^0)
// sends every key to the last slot and wraps its probes around the table.
// A map must be reopened with the same setting.
func SetHashBits[K, V any](m *Map[K, V], and, or uint64) {
	m.hashAnd, m.hashOr = and, or
}

// WaitBackground waits for the work m's background goroutine has queued,
// such as retiring a mapping that moved, prefaults cut short.
func WaitBackground[K, V any](m *Map[K, V]) { m.bg.drain() }

// SetFailpoint makes m call fn at each named point of its code, and fail
// with fn's error there: "batch-op" after each operation of a batch.
func SetFailpoint[K, V any](m *Map[K, V], fn func(name string) error) {
	m.failpoint = fn
}

// SetArenaLimit makes every map keep each arena within n bytes, as on a
// smaller platform, until the returned function restores the limit.
func SetArenaLimit(n int64) (restore func()) {
	old := maxArena
	maxArena = n
	return func() { maxArena = old }
}

// SetTableLimit makes every map keep its table within 2^log2 slots until
// the returned function restores the limit.
func SetTableLimit(log2 uint8) (restore func()) {
	old := maxLog2
	maxLog2 = log2
	return func() { maxLog2 = old }
}

// SweepPace returns how many slots of the table each write of m looks at
// for expired keys now.
func SweepPace[K, V any](m *Map[K, V]) int { return int(m.sweep.pace) }

// Limits returns the largest arena and the largest table (the log2 of its
// slots) on a system with pointers of the given bits.
func Limits(pointerBits int) (int64, uint8) { return limits(pointerBits) }

// WithFiles returns a copy of o (the defaults if o is nil) whose map makes
// its file operations through fs.
func WithFiles(o *Options, fs mmap.FS) *Options {
	var c Options
	if o != nil {
		c = *o
	}
	c.files = fs
	return &c
}

// SetUpdatesInPlace turns updates in place on or off for m: off, every
// update appends its record, as before there were twins, so that
// benchmarks can compare the two.
func SetUpdatesInPlace[K, V any](m *Map[K, V], on bool) {
	m.twins.off = !on
	if !on {
		m.twins.forget()
	}
}

// ArenasGrowAhead reports whether arenas are allocated ahead of their
// records on this system, a chunk at a time, with mappings that reserve
// room to grow into.
func ArenasGrowAhead() bool { return reservation(1) > 1 }

// AheadChunk is the most an arena grows by at one allocation ahead.
const AheadChunk = aheadChunk

// TakeAllocated waits for the allocations ahead of m's arenas under way
// and maps what they added, as the first write after them would.
func TakeAllocated[K, V any](m *Map[K, V]) error {
	return errors.Join(m.keys.takeAllocated(true), m.vals.takeAllocated(true))
}

// SetGrowStep makes m move slots old slots at each write while its table
// grows (0: the default) and, with installNow, install a grown table in
// the writer, at the write that moves its last slot, rather than in a
// goroutine beside the writes.
func SetGrowStep[K, V any](m *Map[K, V], slots int, installNow bool) {
	m.testGrowStep, m.testInstallNow = slots, installNow
}

// Growing reports whether m's table is growing: whether buckets.next is
// being filled, or waits to be installed.
func Growing[K, V any](m *Map[K, V]) bool { return m.growing != nil }

// TwinOffsets returns the offsets in the values file of m's twins, the
// dead records its updates may write over.
func TwinOffsets[K, V any](m *Map[K, V]) []int64 {
	var offs []int64
	for _, tw := range m.twins.of {
		offs = append(offs, int64(tw)*8)
	}
	return offs
}

// PreparedResident waits for m's background work, prefaults not cut
// short, and returns how many bytes of the table prepared for m's next
// growth are in memory, and its size. It fails if no table was prepared,
// or, with errors.ErrUnsupported or syscall.EINVAL, where the system
// cannot prefault or say what is in memory.
func PreparedResident[K, V any](m *Map[K, V]) (resident, size int, err error) {
	m.settlePrepare()
	m.bg.wg.Wait()
	if m.prep == nil || m.prep.got.err != nil {
		return 0, 0, errors.New("no table prepared")
	}
	reg := m.prep.got.t.reg
	if err := reg.Prefault(0, 1, false); err != nil {
		return 0, 0, err
	}
	resident, err = reg.Resident()
	return resident, len(reg.Bytes()), err
}
