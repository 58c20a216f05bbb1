package concurrent_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// TestLostUpdate: goroutines increment shared counters through Update,
// CompareAndSwap and BatchOn; not one increment may be lost, before or
// after reopening.
func TestLostUpdate(t *testing.T) {
	t.Parallel()
	const (
		workers    = 8
		counters   = 5
		increments = 400
	)
	dir := t.TempDir()
	m, err := concurrent.Open[string, uint64](dir, shards(4))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 3))
			for i := range increments {
				if err := increment(m, fmt.Sprint("counter", (g+i)%counters), i%3); err != nil {
					t.Error(err)
					return
				}
				if r.IntN(10) == 0 { // other writes, which grow the tables
					if err := m.Put(fmt.Sprint("filler", g, "-", i), uint64(i)); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	check := func(m *concurrent.Map[string, uint64]) {
		t.Helper()
		total := uint64(0)
		for c := range counters {
			n, ok, err := m.Get(fmt.Sprint("counter", c))
			if err != nil || !ok {
				t.Fatalf("counter%d: %v, %v", c, ok, err)
			}
			total += n
		}
		if total != workers*increments {
			t.Errorf("the counters add up to %d, want %d", total, workers*increments)
		}
	}
	check(m)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	check(maptest.OpenSharded[string, uint64](t, dir, nil))
}

// increment adds 1 to the counter k, or stores 1 if k is absent, the
// how-th of three ways: Update, a CompareAndSwap loop, BatchOn.
func increment(m *concurrent.Map[string, uint64], k string, how int) error {
	switch how {
	case 0:
		return m.Update(k, func(e *diskmap.Entry[string, uint64]) error {
			_, err := e.AndModify(func(n *uint64) { *n++ }).OrInsert(1)
			return err
		})
	case 1:
		for {
			n, loaded, err := m.LoadOrStore(k, 1)
			if err != nil || !loaded {
				return err
			}
			if swapped, err := m.CompareAndSwap(k, n, n+1); err != nil || swapped {
				return err
			}
		}
	default:
		return m.BatchOn(k, func(b *diskmap.Batch[string, uint64]) error {
			n, loaded, err := b.LoadOrStore(k, 1)
			if err != nil || !loaded {
				return err
			}
			return b.Put(k, n+1)
		})
	}
}

// TestEachKeyTakenOnce: goroutines take the same keys, each key with one
// of the calls that remove a key and say whether it was there: Delete,
// LoadAndDelete, CompareAndDelete, a Delete in BatchOn, DeleteFunc. Each
// key is taken exactly once. Then they store the keys again with
// LoadOrStore, and each is stored exactly once.
func TestEachKeyTakenOnce(t *testing.T) {
	t.Parallel()
	const goroutines, keys = 8, 200
	m := maptest.OpenSharded[string, int](t, t.TempDir(), shards(4))
	for i := range keys {
		if err := m.Put(key(i), -1); err != nil {
			t.Fatal(err)
		}
	}
	taken := make([]atomic.Int32, keys)
	stored := make([]atomic.Int32, keys)
	inParallel(t, goroutines, func(g int) error {
		r := rand.New(rand.NewPCG(uint64(g), 9))
		for _, i := range r.Perm(keys) {
			took, err := take(m, key(i), r.IntN(5))
			if err != nil {
				return err
			}
			if took {
				taken[i].Add(1)
			}
		}
		return nil
	})
	inParallel(t, goroutines, func(g int) error {
		r := rand.New(rand.NewPCG(uint64(g), 10))
		for _, i := range r.Perm(keys) {
			v, loaded, err := m.LoadOrStore(key(i), g)
			if err != nil || loaded && (v < 0 || v >= goroutines) {
				return fmt.Errorf("LoadOrStore(%s) = %d, %v, %v", key(i), v, loaded, err)
			}
			if !loaded {
				stored[i].Add(1)
			}
		}
		return nil
	})
	for i := range keys {
		if n, s := taken[i].Load(), stored[i].Load(); n != 1 || s != 1 {
			t.Errorf("%s taken %d times and stored %d times, want once each", key(i), n, s)
		}
	}
}

// inParallel runs fn(0) to fn(n-1) on n goroutines, and fails the test
// with their errors once all have returned.
func inParallel(t *testing.T, n int, fn func(g int) error) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = fn(g)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// take removes k, which holds -1 until it is taken, the how-th of five
// ways, and reports whether this call took it.
func take(m *concurrent.Map[string, int], k string, how int) (bool, error) {
	switch how {
	case 0:
		return m.Delete(k)
	case 1:
		_, loaded, err := m.LoadAndDelete(k)
		return loaded, err
	case 2:
		return m.CompareAndDelete(k, -1)
	case 3:
		var took bool
		err := m.BatchOn(k, func(b *diskmap.Batch[string, int]) error {
			var err error
			took, err = b.Delete(k)
			return err
		})
		return took, err
	default:
		n, err := m.DeleteFunc(func(key string, _ int) bool { return key == k })
		return n == 1, err
	}
}

// Swap is atomic for its key: of the values goroutines swap into one key,
// each is handed back exactly once, by a later Swap or as the last value.
func TestSwapLosesNoValue(t *testing.T) {
	t.Parallel()
	const goroutines, swaps = 8, 200
	m := maptest.OpenSharded[string, uint64](t, t.TempDir(), shards(4))
	if err := m.Put("k", 0); err != nil {
		t.Fatal(err)
	}
	returned := make([]atomic.Int32, goroutines*swaps+1) // by value
	inParallel(t, goroutines, func(g int) error {
		for i := range swaps {
			p, loaded, err := m.Swap("k", uint64(1+g*swaps+i))
			if err != nil || !loaded || p >= uint64(len(returned)) {
				return fmt.Errorf("Swap = %d, %v, %v", p, loaded, err)
			}
			returned[p].Add(1)
		}
		return nil
	})
	last, _, err := m.Get("k")
	if err != nil {
		t.Fatal(err)
	}
	returned[last].Add(1)
	for v := range returned {
		if n := returned[v].Load(); n != 1 {
			t.Errorf("value %d handed back %d times, want once", v, n)
		}
	}
}

// TestKeyHistories checks single keys for linearizability. Each key has
// one writer, which writes it increasing values with every call that
// writes one key; readers read keys in every way there is. A value read must be one that was written and not yet
// overwritten when the read began: no older than a value whose write had
// completed, or that any reader had seen, before the read began, and no
// newer than the last write begun before the read ended.
func TestKeyHistories(t *testing.T) {
	t.Parallel()
	const (
		writers      = 4
		keysEach     = 8
		readers      = 4
		writesPerKey = 150
	)
	m := maptest.OpenSharded[string, uint64](t, t.TempDir(), shards(4))
	var h histories
	for i := range writers * keysEach {
		h.keys = append(h.keys, fmt.Sprint("history", i))
		if err := m.Put(h.keys[i], 0); err != nil {
			t.Fatal(err)
		}
	}
	h.started = make([]atomic.Uint64, len(h.keys))
	h.completed = make([]atomic.Uint64, len(h.keys))
	h.seen = make([]atomic.Uint64, len(h.keys))

	var wg sync.WaitGroup
	var writing atomic.Int32
	writing.Store(writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer writing.Add(-1)
			if err := h.write(m, w*keysEach, keysEach, writesPerKey); err != nil {
				t.Error(err)
			}
		}()
	}
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rd := reader{h: &h, m: m, mine: make([]uint64, len(h.keys)), r: rand.New(rand.NewPCG(uint64(r), 5))}
			for writing.Load() > 0 {
				if err := rd.read(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // compactions meanwhile, which move every record
		defer wg.Done()
		for writing.Load() > 0 {
			if err := m.Compact(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
}

// histories is what the writers of TestKeyHistories have done, by key.
type histories struct {
	keys      []string
	started   []atomic.Uint64 // the last value whose write began
	completed []atomic.Uint64 // the last value whose write returned
	seen      []atomic.Uint64 // the newest value a read has returned
}

// write writes values 1 to n to each of keys [from, from+count), one
// value to each key in turn, in a way that changes from write to write.
func (h *histories) write(m *concurrent.Map[string, uint64], from, count, n int) error {
	for v := uint64(1); v <= uint64(n); v++ {
		for i := from; i < from+count; i++ {
			k := h.keys[i]
			h.started[i].Store(v)
			if err := writeNext(m, k, v); err != nil {
				return err
			}
			h.completed[i].Store(v)
		}
	}
	return nil
}

// writeNext writes v over v-1, the value k holds, in a way that changes
// from v to v.
func writeNext(m *concurrent.Map[string, uint64], k string, v uint64) error {
	var err error
	switch v % 7 {
	case 0:
		err = m.Put(k, v)
	case 1:
		err = m.Update(k, func(e *diskmap.Entry[string, uint64]) error { return e.Set(v) })
	case 2:
		err = m.PutMany(func(yield func(string, uint64) bool) { yield(k, v) })
	case 3:
		err = m.PutTTL(k, v, time.Hour)
	case 4:
		err = m.BatchOn(k, func(b *diskmap.Batch[string, uint64]) error { return b.Put(k, v) })
	case 5:
		var p uint64
		var loaded bool
		if p, loaded, err = m.Swap(k, v); err == nil && (!loaded || p != v-1) {
			err = fmt.Errorf("Swap(%s, %d) = %d, %v; want %d, true", k, v, p, loaded, v-1)
		}
	default:
		var swapped bool
		if swapped, err = m.CompareAndSwap(k, v-1, v); err == nil && !swapped {
			err = fmt.Errorf("CompareAndSwap(%s, %d, %d) did not swap", k, v-1, v)
		}
	}
	return err
}

// reader is a reader goroutine of TestKeyHistories; mine holds the newest
// value it has read of each key.
type reader struct {
	h    *histories
	m    *concurrent.Map[string, uint64]
	mine []uint64
	r    *rand.Rand
	buf  []byte // GetAppend's
}

// floor returns the oldest value a read of key i beginning now may return.
func (rd *reader) floor(i int) uint64 {
	return max(rd.h.completed[i].Load(), rd.h.seen[i].Load(), rd.mine[i])
}

// check checks the value v read of key i by a read that began with floor.
func (rd *reader) check(how string, i int, floor, v uint64) error {
	if ceil := rd.h.started[i].Load(); v < floor || v > ceil {
		return fmt.Errorf("%s %s = %d; want a value from %d to %d", how, rd.h.keys[i], v, floor, ceil)
	}
	rd.mine[i] = v
	for {
		s := rd.h.seen[i].Load()
		if v <= s || rd.h.seen[i].CompareAndSwap(s, v) {
			return nil
		}
	}
}

func (rd *reader) read() error {
	h := rd.h
	i := rd.r.IntN(len(h.keys))
	switch how := rd.r.IntN(6); how {
	case 0, 1, 2, 3:
		floor := rd.floor(i)
		name, v, ok, err := rd.readOne(how, h.keys[i])
		if err != nil || !ok {
			return fmt.Errorf("%s: %v, %v", name, ok, err)
		}
		return rd.check(name, i, floor, v)
	case 4:
		idx := []int{i, rd.r.IntN(len(h.keys)), rd.r.IntN(len(h.keys))}
		floors := make([]uint64, len(idx))
		keys := make([]string, len(idx))
		for j, k := range idx {
			floors[j], keys[j] = rd.floor(k), h.keys[k]
		}
		name, vals, found, err := rd.readMany(keys)
		if err != nil {
			return err
		}
		for j, k := range idx {
			if !found[j] {
				return fmt.Errorf("%s: %s not found", name, keys[j])
			}
			if err := rd.check(name, k, floors[j], vals[j]); err != nil {
				return err
			}
		}
		return nil
	default:
		return rd.iterate()
	}
}

// readOne reads k the how-th of four ways: Get, View, GetAppend, and
// LoadOrStore, which only reads, as k is there. It returns the way's name.
func (rd *reader) readOne(how int, k string) (string, uint64, bool, error) {
	switch how {
	case 0:
		v, ok, err := rd.m.Get(k)
		return "Get", v, ok, err
	case 1:
		var v uint64
		ok, err := rd.m.View(k, func(b []byte) error { v = binary.LittleEndian.Uint64(b); return nil })
		return "View", v, ok, err
	case 2:
		b, ok, err := rd.m.GetAppend(rd.buf[:0], k)
		rd.buf = b
		if ok && len(b) != 8 {
			err = fmt.Errorf("%d bytes, want 8", len(b))
		}
		if !ok || err != nil {
			return "GetAppend", 0, ok, err
		}
		return "GetAppend", binary.LittleEndian.Uint64(b), true, nil
	default:
		v, loaded, err := rd.m.LoadOrStore(k, 0)
		return "LoadOrStore", v, loaded, err
	}
}

// readMany reads keys with GetMany or ViewMany, and returns the name of
// the one it used.
func (rd *reader) readMany(keys []string) (string, []uint64, []bool, error) {
	if rd.r.IntN(2) == 0 {
		vals, found, err := rd.m.GetMany(keys)
		return "GetMany", vals, found, err
	}
	vals, found := make([]uint64, len(keys)), make([]bool, len(keys))
	err := rd.m.ViewMany(keys, func(i int, v []byte, ok bool) error {
		if ok {
			vals[i], found[i] = binary.LittleEndian.Uint64(v), true
		}
		return nil
	})
	return "ViewMany", vals, found, err
}

// iterate checks each value All yields against floors taken before All
// began: each batch is read after that.
func (rd *reader) iterate() error {
	h := rd.h
	floors := make(map[string]uint64, len(h.keys))
	index := make(map[string]int, len(h.keys))
	for i, k := range h.keys {
		floors[k], index[k] = rd.floor(i), i
	}
	for k, v := range rd.m.All() {
		if err := rd.check("All", index[k], floors[k], v); err != nil {
			return err
		}
	}
	if err := rd.m.Err(); err != nil && !errors.Is(err, diskmap.ErrStale) {
		return err
	}
	return nil
}
