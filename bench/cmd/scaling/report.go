package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/chart"
	"github.com/diskmap-go/diskmap/bench/internal/results"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// speedupRow is the row whose speed-up of gets at 2 goroutines over 1 the
// summary states, with the target it is held to on 2 cores.
const (
	speedupRow    = "concurrent-view"
	speedupTarget = 1.85
)

type report struct {
	cfg  config
	outs []outcome
}

var mixes = []struct{ name, title string }{
	{workload.MixGet, "gets"},
	{workload.MixWrite, "90/10: nine gets to one Put"},
}

// rate returns the median ops/s of store's mix at procs goroutines.
func (rep *report) rate(o outcome, mix string, procs int) (float64, bool) {
	if o.res == nil {
		return 0, false
	}
	p, ok := o.res.Point(mix, procs)
	return p.OpsPerSec(), ok
}

// cpuRate returns the median ops per CPU-second of store's mix at procs
// goroutines.
func (rep *report) cpuRate(o outcome, mix string, procs int) (float64, bool) {
	if o.res == nil {
		return 0, false
	}
	p, ok := o.res.Point(mix, procs)
	v := p.OpsPerCPUSec()
	return v, ok && v > 0
}

// cpuTable is one mix's operations per CPU-second at each count, and each
// count's over one goroutine's.
func (rep *report) cpuTable(mix string) string {
	var b strings.Builder
	b.WriteString("| store |")
	for _, p := range rep.cfg.procs {
		fmt.Fprintf(&b, " %d |", p)
	}
	for _, p := range rep.cfg.procs[1:] {
		fmt.Fprintf(&b, " %d ÷ 1 |", p)
	}
	b.WriteString("\n|---|" + strings.Repeat("--:|", 2*len(rep.cfg.procs)-1) + "\n")
	for _, o := range rep.outs {
		one, ok := rep.cpuRate(o, mix, 1)
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "| %s |", o.store)
		for _, p := range rep.cfg.procs {
			v, ok := rep.cpuRate(o, mix, p)
			fmt.Fprintf(&b, " %s |", mops(v, ok))
		}
		for _, p := range rep.cfg.procs[1:] {
			v, ok := rep.cpuRate(o, mix, p)
			fmt.Fprintf(&b, " %s |", times(v/one, ok))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// speedup is the rate at procs goroutines over the rate at 1.
func (rep *report) speedup(o outcome, mix string, procs int) (float64, bool) {
	one, ok1 := rep.rate(o, mix, 1)
	x, ok2 := rep.rate(o, mix, procs)
	return x / one, ok1 && ok2 && one > 0
}

// table is one mix: millions of operations per second at each count, and
// with full the speed-ups over one goroutine and the rate per goroutine.
func (rep *report) table(mix string, full bool) string {
	var b strings.Builder
	b.WriteString("| store |")
	for _, p := range rep.cfg.procs {
		fmt.Fprintf(&b, " %d |", p)
	}
	ratios := []int{2} // the counts whose speed-up over 1 is shown
	if full {
		ratios = rep.cfg.procs[1:]
	}
	for _, p := range ratios {
		fmt.Fprintf(&b, " %d ÷ 1 |", p)
	}
	cols := len(rep.cfg.procs) + len(ratios)
	if full {
		b.WriteString(" per goroutine at 1, 2, ... |")
		cols++
	}
	b.WriteString("\n|---|" + strings.Repeat("--:|", cols) + "\n")
	for _, o := range rep.outs {
		if o.err != "" {
			fmt.Fprintf(&b, "| %s | failed: %s |\n", o.store, strings.ReplaceAll(o.err, "|", "\\|"))
			continue
		}
		if _, ok := rep.rate(o, mix, 1); !ok {
			continue
		}
		fmt.Fprintf(&b, "| %s |", o.store)
		var per []string
		for _, p := range rep.cfg.procs {
			v, ok := rep.rate(o, mix, p)
			fmt.Fprintf(&b, " %s |", mops(v, ok))
			per = append(per, mops(v/float64(p), ok))
		}
		for _, p := range ratios {
			sp, ok := rep.speedup(o, mix, p)
			fmt.Fprintf(&b, " %s |", times(sp, ok))
		}
		if full {
			fmt.Fprintf(&b, " %s |", strings.Join(per, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func mops(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.2f", v/1e6)
}

func times(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.2fx", v)
}

// tables are both mixes' full tables, of wall time, then of CPU time.
func (rep *report) tables() string {
	var b strings.Builder
	for _, m := range mixes {
		fmt.Fprintf(&b, "\n### %s, millions of operations per second (median of %d runs)\n\n", m.title, rep.cfg.repeat)
		b.WriteString(rep.table(m.name, true))
	}
	b.WriteString("\n" + cpuNote + "\n")
	for _, m := range mixes {
		fmt.Fprintf(&b, "\n### %s, millions of operations per CPU-second (median of %d runs)\n\n", m.title, rep.cfg.repeat)
		b.WriteString(rep.cpuTable(m.name))
	}
	return b.String()
}

// cpuNote says what the CPU-time tables show.
const cpuNote = "The same runs counted in CPU time: the operations over the CPU time (user and system) the store's process used during the run, all its threads. " +
	"This does not depend on how many cores the machine left free: if it holds from 1 goroutine to 2, the goroutines do not slow each other down (no lock, cache line or allocator they fight over), " +
	"and on idle cores the wall-clock rate would grow with them. Below 1x, each operation costs more CPU with more goroutines: contention, or a goroutine spinning or parked and woken for a lock."

// header says when, where and how, and what the machine's cores mean for
// the curve.
func (rep *report) header() string {
	var b strings.Builder
	fmt.Fprintf(&b, "- **Date**: %s (%s)\n", rep.cfg.started.UTC().Format("2006-01-02 15:04 MST"), rep.cfg.finished.Sub(rep.cfg.started).Round(time.Second))
	fmt.Fprintf(&b, "- **Command** (in `bench/`): `%s`\n", rep.cfg.command)
	fmt.Fprintf(&b, "- **Machine**: %d cores, %s/%s, Go %s. **With %d cores, the points beyond %d goroutines show oversubscription (more goroutines than cores, GOMAXPROCS above the core count), not scaling.** The machine is shared with other work, which takes cores from the runs now and then\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), runtime.NumCPU(), runtime.NumCPU())
	fmt.Fprintf(&b, "- **Workload**: n = %s keys (16-byte keys, 100-byte values) loaded into each store in a process of its own; then at each goroutine count g, GOMAXPROCS set to g, "+
		"the n operations split over g goroutines in get-hit's random order, timed from the start of the first to the end of the last; %d runs a point, the median shown. "+
		"gets: every operation a get (through View for the -view rows), one value in 64 compared with the loaded one. "+
		"90/10: every tenth operation a Put of its key with its loaded value instead, only for the stores whose adapters take Puts from many goroutines at once "+
		"(package concurrent, pogreb; a diskmap.Map is not safe for concurrent writes, and the bbolt, badger and pebble adapters gather writes into one open transaction)\n",
		count(rep.cfg.n), rep.cfg.repeat)
	return b.String()
}

// speedupLine states the speed-up of gets at 2 goroutines over 1 of the
// package concurrent row against its target.
func (rep *report) speedupLine() string {
	for _, o := range rep.outs {
		if o.store != speedupRow {
			continue
		}
		sp, ok := rep.speedup(o, workload.MixGet, 2)
		if !ok {
			return ""
		}
		verdict := "met"
		switch {
		case sp > 2:
			// Two goroutines cannot do more than twice the work of one:
			// the run of one was slowed by something else.
			verdict = "not judged: above 2x, the one-goroutine run lost time to other work on the machine"
		case sp < speedupTarget:
			verdict = "missed"
		}
		line := fmt.Sprintf("Gets of package concurrent (`%s`) at 2 goroutines against 1: **%.2fx** in wall-clock throughput (target: at least %.2fx on 2 cores: %s)", speedupRow, sp, speedupTarget, verdict)
		one, ok1 := rep.cpuRate(o, workload.MixGet, 1)
		two, ok2 := rep.cpuRate(o, workload.MixGet, 2)
		if ok1 && ok2 {
			line += fmt.Sprintf("; in operations per CPU-second, %.2fx (1x: the two goroutines cost each other nothing)", two/one)
		}
		return line + ".\n"
	}
	return ""
}

// write writes RESULTS-scaling.md, the charts and the "scaling" section.
func (rep *report) write() error {
	if rep.cfg.out != "" {
		charts, err := rep.writeCharts()
		if err != nil {
			return err
		}
		var b strings.Builder
		b.WriteString("# Scaling with goroutines\n\nThroughput of gets and of a 90/10 get/Put mix at 1, 2, 4, ... goroutines; see [README.md](README.md#scaling-with-goroutines).\n\n")
		b.WriteString(rep.header() + "\n" + rep.speedupLine())
		b.WriteString(rep.tables())
		for _, c := range charts {
			b.WriteString("\n" + c + "\n")
		}
		if err := os.WriteFile(rep.cfg.out, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	if rep.cfg.results == "" {
		return nil
	}
	var b strings.Builder
	b.WriteString("## Scaling with goroutines (cmd/scaling)\n\n")
	b.WriteString(rep.header() + "\n" + rep.speedupLine())
	fmt.Fprintf(&b, "\nMillions of operations per second; the full table, with the speed-ups at every count and the rate per goroutine, and the charts: [RESULTS-scaling.md](RESULTS-scaling.md).\n")
	for _, m := range mixes {
		fmt.Fprintf(&b, "\n#### %s\n\n", m.title)
		b.WriteString(rep.table(m.name, false))
	}
	return results.Write(rep.cfg.results, "scaling", b.String())
}

// writeCharts draws a chart per mix: each store's bars side by side, one
// per goroutine count.
func (rep *report) writeCharts() ([]string, error) {
	dir := filepath.Join(filepath.Dir(rep.cfg.out), rep.cfg.charts)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var md []string
	for i, m := range mixes {
		var bars []chart.Bar
		for _, o := range rep.outs {
			for j, p := range rep.cfg.procs {
				v, ok := rep.rate(o, m.name, p)
				if !ok {
					continue
				}
				color := chart.Color(o.store)
				if j%2 == 1 { // every other count lighter, so the groups read apart
					color = lighter(color)
				}
				bars = append(bars, chart.Bar{Label: fmt.Sprintf("%s, %d", o.store, p), Value: v / 1e6, Text: fmt.Sprintf("%.2f", v/1e6), Color: color})
			}
		}
		if len(bars) == 0 {
			continue
		}
		file := []string{"scaling-get", "scaling-mix"}[i]
		title := fmt.Sprintf("%s at 1, 2, 4, ... goroutines (n = %s, %d cores)", m.title, count(rep.cfg.n), runtime.NumCPU())
		svg := chart.Bars(title, "millions of operations per second, longer is better", bars, func(v float64) string { return fmt.Sprintf("%.1f", v) })
		if err := os.WriteFile(filepath.Join(dir, file+".svg"), svg, 0o644); err != nil {
			return nil, err
		}
		md = append(md, fmt.Sprintf("![%s](%s)", m.title, path.Join(filepath.ToSlash(rep.cfg.charts), file+".svg")))
	}
	return md, nil
}

// lighter is the lighter shade of a store's color.
func lighter(c string) string {
	switch c {
	case chart.Diskmap:
		return chart.DiskmapLight
	case chart.Peer:
		return "#f6ad55"
	}
	return "#a0aec0"
}

// count writes n with thousands separated by commas.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
