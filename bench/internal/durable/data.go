package durable

import "encoding/binary"

// KeySize is the size of every key the workload writes.
const KeySize = 16

// mix is splitmix64's finalizer: a bijection of uint64 that spreads
// consecutive numbers over the whole range.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// id numbers the i-th write of writer w: distinct for every writer and
// write of a run (up to 2^40 writes a writer).
func id(w, i int) uint64 { return uint64(w)<<40 | uint64(i) }

// key writes the key of write id into k, KeySize bytes: a hash of the id,
// so that writes land all over a hash table or a tree, then the id.
func key(k []byte, id, seed uint64) {
	binary.BigEndian.PutUint64(k[:8], mix(id^seed))
	binary.BigEndian.PutUint64(k[8:16], id)
}

// value writes the value of write id into v: bytes that depend on the id
// and the position, so that a value read back under another key, or cut
// short, does not match.
func value(v []byte, id, seed uint64) {
	x := mix(id ^ seed ^ 0x5bd1e995)
	for i := range v {
		if i%8 == 0 {
			x = mix(x)
		}
		v[i] = byte(x >> (8 * (i % 8)))
	}
}
