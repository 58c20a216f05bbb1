// Command scaling measures how the throughput of gets, and of a mix of
// nine gets to one Put, grows with the number of goroutines: 1, 2, 4, ...
// up to -max-procs, GOMAXPROCS set to each, every store in its own
// process. It writes the full table to RESULTS-scaling.md, a chart per mix,
// and a summary to the "scaling" section of RESULTS.md.
//
// From the bench directory:
//
//	go run ./cmd/scaling                     # n = 1,000,000, up to 2 x NumCPU goroutines
//	go run ./cmd/scaling -n 20000 -out '' -results ''   # a quick check
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/proc"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// defaultStores are diskmap's rows that may be read from many goroutines
// and the peers, which all may.
var defaultStores = []string{"concurrent-view", "concurrent-get", "diskmap-view", "bbolt", "pogreb", "badger", "pebble"}

type config struct {
	n        int
	procs    []int
	repeat   int
	stores   []string
	seed     uint64
	dir      string
	out      string
	results  string
	charts   string
	timeout  time.Duration
	started  time.Time
	finished time.Time
	command  string
}

func main() {
	var (
		n        = flag.Int("n", 1_000_000, "number of keys loaded, and of operations at each goroutine count")
		maxProcs = flag.Int("max-procs", max(4, 2*runtime.NumCPU()), "the largest goroutine count; the counts are the powers of two up to it")
		repeat   = flag.Int("repeat", 3, "runs of each point; the median counts")
		storeArg = flag.String("stores", strings.Join(defaultStores, ","), "comma-separated stores")
		seed     = flag.Uint64("seed", 1, "seed of the workload")
		dir      = flag.String("dir", "", "directory for the stores' files (default a new temporary directory, removed at the end)")
		out      = flag.String("out", "RESULTS-scaling.md", "file for the full table; empty writes none")
		resFile  = flag.String("results", "RESULTS.md", "results file whose \"scaling\" section gets the summary; empty writes none")
		charts   = flag.String("charts", "charts", "directory for the SVG charts, relative to -out")
		timeout  = flag.Duration("timeout", 30*time.Minute, "limit on one store's process")

		worker = flag.Bool("worker", false, "run one store and print its results as JSON (used by the command itself)")
		store  = flag.String("store", "", "with -worker: the store")
		procs  = flag.String("procs", "", "with -worker: the comma-separated goroutine counts")
	)
	flag.Parse()
	if *worker {
		if err := runWorker(*store, *n, *seed, *procs, *repeat, *dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	cfg := config{n: *n, procs: powers(*maxProcs), repeat: *repeat, stores: strings.Split(*storeArg, ","), seed: *seed,
		dir: *dir, out: *out, results: *resFile, charts: *charts, timeout: *timeout, started: time.Now(), command: commandLine()}
	if err := cfg.check(*maxProcs); err != nil {
		fatalf("%v", err)
	}
	if err := run(cfg); err != nil {
		fatalf("%v", err)
	}
}

// powers returns 1, 2, 4, ... up to limit.
func powers(limit int) []int {
	var ps []int
	for p := 1; p <= limit; p *= 2 {
		ps = append(ps, p)
	}
	return ps
}

func (cfg *config) check(maxProcs int) error {
	if cfg.n < 10 {
		return errors.New("-n must be at least 10")
	}
	if maxProcs < 1 {
		return errors.New("-max-procs must be at least 1")
	}
	if cfg.repeat < 1 {
		return errors.New("-repeat must be at least 1")
	}
	for _, s := range cfg.stores {
		if _, err := stores.Lookup(s); err != nil {
			return fmt.Errorf("-stores: %v", err)
		}
	}
	return nil
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "scaling: "+format+"\n", args...)
	os.Exit(1)
}

// runWorker is the child: one store, every point.
func runWorker(store string, n int, seed uint64, procList string, repeat int, dir string) error {
	k, err := stores.Lookup(store)
	if err != nil {
		return err
	}
	if dir == "" || procList == "" {
		return errors.New("-worker needs -store, -procs and -dir")
	}
	var procs []int
	for _, s := range strings.Split(procList, ",") {
		p, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("-procs: %q is not a number", s)
		}
		procs = append(procs, p)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d := workload.Generate(n, seed)
	res, err := workload.RunScaling(k, d, workload.ScalingConfig{Procs: procs, Repeat: repeat, Dir: dir})
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// outcome is one store's points, or why there are none.
type outcome struct {
	store string
	res   *workload.ScalingResult
	err   string
}

// run is the parent: a process for each store, then the report.
func run(cfg config) (err error) {
	base, done, err := proc.WorkDir(cfg.dir, "diskmap-scaling-", false)
	if err != nil {
		return err
	}
	if done != nil {
		defer func() { err = errors.Join(err, done()) }()
	}
	ps := make([]string, len(cfg.procs))
	for i, p := range cfg.procs {
		ps[i] = strconv.Itoa(p)
	}
	var outs []outcome
	for _, s := range cfg.stores {
		dir := filepath.Join(base, s)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		res := new(workload.ScalingResult)
		args := []string{"-worker", "-store", s, "-n", strconv.Itoa(cfg.n), "-seed", strconv.FormatUint(cfg.seed, 10),
			"-procs", strings.Join(ps, ","), "-repeat", strconv.Itoa(cfg.repeat), "-dir", dir}
		o := outcome{store: s}
		if err := proc.Spawn(cfg.timeout, args, res); err != nil {
			o.err = err.Error()
			fmt.Fprintf(os.Stderr, "%-16s FAILED: %v\n", s, err)
		} else {
			o.res = res
			fmt.Fprintf(os.Stderr, "%-16s %s\n", s, progress(res))
		}
		outs = append(outs, o)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	cfg.finished = time.Now()
	rep := &report{cfg: cfg, outs: outs}
	fmt.Print(rep.tables())
	return rep.write()
}

func progress(r *workload.ScalingResult) string {
	var parts []string
	for _, p := range r.Points {
		parts = append(parts, fmt.Sprintf("%s×%d %.2fM/s", p.Mix, p.Procs, p.OpsPerSec()/1e6))
	}
	return strings.Join(parts, "  ")
}

// commandLine is the command that was run, as one would type it in bench/.
func commandLine() string {
	exe, _ := os.Executable()
	prog := "go run ./cmd/scaling"
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
