// Command sizes compares the stores at value sizes from 8 bytes to 256
// KiB: for each size, each store loads n keys, reads every one back in
// random order and updates every one, each call timed, in a process of its
// own. It writes RESULTS-sizes.md, a chart per phase and a "sizes" section
// of RESULTS.md.
//
// From the bench directory:
//
//	go run ./cmd/sizes                                   # 256 MiB of values a run, at most 1,000,000 keys
//	go run ./cmd/sizes -bytes 1GiB -max-keys 4000000     # the full size: about 1 GiB of values a run
//	go run ./cmd/sizes -bytes 4MiB -out ''               # a quick check of the whole pipeline
//
// n at each size is -bytes divided by the size, at most -max-keys.
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
	"github.com/diskmap-go/diskmap/bench/internal/report"
	"github.com/diskmap-go/diskmap/bench/internal/sizes"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// defaultStores are the stores the runner compares unless told otherwise:
// the in-memory limit, diskmap through View and through Get, and the peers.
var defaultStores = []string{"builtin", "diskmap-view", "diskmap-get", "bbolt", "pogreb", "badger", "pebble"}

// config is what the runner was asked for.
type config struct {
	sizes     []int
	bytes     int64
	maxKeys   int
	stores    []string
	syncBytes int64
	seed      uint64
	dir       string
	out       string
	summary   string
	charts    string
	timeout   time.Duration
}

// n returns the number of keys at a value size.
func (cfg config) n(size int) int { return int(max(1, min(int64(cfg.maxKeys), cfg.bytes/int64(size)))) }

func main() {
	var (
		sizeArg   = flag.String("sizes", "8,100,1KiB,16KiB,256KiB", "comma-separated value sizes, each at least 8 bytes")
		bytesArg  = flag.String("bytes", "256MiB", "bytes of values each run loads (and then updates): n = bytes / size, at most -max-keys")
		maxKeys   = flag.Int("max-keys", 1_000_000, "most keys of a run, whatever -bytes says")
		storeArg  = flag.String("stores", strings.Join(defaultStores, ","), "comma-separated stores (have: "+strings.Join(stores.Names(), ",")+")")
		syncBytes = flag.String("sync-bytes", "4MiB", "bytes of values between two Syncs in a write phase")
		seed      = flag.Uint64("seed", 1, "seed of the keys, values and read order")
		dir       = flag.String("dir", "", "directory for the stores' files (default a new temporary directory, removed at the end)")
		out       = flag.String("out", "RESULTS-sizes.md", "results file to write; empty writes none (and no charts, no summary)")
		summary   = flag.String("summary", "RESULTS.md", "file whose \"sizes\" section gets a summary; empty writes none")
		charts    = flag.String("charts", "charts", "directory for the SVG charts, relative to the results file")
		timeout   = flag.Duration("timeout", 15*time.Minute, "limit on one store's run at one size")

		worker = flag.Bool("worker", false, "run one store at one size and print its results as JSON (used by the runner itself)")
		store  = flag.String("store", "", "with -worker: the store")
		size   = flag.Int("worker-size", 0, "with -worker: the value size")
		n      = flag.Int("worker-n", 0, "with -worker: the number of keys")
	)
	flag.Parse()
	sb, err := report.ParseBytes(*syncBytes)
	if err != nil || sb < 1 {
		fatalf("-sync-bytes: %q is not a size above 0", *syncBytes)
	}
	if *worker {
		if err := runWorker(*store, sizes.Config{Size: *size, N: *n, SyncBytes: sb, Seed: *seed, Dir: *dir}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	cfg := config{maxKeys: *maxKeys, syncBytes: sb, seed: *seed, dir: *dir, out: *out, summary: *summary,
		charts: *charts, timeout: *timeout}
	if err := cfg.parse(*sizeArg, *bytesArg, *storeArg); err != nil {
		fatalf("%v", err)
	}
	if err := run(cfg); err != nil {
		fatalf("%v", err)
	}
}

// parse fills in the sizes, bytes and stores from their flags.
func (cfg *config) parse(sizeArg, bytesArg, storeArg string) error {
	for _, s := range strings.Split(sizeArg, ",") {
		v, err := report.ParseBytes(s)
		if err != nil || v < sizes.MinValue || v > 64<<20 {
			return fmt.Errorf("-sizes: %q is not a value size from %d bytes to 64 MiB", s, sizes.MinValue)
		}
		cfg.sizes = append(cfg.sizes, int(v))
	}
	b, err := report.ParseBytes(bytesArg)
	if err != nil || b < 1 {
		return fmt.Errorf("-bytes: %q is not a size above 0", bytesArg)
	}
	cfg.bytes = b
	if cfg.maxKeys < 1 {
		return errors.New("-max-keys must be at least 1")
	}
	cfg.stores = strings.Split(storeArg, ",")
	for _, s := range cfg.stores {
		if _, err := stores.Lookup(s); err != nil {
			return fmt.Errorf("-stores: %v", err)
		}
	}
	return nil
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sizes: "+format+"\n", args...)
	os.Exit(1)
}

// runWorker is the child: one store at one size.
func runWorker(store string, cfg sizes.Config) error {
	k, err := stores.Lookup(store)
	if err != nil {
		return err
	}
	if cfg.Dir == "" {
		return errors.New("-worker needs -store, -worker-size, -worker-n and -dir")
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return err
	}
	res, err := sizes.Run(k, cfg)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// run is the parent: every size, every store, one process each, then the
// report.
func run(cfg config) (err error) {
	base, done, err := proc.WorkDir(cfg.dir, "diskmap-sizes-", false)
	if err != nil {
		return err
	}
	if done != nil {
		defer func() { err = errors.Join(err, done()) }()
	}
	rep := &runReport{cfg: cfg, started: time.Now(), command: report.Command("sizes"), failures: map[string]string{}}
	for _, size := range cfg.sizes {
		for _, s := range cfg.stores {
			res, err := child(cfg, base, s, size)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%-8s %-14s FAILED: %v\n", report.Bytes(int64(size)), s, err)
				rep.failures[failKey(s, size)] = err.Error()
				continue
			}
			fmt.Fprintf(os.Stderr, "%-8s %-14s n=%-9d %s\n", report.Bytes(int64(size)), s, res.N, progress(res))
			rep.results = append(rep.results, res)
		}
	}
	rep.finished = time.Now()
	fmt.Print(rep.mbTables())
	if cfg.out == "" {
		return nil
	}
	return rep.write()
}

func failKey(store string, size int) string { return store + "/" + strconv.Itoa(size) }

// child runs one store at one size in its own process, in a directory of
// its own that it removes after.
func child(cfg config, base, store string, size int) (*sizes.Result, error) {
	dir := filepath.Join(base, fmt.Sprintf("%s-%d", store, size))
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	args := []string{"-worker", "-store", store, "-worker-size", strconv.Itoa(size), "-worker-n", strconv.Itoa(cfg.n(size)),
		"-sync-bytes", strconv.FormatInt(cfg.syncBytes, 10), "-seed", strconv.FormatUint(cfg.seed, 10), "-dir", dir}
	res := new(sizes.Result)
	err := proc.Spawn(cfg.timeout, args, res)
	if rerr := os.RemoveAll(dir); rerr != nil {
		return nil, errors.Join(err, rerr)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// progress is a run's line on the terminal.
func progress(r *sizes.Result) string {
	var parts []string
	for _, p := range r.Phases {
		parts = append(parts, fmt.Sprintf("%s %.0f ns %.1f MB/s", p.Name, p.NsPerOp(r.N), p.MBPerSec(r.N, r.Size)))
	}
	return strings.Join(parts, "  ")
}
