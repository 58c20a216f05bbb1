package layout

import "github.com/cespare/xxhash/v2"

// Hasher computes the seeded XXH64 hash of keys. The zero value is not
// usable; make one with NewHasher. A Hasher is safe for concurrent use: Sum
// copies it before writing.
type Hasher struct{ d xxhash.Digest }

// NewHasher returns a Hasher for the given seed.
func NewHasher(seed uint64) Hasher {
	var h Hasher
	h.d.ResetWithSeed(seed)
	return h
}

// Sum returns the hash of key.
func (h *Hasher) Sum(key []byte) uint64 {
	d := h.d
	d.Write(key)
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
