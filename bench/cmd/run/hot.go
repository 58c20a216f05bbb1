package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// hotStores are the stores the hot workload runs by default: every one with
// a read-modify-write on disk.
var hotStores = []string{"diskmap-view", "diskmap-wal-view", "bbolt", "badger", "pebble", "pogreb"}

// hotOptions are the flags of the hot workload (see workload.RunHot).
type hotOptions struct {
	on                          bool
	keys, increments, syncEvery int
	scale                       float64
	out                         string
}

func hotFlags() *hotOptions {
	h := &hotOptions{}
	flag.BoolVar(&h.on, "hot", false, "run the hot-key upsert workload instead: counters incremented at random, a Sync now and then")
	flag.IntVar(&h.keys, "hot-keys", 100_000, "with -hot: the number of counters")
	flag.IntVar(&h.increments, "hot-increments", 10_000_000, "with -hot: the number of increments")
	flag.IntVar(&h.syncEvery, "hot-sync", 100_000, "with -hot: increments between two Syncs")
	flag.Float64Var(&h.scale, "hot-scale", 1, "with -hot: scales keys, increments and the sync interval together (0.001 for a smoke test)")
	flag.StringVar(&h.out, "hot-out", "", "with -hot: also write the table to this file")
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
// one process each, then a table of every run.
func runHot(cfg config, h *hotOptions) (err error) {
	list := cfg.stores
	if list == nil {
		list = hotStores
	}
	for _, s := range list {
		if _, err := stores.Lookup(s); err != nil {
			return fmt.Errorf("-stores: %v", err)
		}
	}
	base := cfg.dir
	if base == "" {
		if base, err = os.MkdirTemp("", "diskmap-hot-"); err != nil {
			return err
		}
		if !cfg.keep {
			defer func() { err = errors.Join(err, os.RemoveAll(base)) }()
		}
	}
	hc := h.counts()
	args := []string{"-worker", "-hot", "-hot-keys", strconv.Itoa(hc.Keys), "-hot-increments", strconv.Itoa(hc.Increments),
		"-hot-sync", strconv.Itoa(hc.SyncEvery), "-seed", strconv.FormatUint(cfg.seed, 10)}
	var results []*workload.HotResult
	for r := 1; r <= cfg.runs; r++ {
		for _, s := range list {
			dir := filepath.Join(base, fmt.Sprintf("hot-%s-run%d", s, r))
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			res := new(workload.HotResult)
			err := spawn(cfg.timeout, append(args, "-store", s, "-dir", dir), res)
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
	table := hotTable(hc, results)
	fmt.Print(table)
	if h.out == "" {
		return nil
	}
	return os.WriteFile(h.out, []byte(table), 0o644)
}

// hotTable is the markdown table of the hot workload's runs.
func hotTable(hc workload.HotConfig, results []*workload.HotResult) string {
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
