package concurrent

import "errors"

// Errors of this package. The others a Map returns are diskmap's, to be
// matched with errors.Is: diskmap.ErrClosed, diskmap.ErrLocked,
// diskmap.ErrReadOnly, diskmap.ErrCodecMismatch, diskmap.ErrVersion,
// diskmap.ErrStale, and diskmap.ErrCorrupt, which a *diskmap.CorruptError
// naming the damaged file matches.
//
// Messages follow diskmap's rule (see diskmap.ErrClosed): the error that
// began one names its package once, "concurrent: " for the errors made
// here, "diskmap: " for those of the shards' maps and the sentinels this
// package shares with them; each wrap puts the operation and the file in
// front, with no prefix of its own, and an error from the system gets the
// prefix where it enters:
//
//	locking /data/m: diskmap: map is in use by another writer
//	Compact of /data/m from a callback on shard 3: concurrent: a call from a callback would wait for ever
var (
	// ErrReentrant is returned by a call from a callback (the fn of Update
	// or View) that would wait for ever: for the lock the callback's own
	// caller holds (a write to the callback's shard; Compact, Sync or
	// PutMany of its map; Close), or in a cycle of callbacks, each waiting
	// for a shard that another one holds. See the package documentation.
	ErrReentrant = errors.New("concurrent: a call from a callback would wait for ever")
)
