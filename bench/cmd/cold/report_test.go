package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// fakeRead is a read of 1,000 gets that read 8 KiB and fault twice a get.
func fakeRead(store string, advise bool) *workload.ColdResult {
	lat := hist.Summary{N: 1000, Mean: 100e3, P50: 50e3, P99: 2e6, P999: 5e6, Max: 9e6}
	return &workload.ColdResult{Store: store, N: 10_000, Gets: 1000, AdviseRandom: advise,
		OpenNanos: 3e6, Open: workload.IO{ReadBytes: 64 << 10}, Nanos: 100e6, Read: workload.IO{ReadBytes: 8192 * 1000, MajFlt: 2000},
		FirstNanos: 100e6, First: workload.IO{ReadBytes: 8192 * 1000, MajFlt: 2000}, Latency: lat, FirstLat: lat,
		Files: workload.Disk{Blocks: 3 << 20, Apparent: 3 << 20}, Found: 1000}
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "RESULTS.md")
	if err := os.WriteFile(res, []byte("# results\n\nother figures\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := &report{
		cfg: config{n: 10_000, gets: 1000, out: filepath.Join(dir, "RESULTS-cold.md"), results: res, charts: "charts", readAhead: "128 KiB"},
		outs: []outcome{
			{store: "diskmap-view", reads: []*workload.ColdResult{fakeRead("diskmap-view", false), fakeRead("diskmap-view", true)}},
			{store: "pebble", err: "read: exit status 1: a | b"},
		},
	}
	if err := rep.write(); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(rep.cfg.out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| diskmap-view | 3.0 MiB | 3.00 ms | 64.0 KiB | 100.0 µs | 50.0 µs | 2.00 ms | 5.00 ms | 9.00 ms | 8.0 KiB | 2.00 | 2.00 |",
		"| diskmap-view, MADV_RANDOM | 3.0 MiB |",
		"| pebble | failed: read: exit status 1: a \\| b",
		"![cold get: pages read from the disk per get, first 1,000 gets](charts/cold-pages.svg)",
		"the disk's read-ahead (read_ahead_kb): 128 KiB",
	} {
		if !strings.Contains(string(full), want) {
			t.Errorf("no %q in\n%s", want, full)
		}
	}
	summary, err := os.ReadFile(res)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(summary), "# results\n\nother figures\n\n<!-- begin cold -->\n## Cold reads (cmd/cold)") ||
		!strings.Contains(string(summary), "| diskmap-view | 3.00 ms | 100.0 µs | 2.00 | 100.0 µs | 2.00 ms | 2.00 |") {
		t.Errorf("the cold section is not added after the rest:\n%s", summary)
	}
	for _, f := range []string{"cold-pages.svg", "cold-get.svg"} {
		if _, err := os.Stat(filepath.Join(dir, "charts", f)); err != nil {
			t.Error(err)
		}
	}
}
