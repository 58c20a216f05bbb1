package main

import (
	"math/bits"
	"slices"
	"time"
)

// subBits is the precision of a histogram: each power of two of
// nanoseconds is split into 2^subBits buckets, so a quantile is read to
// within 1/2^subBits (1.6%) of its value.
const subBits = 6

// hist counts durations in log-linear buckets of nanoseconds, and keeps
// the slowest few exactly, with the index of the Put that took them.
type hist struct {
	counts  []uint64
	n       uint64
	sum     time.Duration
	max     time.Duration
	slowest []slow // the keepSlow slowest, in no order
}

// slow is one Put's time and its index in the load.
type slow struct {
	i int
	d time.Duration
}

// keepSlow is how many of the slowest Puts a histogram names.
const keepSlow = 16

func newHist() *hist { return &hist{counts: make([]uint64, 64<<subBits)} }

// bucket returns the bucket of v nanoseconds.
func bucket(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	e := bits.Len64(v) - subBits - 1 // v >> e is in [2^subBits, 2^(subBits+1))
	return (e+1)<<subBits + int(v>>e) - 1<<subBits
}

// upper returns the largest value of bucket b.
func upper(b int) uint64 {
	if b < 1<<subBits {
		return uint64(b)
	}
	e := b>>subBits - 1
	m := uint64(b&(1<<subBits-1) + 1<<subBits)
	return (m+1)<<e - 1
}

// add counts the Put of index i that took d.
func (h *hist) add(i int, d time.Duration) {
	h.counts[bucket(uint64(max(d, 0)))]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
	if len(h.slowest) < keepSlow {
		h.slowest = append(h.slowest, slow{i, d})
		return
	}
	if m := slices.MinFunc(h.slowest, bySlow); d > m.d {
		h.slowest[slices.IndexFunc(h.slowest, func(s slow) bool { return s == m })] = slow{i, d}
	}
}

func bySlow(a, b slow) int { return int(a.d - b.d) }

// merge adds o's counts to h.
func (h *hist) merge(o *hist) {
	for b, c := range o.counts {
		h.counts[b] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
	h.slowest = append(h.slowest, o.slowest...)
	slices.SortFunc(h.slowest, func(a, b slow) int { return bySlow(b, a) })
	h.slowest = h.slowest[:min(len(h.slowest), keepSlow)]
}

// quantile returns the time q of the Puts took at most, to the bucket's
// precision; the maximum for q = 1.
func (h *hist) quantile(q float64) time.Duration {
	if q >= 1 || h.n == 0 {
		return h.max
	}
	rank := uint64(q * float64(h.n))
	var seen uint64
	for b, c := range h.counts {
		if seen += c; seen > rank {
			return min(time.Duration(upper(b)), h.max)
		}
	}
	return h.max
}

// over returns how many Puts took longer than d, to the bucket's precision.
func (h *hist) over(d time.Duration) uint64 {
	var n uint64
	for b, c := range h.counts {
		if time.Duration(upper(b)) > d {
			n += c
		}
	}
	return n
}
