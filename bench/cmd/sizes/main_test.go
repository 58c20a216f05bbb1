package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/sizes"
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

// The whole pipeline at a tiny scale: every default store at two sizes in
// processes of their own, every value read back, then the results file, a
// chart per phase and the summary section.
func TestPipelineRunsEveryStore(t *testing.T) {
	dir := t.TempDir()
	cfg := config{maxKeys: 200, syncBytes: 16 << 10, seed: 1, dir: filepath.Join(dir, "stores"),
		out: filepath.Join(dir, "RESULTS-sizes.md"), summary: filepath.Join(dir, "RESULTS.md"), charts: "charts",
		timeout: time.Minute}
	if err := cfg.parse("8,4KiB", "64KiB", strings.Join(defaultStores, ",")); err != nil {
		t.Fatal(err)
	}
	if cfg.n(8) != 200 || cfg.n(4096) != 16 {
		t.Fatalf("n = %d at 8 B and %d at 4 KiB, want 200 (capped) and 16", cfg.n(8), cfg.n(4096))
	}
	if err := run(cfg); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(cfg.out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(full), "failed") {
		t.Errorf("a store failed:\n%s", full)
	}
	for _, s := range defaultStores {
		// Three MB/s tables, three detail tables of two rows each, the settings.
		if got := strings.Count(string(full), "| "+s+" |"); got != 3*1+3*2+1 {
			t.Errorf("%s is in %d rows, want 10:\n%s", s, got, full)
		}
	}
	if !strings.Contains(string(full), "| 8 B | 200 | 1.6 KiB (n capped at -max-keys 200) |") {
		t.Errorf("the cap at 8 B is not said:\n%s", full)
	}
	for _, p := range sizes.Phases {
		if _, err := os.Stat(filepath.Join(dir, "charts", chartName(p))); err != nil {
			t.Error(err)
		}
	}
	summary, err := os.ReadFile(cfg.summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(summary), "<!-- begin sizes -->") || !strings.Contains(string(summary), "| get-hit: diskmap-get |") {
		t.Errorf("summary:\n%s", summary)
	}
}

// result is a run of store at size with one phase's time.
func result(store string, size int, phase string, nanos int64) *sizes.Result {
	return &sizes.Result{Store: store, Size: size, N: 1000, Phases: []sizes.Phase{{Name: phase, Nanos: nanos}}}
}

// The ratio table divides diskmap's MB/s by the best peer's at each size.
func TestRatioAgainstTheBestPeer(t *testing.T) {
	r := &runReport{cfg: config{sizes: []int{8, 1024}, stores: []string{"diskmap-view", "bbolt", "pebble"}},
		failures: map[string]string{}, results: []*sizes.Result{
			result("diskmap-view", 8, "load", 1e6), result("bbolt", 8, "load", 4e6), result("pebble", 8, "load", 2e6),
			result("diskmap-view", 1024, "load", 4e6), result("bbolt", 1024, "load", 2e6),
		}}
	got := r.ratioTable()
	if !strings.Contains(got, "| load: diskmap-view | 2.00x (pebble) | 0.50x (bbolt) |") {
		t.Errorf("ratios:\n%s", got)
	}
}

func TestParseRefusesBadFlags(t *testing.T) {
	for _, c := range []struct{ sizes, bytes, stores string }{
		{"4", "1MiB", "bbolt"}, {"8,x", "1MiB", "bbolt"}, {"8", "0", "bbolt"}, {"8", "1MiB", "nosuch"}, {"128MiB", "1GiB", "bbolt"},
	} {
		cfg := config{maxKeys: 10}
		if err := cfg.parse(c.sizes, c.bytes, c.stores); err == nil {
			t.Errorf("-sizes %q -bytes %q -stores %q accepted", c.sizes, c.bytes, c.stores)
		}
	}
}
