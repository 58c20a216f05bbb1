// Package workload generates the benchmark's data and runs its phases
// against one store, timing each.
package workload

import (
	"encoding/binary"
	"math/rand/v2"
)

const (
	// KeyLen and ValueLen are the sizes of every key ("key%013d") and value.
	KeyLen   = 16
	ValueLen = 100
)

// Data is the whole workload, generated from a seed before anything is
// timed. Key i is the i-th key loaded; keys, values and the orders of every
// phase live in a few flat slices, so that the data weighs the same, little,
// in every store's process. Each phase that visits the keys in a random
// order also has them copied end to end in that order (hitKeys, updKeys,
// delKeys): it reads its keys sequentially, so that its own memory traffic
// adds no cache miss of its own to any store's time.
type Data struct {
	N    int
	Seed uint64

	keys   []byte  // N keys of KeyLen bytes: "key%013d" of even numbers, in a random order
	values []byte  // N values of ValueLen pseudo-random bytes
	misses []byte  // N keys never loaded: "key%013d" of odd numbers, in a random order
	order  []int32 // the indices of the keys in the order get-hit reads them
	upd    []int32 // the indices update overwrites, N/5 of them
	updVal []byte  // their new values
	del    []int32 // the indices delete removes, N/10 of them (some also updated)

	updOf []int32 // index -> position in upd, or -1
	isDel []bool  // index -> removed by delete

	hitKeys, updKeys, delKeys []byte // the keys of order, upd and del, in that order
}

// Generate builds the workload of n keys for seed. The same n and seed give
// the same data.
func Generate(n int, seed uint64) *Data {
	r := rand.New(rand.NewPCG(seed, 0x6469736b6d6170))
	d := &Data{N: n, Seed: seed}

	d.keys = make([]byte, n*KeyLen)
	for i, p := range perm(r, n) {
		formatKey(d.keys[i*KeyLen:(i+1)*KeyLen], 2*uint64(p))
	}
	d.misses = make([]byte, n*KeyLen)
	for i, p := range perm(r, n) {
		formatKey(d.misses[i*KeyLen:(i+1)*KeyLen], 2*uint64(p)+1)
	}
	d.values = make([]byte, n*ValueLen)
	fill(r, d.values)
	d.order = perm(r, n)

	d.upd = perm(r, n)[:n/5]
	d.updVal = make([]byte, len(d.upd)*ValueLen)
	fill(r, d.updVal)
	d.del = perm(r, n)[:n/10]
	d.updOf = make([]int32, n)
	for i := range d.updOf {
		d.updOf[i] = -1
	}
	for j, i := range d.upd {
		d.updOf[i] = int32(j)
	}
	d.isDel = make([]bool, n)
	for _, i := range d.del {
		d.isDel[i] = true
	}
	d.hitKeys, d.updKeys, d.delKeys = d.gather(d.order), d.gather(d.upd), d.gather(d.del)
	return d
}

// gather returns the keys of the indices idx, end to end in that order.
func (d *Data) gather(idx []int32) []byte {
	b := make([]byte, 0, len(idx)*KeyLen)
	for _, i := range idx {
		b = append(b, d.Key(int(i))...)
	}
	return b
}

// at returns the j-th key of keys, laid end to end.
func at(keys []byte, j int) []byte { return keys[j*KeyLen : (j+1)*KeyLen : (j+1)*KeyLen] }

// perm returns a random permutation of [0, n) as int32s.
func perm(r *rand.Rand, n int) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// fill fills b with pseudo-random bytes.
func fill(r *rand.Rand, b []byte) {
	var w [8]byte
	for len(b) > 0 {
		binary.LittleEndian.PutUint64(w[:], r.Uint64())
		b = b[copy(b, w[:]):]
	}
}

// formatKey writes "key%013d" of x into dst, KeyLen bytes.
func formatKey(dst []byte, x uint64) {
	copy(dst, "key")
	for i := KeyLen - 1; i >= 3; i-- {
		dst[i] = byte('0' + x%10)
		x /= 10
	}
}

// Key returns key i. Its capacity is its length: appending copies.
func (d *Data) Key(i int) []byte { return at(d.keys, i) }

// Value returns the value key i is loaded with.
func (d *Data) Value(i int) []byte {
	return d.values[i*ValueLen : (i+1)*ValueLen : (i+1)*ValueLen]
}

// Miss returns miss key j, a key that sorts between two loaded keys and is
// never loaded.
func (d *Data) Miss(j int) []byte { return at(d.misses, j) }

// Updated returns the value update writes to key i, if update writes it.
func (d *Data) Updated(i int) ([]byte, bool) {
	j := d.updOf[i]
	if j < 0 {
		return nil, false
	}
	return d.updVal[int(j)*ValueLen : int(j+1)*ValueLen : int(j+1)*ValueLen], true
}

// RawBytes is the size of n keys and values laid end to end.
func RawBytes(n int) int64 { return int64(n) * (KeyLen + ValueLen) }

// Live returns how many keys remain after delete.
func (d *Data) Live() int { return d.N - len(d.del) }
