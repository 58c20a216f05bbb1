package format

import (
	"encoding/binary"
	"math/bits"
)

// Hasher computes XXH64 of keys with a seed, as layout.Hash does. It is a
// plain value, safe for concurrent use.
//
// The one-shot loop below gives the same results as xxhash.Digest seeded
// with ResetWithSeed (a test checks it), in a third of the time for short
// keys: the digest's streaming buffer is not needed when the whole key is
// at hand.
type Hasher struct{ seed uint64 }

// NewHasher returns a Hasher for the given seed.
func NewHasher(seed uint64) Hasher { return Hasher{seed: seed} }

// XXH64 primes.
const (
	prime1 uint64 = 11400714785074694791
	prime2 uint64 = 14029467366897019727
	prime3 uint64 = 1609587929392839161
	prime4 uint64 = 9650029242287828579
	prime5 uint64 = 2870177450012600261
)

// Sum returns XXH64(key, seed).
func (h Hasher) Sum(b []byte) uint64 {
	n := len(b)
	var acc uint64
	if n >= 32 {
		v1 := h.seed + prime1 + prime2
		v2 := h.seed + prime2
		v3 := h.seed
		v4 := h.seed - prime1
		for ; len(b) >= 32; b = b[32:] {
			v1 = round(v1, u64(b[0:]))
			v2 = round(v2, u64(b[8:]))
			v3 = round(v3, u64(b[16:]))
			v4 = round(v4, u64(b[24:]))
		}
		acc = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) + bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		acc = mergeRound(acc, v1)
		acc = mergeRound(acc, v2)
		acc = mergeRound(acc, v3)
		acc = mergeRound(acc, v4)
	} else {
		acc = h.seed + prime5
	}
	acc += uint64(n)
	for ; len(b) >= 8; b = b[8:] {
		acc ^= round(0, u64(b))
		acc = bits.RotateLeft64(acc, 27)*prime1 + prime4
	}
	if len(b) >= 4 {
		acc ^= uint64(binary.LittleEndian.Uint32(b)) * prime1
		acc = bits.RotateLeft64(acc, 23)*prime2 + prime3
		b = b[4:]
	}
	for _, c := range b {
		acc ^= uint64(c) * prime5
		acc = bits.RotateLeft64(acc, 11) * prime1
	}
	acc ^= acc >> 33
	acc *= prime2
	acc ^= acc >> 29
	acc *= prime3
	acc ^= acc >> 32
	return acc
}

func round(acc, input uint64) uint64 {
	acc += input * prime2
	acc = bits.RotateLeft64(acc, 31)
	return acc * prime1
}

func mergeRound(acc, v uint64) uint64 {
	acc ^= round(0, v)
	return acc*prime1 + prime4
}

func u64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
