package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// Every run can also be written in the Go benchmark format, one line per
// phase named impl=STORE/op=PHASE/n=SIZE, so that benchstat can compare two
// result files or slice one by store, phase or size. A phase of many
// operations also has the quantiles of its sample of single operations
// (workload.LatencyEvery) as the units p50-ns/op, p99-ns/op, p99.9-ns/op
// and max-ns/op.

func writeBenchHeader(w io.Writer, m machine) error {
	_, err := fmt.Fprintf(w, "goos: %s\ngoarch: %s\npkg: github.com/diskmap-go/diskmap/bench\ncpu: %s\n", runtime.GOOS, runtime.GOARCH, m.cpu)
	return err
}

// writeBenchRun writes the lines of one run to w at once.
func writeBenchRun(w io.Writer, res *workload.Result) error {
	name := func(op string) string {
		return fmt.Sprintf("BenchmarkStore/impl=%s/op=%s/n=%s-%d", res.Store, op, sizeName(res.N), res.Procs)
	}
	var b strings.Builder
	for _, p := range res.Phases {
		fmt.Fprintf(&b, "%s\t%d\t%.2f ns/op\t%.3f allocs/op", name(p.Name), p.Ops, p.NsPerOp(), p.AllocsPerOp())
		if l := p.Latency; l != nil {
			fmt.Fprintf(&b, "\t%d p50-ns/op\t%d p99-ns/op\t%d p99.9-ns/op\t%d max-ns/op", l.P50, l.P99, l.P999, l.Max)
		}
		b.WriteString("\n")
	}
	if res.Disk != nil {
		fmt.Fprintf(&b, "%s\t1\t%d disk-B\t%d apparent-B\n", name("disk"), res.Disk.Blocks, res.Disk.Apparent)
	}
	if res.Compacted != nil {
		fmt.Fprintf(&b, "%s\t1\t%d disk-B\t%d apparent-B\n", name("disk-compacted"), res.Compacted.Blocks, res.Compacted.Apparent)
	}
	if res.RSSPeak > 0 {
		fmt.Fprintf(&b, "%s\t1\t%d peak-RSS-B\n", name("rss"), res.RSSPeak)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// sizeName is n as benchmark names write it: 100k, 1M, 10M.
func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
