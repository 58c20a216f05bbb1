// Command ycsb runs the core workloads of the Yahoo! Cloud Serving
// Benchmark against diskmap and its peers: each store is loaded with
// -records records of 1,000 bytes, then runs workloads A, B, C, F and D
// (package ycsb says what each is and what is YCSB's), and the results go
// to RESULTS-ycsb.md, charts/ycsb-*.svg and a section "ycsb" of RESULTS.md
// that weighs diskmap against the best peer of each workload.
//
// The runner starts its own binary again with -worker for each store and
// run, so that every store has a process of its own; the worker prints one
// JSON line with its results.
//
//	go run ./cmd/ycsb                      # every store, 1,000,000 records
//	go run ./cmd/ycsb -records 100000 -ops 50000 -stores diskmap-view,pebble -out ''
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/ycsb"
)

// defaultTimeout is the limit on one store's run.
const defaultTimeout = 20 * time.Minute

// defaultStores are the stores a run compares unless -stores names others.
var defaultStores = []string{"diskmap-view", "diskmap-get", "concurrent-view", "concurrent-get", "bbolt", "pogreb", "badger", "pebble"}

// config is a whole run of the runner, from the flags.
type config struct {
	records, ops int64
	stores       []string
	workloads    []ycsb.Workload
	clients      []int // nil: the default plan
	runs         int
	seed         int64
	dir          string
	out, summary string
	charts       string
	timeout      time.Duration
	args         []string // the command line, for the results
}

func main() {
	var (
		records   = flag.Int64("records", 1_000_000, "records loaded (YCSB's recordcount)")
		ops       = flag.Int64("ops", 100_000, "operations of each workload, over all clients (YCSB's operationcount)")
		storeArg  = flag.String("stores", "", "comma-separated stores (default "+strings.Join(defaultStores, ",")+"; have "+strings.Join(stores.Names(), ",")+")")
		wlArg     = flag.String("workloads", "", "comma-separated workloads (default all: "+strings.Join(ycsb.Names(), ",")+"); they run in the order A, B, C, F, D on one load")
		clientArg = flag.String("clients", "", "comma-separated client counts, each store at each (default: concurrent-* at GOMAXPROCS, the others at 1 and, for the same-count comparison, at GOMAXPROCS)")
		runs      = flag.Int("runs", 1, "runs of each store at each client count; the tables show the median of each workload")
		seed      = flag.Int64("seed", 1, "seed of the clients' random streams")
		dir       = flag.String("dir", "", "directory for the stores' files (default a new temporary directory, removed at the end)")
		out       = flag.String("out", "RESULTS-ycsb.md", "full results file; empty writes no results, charts or summary")
		summary   = flag.String("summary", "RESULTS.md", "file whose section \"ycsb\" gets the summary, beside -out; empty writes none")
		charts    = flag.String("charts", "charts", "directory for the SVG charts, relative to the results file")
		timeout   = flag.Duration("timeout", defaultTimeout, "limit on one store's run")

		worker     = flag.Bool("worker", false, "run one store and print its results as JSON (used by the runner itself)")
		store      = flag.String("store", "", "with -worker: the store")
		nclients   = flag.Int("worker-clients", 1, "with -worker: the clients")
		cpuprofile = flag.String("cpuprofile", "", "with -worker: write a CPU profile of each workload's operations to this directory, as ycsb-STORE-WORKLOAD.pprof")
	)
	flag.Parse()
	if flag.NArg() > 0 {
		fatalf("unexpected arguments %q", flag.Args())
	}
	wls, err := ycsb.Parse(*wlArg)
	if err != nil {
		fatalf("-workloads: %v", err)
	}
	if *worker {
		if err := runWorker(*store, *dir, *cpuprofile, ycsb.Config{Records: *records, Ops: *ops,
			Clients: *nclients, Seed: *seed, Workloads: wls}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	cfg := config{records: *records, ops: *ops, workloads: wls, runs: *runs, seed: *seed, dir: *dir,
		out: *out, summary: *summary, charts: *charts, timeout: *timeout, args: os.Args[1:]}
	if err := cfg.parse(*storeArg, *clientArg); err != nil {
		fatalf("%v", err)
	}
	if err := run(cfg); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ycsb: "+format+"\n", args...)
	os.Exit(1)
}

// parse checks the flags and fills in the stores and client counts.
func (cfg *config) parse(storeArg, clientArg string) error {
	cfg.stores = defaultStores
	if storeArg != "" {
		cfg.stores = strings.Split(storeArg, ",")
	}
	for _, s := range cfg.stores {
		if _, err := stores.Lookup(s); err != nil {
			return fmt.Errorf("-stores: %v", err)
		}
		if ycsb.About(s) == "" {
			return fmt.Errorf("-stores: %s cannot be shared between clients", s)
		}
	}
	if clientArg != "" {
		for _, c := range strings.Split(clientArg, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(c))
			if err != nil || n < 1 {
				return fmt.Errorf("-clients: %q is not a number of clients (at least 1)", c)
			}
			cfg.clients = append(cfg.clients, n)
		}
	}
	switch {
	case cfg.records < 2:
		return errors.New("-records must be at least 2")
	case cfg.ops < 1:
		return errors.New("-ops must be at least 1")
	case cfg.runs < 1:
		return errors.New("-runs must be at least 1")
	}
	return nil
}

// job is one store at one client count.
type job struct {
	store   string
	clients int
}

// plan returns the jobs: every store at every -clients count, or by
// default package concurrent's kinds at GOMAXPROCS clients (they exist for
// many goroutines), the others at one client and, for a comparison at the
// same count, at GOMAXPROCS too.
func (cfg *config) plan() []job {
	var jobs []job
	procs := runtime.GOMAXPROCS(0)
	for _, s := range cfg.stores {
		counts := cfg.clients
		if counts == nil {
			counts = []int{1, procs}
			if strings.HasPrefix(s, "concurrent") {
				counts = []int{procs}
			} else if procs == 1 {
				counts = []int{1}
			}
		}
		for _, c := range counts {
			jobs = append(jobs, job{s, c})
		}
	}
	return jobs
}

// runWorker is the child: one store, one run.
func runWorker(store, dir, profileDir string, cfg ycsb.Config) error {
	k, err := stores.Lookup(store)
	if err != nil {
		return err
	}
	if dir == "" {
		return errors.New("-worker needs -dir")
	}
	if profileDir != "" {
		cfg.Profile = func(w string) (func() error, error) {
			f, err := os.Create(filepath.Join(profileDir, "ycsb-"+store+"-"+w+".pprof"))
			if err != nil {
				return nil, err
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				_ = f.Close() // nothing written yet
				return nil, err
			}
			return func() error { pprof.StopCPUProfile(); return f.Close() }, nil
		}
	}
	res, err := ycsb.Run(k, dir, cfg)
	if err != nil {
		return err
	}
	return printJSON(res)
}
