// Command cold measures gets from a cold start: each store is loaded with
// n keys, synced and closed; the page cache is dropped; then a fresh
// process opens the store and makes random gets at once, and counts the
// time of each and the bytes it read from the disk. It writes the tables
// to RESULTS-cold.md and a summary to the "cold" section of RESULTS.md.
//
// From the bench directory, as root (dropping the page cache needs it):
//
//	go run ./cmd/cold                       # n = 1,000,000, 100,000 gets
//	go run ./cmd/cold -n 100000 -out '' -results ''   # a quick check
//
// Without root, or where /proc/sys/vm/drop_caches cannot be written, the
// reads are skipped and the results say so. Linux only.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/proc"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// defaultStores are the stores on disk that read through the Store
// interface; diskmap twice, through View and through Get.
var defaultStores = []string{"diskmap-view", "diskmap-get", "bbolt", "pogreb", "badger", "pebble"}

type config struct {
	n, gets   int
	stores    []string
	seed      uint64
	random    bool // also a pass with MADV_RANDOM on every mapping
	dir       string
	out       string
	results   string
	charts    string
	timeout   time.Duration
	started   time.Time
	command   string
	readAhead string // the read-ahead of the disk under dir
}

func main() {
	var (
		n        = flag.Int("n", 1_000_000, "number of keys loaded")
		gets     = flag.Int("gets", 100_000, "random gets after the cold Open")
		storeArg = flag.String("stores", strings.Join(defaultStores, ","), "comma-separated stores")
		seed     = flag.Uint64("seed", 1, "seed of the workload and of the gets")
		random   = flag.Bool("random", true, "also read each store with every mapping of its files advised MADV_RANDOM (no read-ahead)")
		dir      = flag.String("dir", "", "directory for the stores' files (default a new temporary directory, removed at the end)")
		out      = flag.String("out", "RESULTS-cold.md", "file for the full tables; empty writes none")
		resFile  = flag.String("results", "RESULTS.md", "results file whose \"cold\" section gets the summary; empty writes none")
		charts   = flag.String("charts", "charts", "directory for the SVG charts, relative to -out")
		timeout  = flag.Duration("timeout", 30*time.Minute, "limit on one child process")

		worker = flag.String("worker", "", "load or read: run one step of one store (used by the command itself)")
		store  = flag.String("store", "", "with -worker: the store")
		advise = flag.Bool("advise-random", false, "with -worker read: advise MADV_RANDOM after Open")
	)
	flag.Parse()
	if *worker != "" {
		if err := runWorker(*worker, *store, *n, *gets, *seed, *dir, *advise); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	cfg := config{n: *n, gets: *gets, stores: strings.Split(*storeArg, ","), seed: *seed, random: *random,
		dir: *dir, out: *out, results: *resFile, charts: *charts, timeout: *timeout,
		started: time.Now(), command: commandLine()}
	if err := cfg.check(); err != nil {
		fatalf("%v", err)
	}
	if err := run(cfg); err != nil {
		fatalf("%v", err)
	}
}

func (cfg *config) check() error {
	if cfg.n < 10 {
		return errors.New("-n must be at least 10")
	}
	if cfg.gets < 1 {
		return errors.New("-gets must be at least 1")
	}
	for _, s := range cfg.stores {
		k, err := stores.Lookup(s)
		if err != nil {
			return fmt.Errorf("-stores: %v", err)
		}
		if k.InMemory {
			return fmt.Errorf("-stores: %s keeps nothing on disk", s)
		}
	}
	return nil
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cold: "+format+"\n", args...)
	os.Exit(1)
}

// runWorker is a child: it loads a store, or reads it cold and prints the
// results as a JSON line.
func runWorker(step, store string, n, gets int, seed uint64, dir string, advise bool) error {
	k, err := stores.Lookup(store)
	if err != nil {
		return err
	}
	if dir == "" {
		return errors.New("-worker needs -store and -dir")
	}
	d := workload.Generate(n, seed)
	switch step {
	case "load":
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := workload.ColdLoad(k, d, dir); err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(struct{}{})
	case "read":
		// The page cache was dropped with this binary's pages in it: read
		// the binary back first, so that the code of Open and of the gets,
		// run for the first time, does not fault in from the disk and
		// count as the store's reads.
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		if _, err := os.ReadFile(exe); err != nil {
			return err
		}
		res, err := workload.ColdRead(k, d, workload.ColdConfig{Gets: gets, Seed: seed, AdviseRandom: advise, Dir: dir})
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	return fmt.Errorf("-worker %q: want load or read", step)
}

// outcome is one store's reads, or why there are none.
type outcome struct {
	store string
	reads []*workload.ColdResult // the default, then with MADV_RANDOM
	err   string
}

// run is the parent: for each store, a child loads it, then for each way
// of reading the page cache is dropped and a child reads it.
func run(cfg config) (err error) {
	base, done, err := proc.WorkDir(cfg.dir, "diskmap-cold-", false)
	if err != nil {
		return err
	}
	if done != nil {
		defer func() { err = errors.Join(err, done()) }()
	}
	cfg.readAhead = readAhead(base)
	var outs []outcome
	note := ""
	for _, s := range cfg.stores {
		o := outcome{store: s}
		dir := filepath.Join(base, s)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := child(cfg, "load", s, dir, false, &struct{}{}); err != nil {
			o.err = "load: " + err.Error()
		}
		for _, advise := range []bool{false, true} {
			if o.err != "" || note != "" || (advise && !cfg.random) {
				break
			}
			if err := workload.DropCaches(); err != nil {
				note = fmt.Sprintf("Reads skipped: %v (it needs root).", err)
				break
			}
			res := new(workload.ColdResult)
			if err := child(cfg, "read", s, dir, advise, res); err != nil {
				o.err = "read: " + err.Error()
				break
			}
			fmt.Fprintf(os.Stderr, "%-14s %s\n", rowName(res), progress(res))
			o.reads = append(o.reads, res)
		}
		if o.err != "" {
			fmt.Fprintf(os.Stderr, "%-14s FAILED: %s\n", s, o.err)
		}
		outs = append(outs, o)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	rep := &report{cfg: cfg, outs: outs, note: note, finished: time.Now()}
	fmt.Print(rep.tables())
	return rep.write()
}

// child runs one step of one store in a process of its own.
func child(cfg config, step, store, dir string, advise bool, res any) error {
	args := []string{"-worker", step, "-store", store, "-n", strconv.Itoa(cfg.n), "-gets", strconv.Itoa(cfg.gets),
		"-seed", strconv.FormatUint(cfg.seed, 10), "-dir", dir}
	if advise {
		args = append(args, "-advise-random")
	}
	return proc.Spawn(cfg.timeout, args, res)
}

func progress(r *workload.ColdResult) string {
	return fmt.Sprintf("open %s, %d gets: %.1f µs a get, %.1f KiB read a get (first %d: %.1f KiB)",
		dur(float64(r.OpenNanos)), r.Gets, float64(r.Nanos)/float64(r.Gets)/1e3,
		float64(r.Read.ReadBytes)/float64(r.Gets)/1024, min(workload.ColdFirst, r.Gets),
		float64(r.First.ReadBytes)/float64(min(workload.ColdFirst, r.Gets))/1024)
}

// commandLine is the command that was run, as one would type it in bench/.
func commandLine() string {
	exe, _ := os.Executable()
	prog := "go run ./cmd/cold"
	if !strings.Contains(exe, "go-build") {
		prog = os.Args[0]
	}
	args := []string{prog}
	for _, a := range os.Args[1:] {
		if a == "" || strings.ContainsAny(a, " \t'\"$") {
			a = strconv.Quote(a)
		}
		args = append(args, a)
	}
	return strings.Join(args, " ")
}
