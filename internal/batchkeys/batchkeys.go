// Package batchkeys lets package concurrent bound the keys that a batch of
// one of its shards may touch. A shard is a diskmap.Map, and a batch on it
// (diskmap.Map.Batch) is atomic only for that map: a key of another shard
// put in it would be stored in the wrong shard. So concurrent gives each
// shard's options a check, which every call of a diskmap.Batch runs on the
// encoded key before it records or reads anything.
//
// The check lives in an unexported field of diskmap.Options, set through
// Set, which package diskmap installs when it is initialised, as
// mmap.SetFiles sets the file system: an internal package is the one place
// both packages see and nothing outside the module can reach, so the check
// stays out of the public API.
package batchkeys

// Set makes every diskmap.Batch of the map opened with the diskmap.Options
// that opts points at call check with the encoded key of each of its calls,
// first: an error from check is the call's error, and the call records
// nothing. A nil check allows every key.
var Set func(opts any, check func(kb []byte) error)
