package main

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/results"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// The rows the targets are judged on.
const (
	builtinRow  = "builtin"
	viewRow     = "diskmap-view"
	getRow      = "diskmap-get"
	parallelRow = "concurrent-view" // package concurrent, when it is in the table
	walViewRow  = "diskmap-wal-view"
)

type report struct {
	cfg               config
	started, finished time.Time
	loadStart         string // the machine's one-minute load average at the start, and at the end
	loadEnd           string
	command           string
	dir               string
	sizes             []*sizeResult
	skipped           []string
}

// headline is the size the targets and charts use: the one asked for, or
// else the largest that ran.
func (rep *report) headline() *sizeResult {
	var best *sizeResult
	for _, s := range rep.sizes {
		if s.n == rep.cfg.headline {
			return s
		}
		if best == nil || s.n > best.n {
			best = s
		}
	}
	return best
}

// cell formats metric name of r with f, or "–" when it was not measured.
func cell(r *row, name string, f func(float64) string) string {
	if v, ok := r.get(name); ok {
		return f(v)
	}
	return "–"
}

// markdownTables is the table of every size, as printed and as written.
func (rep *report) markdownTables() string {
	var b strings.Builder
	for _, s := range rep.sizes {
		fmt.Fprintf(&b, "\n### n = %s\n\n", count(s.n))
		b.WriteString("| store | load ns/key | close | reopen | first pass ns | get-hit ns | batched get ns | get-miss ns | contains ns | parallel ns (speed-up) | update ns/key | delete ns/key | disk after close (allocated / apparent) | after Compact (and its time) | allocs per get-hit | allocs per get-miss | peak RSS |\n")
		b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, r := range s.rows {
			if r.err != "" {
				fmt.Fprintf(&b, "| %s | failed: %s ||||||||||||||||\n", r.store, strings.ReplaceAll(r.err, "|", "\\|"))
				continue
			}
			par := cell(r, mParallel, nsop)
			if sp, ok := r.get(mSpeedupPar); ok {
				par += fmt.Sprintf(" (%.2fx)", sp)
			}
			disk := "–"
			if v, ok := r.get(mDisk); ok {
				a, _ := r.get(mDiskApp)
				disk = mib(v) + " / " + mib(a)
			}
			comp := "–"
			if v, ok := r.get(mCompacted); ok {
				a, _ := r.get(mCompApp)
				comp = mib(v) + " / " + mib(a)
				if t, ok := r.get("compact"); ok {
					comp += " in " + dur(t)
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				r.store, cell(r, mLoad, nsop), cell(r, mClose, dur), cell(r, mReopen, dur), cell(r, mGetFirst, nsop),
				cell(r, mGetHit, nsop), cell(r, mGetBatch, nsop), cell(r, mGetMiss, nsop), cell(r, mContains, nsop), par,
				cell(r, mUpdate, nsop), cell(r, mDelete, nsop), disk, comp,
				cell(r, mAllocHit, allocs), cell(r, mAllocMiss, allocs), cell(r, mRSSPeak, mib))
		}
	}
	if t := rep.targets(); len(t) > 0 {
		h := rep.headline()
		fmt.Fprintf(&b, "\n### Targets (n = %s)\n\n", count(h.n))
		for _, t := range t {
			b.WriteString(t.line() + "\n")
		}
	}
	return b.String()
}

// ratioTable compares diskmap with the built-in map and the fastest peer,
// phase by phase, at the headline size.
func (rep *report) ratioTable() string {
	s := rep.headline()
	if s == nil {
		return ""
	}
	b, v, g, c := s.row(builtinRow), s.row(viewRow), s.row(getRow), s.row(parallelRow)
	var sb strings.Builder
	sb.WriteString("| phase | built-in map | diskmap | diskmap ÷ built-in | fastest peer | fastest peer ÷ diskmap |\n")
	sb.WriteString("|---|--:|--:|--:|---|--:|\n")
	type line struct {
		label  string
		r      *row
		metric string
		f      func(float64) string
		others string // the metric of the built-in map and the peers, when not metric
	}
	for _, l := range []line{
		{"load, ns/key", v, mLoad, nsop, ""},
		{"reopen", v, mReopen, dur, ""},
		{"get-hit, View, ns", v, mGetHit, nsop, ""},
		{"get-hit, Get, ns", g, mGetHit, nsop, ""},
		{"get-hit, ViewMany in batches of 1,000, ns a key (others: get-hit)", v, mGetBatch, nsop, mGetHit},
		{"get-miss, ns", v, mGetMiss, nsop, ""},
		{"parallel get, View, ns", v, mParallel, nsop, ""},
		{"get-hit, package concurrent, View, ns", c, mGetHit, nsop, ""},
		{"parallel get, package concurrent, View, ns", c, mParallel, nsop, ""},
		{"update, ns/key", v, mUpdate, nsop, ""},
		{"delete, ns/key", v, mDelete, nsop, ""},
		{"disk after close", v, mDisk, mib, ""},
		{"peak RSS", v, mRSSPeak, mib, ""},
	} {
		x, ok := l.r.get(l.metric)
		if !ok {
			continue
		}
		others := l.metric
		if l.others != "" {
			others = l.others
		}
		bcell, bratio := "–", "–"
		if y, ok := b.get(others); ok && y > 0 {
			bcell, bratio = l.f(y), ratio(x/y)
		}
		pcell, pratio := "–", "–"
		if p, y, ok := fastestPeer(s, others); ok && x > 0 {
			pcell, pratio = fmt.Sprintf("%s (%s)", p.store, l.f(y)), ratio(y/x)
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | %s |\n", l.label, bcell, l.f(x), bratio, pcell, pratio)
	}
	return sb.String()
}

// checksTable shows what the runs verified, so that a table of fast but
// wrong numbers cannot pass unnoticed.
func (rep *report) checksTable(s *sizeResult) string {
	var sb strings.Builder
	sb.WriteString("| store | runs | get-hit found | values compared | get-miss found | parallel found | reopen found | keys at the end | RSS before open |\n")
	sb.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range s.rows {
		if r.err != "" {
			fmt.Fprintf(&sb, "| %s | failed ||||||||\n", r.store)
			continue
		}
		n := func(v float64) string { return count(int(v)) }
		fmt.Fprintf(&sb, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", r.store, r.runs,
			cell(r, mHitFound, n), cell(r, mHitChecked, n), cell(r, mMissFound, n),
			cell(r, mParFound, n), cell(r, mReopenFound, n), cell(r, mLive, n), cell(r, mRSSBase, mib))
	}
	return sb.String()
}

// write writes the results file and the charts.
func (rep *report) write() error {
	charts, err := rep.writeCharts()
	if err != nil {
		return err
	}
	var b strings.Builder
	rep.writeHeader(&b)
	rep.writeTargets(&b)
	b.WriteString("\n## Results\n\n" + resultsNote + "\n")
	b.WriteString(rep.markdownTablesOnly())
	if len(charts) > 0 {
		fmt.Fprintf(&b, "\n## Charts (n = %s)\n\nShorter bars are better. diskmap in blue, the built-in map in grey, the peers in orange.\n\n", count(rep.headline().n))
		for _, c := range charts {
			b.WriteString(c + "\n\n")
		}
	}
	b.WriteString("\n## Write phases: operations and Sync\n\n" + writeNote + "\n")
	for _, s := range rep.sizes {
		b.WriteString(rep.writeTables(s))
	}
	b.WriteString("\n## Latency of single operations\n\n" + latencyNote + "\n")
	for _, s := range rep.sizes {
		b.WriteString(rep.latencyTables(s))
	}
	b.WriteString("\n## Checks\n\n" + checksNote + "\n")
	for _, s := range rep.sizes {
		fmt.Fprintf(&b, "\n#### n = %s\n\n", count(s.n))
		b.WriteString(rep.checksTable(s))
	}
	b.WriteString("\n## Settings\n\n")
	for _, name := range rep.cfg.stores {
		if k, err := stores.Lookup(name); err == nil {
			fmt.Fprintf(&b, "- **%s**: %s\n", k.Name, k.Settings)
		}
	}
	// The other workloads' sections: the hot workload's, from its heading
	// to the first marked section, then every marked one.
	if hot, _ := results.Split(hotSection(rep.cfg.out)); hot != "" {
		b.WriteString(strings.TrimRight(hot, "\n") + "\n")
	}
	sections, err := results.Sections(rep.cfg.out)
	if err != nil {
		return err
	}
	for _, s := range sections {
		b.WriteString("\n" + s)
	}
	return os.WriteFile(rep.cfg.out, []byte(b.String()), 0o644)
}

// hotHeading starts the section of the results file that holds the figures
// of the hot workload, which runs apart (-hot, see README.md).
const hotHeading = "\n## Hot-key upserts\n"

// hotSection returns the hot workload's section of the results file at
// path, from its heading to the end, or "" if there is none: writing the
// file again keeps it.
func hotSection(path string) string {
	b, err := os.ReadFile(path)
	if i := bytes.Index(b, []byte(hotHeading)); err == nil && i >= 0 {
		return string(b[i:])
	}
	return ""
}

const resultsNote = "Times per operation are wall-clock nanoseconds; load, update and delete include their one Sync. " +
	"close and reopen are single operations: the Close after load, then Open and one Get. " +
	"The gets of get-hit run twice in the same order: the first pass after reopen (which brings the files into the CPU caches and page tables, and fills the stores' caches) is shown apart, get-hit is the second. " +
	"batched get reads the same keys in the same order, 1,000 to a call, for the stores that read batches (diskmap's ViewMany and GetMany, package concurrent's GetMany); the others have no such call. " +
	"Every timed read touches the first and the last byte of its value, as a caller using the value would. " +
	"parallel is the wall time of the same gets as get-hit spread over GOMAXPROCS goroutines, divided by n; the speed-up is get-hit over parallel. " +
	"Disk sizes are after delete and Close, allocated blocks as `du` counts them, then the apparent size. " +
	"Allocations are runtime.MemStats.Mallocs over the phase divided by n, every goroutine of the process included. " +
	"Peak RSS is getrusage's maxrss of the store's process, the workload's own data included (about 180 B per key: keys, miss keys, values, new values, orders and the keys of each phase in its order; see \"RSS before open\" under Checks)."

const checksNote = "What each run verified (medians): every get-hit must find its key, one value in 64 is compared byte for byte with the expected one in every timed read loop, no get-miss may find anything. " +
	"A run that fails a check fails the row. " +
	"RSS before open is the peak resident set of the process once the workload is generated, before the store is opened."

// writeCharts draws the chart of every phase at the headline size and
// returns the markdown that shows them.
func (rep *report) writeCharts() ([]string, error) {
	h := rep.headline()
	if h == nil {
		return nil, nil
	}
	dir := filepath.Join(filepath.Dir(rep.cfg.out), rep.cfg.charts)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var md []string
	for _, c := range chartSpecs {
		svg, ok := c.render(h)
		if !ok {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, c.file+".svg"), svg, 0o644); err != nil {
			return nil, err
		}
		md = append(md, fmt.Sprintf("![%s](%s)", c.title, path.Join(filepath.ToSlash(rep.cfg.charts), c.file+".svg")))
	}
	return md, nil
}

// writeHeader writes when, where, how and with what the runs ran.
func (rep *report) writeHeader(b *strings.Builder) {
	m := thisMachine()
	b.WriteString("# Benchmark results\n\n")
	b.WriteString("diskmap against Go's built-in map and other embedded Go stores on one workload; see [README.md](README.md) for the workload, the settings and how to rerun it.\n\n")
	fmt.Fprintf(b, "- **Date**: %s (%s)\n", rep.started.UTC().Format("2006-01-02 15:04 MST"), rep.finished.Sub(rep.started).Round(time.Second))
	fmt.Fprintf(b, "- **Command** (in `bench/`): `%s`\n", rep.command)
	fmt.Fprintf(b, "- **Machine**: %s, %d cores (GOMAXPROCS %d), %s memory, %s", m.cpu, m.cores, m.procs, gib(m.memory), m.goos)
	if m.kernel != "" {
		fmt.Fprintf(b, ", kernel %s", m.kernel)
	}
	b.WriteString("\n")
	if rep.loadStart != "" && rep.loadEnd != "" {
		fmt.Fprintf(b, "- **Load**: the machine's one-minute load average was %s at the start and %s at the end, on %d cores: other work shared the cores and the memory with the runs\n",
			rep.loadStart, rep.loadEnd, m.cores)
	}
	fmt.Fprintf(b, "- **Go**: %s\n", m.goVersion)
	fmt.Fprintf(b, "- **Runs**: %d per store and size, each store in its own process; every figure is the median of the runs\n", rep.cfg.runs)
	fmt.Fprintf(b, "- **Seed**: %d\n", rep.cfg.seed)
	for _, s := range rep.skipped {
		fmt.Fprintf(b, "- **Skipped**: %s\n", s)
	}
	b.WriteString("\n| module | stores | version |\n|---|---|---|\n")
	for _, v := range versions(rep.cfg.stores) {
		fmt.Fprintf(b, "| %s | %s | %s |\n", v.path, v.stores, v.version)
	}
}

// writeTargets writes the targets and the ratios at the headline size.
func (rep *report) writeTargets(b *strings.Builder) {
	h := rep.headline()
	if h == nil {
		return
	}
	fmt.Fprintf(b, "\n## Targets\n\nJudged on the medians at n = %s", count(h.n))
	if h.n != 1_000_000 {
		b.WriteString(", not at n = 1,000,000 where the targets are set: indicative only")
	}
	b.WriteString(". diskmap's writes, misses and sizes are those of the `diskmap-view` row; the `diskmap-get` row runs the same writes.\n\n")
	for _, t := range rep.targets() {
		b.WriteString(t.line() + "\n")
	}
	if h.latency > 0 {
		fmt.Fprintf(b, "\nThe floor under a single get: on this machine a read from memory that depends on the read before it takes %s ns "+
			"(a pointer chase through %s, about the size of diskmap's files at this n). A get-hit through View makes two such reads, one after the other: "+
			"the slot, then the key and value records the slot points to, read together. ViewMany overlaps the reads of 16 lookups at a time.\n",
			nsop(h.latency), mib(float64(chaseBytes(h.n))))
	}
	fmt.Fprintf(b, "\n## Ratios (n = %s)\n\n", count(h.n))
	b.WriteString("Below 1x in \"diskmap ÷ built-in\" means diskmap is faster or smaller; above 1x in \"fastest peer ÷ diskmap\" means diskmap is faster or smaller than the best of bbolt, pogreb, badger and pebble for that line.\n\n")
	b.WriteString(rep.ratioTable())
}

// markdownTablesOnly is markdownTables without the targets.
func (rep *report) markdownTablesOnly() string {
	t := rep.markdownTables()
	if i := strings.Index(t, "\n### Targets"); i >= 0 {
		t = t[:i]
	}
	return t
}
