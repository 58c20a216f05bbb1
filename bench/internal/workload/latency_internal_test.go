package workload

import (
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
)

// TestOpTimerCost measures what the sampled timing adds to each operation
// of a loop, alone: begin and end around nothing, with a histogram and
// without, the fastest of nine loops each. It is a few CPU cycles, two
// clock reads in 64 and a cache line, so unlike a whole phase it is
// less moved by other processes. The figure is in README.md.
func TestOpTimerCost(t *testing.T) {
	const ops = 1_000_000
	loop := func(h *hist.Hist) float64 {
		tm := newOpTimer(h)
		start := time.Now()
		for i := range ops {
			tm.begin(i)
			tm.end()
		}
		return float64(time.Since(start).Nanoseconds()) / ops
	}
	// The loops take turns, nine rounds; the fastest of each kind counts,
	// so that a round another process slowed does not.
	h := hist.New()
	var off, on float64
	var clock time.Duration
	for range 9 {
		if v := loop(nil); off == 0 || v < off {
			off = v
		}
		if v := loop(h); on == 0 || v < on {
			on = v
		}
		if c := clockRead(); clock == 0 || c < clock {
			clock = c
		}
	}
	// Timing every operation would add two clock reads; the sample adds
	// about two in LatencyEvery. The bound, half a clock read, leaves room
	// for a busy machine and still fails if one operation in four or more
	// were timed.
	bound := float64(clock.Nanoseconds()) / 2
	t.Logf("a loop's operation: %.2f ns without the timing, %.2f ns with it: %.2f ns added; one clock read %v, bound %.2f ns", off, on, on-off, clock, bound)
	if on-off > bound {
		t.Errorf("the sampled timing adds %.2f ns an operation, over %.2f", on-off, bound)
	}
	if n := sampledCount(ops); n < ops/LatencyEvery*9/10 || n > ops/LatencyEvery*11/10 {
		t.Errorf("%d of %d positions sampled, want about %d", n, ops, ops/LatencyEvery)
	}
}

// clockRead is the time of one time.Since of a fixed base, the fastest of
// three loops.
func clockRead() time.Duration {
	base := time.Now()
	var best, sum time.Duration
	const reads = 100_000
	for range 3 {
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
