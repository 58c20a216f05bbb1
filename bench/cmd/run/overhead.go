package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// overheadPasses is how many passes over every key -check-latency runs of
// each loop, in pairs of pieces with and without the per-operation timing
// (see workload.MeasureOverhead).
const overheadPasses = 3

// checkLatency measures what the per-operation timing costs get-hit and
// get-miss of each store of cfg at the first size, in this process, and
// prints a table of the two times and their ratio.
func checkLatency(cfg config) (err error) {
	n := cfg.sizes[0]
	base, err := os.MkdirTemp(cfg.dir, "diskmap-latency-check-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(base)) }()
	d := workload.Generate(n, cfg.seed)
	var b strings.Builder
	fmt.Fprintf(&b, "\nper-operation timing, one get in about %d, n = %s, %d passes over every key in pairs of pieces of %s gets, untimed and timed; medians over the pieces:\n\n",
		workload.LatencyEvery, count(n), overheadPasses, count(workload.OverheadChunk))
	b.WriteString("| store | phase | untimed ns | timed ns | timed ÷ untimed | pairs |\n|---|---|--:|--:|--:|--:|\n")
	for _, s := range cfg.stores {
		k, err := stores.Lookup(s)
		if err != nil {
			return err
		}
		dir := filepath.Join(base, s)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		res, err := workload.MeasureOverhead(k, d, dir, overheadPasses)
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		for _, o := range res {
			line := fmt.Sprintf("| %s | %s | %s | %s | %.3fx | %d |", o.Store, o.Phase, nsop(o.Off), nsop(o.On), o.Ratio, o.Pairs)
			fmt.Fprintln(&b, line)
			fmt.Fprintln(os.Stderr, line)
		}
	}
	fmt.Print(b.String())
	return nil
}
