package concurrent

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// Options configures Open. The zero value, or a nil *Options, gives the
// defaults.
type Options struct {
	// Shards is the number of shards, a power of two from 1 to MaxShards.
	// 0 picks 4 × GOMAXPROCS rounded up to a power of two, at most 256.
	// The count is fixed when Open creates the map and recorded in its
	// manifest; opening an existing map uses the recorded count and
	// ignores this field.
	Shards int

	// Map configures the shards. Capacity, KeyBytes and ValueBytes describe
	// the whole map: each shard gets its share of them (Capacity with room
	// for the spread of keys over shards). Every other field applies to
	// each shard as given: MaxLoad, ReadOnly, the durability settings, and
	// CompactAt and CompactMinBytes, so that each shard compacts by itself
	// once its own arenas pass them, under its own lock (see the package
	// documentation, Locks). FilePerm is the permission bits of every file
	// the map creates, its manifest and lock file as well as each shard's
	// files, and gives the map's directory and the shard directories the
	// matching execute bits (see diskmap.Options.FilePerm); left at 0, it
	// is 0o644 for a new map and, for one that exists, the permissions of
	// its manifest, which each shard is then given too.
	Map diskmap.Options

	// ShardKey, if set, returns the part of a key's encoded bytes that
	// picks its shard, its shard key, as a Redis Cluster hash tag does:
	// keys with the same shard key are in one shard, and BatchOn can write
	// them together, atomically. It must be a pure function of its
	// argument, returning a slice of it or bytes derived from it alone, and
	// the same function must be given at every Open of the map. Whether the map has one is recorded
	// in its manifest when Open creates it: opening a map created with one
	// without one, or the reverse, fails with ErrShardKey. A map cannot
	// check that the function is the same: another one sends keys to
	// other shards than they are in, which Check reports. It is given a
	// copy of the key's bytes, which costs an allocation each time a key's
	// shard is picked. Default nil: the whole encoded key picks the shard.
	ShardKey func(key []byte) []byte

	// files is what every operation of the map on its own files (manifest,
	// lock) goes through, and is handed to each shard: the operating
	// system's unless a test sets one that fails on purpose. A shard's
	// diskmap.Options keeps its FS in an unexported field, which this
	// package sets through mmap.SetFiles, a function of an internal package
	// that package diskmap installs: so the FS, an internal type, stays out
	// of the public API of both packages. Default mmap.OS.
	files mmap.FS
}

// MaxShards is the largest shard count a map can have.
const MaxShards = layout.MaxShards

// maxDefaultShards bounds the default shard count: each shard holds a few
// open files and mappings.
const maxDefaultShards = 256

// withDefaults returns a copy of o with the shard count filled in, or an
// error for a count that is not a power of two in range.
func (o *Options) withDefaults() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.files == nil {
		r.files = mmap.OS{}
	}
	if r.Shards == 0 {
		r.Shards = defaultShards(runtime.GOMAXPROCS(0))
	}
	if r.Shards < 1 || r.Shards > MaxShards || r.Shards&(r.Shards-1) != 0 {
		return r, fmt.Errorf("concurrent: Options.Shards %d: want a power of two from 1 to %d", r.Shards, MaxShards)
	}
	if r.Map.FilePerm != 0 {
		if err := mmap.CheckFilePerm(r.Map.FilePerm); err != nil {
			return r, fmt.Errorf("concurrent: Options.Map.FilePerm %w", err)
		}
	}
	return r, nil
}

// defaultShards returns 4 × procs rounded up to a power of two, at most
// maxDefaultShards: enough that goroutines on every processor seldom meet
// on one shard.
func defaultShards(procs int) int {
	n := 1 << bits.Len(uint(4*procs-1))
	return min(n, maxDefaultShards)
}

// shardOptions returns the options each of n shards is opened with: o, with
// Capacity, KeyBytes and ValueBytes divided among the shards. A shard's
// capacity is its share plus four standard deviations of the number of keys
// a random split gives it, so that no shard grows before the whole map
// holds Capacity keys.
func shardOptions(o diskmap.Options, n int) diskmap.Options {
	if n == 1 {
		return o
	}
	if o.Capacity > 0 {
		share := (o.Capacity + n - 1) / n
		o.Capacity = share + 4*int(math.Ceil(math.Sqrt(float64(share))))
	}
	if o.KeyBytes > 0 {
		o.KeyBytes = (o.KeyBytes + int64(n) - 1) / int64(n)
	}
	if o.ValueBytes > 0 {
		o.ValueBytes = (o.ValueBytes + int64(n) - 1) / int64(n)
	}
	return o
}
