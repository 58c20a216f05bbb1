package main

import (
	"fmt"

	benchreport "github.com/diskmap-go/diskmap/bench/internal/report"
)

// How the tables write their numbers: as the other workloads' reports do,
// and a few of cmd/run's own.
var (
	dur   = benchreport.Dur
	ratio = benchreport.Ratio
	count = benchreport.Count
)

// nsop writes nanoseconds per operation, one decimal below 100.
func nsop(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func allocs(v float64) string { return fmt.Sprintf("%.2f", v) }

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

func gib(b int64) string {
	if b <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
}
