package workload

import (
	"testing"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
)

// BenchmarkOpTimer measures what the sampled timing adds to each operation
// of a loop, alone: begin and end around nothing, without a histogram
// (off) and with one (on). It is a few CPU cycles, two clock reads in
// LatencyEvery and a cache line; compare the two with benchstat over
// -count 10 (README.md gives the figure):
//
//	go test ./internal/workload -run '^$' -bench OpTimer -count 10
func BenchmarkOpTimer(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "timing=off"
		if on {
			name = "timing=on"
		}
		b.Run(name, func(b *testing.B) {
			var h *hist.Hist
			if on {
				h = hist.New()
			}
			tm := newOpTimer(h)
			for i := 0; b.Loop(); i++ {
				tm.begin(i)
				tm.end()
			}
		})
	}
}

// TestSampledPositions: about one position in LatencyEvery is sampled, so
// that the timing reads the clock twice in LatencyEvery operations.
func TestSampledPositions(t *testing.T) {
	const ops = 1_000_000
	if n := sampledCount(ops); n < ops/LatencyEvery*9/10 || n > ops/LatencyEvery*11/10 {
		t.Errorf("%d of %d positions sampled, want about %d", n, ops, ops/LatencyEvery)
	}
}

func sampledCount(n int) int {
	c := 0
	for j := range n {
		if sampled(j) {
			c++
		}
	}
	return c
}
