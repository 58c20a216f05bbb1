package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// hotResult is a run of the hot workload of store: ns a increment, disk
// bytes allocated and apparent, and a footprint.
func hotResult(store string, ns, disk, footprint int64) *workload.HotResult {
	return &workload.HotResult{Store: store, Keys: 100, Increments: 1000, Nanos: ns * 1000,
		Disk: workload.Disk{Blocks: disk, Apparent: disk}, Footprint: footprint}
}

// The targets are judged on each store's median run, each marked met or
// missed with its figures.
func TestHotTargets(t *testing.T) {
	results := []*workload.HotResult{
		hotResult("diskmap-view", 100, 140, 100), hotResult("diskmap-view", 900, 999, 100), hotResult("diskmap-view", 120, 150, 100),
		hotResult("bbolt", 400, 200, 0), hotResult("pogreb", 300, 100, 0), hotResult("badger", 2000, 500, 0),
	}
	got := hotTargets(results)
	for _, want := range []string{
		"**met**: disk after the run at most 1.5x the live key and value records plus the table (0.0 MiB allocated against 0.0 MiB: 1.50x)",
		"**missed**: at least 3x the increments per second of the fastest peer (8333333/s against pogreb 3333333/s: 2.50x)",
		"**met**: less disk than bbolt",
		"**missed**: less disk than pogreb",
		"**met**: less disk than badger",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the targets miss %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "pebble") {
		t.Errorf("the targets judge a store that did not run:\n%s", got)
	}
}

// Runs written with -hot-json read back the same, and -hot-before compares
// their medians with the runs of this code.
func TestHotBeforeAfter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "before.json")
	before := []*workload.HotResult{hotResult("diskmap-view", 200, 1000, 100), hotResult("diskmap-wal-view", 300, 1000, 100)}
	if err := writeHotJSON(path, before); err != nil {
		t.Fatal(err)
	}
	read, err := readHotJSON(path)
	if err != nil || len(read) != 2 || *read[0] != *before[0] || *read[1] != *before[1] {
		t.Fatalf("read back %v, %v; want %v", read, err, before)
	}
	got := hotBeforeAfter(read, []*workload.HotResult{hotResult("diskmap-view", 100, 500, 100)})
	if !strings.Contains(got, "| diskmap-view | 5000000 | 10000000 | 2.00x | 0 | 0 |") || strings.Contains(got, "diskmap-wal-view") {
		t.Errorf("before and after:\n%s", got)
	}
	if _, err := readHotJSON(filepath.Join(t.TempDir(), "none")); !os.IsNotExist(err) {
		t.Errorf("reading a file that is not there: %v", err)
	}
}

// With -hot-report the tables come from the runs of a -hot-json file, of
// the sizes those runs had.
func TestHotReport(t *testing.T) {
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs.json")
	if err := writeHotJSON(runs, []*workload.HotResult{hotResult("diskmap-view", 100, 140, 100), hotResult("bbolt", 400, 200, 0)}); err != nil {
		t.Fatal(err)
	}
	h := &hotOptions{keys: 5, increments: 6, syncEvery: 7, scale: 1, report: runs, out: filepath.Join(dir, "out.md")}
	if err := runHot(config{}, h); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(h.out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"100 counters of 8 bytes, 1000 increments", "| diskmap-view |", "| bbolt |", "## Targets"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the report misses %q:\n%s", want, b)
		}
	}
}
