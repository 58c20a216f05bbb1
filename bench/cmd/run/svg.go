package main

import (
	"fmt"

	"github.com/diskmap-go/diskmap/bench/internal/chart"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// chartSpec is one SVG: a horizontal bar per store for one metric.
type chartSpec struct {
	file, title, unit string
	metric            string
	format            func(float64) string
	scale             float64 // value shown = metric / scale
	extra             string  // a second metric drawn as an extra bar for the rows that have it
	extraLabel        string
}

var chartSpecs = []chartSpec{
	{file: "load", title: "load: put every key, then Sync", unit: "ns per key", metric: mLoad, format: nsop, scale: 1},
	{file: "reopen", title: "reopen: Open and one Get after a clean Close", unit: "time", metric: mReopen, format: dur, scale: 1},
	{file: "get-hit", title: "get-hit: Get of a loaded key", unit: "ns per Get", metric: mGetHit, format: nsop, scale: 1,
		extra: mGetBatch, extraLabel: "in batches of 1,000"},
	{file: "get-miss", title: "get-miss: Get of a key never loaded", unit: "ns per Get", metric: mGetMiss, format: nsop, scale: 1},
	{file: "parallel", title: "parallel get: get-hit over GOMAXPROCS goroutines", unit: "ns per Get, wall time", metric: mParallel, format: nsop, scale: 1},
	{file: "update", title: "update: overwrite 20% of the keys, then Sync", unit: "ns per key", metric: mUpdate, format: nsop, scale: 1},
	{file: "delete", title: "delete: remove 10% of the keys, then Sync", unit: "ns per key", metric: mDelete, format: nsop, scale: 1},
	{file: "disk", title: "disk after delete and Close (allocated blocks)", unit: "MiB", metric: mDisk, format: func(v float64) string { return fmt.Sprintf("%.1f", v) }, scale: 1 << 20,
		extra: mCompacted, extraLabel: "after Compact"},
	{file: "rss", title: "peak RSS of the store's process", unit: "MiB", metric: mRSSPeak, format: func(v float64) string { return fmt.Sprintf("%.0f", v) }, scale: 1 << 20},
}

// render draws c for the rows of s; false when no row has the metric.
func (c chartSpec) render(s *sizeResult) ([]byte, bool) {
	var bars []chart.Bar
	measured := false
	for _, r := range s.rows {
		b := chart.Bar{Label: r.store, Color: chart.Color(r.store)}
		switch v, ok := r.get(c.metric); {
		case r.err != "":
			b.Text = "failed"
		case !ok && kindInMemory(r.store):
			b.Text = "in memory"
		case !ok:
			b.Text = "n/a"
		default:
			b.Value, b.Text, measured = v/c.scale, c.format(v/c.scale), true
		}
		bars = append(bars, b)
		if c.extra != "" {
			if v, ok := r.get(c.extra); ok {
				bars = append(bars, chart.Bar{Label: r.store + ", " + c.extraLabel, Value: v / c.scale, Text: c.format(v / c.scale), Color: chart.DiskmapLight})
			}
		}
	}
	if !measured {
		return nil, false
	}
	return chart.Bars(fmt.Sprintf("%s (n = %s)", c.title, count(s.n)), c.unit+", shorter is better", bars, c.format), true
}

func kindInMemory(store string) bool {
	k, err := stores.Lookup(store)
	return err == nil && k.InMemory
}
