package workload

import (
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
)

// TestOpTimerCost measures what the sampled timing adds to each operation
// of a loop, alone: begin and end around nothing, with a histogram and
// without, the fastest of five loops each. It is a few CPU cycles, two
// clock reads in 64 and a cache line, so unlike a whole phase it is
// barely moved by other processes. It must be about two clock reads over
// LatencyEvery: it fails if every operation were timed. The figure is in
// README.md.
func TestOpTimerCost(t *testing.T) {
	const ops = 2_000_000
	per := func(h *hist.Hist) float64 {
		best := 0.0
		for range 5 {
			tm := newOpTimer(h)
			start := time.Now()
			for i := range ops {
				tm.begin(i)
				tm.end()
			}
			ns := float64(time.Since(start).Nanoseconds()) / ops
			if best == 0 || ns < best {
				best = ns
			}
		}
		return best
	}
	off, on := per(nil), per(hist.New())
	clock := clockRead()
	bound := 4*float64(clock.Nanoseconds())/LatencyEvery + 1
	t.Logf("a loop's operation: %.2f ns without the timing, %.2f ns with it: %.2f ns added; one clock read %v, bound %.2f ns", off, on, on-off, clock, bound)
	if on-off > bound {
		t.Errorf("the sampled timing adds %.2f ns an operation, over %.2f", on-off, bound)
	}
	if n := sampledCount(ops); n < ops/LatencyEvery*9/10 || n > ops/LatencyEvery*11/10 {
		t.Errorf("%d of %d positions sampled, want about %d", n, ops, ops/LatencyEvery)
	}
}

// clockRead is the time of one time.Since of a fixed base, the fastest of
// five loops.
func clockRead() time.Duration {
	base := time.Now()
	var best, sum time.Duration
	const reads = 200_000
	for range 5 {
		start := time.Now()
		for range reads {
			sum += time.Since(base)
		}
		if d := time.Since(start) / reads; best == 0 || d < best {
			best = d
		}
	}
	if sum < 0 { // never: keeps the reads
		return 0
	}
	return best
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
