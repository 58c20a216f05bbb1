package concurrent

import "errors"

// Errors of this package. The others a Map returns are diskmap's, to be
// matched with errors.Is: diskmap.ErrClosed, diskmap.ErrLocked,
// diskmap.ErrReadOnly, diskmap.ErrCodecMismatch, diskmap.ErrVersion,
// diskmap.ErrStale, and diskmap.ErrCorrupt, which a *diskmap.CorruptError
// naming the damaged file matches.
var (
	// ErrReentrant is returned by a call from a callback (the fn of Update
	// or View) that would wait for ever: for the lock the callback's own
	// caller holds (a write to the callback's shard; Compact, Sync or
	// PutMany of its map; Close), or in a cycle of callbacks, each waiting
	// for a shard that another one holds. See the package documentation.
	ErrReentrant = errors.New("concurrent: a call from a callback would wait for ever")
)
