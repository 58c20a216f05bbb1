package main

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// fakeResult is a result with every phase, each store a little slower than
// the one before it in the table.
func fakeResult(store string, n int, slow float64) *workload.Result {
	res := &workload.Result{Store: store, N: n, Procs: 2, Live: n - n/10, RSSBase: 100 << 20, RSSPeak: 200 << 20}
	phases := []string{"load", "close", "reopen", "get-first", "get-hit", "get-miss", "contains", "parallel", "update", "delete", "compact"}
	if !stores.IsPeer(store) && store != "builtin" {
		phases = append(phases, "get-batch")
	}
	for _, name := range phases {
		ops := n
		if name == "close" || name == "reopen" || name == "compact" {
			ops = 1
		}
		p := workload.Phase{Name: name, Ops: ops, Nanos: int64(float64(ops) * 100 * slow), Found: ops}
		if ops > 1 {
			// A sample whose median is the mean and whose tail is 10, 20
			// and 100 times it.
			mean := int64(100 * slow)
			p.Latency = &hist.Summary{N: uint64(ops / 64), Mean: mean, P50: mean, P99: 10 * mean, P999: 20 * mean, Max: 100 * mean}
		}
		if name == "load" || name == "update" || name == "delete" {
			// A quarter of the phase in its Sync, 4 KiB written per key.
			p.SyncNanos, p.Written = p.Nanos/4, int64(ops)*4096
		}
		res.Phases = append(res.Phases, p)
	}
	res.Disk = &workload.Disk{Blocks: int64(200 * float64(n) * slow), Apparent: int64(210 * float64(n) * slow)}
	res.Compacted = &workload.Disk{Blocks: int64(120 * n), Apparent: int64(120 * n)}
	return res
}

func TestReport(t *testing.T) {
	const n = 1_000_000
	names := stores.Names()
	results := map[string][]*workload.Result{}
	for i, s := range names {
		for run := range 3 {
			results[s] = append(results[s], fakeResult(s, n, float64(i+1)+float64(run)/10))
		}
	}
	failures := map[string]string{"pebble": "exit status 1: something | broke"}
	dir := t.TempDir()
	rep := &report{
		cfg:   config{runs: 3, stores: names, seed: 1, out: filepath.Join(dir, "RESULTS.md"), charts: "charts", headline: n},
		sizes: []*sizeResult{summarize(n, names, results, failures)},
	}
	// The median of 1.0, 1.1 and 1.2 times 100 ns.
	if v, _ := rep.sizes[0].row("builtin").get(mGetHit); v < 109.9 || v > 110.1 {
		t.Errorf("builtin get-hit median %v, want 110", v)
	}
	tables := rep.markdownTables()
	for _, s := range names {
		if !strings.Contains(tables, "| "+s+" |") {
			t.Errorf("no row for %s in\n%s", s, tables)
		}
	}
	if !strings.Contains(tables, "failed: exit status 1: something \\| broke") {
		t.Errorf("failed row not shown or not escaped:\n%s", tables)
	}
	if r := rep.ratioTable(); !strings.Contains(r, "| get-hit, ViewMany in batches of 1,000, ns a key (others: get-hit) | 110 | 210 | 1.91x | bbolt (710) | 3.38x |") {
		t.Errorf("no batched line comparing diskmap's batches with the others' get-hit in\n%s", r)
	}
	var met, measured int
	for _, tg := range rep.targets() {
		if tg.status != "not measured" {
			measured++
		}
		if tg.status == "met" {
			met++
		}
	}
	if measured < 10 || met == 0 {
		t.Errorf("%d targets measured, %d met:\n%s", measured, met, tables)
	}
	hot := hotHeading + "\nfigures of the hot workload\n"
	marked := "<!-- begin ycsb -->\n## YCSB\nfigures\n<!-- end ycsb -->\n"
	if err := os.WriteFile(rep.cfg.out, []byte("# an older file\n"+hot+"\n"+marked), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rep.write(); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(rep.cfg.out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(md), "\n"+hot+"\n"+marked) || strings.Contains(string(md), "an older file") {
		t.Errorf("the hot workload's and the marked sections were not kept at the end:\n%s", md)
	}
	// The built-in map's runs are 1.0, 1.1 and 1.2 times 100 ns: medians
	// 110 ns at p50, 1.1 µs at p99, 2.2 µs at p99.9, 11 µs at most.
	for _, want := range []string{
		"## Latency of single operations",
		"## Write phases: operations and Sync",
		"| builtin | 82.5 | 27.5 | 4096 | 82.5 | 27.5 | 4096 | 82.5 | 27.5 | 4096 |",
		"#### get-hit, n = 1,000,000\n\n| store | mean | p50 | p99 | p99.9 | max |",
		"| builtin | 110 ns | 110 ns | 1.1 µs | 2.2 µs | 11.0 µs |",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("no %q in the results:\n%s", want, md)
		}
	}
	if strings.Contains(string(md), "#### reopen") {
		t.Error("a latency table for reopen, a single operation")
	}
	svgs, _ := filepath.Glob(filepath.Join(dir, "charts", "*.svg"))
	if len(svgs) != len(chartSpecs) {
		t.Errorf("%d charts, want %d", len(svgs), len(chartSpecs))
	}
	for _, f := range svgs {
		if !strings.Contains(string(md), "charts/"+filepath.Base(f)) {
			t.Errorf("%s not shown in the results", f)
		}
		b, _ := os.ReadFile(f)
		d := xml.NewDecoder(strings.NewReader(string(b)))
		for {
			_, err := d.Token()
			if err != nil {
				if err != io.EOF {
					t.Errorf("%s: %v", f, err)
				}
				break
			}
		}
	}
}

// TestBenchFormat checks that a phase with a sample of single operations
// has its quantiles as extra units, and one without has none.
func TestBenchFormat(t *testing.T) {
	res := fakeResult("diskmap-view", 1000, 1)
	var b strings.Builder
	if err := writeBenchRun(&b, res); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"BenchmarkStore/impl=diskmap-view/op=get-hit/n=1k-2\t1000\t100.00 ns/op\t0.000 allocs/op\t100 p50-ns/op\t1000 p99-ns/op\t2000 p99.9-ns/op\t10000 max-ns/op\n",
		"BenchmarkStore/impl=diskmap-view/op=reopen/n=1k-2\t1\t100.00 ns/op\t0.000 allocs/op\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
