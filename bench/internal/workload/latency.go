package workload

import (
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
)

// LatencyEvery is how often the timed loops time a single operation: one
// operation in about LatencyEvery, a fixed, deterministic sample, the same
// for every store (see sampled). The quantiles and the maximum of a
// phase's Latency are those of the sample; its mean time per operation
// stays the wall time of the whole phase over its operations.
//
// Timing every operation would cost two clock reads per operation (about
// 26 ns each here, a time.Since of a fixed base: one read of the monotonic
// clock; time.Now reads the wall clock too and costs 58 ns), more than the
// whole of a get-miss of the faster stores (about 30 ns at n = 100,000);
// chaining the reads (the end of one operation the start of the next)
// would still cost 26 ns an operation. Sampling one in 64 brings it to
// about 1 ns an operation. The overhead check (cmd/run -check-latency,
// TestLatencyOverhead) measures what is left. The price: at n = 100,000 a
// phase's sample is about 1,550 operations, and its p99.9 is about its
// second-largest.
const LatencyEvery = 64

// sampled reports whether the operation at position j of a loop is timed:
// when the top six bits of j times 2^32 divided by the golden ratio are
// zero, one position in 64 spread evenly but not at a fixed stride, so that
// the sample does not miss (or hit every time) something that recurs at a
// fixed stride, such as a batching store's commit every 10,000 writes
// (positions 9,999, 19,999, ...: at a stride of 64 a sample would never meet
// one). The reads that also compare their value (multiples of 64, see
// sampleMask) are left out of the sample.
func sampled(j int) bool {
	return j&sampleMask != 0 && uint32(j)*0x9e3779b1>>(32-6) == 0
}

// opTimer times the sampled operations of one loop into h.
type opTimer struct {
	h    *hist.Hist // nil: times nothing
	base time.Time  // clock reads are time.Since(base): the monotonic clock alone
	t0   time.Duration
	on   bool
}

func newOpTimer(h *hist.Hist) opTimer { return opTimer{h: h, base: time.Now()} }

// begin starts the clock if the operation at position j is in the sample.
func (t *opTimer) begin(j int) {
	t.on = t.h != nil && sampled(j)
	if t.on {
		t.t0 = time.Since(t.base)
	}
}

// end counts the time since begin, if begin started the clock.
func (t *opTimer) end() {
	if t.on {
		t.h.Add(time.Since(t.base) - t.t0)
	}
}
