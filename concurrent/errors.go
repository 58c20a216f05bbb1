package concurrent

import "errors"

// Errors of this package; every other error a Map returns is one of
// package diskmap's (see the package documentation, Errors).
var (
	// ErrCrossShard is returned by a call of the diskmap.Batch of BatchOn
	// for a key of another shard than the batch's, and then by BatchOn,
	// which applies none of the batch.
	ErrCrossShard = errors.New("concurrent: batch crosses shards")

	// ErrShardKey is returned by Open for a map created with an
	// Options.ShardKey opened without one, or created without one opened
	// with one.
	ErrShardKey = errors.New("concurrent: map opened with other shard keys than it was created with")
)
