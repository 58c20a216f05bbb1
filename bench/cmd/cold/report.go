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
	"github.com/diskmap-go/diskmap/bench/internal/hist"
	"github.com/diskmap-go/diskmap/bench/internal/results"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// pageSize is the unit of "pages per get": the bytes read over 4 KiB.
const pageSize = 4096

type report struct {
	cfg      config
	outs     []outcome
	note     string
	finished time.Time
}

// rowName is the row of one read: the store, and how it was advised.
func rowName(r *workload.ColdResult) string {
	if r.AdviseRandom {
		return r.Store + ", MADV_RANDOM"
	}
	return r.Store
}

func perGet(v int64, gets int) float64 { return float64(v) / float64(max(gets, 1)) }

// tables are the full tables: every get, then the first ColdFirst.
func (rep *report) tables() string {
	var b strings.Builder
	first := min(workload.ColdFirst, rep.cfg.gets)
	fmt.Fprintf(&b, "\n### All %s gets\n\n", count(rep.cfg.gets))
	b.WriteString("| store | files | Open | read by Open | mean get | p50 | p99 | p99.9 | max | read per get | pages per get | major faults per get |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	rep.rows(&b, func(r *workload.ColdResult) string {
		return fmt.Sprintf("%s | %s | %s | %s | %s | %s | %s | %.2f",
			mib(float64(r.Files.Blocks)), dur(float64(r.OpenNanos)), kib(float64(r.Open.ReadBytes)),
			dur(perGet(r.Nanos, r.Gets)), latency(r.Latency), kib(perGet(r.Read.ReadBytes, r.Gets)),
			pages(perGet(r.Read.ReadBytes, r.Gets)), perGet(r.Read.MajFlt, r.Gets))
	}, 11)
	fmt.Fprintf(&b, "\n### The first %s gets after Open\n\n", count(first))
	b.WriteString("| store | mean get | p50 | p99 | p99.9 | max | read per get | pages per get | major faults per get |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	rep.rows(&b, func(r *workload.ColdResult) string {
		return fmt.Sprintf("%s | %s | %s | %s | %.2f", dur(perGet(r.FirstNanos, first)), latency(r.FirstLat),
			kib(perGet(r.First.ReadBytes, first)), pages(perGet(r.First.ReadBytes, first)), perGet(r.First.MajFlt, first))
	}, 8)
	return b.String()
}

// rows writes a row per read of every store with the cells f gives, or
// the store's failure across cols cells.
func (rep *report) rows(b *strings.Builder, f func(*workload.ColdResult) string, cols int) {
	for _, o := range rep.outs {
		for _, r := range o.reads {
			fmt.Fprintf(b, "| %s | %s |\n", rowName(r), f(r))
		}
		if o.err != "" {
			fmt.Fprintf(b, "| %s | failed: %s%s\n", o.store, strings.ReplaceAll(o.err, "|", "\\|"), strings.Repeat("|", cols))
		}
	}
}

func latency(s hist.Summary) string {
	return strings.Join([]string{dur(float64(s.P50)), dur(float64(s.P99)), dur(float64(s.P999)), dur(float64(s.Max))}, " | ")
}

// summary is the short table of the "cold" section of RESULTS.md.
func (rep *report) summary() string {
	var b strings.Builder
	first := min(workload.ColdFirst, rep.cfg.gets)
	fmt.Fprintf(&b, "| store | Open | first %s gets: mean | pages per get | all %s gets: mean | p99 | pages per get |\n", count(first), count(rep.cfg.gets))
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|\n")
	rep.rows(&b, func(r *workload.ColdResult) string {
		return fmt.Sprintf("%s | %s | %s | %s | %s | %s", dur(float64(r.OpenNanos)),
			dur(perGet(r.FirstNanos, first)), pages(perGet(r.First.ReadBytes, first)),
			dur(perGet(r.Nanos, r.Gets)), dur(float64(r.Latency.P99)), pages(perGet(r.Read.ReadBytes, r.Gets)))
	}, 6)
	return b.String()
}

// header says when, where and how.
func (rep *report) header() string {
	var b strings.Builder
	fmt.Fprintf(&b, "- **Date**: %s (%s)\n", rep.cfg.started.UTC().Format("2006-01-02 15:04 MST"), rep.finished.Sub(rep.cfg.started).Round(time.Second))
	fmt.Fprintf(&b, "- **Command** (in `bench/`, as root): `%s`\n", rep.cfg.command)
	fmt.Fprintf(&b, "- **Machine**: %s, %d cores, %s, Go %s; the disk's read-ahead (read_ahead_kb): %s\n",
		cpuModel(), runtime.NumCPU(), kernel(), runtime.Version(), rep.cfg.readAhead)
	fmt.Fprintf(&b, "- **Workload**: n = %s keys of 16 bytes with values of 100 bytes, loaded, synced and closed by one process; "+
		"the page cache dropped (sync, then 3 to /proc/sys/vm/drop_caches); then a fresh process opens the store and makes %s gets of keys drawn at random, each timed and each value compared with the one loaded\n",
		count(rep.cfg.n), count(rep.cfg.gets))
	b.WriteString("- The machine is shared: other processes read and write the same disk, and dropping the page cache drops theirs too\n")
	if rep.note != "" {
		fmt.Fprintf(&b, "- **%s**\n", rep.note)
	}
	return b.String()
}

// coldNote says what the columns count.
const coldNote = "read per get is /proc/self/io read_bytes over the gets divided by their number: what the process's reads and page faults made the block device read, read-ahead included, background threads of the store included. " +
	"pages per get is that over 4 KiB. major faults per get is getrusage's ru_majflt over the gets: faults of a mapping that waited for the disk (a store that reads with pread has none). " +
	"Every page a get brings in stays in the page cache for the later gets, so the first gets are the coldest: the second table counts them alone. " +
	"The MADV_RANDOM rows advise every mapping of the store's files MADV_RANDOM right after Open, from outside the store (through /proc/self/maps): " +
	"a fault then reads its own page and no read-around; a store that reads with pread (badger's tables without mmap, pebble) is not changed by it. " +
	"Open is the time of Open, and read by Open what it read."

// write writes RESULTS-cold.md, its charts and the "cold" section.
func (rep *report) write() error {
	if rep.cfg.out != "" {
		charts, err := rep.writeCharts()
		if err != nil {
			return err
		}
		var b strings.Builder
		b.WriteString("# Cold reads\n\nGets right after Open, with nothing of the store in the page cache; see [README.md](README.md#cold-reads) for what the figures mean and what would lower diskmap's.\n\n")
		b.WriteString(rep.header())
		b.WriteString("\n" + coldNote + "\n")
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
	b.WriteString("## Cold reads (cmd/cold)\n\n")
	b.WriteString(rep.header())
	fmt.Fprintf(&b, "\nPages per get are the bytes the process read from the disk over 4 KiB, read-ahead included. The full tables, the first %s gets apart and what the columns count: [RESULTS-cold.md](RESULTS-cold.md).\n\n", count(min(workload.ColdFirst, rep.cfg.gets)))
	b.WriteString(rep.summary())
	return results.Write(rep.cfg.results, "cold", b.String())
}

// writeCharts draws the bytes and the time per get of every read.
func (rep *report) writeCharts() ([]string, error) {
	dir := filepath.Join(filepath.Dir(rep.cfg.out), rep.cfg.charts)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	first := min(workload.ColdFirst, rep.cfg.gets)
	specs := []struct {
		file, title, unit string
		value             func(*workload.ColdResult) float64
		format            func(float64) string
	}{
		{"cold-pages", fmt.Sprintf("cold get: pages read from the disk per get, first %s gets", count(first)), "4 KiB pages per get, read-ahead included, shorter is better",
			func(r *workload.ColdResult) float64 { return perGet(r.First.ReadBytes, first) / pageSize }, pageCount},
		{"cold-get", fmt.Sprintf("cold get: time per get, all %s gets", count(rep.cfg.gets)), "µs per get, shorter is better",
			func(r *workload.ColdResult) float64 { return perGet(r.Nanos, r.Gets) / 1e3 }, func(v float64) string { return fmt.Sprintf("%.1f", v) }},
	}
	var md []string
	for _, s := range specs {
		var bars []chart.Bar
		for _, o := range rep.outs {
			for _, r := range o.reads {
				color := chart.Color(r.Store)
				if r.AdviseRandom && color == chart.Diskmap {
					color = chart.DiskmapLight
				}
				v := s.value(r)
				bars = append(bars, chart.Bar{Label: rowName(r), Value: v, Text: s.format(v), Color: color})
			}
		}
		if len(bars) == 0 {
			continue
		}
		title := fmt.Sprintf("%s (n = %s)", s.title, count(rep.cfg.n))
		if err := os.WriteFile(filepath.Join(dir, s.file+".svg"), chart.Bars(title, s.unit, bars, s.format), 0o644); err != nil {
			return nil, err
		}
		md = append(md, fmt.Sprintf("![%s](%s)", s.title, path.Join(filepath.ToSlash(rep.cfg.charts), s.file+".svg")))
	}
	return md, nil
}

func dur(ns float64) string {
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	}
	return fmt.Sprintf("%.2f s", ns/1e9)
}

func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }
func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

// pages writes bytes as a number of 4 KiB pages.
func pages(bytes float64) string { return pageCount(bytes / pageSize) }

func pageCount(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// count writes n with thousands separated by commas.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
