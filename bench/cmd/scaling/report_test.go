package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// fakeResult is a store whose gets run at base ops/s on one goroutine and
// 1.9 times that on two and four, each operation costing 5% more CPU than
// on one, and whose 90/10 mix, when it has one, at half of that.
func fakeResult(store string, base float64, mix bool) *workload.ScalingResult {
	res := &workload.ScalingResult{Store: store, N: 1000, CPUs: 2}
	for _, m := range []string{workload.MixGet, workload.MixWrite} {
		if m == workload.MixWrite && !mix {
			continue
		}
		f := 1.0
		if m == workload.MixWrite {
			f = 0.5
		}
		for _, p := range []int{1, 2, 4} {
			r, c := base*f, base*f
			if p > 1 {
				r, c = r*1.9, c/1.05
			}
			cpu := int64(1000 / c * 1e9)
			res.Points = append(res.Points, workload.ScalingPoint{Mix: m, Procs: p, Ops: 1000,
				Rates: []float64{r * 0.9, r, r * 1.1}, CPU: []int64{cpu / 2, cpu, 2 * cpu}})
		}
	}
	return res
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	rep := &report{
		cfg: config{n: 1000, procs: []int{1, 2, 4}, repeat: 3, out: filepath.Join(dir, "RESULTS-scaling.md"),
			results: filepath.Join(dir, "RESULTS.md"), charts: "charts"},
		outs: []outcome{
			{store: "concurrent-view", res: fakeResult("concurrent-view", 2e6, true)},
			{store: "bbolt", res: fakeResult("bbolt", 1e6, false)},
			{store: "pebble", err: "exit status 2"},
		},
	}
	if err := rep.write(); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(rep.cfg.out)
	if err != nil {
		t.Fatal(err)
	}
	section, err := os.ReadFile(rep.cfg.results)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, want string
	}{
		{string(full), "| concurrent-view | 2.00 | 3.80 | 3.80 | 1.90x | 1.90x | 2.00, 1.90, 0.95 |"},
		{string(full), "| concurrent-view | 1.00 | 1.90 | 1.90 | 1.90x | 1.90x | 1.00, 0.95, 0.47 |"},
		{string(full), "| bbolt | 1.00 | 1.90 | 1.90 | 1.90x | 1.90x | 1.00, 0.95, 0.47 |"},
		{string(full), "| pebble | failed: exit status 2 |"},
		{string(full), "**1.90x** in wall-clock throughput (target: at least 1.85x on 2 cores: met); in operations per CPU-second, 0.95x"},
		{string(full), "| concurrent-view | 2.00 | 1.90 | 1.90 | 0.95x | 0.95x |"},
		{string(full), "![gets](charts/scaling-get.svg)"},
		{string(section), "<!-- begin scaling -->\n## Scaling with goroutines (cmd/scaling)"},
		{string(section), "| store | 1 | 2 | 4 | 2 ÷ 1 |\n|---|--:|--:|--:|--:|\n| concurrent-view | 2.00 | 3.80 | 3.80 | 1.90x |\n| bbolt |"},
		{string(section), "not scaling"},
	} {
		if !strings.Contains(c.file, c.want) {
			t.Errorf("no %q in\n%s", c.want, c.file)
		}
	}
	// bbolt has no 90/10 row: its adapter takes no concurrent writes.
	mix := string(full)[strings.Index(string(full), "### 90/10"):strings.Index(string(full), "The same runs counted in CPU time")]
	if strings.Contains(mix, "| bbolt |") {
		t.Errorf("a 90/10 row for bbolt:\n%s", mix)
	}
	for _, f := range []string{"scaling-get.svg", "scaling-mix.svg"} {
		if _, err := os.Stat(filepath.Join(dir, "charts", f)); err != nil {
			t.Error(err)
		}
	}
}

func TestPowers(t *testing.T) {
	if got := powers(4); len(got) != 3 || got[2] != 4 {
		t.Errorf("powers(4) = %v", got)
	}
	if got := powers(6); len(got) != 3 || got[2] != 4 {
		t.Errorf("powers(6) = %v, want 1, 2, 4", got)
	}
}
