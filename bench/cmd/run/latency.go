package main

import (
	"math/rand/v2"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// chaseBytes is the size of the region memLatency chases through at n: about
// the size of diskmap's files at n, where a get-hit's reads land.
func chaseBytes(n int) int { return int(max(workload.RawBytes(n)*3/2, 1<<20)) }

// memLatency returns the nanoseconds of one read from memory that depends
// on the read before it: a chase through a random cycle over the cache
// lines of a region of size bytes, each line read once per lap. It is the
// cost of one cache miss that nothing overlaps, the floor under a lookup
// that must read one place to learn where to read next.
func memLatency(size int) float64 {
	const line = 8 // uint64s in a 64-byte cache line
	lines := size / 64
	next := make([]uint64, lines*line)
	// Sattolo's shuffle: one cycle through every line.
	perm := make([]uint32, lines)
	for i := range perm {
		perm[i] = uint32(i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := lines - 1; i > 0; i-- {
		j := r.IntN(i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	for i, p := range perm {
		next[i*line] = uint64(p) * line
	}
	steps := min(lines, 4_000_000)
	var at uint64
	for range steps / 4 { // warm the page tables
		at = next[at]
	}
	start := time.Now()
	for range steps {
		at = next[at]
	}
	ns := float64(time.Since(start).Nanoseconds()) / float64(steps)
	if at == 1 { // never: at is a multiple of line; keeps the chase
		ns++
	}
	return ns
}
