package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/diskmap-go/diskmap/bench/internal/proc"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// hotStores are the stores the hot workload runs by default: every one with
// a read-modify-write on disk.
var hotStores = []string{"diskmap-view", "diskmap-wal-view", "bbolt", "badger", "pebble", "pogreb"}

// hotPeers are the other stores the hot workload's targets compare
// diskmap with; hotSubject is the diskmap row they judge: the defaults.
var (
	hotPeers   = []string{"bbolt", "badger", "pebble", "pogreb"}
	hotSubject = "diskmap-view"
)

// hotOptions are the flags of the hot workload (see workload.RunHot).
type hotOptions struct {
	on                          bool
	keys, increments, syncEvery int
	scale                       float64
	out, json, before, report   string
}

func hotFlags() *hotOptions {
	h := &hotOptions{}
	flag.BoolVar(&h.on, "hot", false, "run the hot-key upsert workload instead: counters incremented at random, a Sync now and then")
	flag.IntVar(&h.keys, "hot-keys", 100_000, "with -hot: the number of counters")
	flag.IntVar(&h.increments, "hot-increments", 10_000_000, "with -hot: the number of increments")
	flag.IntVar(&h.syncEvery, "hot-sync", 100_000, "with -hot: increments between two Syncs")
	flag.Float64Var(&h.scale, "hot-scale", 1, "with -hot: scales keys, increments and the sync interval together (0.001 for a smoke test)")
	flag.StringVar(&h.out, "hot-out", "", "with -hot: also write the table to this file")
	flag.StringVar(&h.json, "hot-json", "", "with -hot: also write every run's results to this file, a JSON line each")
	flag.StringVar(&h.before, "hot-before", "", "with -hot: a -hot-json file of runs of the code before updates in place, to compare with")
	flag.StringVar(&h.report, "hot-report", "", "with -hot: run nothing, and write the tables of the runs in this -hot-json file")
	return h
}

// counts returns the workload's sizes, scaled, each at least 1.
func (h *hotOptions) counts() workload.HotConfig {
	scale := func(n int) int { return max(1, int(math.Round(float64(n)*h.scale))) }
	return workload.HotConfig{Keys: scale(h.keys), Increments: scale(h.increments), SyncEvery: scale(h.syncEvery)}
}

// runHotWorker is the child of the hot workload: one store, one run.
func runHotWorker(store string, hc workload.HotConfig, seed uint64, dir string) error {
	k, err := stores.Lookup(store)
	if err != nil {
		return err
	}
	if dir == "" {
		return errors.New("-worker -hot needs -store and -dir")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	hc.Seed, hc.Dir = seed, dir
	res, err := workload.RunHot(k, hc)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// runHot is the parent of the hot workload: every store, cfg.runs times,
// one process each (or, with -hot-report, the runs of a file), then a
// table of every run, the targets, and the comparison with -hot-before.
func runHot(cfg config, h *hotOptions) error {
	results, err := readHotJSON(h.report)
	if h.report == "" {
		results, err = runHotStores(cfg, h)
	}
	if err != nil {
		return err
	}
	if err := writeHotJSON(h.json, results); err != nil {
		return err
	}
	before, err := readHotJSON(h.before)
	if err != nil {
		return err
	}
	table := hotTable(h.counts(), results) + hotTargets(results) + hotBeforeAfter(before, results)
	fmt.Print(table)
	if h.out == "" {
		return nil
	}
	return os.WriteFile(h.out, []byte(table), 0o644)
}

// runHotStores runs every store cfg.runs times, one process each.
func runHotStores(cfg config, h *hotOptions) (results []*workload.HotResult, err error) {
	list := cfg.stores
	if list == nil {
		list = hotStores
	}
	for _, s := range list {
		if _, err := stores.Lookup(s); err != nil {
			return nil, fmt.Errorf("-stores: %v", err)
		}
	}
	base := cfg.dir
	if base == "" {
		if base, err = os.MkdirTemp("", "diskmap-hot-"); err != nil {
			return nil, err
		}
		if !cfg.keep {
			defer func() { err = errors.Join(err, os.RemoveAll(base)) }()
		}
	}
	hc := h.counts()
	args := []string{"-worker", "-hot", "-hot-keys", strconv.Itoa(hc.Keys), "-hot-increments", strconv.Itoa(hc.Increments),
		"-hot-sync", strconv.Itoa(hc.SyncEvery), "-seed", strconv.FormatUint(cfg.seed, 10)}
	for r := 1; r <= cfg.runs; r++ {
		for _, s := range list {
			dir := filepath.Join(base, fmt.Sprintf("hot-%s-run%d", s, r))
			if err := os.RemoveAll(dir); err != nil {
				return nil, err
			}
			res := new(workload.HotResult)
			err := proc.Spawn(cfg.timeout, append(args, "-store", s, "-dir", dir), res)
			if !cfg.keep {
				err = errors.Join(err, os.RemoveAll(dir))
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "hot run %d/%d %-16s FAILED: %v\n", r, cfg.runs, s, err)
				continue
			}
			fmt.Fprintf(os.Stderr, "hot run %d/%d %-16s %.0f ns/increment (CPU %.0f), p99.9 %s, longest %s, disk %s\n", r, cfg.runs, s,
				res.NsPerIncrement(), res.CPUPerIncrement(), dur(float64(res.P999)), dur(float64(res.Longest)), mib(float64(res.Disk.Blocks)))
			results = append(results, res)
		}
	}
	return results, nil
}

// writeHotJSON writes results to path, a JSON line each; nothing if path
// is empty.
func writeHotJSON(path string, results []*workload.HotResult) error {
	if path == "" {
		return nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// readHotJSON reads what writeHotJSON wrote; nothing if path is empty.
func readHotJSON(path string) ([]*workload.HotResult, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only
	var results []*workload.HotResult
	dec := json.NewDecoder(f)
	for dec.More() {
		r := new(workload.HotResult)
		if err := dec.Decode(r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		results = append(results, r)
	}
	return results, nil
}

// hotMedian is the median run of store among results, by time per
// increment (of an even number, the faster of the two in the middle), or
// nil if it has none.
func hotMedian(results []*workload.HotResult, store string) *workload.HotResult {
	return hotMedianBy(results, store, (*workload.HotResult).NsPerIncrement)
}

// hotMedianBy is hotMedian by the figure key.
func hotMedianBy(results []*workload.HotResult, store string, key func(*workload.HotResult) float64) *workload.HotResult {
	var runs []*workload.HotResult
	for _, r := range results {
		if r.Store == store {
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		return nil
	}
	slices.SortFunc(runs, func(a, b *workload.HotResult) int { return cmpFloat(key(a), key(b)) })
	return runs[(len(runs)-1)/2]
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// hotTargets judges the goals of the hot workload on the median run of
// each store (by time; its disk is that run's): diskmap's disk after the
// run within 1.5x of its footprint, at least 3x the increments per second
// of the fastest peer, and less disk than each peer.
func hotTargets(results []*workload.HotResult) string {
	d := hotMedian(results, hotSubject)
	if d == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Targets\n\nJudged on the median run of each store; diskmap is the %s row (its defaults).\n\n", hotSubject)
	mark := func(ok bool) string {
		if ok {
			return "met"
		}
		return "missed"
	}
	if d.Footprint > 0 {
		ratio := float64(d.Disk.Blocks) / float64(d.Footprint)
		fmt.Fprintf(&b, "- **%s**: disk after the run at most 1.5x the live key and value records plus the table (%s allocated against %s: %.2fx)\n",
			mark(ratio <= 1.5), mib(float64(d.Disk.Blocks)), mib(float64(d.Footprint)), ratio)
	}
	var fastest *workload.HotResult
	for _, p := range hotPeers {
		if r := hotMedian(results, p); r != nil && (fastest == nil || r.NsPerIncrement() < fastest.NsPerIncrement()) {
			fastest = r
		}
	}
	if fastest == nil {
		return b.String()
	}
	speed := fastest.NsPerIncrement() / d.NsPerIncrement()
	fmt.Fprintf(&b, "- **%s**: at least 3x the increments per second of the fastest peer (%.0f/s against %s %.0f/s: %.2fx",
		mark(speed >= 3), 1e9/d.NsPerIncrement(), fastest.Store, 1e9/fastest.NsPerIncrement(), speed)
	if d.CPUNanos > 0 && fastest.CPUNanos > 0 {
		fmt.Fprintf(&b, "; in CPU time an increment, %.0f ns against %.0f ns: %.2fx", d.CPUPerIncrement(), fastest.CPUPerIncrement(),
			fastest.CPUPerIncrement()/d.CPUPerIncrement())
	}
	b.WriteString(")\n")
	for _, p := range hotPeers {
		if r := hotMedian(results, p); r != nil {
			fmt.Fprintf(&b, "- **%s**: less disk than %s (%s allocated against %s, %s apparent against %s)\n",
				mark(d.Disk.Blocks < r.Disk.Blocks && d.Disk.Apparent < r.Disk.Apparent), p,
				mib(float64(d.Disk.Blocks)), mib(float64(r.Disk.Blocks)), mib(float64(d.Disk.Apparent)), mib(float64(r.Disk.Apparent)))
		}
	}
	return b.String()
}

// hotBeforeAfter compares each diskmap store of before, runs of the code
// before updates in place, with its runs in after: medians, the CPU time
// of an increment the median of its own.
func hotBeforeAfter(before, after []*workload.HotResult) string {
	var b strings.Builder
	cpu := (*workload.HotResult).CPUPerIncrement
	for _, s := range []string{"diskmap-view", "diskmap-wal-view"} {
		o, n := hotMedian(before, s), hotMedian(after, s)
		if o == nil || n == nil {
			continue
		}
		oc, nc := cpu(hotMedianBy(before, s, cpu)), cpu(hotMedianBy(after, s, cpu))
		if b.Len() == 0 {
			b.WriteString("\n## Before and after updates in place\n\nMedians of the runs of each; before is the code without updates in place (see README.md).\n\n")
			b.WriteString("| store | increments/s, before | after | ratio | CPU ns/increment, before | after | ratio | p99.9, before | after | longest increment, before | after | disk allocated, before | after |\n")
			b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.2fx | %.0f | %.0f | %.2fx | %s | %s | %s | %s | %s | %s |\n", s,
			1e9/o.NsPerIncrement(), 1e9/n.NsPerIncrement(), o.NsPerIncrement()/n.NsPerIncrement(), oc, nc, nc/oc,
			dur(float64(o.P999)), dur(float64(n.P999)), dur(float64(o.Longest)), dur(float64(n.Longest)),
			mib(float64(o.Disk.Blocks)), mib(float64(n.Disk.Blocks)))
	}
	return b.String()
}

// hotTable is the markdown table of the hot workload's runs, of the sizes
// in hc unless the runs say others.
func hotTable(hc workload.HotConfig, results []*workload.HotResult) string {
	if len(results) > 0 {
		r := results[0]
		hc.Keys, hc.Increments, hc.SyncEvery = r.Keys, r.Increments, r.SyncEvery
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hot-key upserts: %d counters of 8 bytes, %d increments of keys drawn uniformly at random, "+
		"a Sync every %d; disk after Close.\n\n", hc.Keys, hc.Increments, hc.SyncEvery)
	b.WriteString("| store | increments/s | ns/increment | CPU ns/increment | p99.9 | longest increment | syncs (total, longest) | disk, allocated | disk, apparent | disk a key | allocations/increment |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.0f | %s | %s | %d (%s, %s) | %s | %s | %.0f B | %.2f |\n",
			r.Store, 1e9/r.NsPerIncrement(), r.NsPerIncrement(), r.CPUPerIncrement(), dur(float64(r.P999)), dur(float64(r.Longest)),
			r.Syncs, dur(float64(r.SyncNanos)), dur(float64(r.LongSync)),
			mib(float64(r.Disk.Blocks)), mib(float64(r.Disk.Apparent)), float64(r.Disk.Blocks)/float64(r.Keys),
			float64(r.Mallocs)/float64(max(r.Increments, 1)))
	}
	return b.String()
}
