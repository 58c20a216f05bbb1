// Command durable measures durable writes: each Put is on stable storage
// when it returns, from 1 and from 16 writer goroutines at once, for
// diskmap in DurabilityWALSync (a diskmap.Map, and package concurrent)
// and for bbolt, pogreb, badger and pebble in their synced modes. It
// measures plain fsyncs on the same disk first, the floor for a store that
// syncs each write alone, and writes RESULTS-durable.md, a chart per
// writer count and a "durable" section of RESULTS.md.
//
// From the bench directory:
//
//	go run ./cmd/durable                        # every store, 1 and 16 writers, 10 s each
//	go run ./cmd/durable -duration 1s -out ''   # a quick check of the whole pipeline
//
// The runner starts its own binary again with -worker for each store and
// writer count; the worker writes, reads every write back after a reopen,
// and prints one JSON line of results.
package main

import (
	"encoding/json"
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

	"github.com/diskmap-go/diskmap/bench/internal/durable"
	"github.com/diskmap-go/diskmap/bench/internal/proc"
	"github.com/diskmap-go/diskmap/bench/internal/report"
)

// config is what the runner was asked for.
type config struct {
	stores   []string
	writers  []int
	duration time.Duration
	runs     int
	floor    time.Duration
	value    int
	seed     uint64
	dir      string
	out      string
	summary  string
	charts   string
	profile  string
	timeout  time.Duration
}

func main() {
	var (
		storeArg = flag.String("stores", "", "comma-separated stores (default all: "+strings.Join(durable.Names(), ",")+")")
		writers  = flag.String("writers", "1,16", "comma-separated numbers of writer goroutines")
		duration = flag.Duration("duration", 5*time.Second, "how long each store writes at each writer count, each run")
		runs     = flag.Int("runs", 3, "runs of each store at each writer count, the stores taking turns; the tables show the median")
		floor    = flag.Duration("floor", 5*time.Second, "how long to measure plain synced appends first (0: not at all)")
		value    = flag.Int("value", 100, "bytes of each value (keys are 16 bytes)")
		seed     = flag.Uint64("seed", 1, "seed of the keys and values")
		dir      = flag.String("dir", "", "directory for the stores' files (default a new temporary directory, removed at the end)")
		out      = flag.String("out", "RESULTS-durable.md", "results file to write; empty writes none (and no charts, no summary)")
		summary  = flag.String("summary", "RESULTS.md", "file whose \"durable\" section gets a summary; empty writes none")
		charts   = flag.String("charts", "charts", "directory for the SVG charts, relative to the results file")
		profile  = flag.String("profile", "", "directory for a CPU, block and mutex profile of each worker")
		timeout  = flag.Duration("timeout", 5*time.Minute, "limit on one store's run, its read-back included")

		worker  = flag.Bool("worker", false, "run one store and print its results as JSON (used by the runner itself)")
		store   = flag.String("store", "", "with -worker: the store")
		workers = flag.Int("worker-writers", 1, "with -worker: the number of writers")
	)
	flag.Parse()
	if *worker {
		cfg := durable.Config{Writers: *workers, Duration: *duration, ValueSize: *value, Seed: *seed, Dir: *dir}
		if err := runWorker(*store, cfg, *profile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	cfg := config{duration: *duration, runs: *runs, floor: *floor, value: *value, seed: *seed, dir: *dir, out: *out,
		summary: *summary, charts: *charts, profile: *profile, timeout: *timeout}
	if err := cfg.parse(*storeArg, *writers); err != nil {
		fatalf("%v", err)
	}
	if err := run(cfg); err != nil {
		fatalf("%v", err)
	}
}

// parse fills in the stores and writer counts from their flags.
func (cfg *config) parse(storeArg, writers string) error {
	cfg.stores = durable.Names()
	if storeArg != "" {
		cfg.stores = strings.Split(storeArg, ",")
	}
	for _, s := range cfg.stores {
		if _, err := durable.Lookup(s); err != nil {
			return fmt.Errorf("-stores: %v", err)
		}
	}
	for _, w := range strings.Split(writers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 1 || n > 4096 {
			return fmt.Errorf("-writers: %q is not a number of writers from 1 to 4096", w)
		}
		cfg.writers = append(cfg.writers, n)
	}
	switch {
	case cfg.duration <= 0:
		return errors.New("-duration must be above 0")
	case cfg.runs < 1:
		return errors.New("-runs must be at least 1")
	case cfg.floor < 0:
		return errors.New("-floor must not be negative")
	case cfg.value < 0 || cfg.value > 1<<20:
		return errors.New("-value must be from 0 to 1 MiB")
	}
	return nil
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "durable: "+format+"\n", args...)
	os.Exit(1)
}

// runWorker is the child: one store, one writer count, with profiles in
// profileDir if it is set.
func runWorker(store string, cfg durable.Config, profileDir string) error {
	k, err := durable.Lookup(store)
	if err != nil {
		return err
	}
	if cfg.Dir == "" {
		return errors.New("-worker needs -store and -dir")
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return err
	}
	stop, err := startProfiles(profileDir, fmt.Sprintf("%s-w%d", store, cfg.Writers))
	if err != nil {
		return err
	}
	res, err := durable.Run(k, cfg)
	if err = errors.Join(err, stop()); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// startProfiles starts a CPU profile and block and mutex profiling, if dir
// is set; stop writes the three profiles as dir/name.{cpu,block,mutex}.pprof.
func startProfiles(dir, name string) (stop func() error, err error) {
	if dir == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cpu, err := os.Create(filepath.Join(dir, name+".cpu.pprof"))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		return nil, errors.Join(err, cpu.Close())
	}
	runtime.SetBlockProfileRate(1000) // one blocking event sampled a microsecond blocked
	runtime.SetMutexProfileFraction(10)
	return func() error {
		pprof.StopCPUProfile()
		err := cpu.Close()
		for _, p := range []string{"block", "mutex"} {
			f, ferr := os.Create(filepath.Join(dir, name+"."+p+".pprof"))
			if ferr != nil {
				err = errors.Join(err, ferr)
				continue
			}
			err = errors.Join(err, pprof.Lookup(p).WriteTo(f, 0), f.Close())
		}
		return err
	}, nil
}

// run is the parent: the floor, then every writer count and store, one
// process each, then the report.
func run(cfg config) (err error) {
	base, done, err := proc.WorkDir(cfg.dir, "diskmap-durable-", false)
	if err != nil {
		return err
	}
	if done != nil {
		defer func() { err = errors.Join(err, done()) }()
	}
	rep := &runReport{cfg: cfg, started: time.Now(), command: report.Command("durable"), failures: map[string]string{}}
	if cfg.floor > 0 {
		f, err := durable.Floor(base, durable.KeySize+cfg.value, cfg.floor)
		if err != nil {
			return fmt.Errorf("measuring the floor: %w", err)
		}
		rep.floor = &f
		fmt.Fprintf(os.Stderr, "floor: %.0f synced appends of %d bytes a second, p50 %s\n",
			f.PerSecond(), f.Record, report.Dur(float64(f.Latency.P50)))
	}
	all := map[string][]*durable.Result{}
	for r := 1; r <= cfg.runs; r++ {
		for _, w := range cfg.writers {
			for _, s := range cfg.stores {
				key := fmt.Sprintf("%s/%d", s, w)
				if _, failed := rep.failures[key]; failed {
					continue
				}
				res, err := child(cfg, base, s, w)
				if err != nil {
					fmt.Fprintf(os.Stderr, "run %d/%d %-22s %3d writers FAILED: %v\n", r, cfg.runs, s, w, err)
					rep.failures[key] = err.Error()
					continue
				}
				fmt.Fprintf(os.Stderr, "run %d/%d %-22s %3d writers %9.0f writes/s  p50 %-9s p99 %-9s p99.9 %-9s max %s\n", r, cfg.runs, s, w,
					res.PerSecond(), report.Dur(float64(res.Latency.P50)), report.Dur(float64(res.Latency.P99)),
					report.Dur(float64(res.Latency.P999)), report.Dur(float64(res.Latency.Max)))
				all[key] = append(all[key], res)
			}
		}
	}
	rep.collect(all)
	rep.finished = time.Now()
	fmt.Print(rep.tables())
	if cfg.out == "" {
		return nil
	}
	return rep.write()
}

// child runs one store at one writer count in its own process, in a
// directory of its own that it removes after.
func child(cfg config, base, store string, writers int) (*durable.Result, error) {
	dir := filepath.Join(base, fmt.Sprintf("%s-w%d", store, writers))
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	args := []string{"-worker", "-store", store, "-worker-writers", strconv.Itoa(writers),
		"-duration", cfg.duration.String(), "-value", strconv.Itoa(cfg.value),
		"-seed", strconv.FormatUint(cfg.seed, 10), "-dir", dir}
	if cfg.profile != "" {
		args = append(args, "-profile", cfg.profile)
	}
	res := new(durable.Result)
	err := proc.Spawn(cfg.timeout, args, res)
	if rerr := os.RemoveAll(dir); rerr != nil {
		return nil, errors.Join(err, rerr)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}
