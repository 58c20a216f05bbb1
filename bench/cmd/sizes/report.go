package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/chart"
	"github.com/diskmap-go/diskmap/bench/internal/report"
	"github.com/diskmap-go/diskmap/bench/internal/results"
	"github.com/diskmap-go/diskmap/bench/internal/sizes"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// runReport is one run of the runner: what it measured, and what failed.
type runReport struct {
	cfg               config
	started, finished time.Time
	command           string
	results           []*sizes.Result
	failures          map[string]string // failKey(store, size) to the error
}

// find returns the result of a store at a size, or nil.
func (r *runReport) find(store string, size int) *sizes.Result {
	for _, res := range r.results {
		if res.Store == store && res.Size == size {
			return res
		}
	}
	return nil
}

// mb returns a store's MB/s in a phase at a size, 0 if it did not run.
func (r *runReport) mb(store, phase string, size int) float64 {
	res := r.find(store, size)
	if res == nil {
		return 0
	}
	if p := res.Phase(phase); p != nil {
		return p.MBPerSec(res.N, res.Size)
	}
	return 0
}

// bestPeer returns the peer with the most MB/s in a phase at a size, and
// its MB/s; "" if none ran.
func (r *runReport) bestPeer(phase string, size int) (string, float64) {
	best, bv := "", 0.0
	for _, s := range r.cfg.stores {
		if v := r.mb(s, phase, size); stores.IsPeer(s) && v > bv {
			best, bv = s, v
		}
	}
	return best, bv
}

// sizeHeader is the header of a table with a column a size.
func (r *runReport) sizeHeader(first string) string {
	var b strings.Builder
	b.WriteString("| " + first + " |")
	for _, s := range r.cfg.sizes {
		b.WriteString(" " + report.Bytes(int64(s)) + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("--:|", len(r.cfg.sizes)) + "\n")
	return b.String()
}

// mbTable is the MB/s of every store at every size in one phase.
func (r *runReport) mbTable(phase string) string {
	var b strings.Builder
	b.WriteString(r.sizeHeader("store"))
	for _, s := range r.cfg.stores {
		b.WriteString("| " + s + " |")
		for _, size := range r.cfg.sizes {
			if _, failed := r.failures[failKey(s, size)]; failed {
				b.WriteString(" failed |")
			} else {
				b.WriteString(" " + report.Rate(r.mb(s, phase, size)) + " |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// mbTables is every phase's MB/s table, for the terminal.
func (r *runReport) mbTables() string {
	var b strings.Builder
	for _, p := range sizes.Phases {
		fmt.Fprintf(&b, "\n%s, MB/s of values:\n\n%s", p, r.mbTable(p))
	}
	return b.String()
}

// ratioTable compares diskmap's rows with the best peer's, phase by phase
// and size by size.
func (r *runReport) ratioTable() string {
	var b strings.Builder
	b.WriteString(r.sizeHeader("phase: diskmap ÷ best peer"))
	for _, phase := range sizes.Phases {
		for _, d := range []string{"diskmap-view", "diskmap-get"} {
			if !contains(r.cfg.stores, d) || (phase != "get-hit" && d == "diskmap-get") {
				continue // diskmap-get writes as diskmap-view does
			}
			fmt.Fprintf(&b, "| %s: %s |", phase, d)
			for _, size := range r.cfg.sizes {
				peer, pv := r.bestPeer(phase, size)
				dv := r.mb(d, phase, size)
				if peer == "" || dv == 0 {
					b.WriteString(" – |")
					continue
				}
				fmt.Fprintf(&b, " %s (%s) |", report.Ratio(dv/pv), peer)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// detail is the full table of one phase: every size and store with its
// time per key, MB/s and latency quantiles.
func (r *runReport) detail(phase string) string {
	var b strings.Builder
	b.WriteString("| value | store | n | ns/key | MB/s | p50 | p99 | p99.9 | max | syncs | share of the time in Syncs |\n")
	b.WriteString("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, size := range r.cfg.sizes {
		for _, s := range r.cfg.stores {
			if msg, failed := r.failures[failKey(s, size)]; failed {
				fmt.Fprintf(&b, "| %s | %s | failed: %s | | | | | | | | |\n", report.Bytes(int64(size)), s, strings.ReplaceAll(msg, "|", "/"))
				continue
			}
			res := r.find(s, size)
			if res == nil {
				continue
			}
			p := res.Phase(phase)
			if p == nil {
				continue
			}
			syncs, share := "–", "–"
			if phase != "get-hit" {
				syncs = report.Count(p.Syncs)
				share = fmt.Sprintf("%.0f%%", 100*float64(p.SyncNanos)/float64(max(p.Nanos, 1)))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", report.Bytes(int64(size)), s,
				report.Count(res.N), report.Rate(p.NsPerOp(res.N)), report.Rate(p.MBPerSec(res.N, res.Size)),
				report.Dur(float64(p.Latency.P50)), report.Dur(float64(p.Latency.P99)),
				report.Dur(float64(p.Latency.P999)), report.Dur(float64(p.Latency.Max)), syncs, share)
		}
	}
	return b.String()
}

// colors tells the stores' lines apart: diskmap in blues, the built-in map
// in grey, each peer in a color of its own.
var colors = map[string]string{
	"builtin":      chart.Builtin,
	"diskmap-view": chart.Diskmap,
	"diskmap-get":  chart.DiskmapLight,
	"bbolt":        chart.Peer,
	"pogreb":       "#d53f8c",
	"badger":       "#38a169",
	"pebble":       "#805ad5",
}

// chart draws the MB/s of every store across the sizes in one phase.
func (r *runReport) chart(phase string) []byte {
	var labels []string
	for _, s := range r.cfg.sizes {
		labels = append(labels, report.Bytes(int64(s)))
	}
	var series []chart.Series
	for i, s := range r.cfg.stores {
		c, ok := colors[s]
		if !ok {
			c = []string{"#2c7a7b", "#b7791f", "#c53030", "#4a5568"}[i%4]
		}
		var vals []float64
		for _, size := range r.cfg.sizes {
			vals = append(vals, r.mb(s, phase, size))
		}
		series = append(series, chart.Series{Name: s, Color: c, Values: vals})
	}
	return chart.Lines(phase+": MB/s of values by value size", "16-byte keys; more is better", labels, series, report.Rate)
}

func chartName(phase string) string { return "sizes-" + phase + ".svg" }

// write writes the results file, its charts, and the summary section.
func (r *runReport) write() error {
	chartDir := filepath.Join(filepath.Dir(r.cfg.out), r.cfg.charts)
	if err := os.MkdirAll(chartDir, 0o755); err != nil {
		return err
	}
	for _, p := range sizes.Phases {
		if err := os.WriteFile(filepath.Join(chartDir, chartName(p)), r.chart(p), 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(r.cfg.out, []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	if r.cfg.summary == "" {
		return nil
	}
	return results.Write(r.cfg.summary, "sizes", r.summaryMarkdown())
}

// chartPath is a chart's path from the results file.
func (r *runReport) chartPath(phase string) string {
	return filepath.ToSlash(filepath.Join(r.cfg.charts, chartName(phase)))
}

// markdown is the whole results file.
func (r *runReport) markdown() string {
	var b strings.Builder
	b.WriteString("# Value sizes\n\n")
	b.WriteString("For each value size, each store loads n keys (16 bytes each) in order, reads every key back once in " +
		"random order (get-hit), and updates every key with a new value of the same size in that random order. " +
		"Every call is timed, and each timed read compares the value it gets in full with the one written, so that a " +
		"read in place (View, the built-in map) pays for touching the bytes as a copy does. A phase's time is the sum of its calls and of its Syncs (a write phase Syncs after " +
		"each " + report.Bytes(r.cfg.syncBytes) + " of values and at its end), and leaves out making the keys and values. " +
		"MB/s is millions of bytes of values a second. See [README.md](README.md#value-sizes) for how to rerun it.\n\n")
	r.head(&b)
	b.WriteString("\n| value size | n | values a run |\n|--:|--:|--:|\n")
	for _, s := range r.cfg.sizes {
		n := r.cfg.n(s)
		note := ""
		if n == r.cfg.maxKeys && int64(n)*int64(s) < r.cfg.bytes {
			note = fmt.Sprintf(" (n capped at -max-keys %s)", report.Count(r.cfg.maxKeys))
		}
		fmt.Fprintf(&b, "| %s | %s | %s%s |\n", report.Bytes(int64(s)), report.Count(n), report.Bytes(int64(n)*int64(s)), note)
	}
	b.WriteString("\n## diskmap against the best peer\n\nMB/s of diskmap's row over the best of bbolt, pogreb, badger and " +
		"pebble at each size (that peer in brackets); above 1x, diskmap moves more bytes a second.\n\n")
	b.WriteString(r.ratioTable())
	for _, p := range sizes.Phases {
		fmt.Fprintf(&b, "\n## %s\n\n![%s](%s)\n\nMB/s of values:\n\n%s\n%s", p, p, r.chartPath(p), r.mbTable(p), r.detail(p))
	}
	b.WriteString("\nThe latency columns are of the single calls (Put, Get or View); a write phase's ns/key and MB/s " +
		"also count its Syncs.\n\n## Settings\n\nEach store as cmd/run opens it (see README.md), with one difference: a write " +
		"phase Syncs every " + report.Bytes(r.cfg.syncBytes) + " of values, so that the stores that batch writes into " +
		"transactions commit before a transaction outgrows what they take (badger refuses one of more than about 10 MB).\n\n")
	b.WriteString("| store | module | version | settings |\n|---|---|---|---|\n")
	for _, s := range r.cfg.stores {
		k, _ := stores.Lookup(s) // checked by parse
		mod, ver := k.Module, "–"
		if mod != "" {
			ver = report.Version(mod)
		} else {
			mod = "–"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", k.Name, mod, ver, k.Settings)
	}
	return b.String()
}

// head writes the date, command and machine of the run.
func (r *runReport) head(b *strings.Builder) {
	fmt.Fprintf(b, "- **Date**: %s (%s)\n", r.started.UTC().Format("2006-01-02 15:04 UTC"), r.finished.Sub(r.started).Round(time.Second))
	fmt.Fprintf(b, "- **Command** (in `bench/`): `%s`\n", r.command)
	fmt.Fprintf(b, "- **Machine**: %s; a virtual machine shared with other work while this ran, so the figures, "+
		"one run each, carry its noise\n", report.Machine())
	fmt.Fprintf(b, "- **Values a run**: %s (-bytes) divided by the value size, at most %s keys (-max-keys); each store "+
		"and size in its own process\n", report.Bytes(r.cfg.bytes), report.Count(r.cfg.maxKeys))
}

// summaryMarkdown is the short "sizes" section of RESULTS.md.
func (r *runReport) summaryMarkdown() string {
	var b strings.Builder
	b.WriteString("## Value sizes\n\n")
	fmt.Fprintf(&b, "Load, get-hit and update at each value size, MB/s of values, from `%s`, %s (%s of values a run, "+
		"at most %s keys); full tables, latencies and charts in [RESULTS-sizes.md](RESULTS-sizes.md).\n\n",
		r.command, r.started.UTC().Format("2006-01-02 15:04 UTC"), report.Bytes(r.cfg.bytes), report.Count(r.cfg.maxKeys))
	b.WriteString(r.ratioTable())
	for _, p := range sizes.Phases {
		fmt.Fprintf(&b, "\n%s, MB/s:\n\n%s", p, r.mbTable(p))
	}
	return b.String()
}
