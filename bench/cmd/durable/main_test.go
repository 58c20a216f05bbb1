package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/durable"
	"github.com/diskmap-go/diskmap/bench/internal/hist"
)

// TestMain lets the test binary be its own worker, as the command's binary
// is: the runner starts it again with -worker.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-worker" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The whole pipeline at a tiny scale: the floor, every store at two writer
// counts in processes of their own, every write read back, then the
// results file, a chart per writer count and the summary section.
func TestPipelineRunsEveryStore(t *testing.T) {
	dir := t.TempDir()
	cfg := config{duration: 50 * time.Millisecond, runs: 1, floor: 20 * time.Millisecond, value: 100, seed: 1,
		dir: filepath.Join(dir, "stores"), out: filepath.Join(dir, "RESULTS-durable.md"),
		summary: filepath.Join(dir, "RESULTS.md"), charts: "charts", timeout: time.Minute}
	if err := cfg.parse("", "1,2"); err != nil {
		t.Fatal(err)
	}
	if err := run(cfg); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(cfg.out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range durable.Names() {
		if strings.Count(string(full), "| "+s+" | ") != 3 { // two tables and the settings
			t.Errorf("%s is not in both tables and the settings:\n%s", s, full)
		}
	}
	if strings.Contains(string(full), "failed") {
		t.Errorf("a store failed:\n%s", full)
	}
	for _, w := range []int{1, 2} {
		if _, err := os.Stat(filepath.Join(dir, "charts", chartName(w))); err != nil {
			t.Error(err)
		}
	}
	summary, err := os.ReadFile(cfg.summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(summary), "<!-- begin durable -->") || !strings.Contains(string(summary), "with 2 writers, diskmap at least 2x") {
		t.Errorf("summary:\n%s", summary)
	}
}

// result is a run of store at writers writers that made writes writes in
// a second.
func result(store string, writers, writes int) *durable.Result {
	h := hist.New()
	h.Add(time.Millisecond)
	return &durable.Result{Store: store, Writers: writers, Writes: writes, Nanos: 1e9, Latency: h.Summary(), Checked: writes}
}

// The table keeps each store's median run, and the target compares the
// best of diskmap's concurrent rows with the best peer at the most writers.
func TestTargetJudgesTheMedians(t *testing.T) {
	r := &runReport{cfg: config{writers: []int{1, 16}, stores: []string{"concurrent-walsync", "concurrent-walsync-1", "pebble", "bbolt"}},
		failures: map[string]string{}}
	r.collect(map[string][]*durable.Result{
		"concurrent-walsync/16":   {result("concurrent-walsync", 16, 9000), result("concurrent-walsync", 16, 1), result("concurrent-walsync", 16, 10000)},
		"concurrent-walsync-1/16": {result("concurrent-walsync-1", 16, 8000)},
		"pebble/16":               {result("pebble", 16, 99999), result("pebble", 16, 4000), result("pebble", 16, 3000)},
		"bbolt/16":                {result("bbolt", 16, 500)},
		"pebble/1":                {result("pebble", 1, 900)},
	})
	got := r.target()
	want := "- **met**: with 16 writers, diskmap at least 2x the synced writes per second of the best peer " +
		"(concurrent-walsync 9,000/s against pebble 4,000/s: 2.25x; concurrent-walsync-1 8,000/s: 2.00x)\n"
	if got != want {
		t.Errorf("target:\n%s\nwant:\n%s", got, want)
	}
	if table := r.table(16); !strings.Contains(table, "| concurrent-walsync | 9,000 | 1.00–10,000 |") {
		t.Errorf("the table does not show the median and the spread:\n%s", table)
	}
	drop := func(store string) {
		r.results = slices.DeleteFunc(r.results, func(res *durable.Result) bool { return res.Store == store })
	}
	drop("concurrent-walsync") // gone: concurrent-walsync-1 is judged
	if got := r.target(); !strings.HasPrefix(got, "- **met**") || !strings.Contains(got, "(concurrent-walsync-1 8,000/s against pebble 4,000/s: 2.00x)") {
		t.Errorf("target:\n%s", got)
	}
	drop("concurrent-walsync-1")
	if got := r.target(); got != "" {
		t.Errorf("a target judged without diskmap: %q", got)
	}
}

func TestParseRefusesBadFlags(t *testing.T) {
	for _, c := range []struct{ stores, writers string }{{"nosuch", "1"}, {"", "0"}, {"", "x"}, {"", "1,,2"}} {
		cfg := config{duration: time.Second, runs: 1, value: 100}
		if err := cfg.parse(c.stores, c.writers); err == nil {
			t.Errorf("-stores %q -writers %q accepted", c.stores, c.writers)
		}
	}
}
