package layout

import "github.com/cespare/xxhash/v2"

// Hash returns a key's hash: XXH64 of the key's encoded bytes, seeded with
// the seed in the buckets header (or, for the shard hash, the manifest).
func Hash(seed uint64, key []byte) uint64 {
	var d xxhash.Digest
	d.ResetWithSeed(seed)
	_, _ = d.Write(key)
	return d.Sum64()
}

// Fingerprint returns the part of a hash stored in a slot: its top 32 bits.
func Fingerprint(hash uint64) uint32 { return uint32(hash >> 32) }

// Home returns the slot where a probe for a key with fingerprint fp starts in
// a table of 2^log2 slots: the top log2 bits of the fingerprint.
func Home(fp uint32, log2 uint8) uint64 { return uint64(fp) >> (32 - log2) }

// Checksum returns the checksum of a record payload: the low 32 bits of
// XXH64 with seed 0.
func Checksum(payload []byte) uint32 { return uint32(xxhash.Sum64(payload)) }
