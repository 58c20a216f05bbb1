// Command run compares diskmap with Go's built-in map and with other
// embedded stores on one workload, each store in its own process, and
// writes the medians of several runs to RESULTS.md with a chart per phase.
//
// From the bench directory:
//
//	go run ./cmd/run                      # n = 100,000 and 1,000,000, three runs each
//	go run ./cmd/run -large               # and 10,000,000 where the disk allows
//	go run ./cmd/run -n 100000 -runs 1    # a quick check of the whole pipeline
//
// The runner starts its own binary again with -worker for each store and
// run; the worker generates the workload, runs the phases and prints one
// JSON line of results.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/proc"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

const largeN = 10_000_000

type config struct {
	sizes    []int
	runs     int
	stores   []string
	phases   []string
	seed     uint64
	dir      string
	out      string
	charts   string
	headline int
	keep     bool
	timeout  time.Duration
	benchOut string
}

func main() {
	var (
		nList    = flag.String("n", "100000,1000000", "comma-separated numbers of keys")
		large    = flag.Bool("large", false, "also run n = 10,000,000, where the disk has room")
		runs     = flag.Int("runs", 3, "runs of each store at each n; the tables show medians")
		storeArg = flag.String("stores", "", "comma-separated stores (default all: "+strings.Join(stores.Names(), ",")+")")
		phaseArg = flag.String("phases", "", "comma-separated phases (default all: "+strings.Join(workload.Phases, ",")+")")
		seed     = flag.Uint64("seed", 1, "seed of the workload")
		dir      = flag.String("dir", "", "directory for the stores' files (default a new temporary directory, removed at the end)")
		out      = flag.String("out", "RESULTS.md", "results file to write; empty writes none")
		charts   = flag.String("charts", "charts", "directory for the SVG charts, relative to the results file")
		headline = flag.Int("targets-n", 1_000_000, "n whose results the targets are judged on")
		keep     = flag.Bool("keep", false, "keep each run's store directory")
		timeout  = flag.Duration("timeout", 30*time.Minute, "limit on one store's run")
		benchOut = flag.String("benchfmt", "", "also write every run to this file in the Go benchmark format, for benchstat")
		checkLat = flag.Bool("check-latency", false, "measure what timing single operations costs get-hit and get-miss of each store at the first -n, print it and exit")

		hot = hotFlags()

		worker = flag.Bool("worker", false, "run one store and print its results as JSON (used by the runner itself)")
		store  = flag.String("store", "", "with -worker: the store")
		n      = flag.Int("worker-n", 0, "with -worker: the number of keys")
	)
	flag.Parse()
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	if *worker && hot.on {
		if err := runHotWorker(*store, hot.counts(), *seed, *dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if *worker {
		if err := runWorker(*store, *n, *seed, split(*phaseArg), *dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}

	cfg := config{runs: *runs, stores: split(*storeArg), phases: split(*phaseArg), seed: *seed,
		dir: *dir, out: *out, charts: *charts, headline: *headline, keep: *keep, timeout: *timeout,
		benchOut: *benchOut}
	if hot.on {
		if err := runHot(cfg, hot); err != nil {
			fatalf("%v", err)
		}
		return
	}
	if err := cfg.setSizes(split(*nList), *large); err != nil {
		fatalf("%v", err)
	}
	if err := cfg.check(); err != nil {
		fatalf("%v", err)
	}
	if *checkLat {
		if err := checkLatency(cfg); err != nil {
			fatalf("%v", err)
		}
		return
	}
	if err := run(cfg); err != nil {
		fatalf("%v", err)
	}
}

func (cfg *config) setSizes(list []string, large bool) error {
	for _, s := range list {
		v, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
		if err != nil || v < 10 {
			return fmt.Errorf("-n: %q is not a number of keys (at least 10)", s)
		}
		cfg.sizes = append(cfg.sizes, v)
	}
	if large {
		cfg.sizes = append(cfg.sizes, largeN)
	}
	if len(cfg.sizes) == 0 {
		return errors.New("-n: no size")
	}
	return nil
}

// check fills in the stores and checks the stores and phases named.
func (cfg *config) check() error {
	if cfg.stores == nil {
		cfg.stores = stores.Names()
	}
	for _, s := range cfg.stores {
		if _, err := stores.Lookup(s); err != nil {
			return fmt.Errorf("-stores: %v", err)
		}
	}
	for _, p := range cfg.phases {
		if !slices.Contains(workload.Phases, p) {
			return fmt.Errorf("-phases: unknown phase %q (have %s)", p, strings.Join(workload.Phases, ", "))
		}
	}
	if cfg.runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	return nil
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "run: "+format+"\n", args...)
	os.Exit(1)
}

// runWorker is the child: one store, one run.
func runWorker(store string, n int, seed uint64, phases []string, dir string) error {
	k, err := stores.Lookup(store)
	if err != nil {
		return err
	}
	if n <= 0 || dir == "" {
		return errors.New("-worker needs -store, -worker-n and -dir")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d := workload.Generate(n, seed)
	res, err := workload.Run(k, d, workload.Config{N: n, Seed: seed, Phases: phases, Dir: dir})
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// run is the parent: every store, every size, every run, one process each,
// then the report.
func run(cfg config) (err error) {
	base, done, err := proc.WorkDir(cfg.dir, "diskmap-bench-", cfg.keep)
	if err != nil {
		return err
	}
	if done != nil {
		defer func() { err = errors.Join(err, done()) }()
	}
	bench := io.Discard
	if cfg.benchOut != "" {
		f, ferr := os.Create(cfg.benchOut)
		if ferr != nil {
			return ferr
		}
		defer func() { err = errors.Join(err, f.Close()) }()
		bench = f
		if err := writeBenchHeader(f, thisMachine()); err != nil {
			return err
		}
	}
	rep := &report{cfg: cfg, started: time.Now(), command: commandLine(), dir: base, loadStart: loadAverage()}
	for _, n := range cfg.sizes {
		if need, free, ok := diskRoom(base, n); !ok {
			msg := fmt.Sprintf("n=%d skipped: about %s of free disk needed, %s free", n, mib(float64(need)), mib(float64(free)))
			fmt.Fprintln(os.Stderr, msg)
			rep.skipped = append(rep.skipped, msg)
			continue
		}
		sr, err := runSize(cfg, base, n, bench)
		if err != nil {
			return err
		}
		rep.sizes = append(rep.sizes, sr)
		rep.sizes[len(rep.sizes)-1].latency = memLatency(chaseBytes(n))
	}
	rep.finished, rep.loadEnd = time.Now(), loadAverage()
	fmt.Print(rep.markdownTables())
	if cfg.out == "" {
		return nil
	}
	return rep.write()
}

// runSize runs every store cfg.runs times at n, the stores taking turns so
// that a slow spell of the machine spreads over all of them. A store that
// fails once is not run again at this size. An error is one of the run
// itself: a directory that cannot be removed, a -bench-out that cannot be
// written.
func runSize(cfg config, base string, n int, bench io.Writer) (*sizeResult, error) {
	results := map[string][]*workload.Result{}
	failures := map[string]string{}
	for r := 1; r <= cfg.runs; r++ {
		for _, s := range cfg.stores {
			if _, failed := failures[s]; failed {
				continue
			}
			dir := filepath.Join(base, fmt.Sprintf("%s-n%d-run%d", s, n, r))
			// A kept directory of an earlier run would not start empty.
			if err := os.RemoveAll(dir); err != nil {
				return nil, err
			}
			res, err := child(cfg, s, n, dir)
			if !cfg.keep {
				if err := os.RemoveAll(dir); err != nil {
					return nil, err
				}
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "n=%d run %d/%d %-16s FAILED: %v\n", n, r, cfg.runs, s, err)
				failures[s] = err.Error()
				continue
			}
			fmt.Fprintf(os.Stderr, "n=%d run %d/%d %-16s %s\n", n, r, cfg.runs, s, progressLine(res))
			results[s] = append(results[s], res)
			if err := writeBenchRun(bench, res); err != nil {
				return nil, err
			}
		}
	}
	return summarize(n, cfg.stores, results, failures), nil
}

// child runs one store once in its own process and parses its JSON line.
func child(cfg config, store string, n int, dir string) (*workload.Result, error) {
	args := []string{"-worker", "-store", store, "-worker-n", strconv.Itoa(n),
		"-seed", strconv.FormatUint(cfg.seed, 10), "-dir", dir}
	if cfg.phases != nil {
		args = append(args, "-phases", strings.Join(cfg.phases, ","))
	}
	res := new(workload.Result)
	if err := proc.Spawn(cfg.timeout, args, res); err != nil {
		return nil, err
	}
	return res, nil
}

func progressLine(r *workload.Result) string {
	var parts []string
	for _, p := range r.Phases {
		switch p.Name {
		case "reopen", "close", "compact":
			parts = append(parts, fmt.Sprintf("%s %s", p.Name, dur(float64(p.Nanos))))
		default:
			parts = append(parts, fmt.Sprintf("%s %.0fns", p.Name, p.NsPerOp()))
		}
	}
	if r.Disk != nil {
		parts = append(parts, "disk "+mib(float64(r.Disk.Blocks)))
	}
	return strings.Join(parts, "  ")
}

// commandLine is the command that was run, as one would type it in bench/.
func commandLine() string {
	exe, _ := os.Executable()
	prog := "go run ./cmd/run"
	if !strings.Contains(exe, "go-build") {
		prog = os.Args[0]
	}
	args := []string{prog}
	for _, a := range os.Args[1:] {
		if strings.ContainsAny(a, " \t'\"$") {
			a = strconv.Quote(a)
		}
		args = append(args, a)
	}
	return strings.Join(args, " ")
}
