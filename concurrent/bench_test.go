package concurrent_test

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// The workload of the speed targets: keys "key%013d" (16 bytes) and
// 100-byte values, n of them (-keys, default 1,000,000). Compare with
// benchstat over -count 10:
//
//	go test -run '^$' -bench . -benchmem -count 10 ./concurrent | tee new.txt
//	go test -run '^$' -bench . ./concurrent -args -keys 100000   # quicker
//
// Targets: Get with 2 goroutines at least 1.7 times the throughput of 1;
// the 90/10 mix with 8 goroutines at least 3 times the global-lock
// baseline; PutMany at least 1.5 times the Put loop.
var benchN = flag.Int("keys", 1_000_000, "keys in the benchmark maps")

// benchData holds the keys in the random order they are loaded in, the
// same keys in another random order to read and write them in, and a set
// of values.
type benchData struct {
	keys  []string
	order []string
	vals  [][]byte
}

func newBenchData(n int) *benchData {
	d := &benchData{keys: make([]string, n), order: make([]string, n), vals: make([][]byte, 1024)}
	for i, p := range rand.New(rand.NewPCG(1, 2)).Perm(n) {
		d.keys[i] = key(p)
	}
	for i, p := range rand.New(rand.NewPCG(3, 4)).Perm(n) {
		d.order[i] = key(p)
	}
	for i := range d.vals {
		d.vals[i] = make([]byte, 100)
		for j := range d.vals[i] {
			d.vals[i][j] = byte(i*31 + j)
		}
	}
	return d
}

func (d *benchData) items(yield func(string, []byte) bool) {
	for i, k := range d.keys {
		if !yield(k, d.vals[i%len(d.vals)]) {
			return
		}
	}
}

// lockedMap is the baseline: one diskmap.Map behind one sync.RWMutex.
type lockedMap struct {
	mu sync.RWMutex
	m  *diskmap.Map[string, []byte]
}

func (l *lockedMap) Get(k string) ([]byte, bool, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.m.Get(k)
}

func (l *lockedMap) Put(k string, v []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.Put(k, v)
}

// store is what the read and mix benchmarks use of either map.
type store interface {
	Get(string) ([]byte, bool, error)
	Put(string, []byte) error
}

func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func BenchmarkMap(b *testing.B) {
	n := *benchN
	d := newBenchData(n)
	dir := b.TempDir()
	var cm *concurrent.Map[string, []byte]
	var lm *lockedMap
	loaded := func(impl string) store {
		switch {
		case impl == "concurrent" && cm == nil:
			cm = loadConcurrent(b, filepath.Join(dir, "concurrent"), d)
		case impl == "globallock" && lm == nil:
			lm = loadLocked(b, filepath.Join(dir, "globallock"), d)
		}
		if impl == "concurrent" {
			return cm
		}
		return lm
	}
	defer func() {
		if cm != nil {
			maptest.CheckClose(b, cm)
		}
		if lm != nil {
			maptest.CheckClose(b, lm.m)
		}
	}()
	prefix := "n=" + sizeName(n)
	for _, impl := range []string{"concurrent", "globallock"} {
		for _, g := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/op=get/impl=%s/goroutines=%d", prefix, impl, g), func(b *testing.B) {
				runMix(b, loaded(impl), d, g, 0)
			})
		}
	}
	// View on one goroutine: concurrent's against a lone diskmap.Map's
	// (the global-lock map's, read without its lock), the cost of
	// picking a shard and taking its read lock.
	b.Run(prefix+"/op=view/impl=diskmap/goroutines=1", func(b *testing.B) {
		m := loaded("globallock").(*lockedMap).m
		runView(b, d, func(k string) (bool, error) {
			v, ok, err := m.View(k)
			sink += len(v)
			return ok, err
		})
	})
	b.Run(prefix+"/op=view/impl=concurrent/goroutines=1", func(b *testing.B) {
		m := loaded("concurrent").(*concurrent.Map[string, []byte])
		view := func(v []byte) error { sink += len(v); return nil }
		runView(b, d, func(k string) (bool, error) { return m.View(k, view) })
	})
	for _, impl := range []string{"concurrent", "globallock"} {
		b.Run(fmt.Sprintf("%s/op=mix90/impl=%s/goroutines=8", prefix, impl), func(b *testing.B) {
			runMix(b, loaded(impl), d, 8, 10)
		})
	}
	b.Run(prefix+"/op=load/impl=putmany", func(b *testing.B) {
		runLoad(b, d, func(m *concurrent.Map[string, []byte]) error { return m.PutMany(d.items) })
	})
	b.Run(prefix+"/op=load/impl=putloop", func(b *testing.B) {
		runLoad(b, d, func(m *concurrent.Map[string, []byte]) error {
			for k, v := range d.items {
				if err := m.Put(k, v); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func loadConcurrent(b *testing.B, dir string, d *benchData) *concurrent.Map[string, []byte] {
	m, err := concurrent.Open[string, []byte](dir, &concurrent.Options{Map: diskmap.Options{Capacity: len(d.keys)}})
	if err != nil {
		b.Fatal(err)
	}
	if err := m.PutMany(d.items); err != nil {
		b.Fatal(err)
	}
	return m
}

func loadLocked(b *testing.B, dir string, d *benchData) *lockedMap {
	m, err := diskmap.Open[string, []byte](dir, &diskmap.Options{Capacity: len(d.keys)})
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range d.items {
		if err := m.Put(k, v); err != nil {
			b.Fatal(err)
		}
	}
	return &lockedMap{m: m}
}

// runMix runs b.N operations on s, spread over g goroutines: Gets, and a
// Put of an existing key every 100/writePct operations (none if writePct
// is 0). Each goroutine walks d.order from a place of its own, so that
// drawing keys costs next to nothing, while the map is read in an order
// other than the one it was loaded in. The time per
// operation is the wall time over b.N: its inverse is the throughput of all
// the goroutines together.
func runMix(b *testing.B, s store, d *benchData, g, writePct int) {
	b.ReportAllocs()
	writeEvery := 0
	if writePct > 0 {
		writeEvery = 100 / writePct
	}
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range g {
		ops := b.N / g
		if w < b.N%g {
			ops++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := len(d.order)
			for i, j := 0, w*n/g; i < ops; i, j = i+1, j+1 {
				if j == n {
					j = 0
				}
				k := d.order[j]
				if writeEvery > 0 && i%writeEvery == writeEvery-1 {
					if err := s.Put(k, d.vals[i%len(d.vals)]); err != nil {
						b.Error(err)
						return
					}
				} else if _, ok, err := s.Get(k); !ok || err != nil {
					b.Errorf("Get(%q): %v, %v", k, ok, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// sink keeps the reads of runView from being optimised away.
var sink int

// runView looks up every key of d.order in turn with view, on one
// goroutine.
func runView(b *testing.B, d *benchData, view func(k string) (bool, error)) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := d.order[i%len(d.order)]
		if ok, err := view(k); !ok || err != nil {
			b.Fatalf("View(%q): %v, %v", k, ok, err)
		}
	}
}

// runLoad measures loading every key into a new map with load; each
// operation is a whole load, and ns/key its time per key.
func runLoad(b *testing.B, d *benchData, load func(*concurrent.Map[string, []byte]) error) {
	b.ReportAllocs()
	opts := &concurrent.Options{Map: diskmap.Options{Capacity: len(d.keys)}}
	for i := range b.N {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), fmt.Sprint(i))
		m, err := concurrent.Open[string, []byte](dir, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := load(m); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if m.Len() != len(d.keys) {
			b.Fatalf("Len = %d after the load, want %d", m.Len(), len(d.keys))
		}
		if err := errors.Join(m.Close(), os.RemoveAll(dir)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(d.keys)), "ns/key")
}

// BenchmarkUpdatePause measures how long a write can wait while writes
// compact their shards by themselves: 8 goroutines replace the values of
// random keys of a map of -keys keys, and a shard compacts whenever more
// than half of its values arena is dead (CompactAt 0.5, any size). With
// more shards each compaction is smaller, and so is the longest pause.
// Reported: max-ms, the longest Put; p999-us and p50-us; compactions, of
// all the shards. A quick run:
//
//	go test -run '^$' -bench UpdatePause -benchtime 2000000x ./concurrent -args -keys 200000
func BenchmarkUpdatePause(b *testing.B) {
	n := *benchN
	d := newBenchData(n)
	for _, shards := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("n=%s/shards=%d/writers=8", sizeName(n), shards), func(b *testing.B) {
			runUpdatePause(b, d, shards, 8)
		})
	}
}

func runUpdatePause(b *testing.B, d *benchData, shards, writers int) {
	opts := &concurrent.Options{Shards: shards, Map: diskmap.Options{Capacity: len(d.keys), CompactMinBytes: 1}}
	m, err := concurrent.Open[string, []byte](filepath.Join(b.TempDir(), "map"), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer maptest.CheckClose(b, m)
	if err := m.PutMany(d.items); err != nil {
		b.Fatal(err)
	}
	waits := make([][]time.Duration, writers)
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 5))
			waits[w] = make([]time.Duration, 0, b.N/writers)
			for i := range b.N / writers {
				k := d.keys[r.IntN(len(d.keys))]
				start := time.Now()
				if err := m.Put(k, d.vals[i%len(d.vals)]); err != nil {
					b.Error(err)
					return
				}
				waits[w] = append(waits[w], time.Since(start))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Concat(waits...)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	at := func(q float64) time.Duration { return all[min(len(all)-1, int(q*float64(len(all))))] }
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(at(0.999).Nanoseconds())/1000, "p999-us")
	b.ReportMetric(float64(at(0.5).Nanoseconds())/1000, "p50-us")
	b.ReportMetric(float64(m.Stats().AutoCompactions), "compactions")
}
