package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/bench/internal/ycsb"
)

// TestMain lets the test binary be the runner's child: proc.Spawn starts
// this binary again, and with YCSB_TEST_WORKER set it runs main, as the
// command's own binary would.
func TestMain(m *testing.M) {
	if os.Getenv("YCSB_TEST_WORKER") == "1" {
		os.Args = append(os.Args[:1], argsAfterTestFlags(os.Args[1:])...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// argsAfterTestFlags drops the -test.* flags a test binary may get.
func argsAfterTestFlags(args []string) []string {
	var out []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-test.") {
			out = append(out, a)
		}
	}
	return out
}

// The whole pipeline at a tiny scale: every store, each in a child
// process, loads and runs every workload with reads checked against the
// model, and the results, charts and summary are written.
func TestPipeline(t *testing.T) {
	t.Setenv("YCSB_TEST_WORKER", "1")
	dir := t.TempDir()
	cfg := config{records: 2000, ops: 3000, workloads: ycsb.Workloads, runs: 1, seed: 1, dir: dir,
		out: filepath.Join(dir, "RESULTS-ycsb.md"), summary: filepath.Join(dir, "RESULTS.md"), charts: "charts",
		timeout: defaultTimeout, args: []string{"-records", "2000"}}
	if err := cfg.parse(strings.Join(defaultStores, ","), "1,2"); err != nil {
		t.Fatal(err)
	}
	if err := run(cfg); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(cfg.out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range defaultStores {
		for _, c := range []string{"1", "2"} {
			if !strings.Contains(string(full), "| "+s+" | "+c+" | ") {
				t.Errorf("the results have no row of %s with %s clients", s, c)
			}
		}
	}
	summary, err := os.ReadFile(cfg.summary)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!-- begin ycsb -->", "| A (3x) | 1 | ", "| D (2x) | 2 | "} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("the summary misses %q:\n%s", want, summary)
		}
	}
	for _, f := range []string{"ycsb-load.svg", "ycsb-A.svg", "ycsb-B.svg", "ycsb-C.svg", "ycsb-F.svg", "ycsb-D.svg"} {
		if _, err := os.Stat(filepath.Join(dir, "charts", f)); err != nil {
			t.Errorf("chart %s: %v", f, err)
		}
	}
}

// A diskmap kind is judged against the best peer at its own client count,
// met at the workload's multiple and missed below it.
func TestTargets(t *testing.T) {
	phase := func(ops float64) []ycsb.Phase {
		return []ycsb.Phase{{Name: "A", OpsPerSec: ops}, {Name: "D", OpsPerSec: ops}}
	}
	rep := &report{cfg: config{workloads: []ycsb.Workload{ycsb.Workloads[0], ycsb.Workloads[4]}}, results: []*ycsb.Result{
		{Store: "diskmap-view", Clients: 1, Workloads: phase(250)},
		{Store: "bbolt", Clients: 1, Workloads: phase(100)},
		{Store: "pebble", Clients: 1, Workloads: phase(50)},
		{Store: "concurrent-get", Clients: 2, Workloads: phase(400)},
		{Store: "pebble", Clients: 2, Workloads: phase(100)},
	}}
	got := rep.targets()
	for _, want := range []string{
		"| A (3x) | 1 | bbolt 100/s | 2.50x missed | — | — | — |",
		"| D (2x) | 1 | bbolt 100/s | 2.50x met | — | — | — |",
		"| A (3x) | 2 | pebble 100/s | — | — | — | 4.00x met |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the targets miss %q:\n%s", want, got)
		}
	}
	if !strings.Contains(rep.summary(), "Where a missed target's time goes") {
		t.Error("the summary of a missed target does not say where its profile is")
	}
}

// The flags are checked before anything runs.
func TestBadFlags(t *testing.T) {
	for _, c := range []struct{ stores, clients string }{{"nosuch", ""}, {"", "0"}, {"", "x"}} {
		cfg := config{records: 10, ops: 10, runs: 1}
		if err := cfg.parse(c.stores, c.clients); err == nil {
			t.Errorf("-stores %q -clients %q accepted", c.stores, c.clients)
		}
	}
}
