package concurrent_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// TestLostUpdate: goroutines increment shared counters through Update; not
// one increment may be lost, before or after reopening.
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
				err := m.Update(fmt.Sprint("counter", (g+i)%counters), func(e *diskmap.Entry[string, uint64]) error {
					_, err := e.AndModify(func(n *uint64) { *n++ }).OrInsert(1)
					return err
				})
				if err != nil {
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

// TestKeyHistories checks single keys for linearizability. Each key has
// one writer, which writes it increasing values; readers read keys in every
// way there is. A value read must be one that was written and not yet
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
			var err error
			switch v % 3 {
			case 0:
				err = m.Put(k, v)
			case 1:
				err = m.Update(k, func(e *diskmap.Entry[string, uint64]) error { return e.Set(v) })
			default:
				err = m.PutMany(func(yield func(string, uint64) bool) { yield(k, v) })
			}
			if err != nil {
				return err
			}
			h.completed[i].Store(v)
		}
	}
	return nil
}

// reader is a reader goroutine of TestKeyHistories; mine holds the newest
// value it has read of each key.
type reader struct {
	h    *histories
	m    *concurrent.Map[string, uint64]
	mine []uint64
	r    *rand.Rand
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
	h, m := rd.h, rd.m
	i := rd.r.IntN(len(h.keys))
	switch rd.r.IntN(4) {
	case 0:
		floor := rd.floor(i)
		v, ok, err := m.Get(h.keys[i])
		if err != nil || !ok {
			return fmt.Errorf("Get: %v, %v", ok, err)
		}
		return rd.check("Get", i, floor, v)
	case 1:
		floor := rd.floor(i)
		var v uint64
		ok, err := m.View(h.keys[i], func(b []byte) error { v = binary.LittleEndian.Uint64(b); return nil })
		if err != nil || !ok {
			return fmt.Errorf("View: %v, %v", ok, err)
		}
		return rd.check("View", i, floor, v)
	case 2:
		idx := []int{i, rd.r.IntN(len(h.keys)), rd.r.IntN(len(h.keys))}
		floors := make([]uint64, len(idx))
		keys := make([]string, len(idx))
		for j, k := range idx {
			floors[j], keys[j] = rd.floor(k), h.keys[k]
		}
		vals, found, err := m.GetMany(keys)
		if err != nil {
			return err
		}
		for j, k := range idx {
			if !found[j] {
				return fmt.Errorf("GetMany: %s not found", keys[j])
			}
			if err := rd.check("GetMany", k, floors[j], vals[j]); err != nil {
				return err
			}
		}
		return nil
	default:
		return rd.iterate()
	}
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
