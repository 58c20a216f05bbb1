package main

import (
	"fmt"
	"strings"

	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// latencyPhases are the phases whose single operations are timed, in the
// order of their tables, with what their mean includes.
var latencyPhases = []struct{ metric, label string }{
	{mLoad, "load: Put (the mean includes the Sync at the end)"},
	{mGetFirst, "first pass of get-hit"},
	{mGetHit, "get-hit"},
	{mGetMiss, "get-miss"},
	{mContains, "contains"},
	{mParallel, "parallel: each of GOMAXPROCS goroutines' gets (the mean is wall time over all of them, not one get's)"},
	{mUpdate, "update: Put (the mean includes the Sync at the end)"},
	{mDelete, "delete (the mean includes the Sync at the end)"},
}

// latencyNote says where the quantiles come from.
var latencyNote = fmt.Sprintf("The time of single operations: every timed loop times about one operation in %d "+
	"(a fixed sample of positions, the same for every store, spread by a multiplicative hash so that it meets what recurs at a fixed stride, "+
	"such as a batching store's commit every 10,000 writes, as often as anything else), with a histogram accurate to 1.6%%. "+
	"p50, p99, p99.9 and the maximum are those of the sample: at n = 100,000 a phase's sample is about %s operations, so its p99.9 is about its second-slowest; "+
	"at n = 1,000,000 about %s. "+
	"mean is the phase's wall time over all its operations, as in the tables above. "+
	"Every figure is the median over the runs (for the maximum too: the median of the runs' maxima). "+
	"The Sync that ends load, update and delete is in their mean but is not one of the sampled operations.",
	workload.LatencyEvery, count(100_000/workload.LatencyEvery), count(1_000_000/workload.LatencyEvery))

// latencyTables is a table per phase of s: each store's mean, p50, p99,
// p99.9 and maximum time of one operation.
func (rep *report) latencyTables(s *sizeResult) string {
	var b strings.Builder
	for _, ph := range latencyPhases {
		var lines []string
		for _, r := range s.rows {
			if _, ok := r.get(ph.metric + mP50); !ok {
				continue
			}
			lines = append(lines, fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", r.store, cell(r, ph.metric, nsTime),
				cell(r, ph.metric+mP50, nsTime), cell(r, ph.metric+mP99, nsTime), cell(r, ph.metric+mP999, nsTime), cell(r, ph.metric+mMax, nsTime)))
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n#### %s, n = %s\n\n| store | mean | p50 | p99 | p99.9 | max |\n|---|--:|--:|--:|--:|--:|\n", ph.label, count(s.n))
		b.WriteString(strings.Join(lines, "\n") + "\n")
	}
	return b.String()
}

// nsTime writes a time in nanoseconds as dur does, below 1 µs as a number
// of ns with a decimal under 100.
func nsTime(ns float64) string {
	if ns < 1e3 {
		return nsop(ns) + " ns"
	}
	return dur(ns)
}
