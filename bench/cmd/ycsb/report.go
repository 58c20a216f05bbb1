package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/chart"
	"github.com/diskmap-go/diskmap/bench/internal/results"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/ycsb"
)

// report is what the runner writes: the full results, the charts and the
// summary section.
type report struct {
	cfg                   config
	results               []*ycsb.Result // medians, in run order
	took                  time.Duration
	loadBefore, loadAfter string
}

// The sections the report writes: the generated part of the full results
// file (the rest of that file is kept, for notes such as profiles), and
// the summary in RESULTS.md.
const (
	fullSection    = "ycsb-results"
	summarySection = "ycsb"
)

func (rep *report) write() error {
	dir := filepath.Dir(rep.cfg.out)
	if err := os.MkdirAll(filepath.Join(dir, rep.cfg.charts), 0o755); err != nil {
		return err
	}
	for _, c := range rep.charts() {
		if err := os.WriteFile(filepath.Join(dir, rep.cfg.charts, c.file), c.svg, 0o644); err != nil {
			return err
		}
	}
	if err := results.Write(rep.cfg.out, fullSection, rep.full()); err != nil {
		return err
	}
	if rep.cfg.summary == "" {
		return nil
	}
	return results.Write(rep.cfg.summary, summarySection, rep.summary())
}

// command is the command line that produced the results.
func (rep *report) command() string {
	return strings.TrimSpace("go run ./cmd/ycsb " + strings.Join(rep.cfg.args, " "))
}

// full is the generated section of the full results.
func (rep *report) full() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# YCSB core workloads\n\n")
	fmt.Fprintf(&b, "Produced by `%s` (from bench/) on %s, in %s. ", rep.command(), time.Now().UTC().Format("2006-01-02 15:04 UTC"), rep.took.Round(time.Second))
	fmt.Fprintf(&b, "%s, GOMAXPROCS %d, %s. ", machineCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(&b, "The machine is shared: load average %s before the run, %s after it (1, 5 and 15 minutes, running/all tasks, last pid); figures move by tens of percent from run to run.\n\n", rep.loadBefore, rep.loadAfter)
	fmt.Fprintf(&b, "%s records of %s bytes (YCSB's ten fields of %d bytes, one value per key; keys \"user\" and the FNV hash of the record number), loaded, then workloads %s in that order on the same data, %s operations each, %d run(s) of each store (the tables show the median run of each phase). ",
		count(rep.cfg.records), count(ycsb.ValueSize), ycsb.FieldLength, names(rep.cfg.workloads), count(rep.cfg.ops), rep.cfg.runs)
	b.WriteString("Workload E (range scans) does not apply: most of these stores are hash maps, with no order to scan.\n\n")
	b.WriteString("Throughput is operations over the wall time of all clients; the Sync that ends each phase is timed apart (sync column) and not in the throughput. Latencies are per operation, from the store call to its return, including the benchmark's locks; keys and values are made before the clock starts. Every read checks the record number and version of the value against a model of the latest version of each record; one read in 64 is compared byte for byte (checked column). No run had a wrong read: a wrong read stops the run.\n\n")
	rep.clientsNote(&b)
	rep.loadTable(&b)
	for i, w := range rep.cfg.workloads {
		rep.workloadTable(&b, i, w)
	}
	b.WriteString("## Targets\n\n")
	b.WriteString(rep.targets())
	rep.settings(&b)
	return b.String()
}

// clientsNote says which store ran with how many clients.
func (rep *report) clientsNote(b *strings.Builder) {
	byCount := map[int][]string{}
	var counts []int
	for _, r := range rep.results {
		if byCount[r.Clients] == nil {
			counts = append(counts, r.Clients)
		}
		byCount[r.Clients] = append(byCount[r.Clients], r.Store)
	}
	b.WriteString("Clients (goroutines, each one of YCSB's client threads): ")
	var parts []string
	for _, c := range counts {
		parts = append(parts, fmt.Sprintf("%d for %s", c, strings.Join(byCount[c], ", ")))
	}
	b.WriteString(strings.Join(parts, "; ") + ". ")
	b.WriteString("Package concurrent's kinds are made for many goroutines and run at GOMAXPROCS; the others run at one client, and again at GOMAXPROCS where it is more than one so that every store is also compared at the same count (bbolt, pogreb, badger and pebble all allow concurrent readers; a diskmap.Map allows concurrent readers but no write beside them, so diskmap-view and diskmap-get at more than one client hold a read-write lock). The load uses the same clients.\n\n")
}

func (rep *report) loadTable(b *strings.Builder) {
	b.WriteString("## Load\n\n| store | clients | inserts/s | p50 | p99 | p99.9 | max | sync | forced syncs |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rep.results {
		s := r.Load.Latency[ycsb.Insert.String()]
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s | %s | %s | %d |\n", r.Store, r.Clients, rate(r.Load.OpsPerSec),
			dur(s.P50), dur(s.P99), dur(s.P999), dur(s.Max), dur(r.Load.SyncNanos), r.Load.ForcedSyncs)
	}
	b.WriteString("\nForced syncs: badger refuses a transaction over 15% of its memtable (about 9.6 MiB, fewer than the adapter's 10,000 values of 1,000 bytes); the adapter can then commit only through Sync, which also fsyncs, and the write is retried. Those Syncs are in the throughput.\n\n![load](" + rep.cfg.charts + "/ycsb-load.svg)\n\n")
}

// workloadTable writes workload w's table: throughput, then p50, p99,
// p99.9 and max of each of its operations.
func (rep *report) workloadTable(b *strings.Builder, i int, w ycsb.Workload) {
	fmt.Fprintf(b, "## Workload %s: %s\n\n", w.Name, w.About)
	var ops []ycsb.Op
	for _, o := range ycsb.Ops {
		if w.Mix[o] > 0 {
			ops = append(ops, o)
		}
	}
	b.WriteString("| store | clients | ops/s |")
	align := "|---|--:|--:|"
	for _, o := range ops {
		fmt.Fprintf(b, " %s p50 | p99 | p99.9 | max |", o)
		align += "--:|--:|--:|--:|"
	}
	b.WriteString(" sync | reads from batch | checked |\n" + align + "--:|--:|--:|\n")
	for _, r := range rep.results {
		if i >= len(r.Workloads) {
			continue
		}
		p := r.Workloads[i]
		fmt.Fprintf(b, "| %s | %d | %s |", r.Store, r.Clients, rate(p.OpsPerSec))
		for _, o := range ops {
			s := p.Latency[o.String()]
			fmt.Fprintf(b, " %s | %s | %s | %s |", dur(s.P50), dur(s.P99), dur(s.P999), dur(s.Max))
		}
		fmt.Fprintf(b, " %s | %d | %d |\n", dur(p.SyncNanos), p.FromBatch, p.Checked)
	}
	fmt.Fprintf(b, "\n![workload %s](%s/ycsb-%s.svg)\n\n", w.Name, rep.cfg.charts, w.Name)
}

func (rep *report) settings(b *strings.Builder) {
	b.WriteString("## Settings\n\n| store | settings of the adapter | how the benchmark shares it between clients |\n|---|---|---|\n")
	seen := map[string]bool{}
	for _, r := range rep.results {
		if seen[r.Store] {
			continue
		}
		seen[r.Store] = true
		k, _ := stores.Lookup(r.Store) // every result is of a known store
		fmt.Fprintf(b, "| %s | %s | %s |\n", r.Store, k.Settings, ycsb.About(r.Store))
	}
	b.WriteString("\n")
}

// aChart is one chart file.
type aChart struct {
	file string
	svg  []byte
}

// charts draws the throughput of every store, at each client count, in
// the load and in each workload.
func (rep *report) charts() []aChart {
	bars := func(phase func(*ycsb.Result) (ycsb.Phase, bool)) []chart.Bar {
		var bs []chart.Bar
		for _, r := range rep.results {
			if p, ok := phase(r); ok {
				bs = append(bs, chart.Bar{Label: fmt.Sprintf("%s x%d", r.Store, r.Clients), Value: p.OpsPerSec,
					Text: rate(p.OpsPerSec), Color: chart.Color(r.Store)})
			}
		}
		return bs
	}
	sub := fmt.Sprintf("%s records of 1,000 bytes; ops/s, higher is better; xN: N clients", count(rep.cfg.records))
	out := []aChart{{"ycsb-load.svg", chart.Bars("YCSB load", sub, bars(func(r *ycsb.Result) (ycsb.Phase, bool) { return r.Load, true }), rate)}}
	for i, w := range rep.cfg.workloads {
		bs := bars(func(r *ycsb.Result) (ycsb.Phase, bool) {
			if i < len(r.Workloads) {
				return r.Workloads[i], true
			}
			return ycsb.Phase{}, false
		})
		out = append(out, aChart{"ycsb-" + w.Name + ".svg", chart.Bars("YCSB workload "+w.Name+": "+w.About, sub, bs, rate)})
	}
	return out
}

// names joins the workloads' names.
func names(ws []ycsb.Workload) string {
	var ns []string
	for _, w := range ws {
		ns = append(ns, w.Name)
	}
	return strings.Join(ns, ",")
}

// rate writes operations per second with thousands separators.
func rate(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// count writes n with thousands separators.
func count[T int64 | int](n T) string { return rate(float64(n)) }

// dur writes nanoseconds in µs below a millisecond, else in ms or s.
func dur(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d < 10*time.Microsecond:
		return fmt.Sprintf("%.2f µs", float64(ns)/1e3)
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(ns)/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(ns)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// machineCPU names the CPU from /proc/cpuinfo, or the architecture.
func machineCPU() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return fmt.Sprintf("%s, %d cores", strings.TrimSpace(v), runtime.NumCPU())
			}
		}
	}
	return fmt.Sprintf("%s, %d cores", runtime.GOARCH, runtime.NumCPU())
}
