package main

import (
	"slices"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
)

// putHist is a latency histogram that also keeps the slowest few Puts
// exactly, with the index of the Put that took them.
type putHist struct {
	*hist.Hist
	slowest []slow // the keepSlow slowest, in no order
}

// slow is one Put's time and its index in the load.
type slow struct {
	i int
	d time.Duration
}

// keepSlow is how many of the slowest Puts a histogram names.
const keepSlow = 16

func newHist() *putHist { return &putHist{Hist: hist.New()} }

// add counts the Put of index i that took d.
func (h *putHist) add(i int, d time.Duration) {
	h.Add(d)
	if len(h.slowest) < keepSlow {
		h.slowest = append(h.slowest, slow{i, d})
		return
	}
	if m := slices.MinFunc(h.slowest, bySlow); d > m.d {
		h.slowest[slices.IndexFunc(h.slowest, func(s slow) bool { return s == m })] = slow{i, d}
	}
}

func bySlow(a, b slow) int { return int(a.d - b.d) }

// merge adds o's counts and slowest Puts to h.
func (h *putHist) merge(o *putHist) {
	h.Merge(o.Hist)
	h.slowest = append(h.slowest, o.slowest...)
	slices.SortFunc(h.slowest, func(a, b slow) int { return bySlow(b, a) })
	h.slowest = h.slowest[:min(len(h.slowest), keepSlow)]
}
