package main

import (
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
)

// control reads the clock in a loop for d and returns a histogram of the
// gaps between consecutive readings: times the machine took the thread
// away. Run after the load, for as long as the load took, it is the same
// run's baseline for the longest Puts: a stall it sees is the machine's
// (the scheduler, the hypervisor), with no map and no work of one beside
// it.
func control(d time.Duration) *hist.Hist {
	gaps := hist.New()
	start := time.Now()
	last := start
	for last.Sub(start) < d {
		now := time.Now()
		gaps.Add(now.Sub(last))
		last = now
	}
	return gaps
}
