package stream

import "github.com/diskmap-go/diskmap/layout"

// Shard is what package diskmap gives of a diskmap.Map to package
// concurrent, which exports and imports its shards into one stream: the
// map's side of Export and Import, on encoded keys and values. Its methods
// follow the rules of the Map's: Export is a read, Import a write.
type Shard interface {
	// Names returns the codec names of the map, as its header holds them.
	Names() (key, value string)
	// CheckHeader returns an error matching diskmap.ErrCodecMismatch
	// unless the codec names of a stream's header h are the map's.
	CheckHeader(h layout.StreamHeader) error
	// Writable returns the error that an Import into the map would
	// return before reading anything: the map is closed or read-only.
	Writable() error
	// Export writes a record to w for each key of the map that has not
	// expired at now (Unix nanoseconds), in insertion order.
	Export(w *Writer, now int64) error
	// Import applies recs to the map with one batch, and returns how many
	// it applied: those that have not expired by the map's clock.
	Import(recs []Record) (int, error)
	// Decodes returns an error unless the map's codecs decode rec's key
	// and value.
	Decodes(rec Record) error
	// Now returns the time by the map's clock, in Unix nanoseconds.
	Now() int64
}

// ShardOf returns the Shard of a *diskmap.Map. Package diskmap sets it when
// it is initialised, as mmap.SetFiles: the methods stay out of the Map's
// public API.
var ShardOf func(m any) Shard
