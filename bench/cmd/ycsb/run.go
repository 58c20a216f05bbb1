package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/proc"
	"github.com/diskmap-go/diskmap/bench/internal/ycsb"
)

// printJSON prints the worker's results as the one JSON line the runner reads.
func printJSON(res *ycsb.Result) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = fmt.Printf("%s\n", b)
	return err
}

// run runs every job -runs times, each in a child process and a directory
// of its own, then writes the results.
func run(cfg config) (err error) {
	base, done, err := proc.WorkDir(cfg.dir, "ycsb-", false)
	if err != nil {
		return err
	}
	if done != nil {
		defer func() { err = errors.Join(err, done()) }()
	}
	before := loadAverage()
	start := time.Now()
	var all []*ycsb.Result
	for r := range cfg.runs {
		for _, j := range cfg.plan() {
			res, err := cfg.spawn(base, j, r)
			if err != nil {
				return fmt.Errorf("%s with %d clients, run %d: %w", j.store, j.clients, r+1, err)
			}
			fmt.Fprintf(os.Stderr, "ycsb: %s x%d run %d: load %.0f/s", j.store, j.clients, r+1, res.Load.OpsPerSec)
			for _, p := range res.Workloads {
				fmt.Fprintf(os.Stderr, ", %s %.0f/s", p.Name, p.OpsPerSec)
			}
			fmt.Fprintln(os.Stderr)
			all = append(all, res)
		}
	}
	if cfg.out == "" {
		return nil
	}
	rep := &report{cfg: cfg, results: medians(all), took: time.Since(start), loadBefore: before, loadAfter: loadAverage()}
	return rep.write()
}

// spawn runs job j in a child, in a new directory under base removed after.
func (cfg config) spawn(base string, j job, r int) (*ycsb.Result, error) {
	dir := filepath.Join(base, fmt.Sprintf("%s-%d-%d", j.store, j.clients, r))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }() // scratch, as above
	args := []string{"-worker", "-store", j.store, "-worker-clients", strconv.Itoa(j.clients), "-dir", dir,
		"-records", strconv.FormatInt(cfg.records, 10), "-ops", strconv.FormatInt(cfg.ops, 10),
		"-seed", strconv.FormatInt(cfg.seed+int64(r), 10), "-workloads", names(cfg.workloads)}
	var res ycsb.Result
	if err := proc.Spawn(cfg.timeout, args, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// loadAverage returns the first line of /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) == 0 {
		return "unknown"
	}
	return string(b[:len(b)-1])
}
