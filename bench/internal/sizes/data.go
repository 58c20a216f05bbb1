package sizes

import "encoding/binary"

// KeySize is the size of every key.
const KeySize = 16

// MinValue is the smallest value size the workload runs: a value starts
// with the 8 bytes of its head, distinct for every key and generation.
const MinValue = 8

// mix is splitmix64's finalizer: a bijection of uint64 that spreads
// consecutive numbers over the whole range.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// key writes key i into k, KeySize bytes: a hash of i, so that keys land
// all over a hash table or a tree, then i.
func key(k []byte, i int, seed uint64) {
	binary.BigEndian.PutUint64(k[:8], mix(uint64(i)^seed))
	binary.BigEndian.PutUint64(k[8:16], uint64(i))
}

// head is the first 8 bytes of the value of key i in generation gen (0
// written by the load, 1 by the update), little-endian.
func head(i int, gen, seed uint64) uint64 { return mix((uint64(i)<<1 | gen) ^ seed<<32) }

// value writes the value of key i in generation gen into v: head, then
// pseudo-random bytes that go on from it, so that no two values share
// their bytes and no store's compression finds more than in real data.
func value(v []byte, i int, gen, seed uint64) {
	x := head(i, gen, seed)
	j := 0
	for ; j+8 <= len(v); j += 8 {
		binary.LittleEndian.PutUint64(v[j:], x)
		x = x*6364136223846793005 + 1442695040888963407
	}
	for ; j < len(v); j++ {
		v[j] = byte(x)
		x >>= 8
	}
}

// slots is where the records of the writes since the last Sync lie: the
// stores that batch writes into a transaction (bbolt, badger) keep the
// caller's key and value until the commit, so a record's bytes are not
// reused before the Sync that commits it.
type slots struct {
	keys, vals []byte
	size, next int
}

// newSlots makes room for the records of about limit bytes of values, at
// least one.
func newSlots(size int, limit int64) *slots {
	n := max(1, int(limit/int64(size)))
	return &slots{keys: make([]byte, n*KeySize), vals: make([]byte, n*size), size: size}
}

// full reports whether every slot is taken since the last reset.
func (s *slots) full() bool { return s.next*KeySize == len(s.keys) }

// take returns the next free slot's key and value bytes.
func (s *slots) take() (k, v []byte) {
	i := s.next
	s.next++
	return s.keys[i*KeySize : (i+1)*KeySize : (i+1)*KeySize], s.vals[i*s.size : (i+1)*s.size : (i+1)*s.size]
}

// reset frees every slot: call it after a Sync.
func (s *slots) reset() { s.next = 0 }
