package workload

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// The hot workload: counters of Keys keys ("key%013d" of 0 to Keys-1),
// Increments increments each of a key drawn uniformly at random, through
// the store's read-modify-write (stores.Incrementer), a Sync after every
// SyncEvery increments and one at the end; then Close, and the size of the
// directory. It shows what updating the same keys again and again costs in
// time and in disk. Afterwards, untimed, the store is opened again and every
// counter read back.

// HotConfig says what the hot workload runs.
type HotConfig struct {
	Keys, Increments, SyncEvery int
	Seed                        uint64
	Dir                         string // an empty directory for the store's files
}

// HotResult is what one run of the hot workload measured; the worker prints
// it as one JSON line.
type HotResult struct {
	Store      string `json:"store"`
	Keys       int    `json:"keys"`
	Increments int    `json:"increments"`
	SyncEvery  int    `json:"sync_every"`
	Seed       uint64 `json:"seed"`
	Nanos      int64  `json:"ns"`       // the whole run: increments and syncs
	CPUNanos   int64  `json:"cpu_ns"`   // CPU time of the whole run, every goroutine's (0 where not measured)
	P999       int64  `json:"p999_ns"`  // 99.9th percentile of one increment, to about 3%
	Longest    int64  `json:"max_ns"`   // the longest increment
	Syncs      int    `json:"syncs"`    // Syncs made
	SyncNanos  int64  `json:"sync_ns"`  // their time, all together
	LongSync   int64  `json:"max_sync"` // the longest
	Mallocs    uint64 `json:"mallocs"`  // heap allocations during the run
	Disk       Disk   `json:"disk"`     // after Close
	// Footprint is, for a store that tells (stores.Footprinter), the least
	// its files must hold after the run: its live records and its index.
	Footprint int64 `json:"footprint,omitempty"`
	Checked   int   `json:"checked"` // counters read back after reopening, all right
	RSSPeak   int64 `json:"rss_peak"`
}

// CPUPerIncrement is the run's CPU time per increment, syncs included.
func (r *HotResult) CPUPerIncrement() float64 {
	return float64(r.CPUNanos) / float64(max(r.Increments, 1))
}

// NsPerIncrement is the run's time per increment, syncs included.
func (r *HotResult) NsPerIncrement() float64 {
	return float64(r.Nanos) / float64(max(r.Increments, 1))
}

// RunHot runs the hot workload against a store of kind k in cfg.Dir.
func RunHot(k stores.Kind, cfg HotConfig) (*HotResult, error) {
	if cfg.Keys < 1 || cfg.Increments < 0 || cfg.SyncEvery < 1 {
		return nil, fmt.Errorf("hot workload: %d keys, %d increments, a sync every %d: want at least 1 key and 1 increment between syncs",
			cfg.Keys, cfg.Increments, cfg.SyncEvery)
	}
	keys := make([]byte, cfg.Keys*KeyLen)
	for i := range cfg.Keys {
		formatKey(keys[i*KeyLen:], uint64(i))
	}
	res := &HotResult{Store: k.Name, Keys: cfg.Keys, Increments: cfg.Increments, SyncEvery: cfg.SyncEvery, Seed: cfg.Seed}
	counts, err := hotRun(k, cfg, keys, res)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", k.Name, err)
	}
	if !k.InMemory {
		if res.Disk, err = diskUsage(cfg.Dir); err != nil {
			return nil, err
		}
		if res.Checked, err = hotCheck(k, cfg.Dir, keys, counts); err != nil {
			return nil, fmt.Errorf("%s: reading the counters back: %w", k.Name, err)
		}
	}
	res.RSSPeak = maxRSS()
	return res, nil
}

// hotRun opens the store, runs the increments and closes it, filling in the
// timings of res; it returns the count each key should hold.
func hotRun(k stores.Kind, cfg HotConfig, keys []byte, res *HotResult) (counts []uint32, err error) {
	s, err := k.Open(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	inc, ok := s.(stores.Incrementer)
	if !ok {
		return nil, errors.New("no read-modify-write (stores.Incrementer)")
	}
	counts = make([]uint32, cfg.Keys)
	r := rand.New(rand.NewPCG(cfg.Seed, 0x686f74))
	var lat latencies
	sync := func() error {
		t := time.Now()
		err := s.Sync()
		d := time.Since(t).Nanoseconds()
		res.Syncs++
		res.SyncNanos += d
		res.LongSync = max(res.LongSync, d)
		return err
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu := cpuTime()
	start := time.Now()
	prev := start
	for i := 1; i <= cfg.Increments; i++ {
		j := r.IntN(cfg.Keys)
		if err := inc.Increment(keys[j*KeyLen : (j+1)*KeyLen : (j+1)*KeyLen]); err != nil {
			return nil, fmt.Errorf("increment %d: %w", i, err)
		}
		now := time.Now()
		lat.add(now.Sub(prev).Nanoseconds())
		counts[j]++
		if i%cfg.SyncEvery == 0 || i == cfg.Increments {
			if err := sync(); err != nil {
				return nil, fmt.Errorf("sync after %d increments: %w", i, err)
			}
			now = time.Now()
		}
		prev = now
	}
	res.Nanos = time.Since(start).Nanoseconds()
	res.CPUNanos = cpuTime() - cpu
	runtime.ReadMemStats(&after)
	res.Mallocs = after.Mallocs - before.Mallocs
	res.P999, res.Longest = lat.quantile(0.999), lat.max
	if f, ok := s.(stores.Footprinter); ok {
		if res.Footprint, err = f.Footprint(); err != nil {
			return nil, fmt.Errorf("footprint: %w", err)
		}
	}
	return counts, nil
}

// hotCheck opens the store again and reads every counter, which must hold
// its count (absent for a key never incremented). It returns how many it
// read.
func hotCheck(k stores.Kind, dir string, keys []byte, counts []uint32) (n int, err error) {
	s, err := k.Open(dir)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	for j, want := range counts {
		key := keys[j*KeyLen : (j+1)*KeyLen]
		v, ok, err := s.Get(key)
		switch {
		case err != nil:
			return n, err
		case ok != (want > 0) || stores.Counter(v) != uint64(want):
			return n, fmt.Errorf("key %q: found %v, counter %d; want %d", key, ok, stores.Counter(v), want)
		}
		n++
	}
	return n, nil
}

// latencies is a histogram of durations in nanoseconds, in buckets of about
// 3% of their value: 32 to each power of two.
type latencies struct {
	n       int64
	max     int64
	buckets [64 * 32]int64
}

func bucketOf(ns int64) int {
	if ns < 32 {
		return int(max(ns, 0))
	}
	e := bits.Len64(uint64(ns)) - 6 // ns >> e is in [32, 64)
	return e*32 + int(ns>>e)
}

// bucketTop is the largest duration in bucket b.
func bucketTop(b int) int64 {
	if b < 64 {
		return int64(b)
	}
	e := b/32 - 1
	return (int64(b%32+32)+1)<<e - 1
}

func (l *latencies) add(ns int64) {
	l.n++
	l.max = max(l.max, ns)
	l.buckets[bucketOf(ns)]++
}

// quantile returns the duration below which the fraction q of the
// durations lie: the top of its bucket, at most the longest.
func (l *latencies) quantile(q float64) int64 {
	rank := int64(q * float64(l.n))
	var seen int64
	for b, c := range l.buckets {
		if seen += c; seen > rank {
			return min(bucketTop(b), l.max)
		}
	}
	return l.max
}
