// Command putlat loads n keys into one diskmap.Map, or into a map of
// package concurrent, and times every Put: it prints the load's
// throughput, a latency histogram's quantiles and maximum, the slowest
// Puts with their index, and the slowest Put of each range of the load
// [2^k, 2^(k+1)), which shows how a stall grows with the map, and, for one
// diskmap.Map, the Puts over 50 µs among the first of each growth of the
// table. Then, as the same run's baseline for the longest Puts, it reads
// the clock in a loop for as long as the load took, with no map, and
// counts the gaps: the stalls this machine causes by itself
// (-control=false leaves it out). On Linux it also prints how much time the
// hypervisor took from the machine's CPUs during each (steal time): a run
// with much of it measures the host, not the map.
//
// From the bench directory:
//
//	go run ./cmd/putlat -n 10000000                      # one diskmap.Map
//	go run ./cmd/putlat -n 10000000 -store concurrent    # package concurrent, GOMAXPROCS writers
//	go run ./cmd/putlat -n 4000000 -slow 1ms             # and name what each slow Put changed
//
// Keys and values are those of the workload (bench/internal/workload):
// 16-byte keys "key%013d" of even numbers in a random order, 100-byte
// values. Nothing but the Put call itself is inside a timing.
package main

import (
	"errors"
	"flag"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/bench/internal/hist"
	"github.com/diskmap-go/diskmap/bench/internal/proc"
	"github.com/diskmap-go/diskmap/concurrent"
)

type config struct {
	n          int
	store      string
	goroutines int
	durability diskmap.Durability
	dir        string
	slow       time.Duration
	seed       uint64
	cpu        bool
	control    bool
}

func main() {
	var cfg config
	var durability string
	flag.IntVar(&cfg.n, "n", 1_000_000, "keys to load")
	flag.StringVar(&cfg.store, "store", "diskmap", "diskmap (one diskmap.Map, one writer) or concurrent (package concurrent)")
	flag.IntVar(&cfg.goroutines, "goroutines", runtime.GOMAXPROCS(0), "with -store concurrent: writers, each putting its share of the keys")
	flag.StringVar(&durability, "durability", "os", "os, wal or walsync")
	flag.StringVar(&cfg.dir, "dir", "", "directory for the map (default a new temporary directory, removed at the end)")
	flag.DurationVar(&cfg.slow, "slow", 0, "with -store diskmap: print each Put slower than this (with -cpu, in CPU time) and what it changed in Stats")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the key order and the values")
	flag.BoolVar(&cfg.control, "control", true, "after the load, read the clock in a loop for as long and count its gaps: what the machine alone does to the longest Puts")
	flag.BoolVar(&cfg.cpu, "cpu", false, "also time each Put in CPU time of its thread, which leaves out the time the writer was not running: on a loaded machine, what the Put itself cost")
	flag.Parse()
	switch durability {
	case "os":
		cfg.durability = diskmap.DurabilityOS
	case "wal":
		cfg.durability = diskmap.DurabilityWAL
	case "walsync":
		cfg.durability = diskmap.DurabilityWALSync
	default:
		fatalf("-durability %q: want os, wal or walsync", durability)
	}
	if err := run(cfg); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "putlat: "+format+"\n", args...)
	os.Exit(1)
}

func run(cfg config) (err error) {
	dir, done, err := proc.WorkDir(cfg.dir, "putlat-", false)
	if err != nil {
		return err
	}
	if done != nil {
		defer func() { err = errors.Join(err, done()) }()
	}
	d := newData(cfg.n, cfg.seed)
	runtime.GC()
	var res result
	steal0, ok0 := stolen()
	switch cfg.store {
	case "diskmap":
		res, err = loadDiskmap(cfg, dir, d)
	case "concurrent":
		res, err = loadConcurrent(cfg, dir, d)
	default:
		return fmt.Errorf("-store %q: want diskmap or concurrent", cfg.store)
	}
	if err != nil {
		return err
	}
	steal1, ok1 := stolen()
	res.steal = steal1 - steal0
	if cfg.control {
		res.control = control(res.wall)
		steal2, ok2 := stolen()
		res.controlSteal = steal2 - steal1
		res.controlStealRead = ok1 && ok2
	}
	res.stealRead = ok0 && ok1
	res.print(cfg)
	return nil
}

// data is the load: the key order and a pool the values are cut from.
type data struct {
	order []int32 // key i is "key%013d" of 2*order[i]
	pool  []byte
}

// slowPut is the time over which a Put counts as slow, and a gap of the
// control loop as long: the p99.99 target, 50 µs.
const slowPut = 50 * time.Microsecond

const (
	keyLen   = 16
	valueLen = 100
	poolLen  = 1 << 20
)

func newData(n int, seed uint64) *data {
	r := rand.New(rand.NewPCG(seed, 0x7075746c6174))
	d := &data{order: make([]int32, n), pool: make([]byte, poolLen+valueLen)}
	for i := range d.order {
		d.order[i] = int32(i)
	}
	r.Shuffle(n, func(i, j int) { d.order[i], d.order[j] = d.order[j], d.order[i] })
	for i := range d.pool {
		d.pool[i] = byte(r.Uint32())
	}
	return d
}

// key writes key i into b.
func (d *data) key(b []byte, i int) {
	v := 2 * uint64(d.order[i])
	copy(b, "key")
	for j := keyLen - 1; j >= 3; j-- {
		b[j] = byte('0' + v%10)
		v /= 10
	}
}

// value returns value i: 100 bytes of the pool.
func (d *data) value(i int) []byte {
	o := (i * 7919) % poolLen
	return d.pool[o : o+valueLen : o+valueLen]
}

// result is what a load measured.
type result struct {
	wall    time.Duration
	h       *putHist
	cpu     *putHist // with -cpu: the same Puts in CPU time of the writer's thread
	byRange []slow   // byRange[k]: the slowest Put of index in [2^k, 2^(k+1))
	gcs     uint32
	gcPause time.Duration
	control *hist.Hist // with -control: the clock loop's gaps after the load
	// steal and controlSteal are the time the hypervisor took from this
	// machine's CPUs during the load (from Open to Close) and during the
	// control loop, if stealRead and controlStealRead: both readings of
	// each succeeded.
	steal, controlSteal         time.Duration
	stealRead, controlStealRead bool
	growths                     growths // -store diskmap: the slow Puts after each growth of the table began
}

func newResult() result { return result{h: newHist(), cpu: newHist(), byRange: make([]slow, 64)} }

func (r *result) add(i int, d time.Duration) {
	r.h.add(i, d)
	k := bits.Len(uint(i))
	if d > r.byRange[k].d {
		r.byRange[k] = slow{i, d}
	}
}

func (r *result) merge(o *result) {
	r.h.merge(o.h)
	r.cpu.merge(o.cpu)
	for k, s := range o.byRange {
		if s.d > r.byRange[k].d {
			r.byRange[k] = s
		}
	}
}

func loadDiskmap(cfg config, dir string, d *data) (result, error) {
	m, err := diskmap.Open[[]byte, []byte](dir, &diskmap.Options{Durability: cfg.durability})
	if err != nil {
		return result{}, err
	}
	res := newResult()
	key := make([]byte, keyLen)
	var before diskmap.Stats
	if cfg.slow > 0 {
		before = m.Stats()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gcs, pause := ms.NumGC, ms.PauseTotalNs
	clock := newThreadClock(cfg.cpu)
	defer clock.release()
	resizes := m.Stats().Resizes
	start := time.Now()
	for i := range cfg.n {
		if i%64 == 0 { // the first Puts of a growth, to within 64
			if r := m.Stats().Resizes; r != resizes {
				res.growths.began(i)
				resizes = r
			}
		}
		d.key(key, i)
		v := d.value(i)
		c := clock.now()
		t := time.Now()
		err := m.Put(key, v)
		took := time.Since(t)
		judged := took
		if cfg.cpu {
			judged = clock.now() - c
			res.cpu.add(i, judged)
		}
		if err != nil {
			return result{}, fmt.Errorf("put %d: %w", i, err)
		}
		res.add(i, took)
		res.growths.add(i, took)
		if cfg.slow > 0 {
			before = explain(m, i, took, judged, cfg.slow, before)
		}
	}
	res.wall = time.Since(start)
	runtime.ReadMemStats(&ms)
	res.gcs, res.gcPause = ms.NumGC-gcs, time.Duration(ms.PauseTotalNs-pause)
	return res, m.Close()
}

// explain prints what a Put slower than slow (judged: in wall time, or
// with -cpu in CPU time) changed in the map's Stats, and returns the Stats
// after it.
func explain(m *diskmap.BytesMap, i int, took, judged, slow time.Duration, before diskmap.Stats) diskmap.Stats {
	after := m.Stats()
	if judged < slow {
		return after
	}
	fmt.Printf("put %d took %v (%v judged):", i, took, judged)
	changed := func(what string, a, b int64) {
		if a != b {
			fmt.Printf(" %s %d -> %d", what, a, b)
		}
	}
	changed("slots", int64(before.Capacity), int64(after.Capacity))
	changed("keys file", before.Keys.Size, after.Keys.Size)
	changed("values file", before.Values.Size, after.Values.Size)
	changed("compactions", int64(before.Compacted), int64(after.Compacted))
	fmt.Println()
	return after
}

func loadConcurrent(cfg config, dir string, d *data) (result, error) {
	opts := &concurrent.Options{Map: diskmap.Options{Durability: cfg.durability}}
	m, err := concurrent.Open[[]byte, []byte](dir, opts)
	if err != nil {
		return result{}, err
	}
	g := max(cfg.goroutines, 1)
	parts := make([]result, g)
	errs := make([]error, g)
	var wg sync.WaitGroup
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gcs, pause := ms.NumGC, ms.PauseTotalNs
	start := time.Now()
	for w := range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w] = newResult()
			key := make([]byte, keyLen)
			clock := newThreadClock(cfg.cpu)
			defer clock.release()
			for i := w; i < cfg.n; i += g {
				d.key(key, i)
				v := d.value(i)
				c := clock.now()
				t := time.Now()
				err := m.Put(key, v)
				took := time.Since(t)
				if cfg.cpu {
					parts[w].cpu.add(i, clock.now()-c)
				}
				if err != nil {
					errs[w] = fmt.Errorf("put %d: %w", i, err)
					return
				}
				parts[w].add(i, took)
			}
		}()
	}
	wg.Wait()
	res := newResult()
	res.wall = time.Since(start)
	runtime.ReadMemStats(&ms)
	res.gcs, res.gcPause = ms.NumGC-gcs, time.Duration(ms.PauseTotalNs-pause)
	for w := range parts {
		if errs[w] != nil {
			return result{}, errs[w]
		}
		res.merge(&parts[w])
	}
	return res, m.Close()
}

func (r *result) print(cfg config) {
	h := r.h
	writers := 1
	if cfg.store == "concurrent" {
		writers = max(cfg.goroutines, 1)
	}
	fmt.Printf("store %s, n %d, %d writer(s), durability %v, GOMAXPROCS %d\n",
		cfg.store, cfg.n, writers, cfg.durability, runtime.GOMAXPROCS(0))
	fmt.Printf("load: %v, %.0f ns per Put of wall time, %.0f ns mean Put\n",
		r.wall.Round(time.Millisecond), float64(r.wall.Nanoseconds())/float64(cfg.n),
		float64(h.Mean().Nanoseconds()))
	fmt.Printf("gc: %d cycles, %v of pauses\n", r.gcs, r.gcPause)
	fmt.Printf("p50 %v  p99 %v  p99.9 %v  p99.99 %v  p99.999 %v  max %v\n",
		h.Quantile(0.5), h.Quantile(0.99), h.Quantile(0.999), h.Quantile(0.9999), h.Quantile(0.99999), h.Max())
	fmt.Printf("Puts over %v: %d, over 1ms: %d, over 2ms: %d, over 10ms: %d\n",
		slowPut, h.Over(slowPut), h.Over(time.Millisecond), h.Over(2*time.Millisecond), h.Over(10*time.Millisecond))
	if g := r.growths; len(g.at) > 0 {
		fmt.Printf("Puts over %v in the %d after each growth began:", slowPut, growthWindow)
		for k, at := range g.at {
			fmt.Printf(" %d (Put %d)", g.slow[k], at)
		}
		fmt.Println()
	}
	if g := r.control; g != nil {
		fmt.Printf("control, the clock read in a loop for %v after the load: gaps over %v: %d, over 1ms: %d, over 2ms: %d, over 10ms: %d, longest %v\n",
			r.wall.Round(time.Millisecond), slowPut, g.Over(slowPut), g.Over(time.Millisecond), g.Over(2*time.Millisecond), g.Over(10*time.Millisecond), g.Max())
	}
	if line := r.stealLine(); line != "" {
		fmt.Println(line)
	}
	if c := r.cpu; c.N() > 0 {
		fmt.Printf("on-CPU: p50 %v  p99 %v  p99.9 %v  p99.99 %v  p99.999 %v  max %v (at %d); over 1ms: %d, over 2ms: %d\n",
			c.Quantile(0.5), c.Quantile(0.99), c.Quantile(0.999), c.Quantile(0.9999), c.Quantile(0.99999), c.Max(),
			slices.MaxFunc(c.slowest, bySlow).i, c.Over(time.Millisecond), c.Over(2*time.Millisecond))
	}
	fmt.Println("slowest Put by range of index:")
	for k, s := range r.byRange {
		if s.d == 0 {
			continue
		}
		lo := 0
		if k > 0 {
			lo = 1 << (k - 1)
		}
		fmt.Printf("  [%s, %s)  %v at %d\n", count(lo), count(1<<k), s.d, s.i)
	}
	fmt.Println("slowest Puts:")
	sorted := slices.Clone(h.slowest)
	slices.SortFunc(sorted, func(a, b slow) int { return bySlow(b, a) })
	for _, s := range sorted {
		fmt.Printf("  %v at %d\n", s.d, s.i)
	}
}

// count writes n with a k or M suffix where it is round.
func count(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "Mi"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "Ki"
	}
	return strconv.Itoa(n)
}

// stealLine says how much time the hypervisor took during the load and
// the control loop, leaving out each figure whose readings failed; "" if
// neither was read.
func (r result) stealLine() string {
	var parts []string
	if r.stealRead {
		parts = append(parts, fmt.Sprintf("%v during the load", r.steal))
	}
	if r.control != nil && r.controlStealRead {
		parts = append(parts, fmt.Sprintf("%v during the control", r.controlSteal))
	}
	if len(parts) == 0 {
		return ""
	}
	return "stolen by the hypervisor, over all CPUs: " + strings.Join(parts, ", ")
}
