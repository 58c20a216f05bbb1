package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/chart"
	"github.com/diskmap-go/diskmap/bench/internal/durable"
	"github.com/diskmap-go/diskmap/bench/internal/report"
	"github.com/diskmap-go/diskmap/bench/internal/results"
)

// subjects are the diskmap stores the target judges, the best of which
// counts: package concurrent, whose writers share fsyncs, with its default
// shards and with one.
var subjects = []string{"concurrent-walsync", "concurrent-walsync-1"}

// targetRatio is how many times the best peer's synced writes per second
// diskmap should reach at the largest writer count.
const targetRatio = 2.0

// runReport is one run of the runner: what it measured, and what failed.
type runReport struct {
	cfg               config
	started, finished time.Time
	command           string
	floor             *durable.FloorResult
	results           []*durable.Result // the median run of each store and writer count
	spread            map[*durable.Result][2]float64
	failures          map[string]string // "store/writers" to the error
}

// collect keeps the median run, by writes per second, of each store and
// writer count in table order, and the lowest and highest rate of its runs.
func (r *runReport) collect(all map[string][]*durable.Result) {
	r.spread = map[*durable.Result][2]float64{}
	for _, w := range r.cfg.writers {
		for _, s := range r.cfg.stores {
			runs := all[fmt.Sprintf("%s/%d", s, w)]
			if _, failed := r.failures[fmt.Sprintf("%s/%d", s, w)]; failed || len(runs) == 0 {
				continue
			}
			slices.SortFunc(runs, func(a, b *durable.Result) int { return cmp.Compare(a.PerSecond(), b.PerSecond()) })
			med := runs[len(runs)/2]
			r.results = append(r.results, med)
			r.spread[med] = [2]float64{runs[0].PerSecond(), runs[len(runs)-1].PerSecond()}
		}
	}
}

// at returns the results at a writer count, in table order.
func (r *runReport) at(writers int) []*durable.Result {
	var out []*durable.Result
	for _, res := range r.results {
		if res.Writers == writers {
			out = append(out, res)
		}
	}
	return out
}

// find returns the result of a store at a writer count, or nil.
func (r *runReport) find(store string, writers int) *durable.Result {
	for _, res := range r.at(writers) {
		if res.Store == store {
			return res
		}
	}
	return nil
}

// bestPeer returns the peer with the most writes per second at a writer
// count, or nil.
func (r *runReport) bestPeer(writers int) *durable.Result {
	var best *durable.Result
	for _, res := range r.at(writers) {
		if durable.IsPeer(res.Store) && (best == nil || res.PerSecond() > best.PerSecond()) {
			best = res
		}
	}
	return best
}

// target says whether the best of the subjects met the target at the
// largest writer count, in lines of markdown; "" if none of them or no
// peer ran.
func (r *runReport) target() string {
	w := slices.Max(r.cfg.writers)
	p := r.bestPeer(w)
	var best *durable.Result
	for _, s := range subjects {
		if d := r.find(s, w); d != nil && (best == nil || d.PerSecond() > best.PerSecond()) {
			best = d
		}
	}
	if best == nil || p == nil {
		return ""
	}
	ratio := best.PerSecond() / p.PerSecond()
	status := "missed"
	if ratio >= targetRatio {
		status = "met"
	}
	line := fmt.Sprintf("- **%s**: with %d writers, diskmap at least %.0fx the synced writes per second of the best peer "+
		"(%s %s/s against %s %s/s: %s", status, w, targetRatio, best.Store, report.Rate(best.PerSecond()), p.Store,
		report.Rate(p.PerSecond()), report.Ratio(ratio))
	for _, s := range subjects {
		if d := r.find(s, w); d != nil && d != best {
			line += fmt.Sprintf("; %s %s/s: %s", s, report.Rate(d.PerSecond()), report.Ratio(d.PerSecond()/p.PerSecond()))
		}
	}
	return line + ")\n"
}

// floorLine describes the floor in a sentence, or "" if it was not measured.
func (r *runReport) floorLine() string {
	if r.floor == nil {
		return ""
	}
	f := r.floor
	return fmt.Sprintf("The floor: on this disk, one goroutine appending %d-byte records to a file with an fdatasync after "+
		"each managed %s synced appends a second (p50 %s, p99 %s, longest %s), measured once before the stores: "+
		"a yardstick for one sync at a time on this disk, not a bound (each of its fdatasyncs also commits the file's growth, "+
		"and the disk's speed moves between runs).\n",
		f.Record, report.Rate(f.PerSecond()), report.Dur(float64(f.Latency.P50)), report.Dur(float64(f.Latency.P99)),
		report.Dur(float64(f.Latency.Max)))
}

// table is the markdown table of every store at one writer count.
func (r *runReport) table(writers int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| store | synced writes/s | runs: lowest–highest | ÷ floor | ÷ best peer | mean | p50 | p99 | p99.9 | max | writes (all read back) |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	best := r.bestPeer(writers)
	for _, res := range r.at(writers) {
		ps := res.PerSecond()
		floor, vsPeer := "–", "–"
		if r.floor != nil {
			floor = report.Ratio(ps / r.floor.PerSecond())
		}
		if best != nil {
			vsPeer = report.Ratio(ps / best.PerSecond())
		}
		sp := r.spread[res]
		fmt.Fprintf(&b, "| %s | %s | %s–%s | %s | %s | %s | %s | %s | %s | %s | %s |\n", res.Store, report.Rate(ps),
			report.Rate(sp[0]), report.Rate(sp[1]), floor, vsPeer,
			report.Dur(float64(res.Latency.Mean)), report.Dur(float64(res.Latency.P50)), report.Dur(float64(res.Latency.P99)),
			report.Dur(float64(res.Latency.P999)), report.Dur(float64(res.Latency.Max)), report.Count(res.Checked))
	}
	for _, s := range r.cfg.stores {
		if msg, ok := r.failures[fmt.Sprintf("%s/%d", s, writers)]; ok {
			fmt.Fprintf(&b, "| %s | failed: %s | | | | | | | | | |\n", s, strings.ReplaceAll(msg, "|", "/"))
		}
	}
	return b.String()
}

// tables is every writer count's table, for the terminal and the report.
func (r *runReport) tables() string {
	var b strings.Builder
	for _, w := range r.cfg.writers {
		fmt.Fprintf(&b, "\n### %d writer%s\n\n", w, plural(w))
		b.WriteString(r.table(w))
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// chartName is the file name of the chart at a writer count.
func chartName(writers int) string { return fmt.Sprintf("durable-writers-%d.svg", writers) }

// write writes the results file, its charts, and the summary section.
func (r *runReport) write() error {
	chartDir := filepath.Join(filepath.Dir(r.cfg.out), r.cfg.charts)
	if err := os.MkdirAll(chartDir, 0o755); err != nil {
		return err
	}
	for _, w := range r.cfg.writers {
		if err := os.WriteFile(filepath.Join(chartDir, chartName(w)), r.chart(w), 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(r.cfg.out, []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	if r.cfg.summary == "" {
		return nil
	}
	return results.Write(r.cfg.summary, "durable", r.summaryMarkdown())
}

// chart draws the synced writes per second of every store at a writer count.
func (r *runReport) chart(writers int) []byte {
	var bars []chart.Bar
	for _, res := range r.at(writers) {
		color := chart.Peer
		if !durable.IsPeer(res.Store) {
			color = chart.Diskmap
		}
		bars = append(bars, chart.Bar{Label: res.Store, Value: res.PerSecond(), Text: report.Rate(res.PerSecond()), Color: color})
	}
	sub := fmt.Sprintf("%d writer%s, %d-byte keys, %d-byte values; more is better", writers, plural(writers), durable.KeySize, r.cfg.value)
	if r.floor != nil {
		sub += fmt.Sprintf("; plain fdatasync floor %s/s", report.Rate(r.floor.PerSecond()))
	}
	return chart.Bars("Synced writes per second", sub, bars, func(v float64) string { return report.Rate(v) })
}

// markdown is the whole results file.
func (r *runReport) markdown() string {
	var b strings.Builder
	b.WriteString("# Durable writes\n\n")
	b.WriteString("Each Put is on stable storage when it returns: diskmap in DurabilityWALSync, the other stores in " +
		"their synced modes (see the settings below). Writers put fresh keys for a fixed time each; every write " +
		"is then read back after a reopen. See [README.md](README.md#durable-writes) for how to rerun it.\n\n")
	r.head(&b)
	b.WriteString("\n## Target\n\n")
	if t := r.target(); t != "" {
		b.WriteString(t)
	} else {
		b.WriteString("Not judged: the subject or every peer did not run.\n")
	}
	if f := r.floorLine(); f != "" {
		b.WriteString("\n" + f)
	}
	for _, w := range r.cfg.writers {
		fmt.Fprintf(&b, "\n## %d writer%s\n\n", w, plural(w))
		fmt.Fprintf(&b, "![synced writes per second, %d writer%s](%s)\n\n", w, plural(w), filepath.ToSlash(filepath.Join(r.cfg.charts, chartName(w))))
		b.WriteString(r.table(w))
	}
	b.WriteString("\n\"÷ floor\" is the store's synced writes per second over the plain fdatasync rate; above 1x " +
		"only where writers share syncs. Each row is the median of the store's runs by writes per second, and its " +
		"latencies are that run's: the time of each Put, over every writer.\n\n## Settings\n\n")
	b.WriteString("| store | module | version | settings |\n|---|---|---|---|\n")
	for _, s := range r.cfg.stores {
		k, _ := durable.Lookup(s) // checked by parse
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", k.Name, k.Module, report.Version(k.Module), k.Settings)
	}
	return b.String()
}

// head writes the date, command and machine of the run.
func (r *runReport) head(b *strings.Builder) {
	fmt.Fprintf(b, "- **Date**: %s (%s)\n", r.started.UTC().Format("2006-01-02 15:04 UTC"), r.finished.Sub(r.started).Round(time.Second))
	fmt.Fprintf(b, "- **Command** (in `bench/`): `%s`\n", r.command)
	fmt.Fprintf(b, "- **Machine**: %s; a virtual machine shared with other work while this ran, so its disk "+
		"and cores were not quiet: runs of one store differ by as much as the spread column shows\n", report.Machine())
	fmt.Fprintf(b, "- **Workload**: %d-byte keys, %d-byte values, each writer putting fresh keys for %v; %d runs "+
		"of each store and writer count, the stores taking turns, each run in its own process\n",
		durable.KeySize, r.cfg.value, r.cfg.duration, r.cfg.runs)
}

// summaryMarkdown is the short "durable" section of RESULTS.md.
func (r *runReport) summaryMarkdown() string {
	var b strings.Builder
	b.WriteString("## Durable writes\n\n")
	fmt.Fprintf(&b, "Each Put durable when it returns (diskmap in DurabilityWALSync; the peers synced), from `%s`, "+
		"%s; full tables, latencies and settings in [RESULTS-durable.md](RESULTS-durable.md).\n\n",
		r.command, r.started.UTC().Format("2006-01-02 15:04 UTC"))
	if t := r.target(); t != "" {
		b.WriteString(t + "\n")
	}
	b.WriteString("| store |")
	sep := "|---|"
	for _, w := range r.cfg.writers {
		fmt.Fprintf(&b, " writes/s, %d writer%s | p99, %d |", w, plural(w), w)
		sep += "--:|--:|"
	}
	b.WriteString("\n" + sep + "\n")
	for _, s := range r.cfg.stores {
		fmt.Fprintf(&b, "| %s |", s)
		for _, w := range r.cfg.writers {
			if res := r.find(s, w); res != nil {
				fmt.Fprintf(&b, " %s | %s |", report.Rate(res.PerSecond()), report.Dur(float64(res.Latency.P99)))
			} else {
				b.WriteString(" failed | |")
			}
		}
		b.WriteString("\n")
	}
	if f := r.floorLine(); f != "" {
		b.WriteString("\n" + f)
	}
	return b.String()
}
