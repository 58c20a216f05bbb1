package concurrent_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// TestModel runs goroutines that mix every operation on one map, and checks
// what they read against an oracle: a Go map behind a mutex. Each goroutine
// owns the keys whose number is its own modulo the goroutine count, and
// only it writes them, so what it reads of them is exact; what it reads of
// the others' keys must be a value their owner wrote. Twice the map is
// cleared between steps. At the end, and after reopening, the map must
// hold the oracle exactly.
func TestModel(t *testing.T) {
	t.Parallel()
	runModel(t, diskmap.Options{Capacity: 16})
}

// TestModelWAL is TestModel with shards that log every write, so that
// LastSeq, WaitSynced and Checkpoint have logs to work on.
func TestModelWAL(t *testing.T) {
	t.Parallel()
	runModel(t, diskmap.Options{Capacity: 16, Durability: diskmap.DurabilityWAL})
}

// TestModelAutoCompact is TestModel with shards that compact by
// themselves every few dozen writes, while others read and iterate.
func TestModelAutoCompact(t *testing.T) {
	t.Parallel()
	st := runModel(t, diskmap.Options{Capacity: 16, CompactAt: 0.05, CompactMinBytes: 4 << 10})
	if st.Compacted < 8 {
		t.Fatalf("%d compactions, all automatic, in 4 shards: too few to test", st.Compacted)
	}
}

// runModel runs TestModel with shards opened with opts, and returns the
// Stats of the map reopened at the end.
func runModel(t *testing.T, opts diskmap.Options) concurrent.Stats {
	const (
		workers = 8
		keys    = 480
		ops     = 1500
	)
	dir := t.TempDir()
	m, err := concurrent.Open[string, string](dir, &concurrent.Options{Shards: 4, Map: opts})
	if err != nil {
		t.Fatal(err)
	}
	o := &oracle{m: map[string]string{}}
	var gate sync.RWMutex // a step holds it shared; a Clear, alone
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{t: t, m: m, o: o, g: g, n: workers, keys: keys, r: rand.New(rand.NewPCG(uint64(g), 11))}
			for i := range ops {
				// Worker 0 clears the map twice, a third and two thirds
				// of the way, while no other step runs: a Clear removes
				// every worker's keys, which no oracle could follow
				// beside their writes.
				clearFirst := g == 0 && i > 0 && i%(ops/3) == 0
				if err := w.op(&gate, clearFirst); err != nil {
					t.Errorf("worker %d, op %d: %v", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		maptest.CheckClose(t, m)
		t.FailNow()
	}
	maptest.RequireContents(t, m, o.m)
	if err := m.Check(); err != nil {
		t.Error(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.OpenSharded[string, string](t, dir, nil)
	maptest.RequireContents(t, m, o.m)
	st := m.Stats()
	t.Logf("%d compactions, %d table rebuilds", st.Compacted, st.Resizes)
	return st
}

// op takes one step, under gate shared, after clearing the map first if
// clearFirst is set.
func (w *worker) op(gate *sync.RWMutex, clearFirst bool) error {
	if clearFirst {
		if err := w.clear(gate); err != nil {
			return err
		}
	}
	gate.RLock()
	defer gate.RUnlock()
	return w.step()
}

// clear empties the map and the oracle once no step is under way, and
// checks that the map is empty.
func (w *worker) clear(gate *sync.RWMutex) error {
	gate.Lock()
	defer gate.Unlock()
	if err := w.m.Clear(); err != nil {
		return fmt.Errorf("Clear: %w", err)
	}
	if n := w.m.Len(); n != 0 {
		return fmt.Errorf("Len after Clear = %d", n)
	}
	w.o.clear()
	return nil
}

// oracle is what the map should hold.
type oracle struct {
	mu sync.Mutex
	m  map[string]string // guarded by mu
}

func (o *oracle) get(k string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	v, ok := o.m[k]
	return v, ok
}

func (o *oracle) clear() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.m)
}

func (o *oracle) set(k, v string, present bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if present {
		o.m[k] = v
	} else {
		delete(o.m, k)
	}
}

// worker is one goroutine of TestModel.
type worker struct {
	t       *testing.T
	m       *concurrent.Map[string, string]
	o       *oracle
	g, n    int // the worker's number, and how many there are
	keys    int
	r       *rand.Rand
	written int
	buf     []byte // GetAppend's
}

// own returns a random key of the worker's; any returns any key.
func (w *worker) own() string { return key(w.r.IntN(w.keys/w.n)*w.n + w.g) }
func (w *worker) any() string { return key(w.r.IntN(w.keys)) }

// value returns a new value for k: the key, the worker, a count, and a
// length that varies, so that records of every size are written.
func (w *worker) value(k string) string {
	w.written++
	return fmt.Sprintf("%s/%d/%d/%s", k, w.g, w.written, strings.Repeat("x", w.r.IntN(40)))
}

// plausible reports whether v could have been written under k.
func plausible(k, v string) bool { return strings.HasPrefix(v, k+"/") }

func (w *worker) step() error {
	m := w.m
	switch p := w.r.IntN(100); {
	case p < 20:
		k := w.own()
		v := w.value(k)
		if err := m.Put(k, v); err != nil {
			return err
		}
		w.o.set(k, v, true)
	case p < 27:
		k := w.own()
		_, want := w.o.get(k)
		found, err := m.Delete(k)
		if err != nil || found != want {
			return fmt.Errorf("Delete(%q) = %v, %v; want %v", k, found, err, want)
		}
		w.o.set(k, "", false)
	case p < 37:
		return w.update(w.own())
	case p < 52:
		return w.read(w.own(), true)
	case p < 67:
		return w.read(w.any(), false)
	case p < 74:
		return w.getMany()
	case p < 79:
		return w.putMany()
	case p < 81:
		return w.iterate()
	case p < 83:
		if n := m.Len(); n < 0 || n > w.keys {
			return fmt.Errorf("Len = %d", n)
		}
		if st := m.Stats(); len(st.Shards) != 4 || st.Len > w.keys {
			return fmt.Errorf("Stats: %d shards, Len %d", len(st.Shards), st.Len)
		}
	case p < 84:
		if w.r.IntN(4) == 0 {
			return m.Compact()
		}
	case p < 88:
		return w.batch()
	case p < 89:
		switch w.r.IntN(3) {
		case 0:
			return m.Sync()
		case 1:
			return m.Checkpoint()
		}
		return m.WaitSynced(m.LastSeq())
	case p < 97:
		return w.call(w.own())
	case p < 98:
		return w.deleteFunc()
	case p < 99:
		if n, err := m.RemoveExpired(); err != nil || n != 0 {
			return fmt.Errorf("RemoveExpired = %d, %v; want 0: no key expires within the test", n, err)
		}
	default:
		return w.read(w.own(), true)
	}
	return nil
}

// call writes k, one of the worker's own keys, with PutTTL or one of the
// calls of sync.Map, and checks its answer against the oracle.
func (w *worker) call(k string) error {
	old, had := w.o.get(k)
	v := w.value(k)
	guess := old
	if w.r.IntN(3) == 0 {
		guess = "not " + old
	}
	matches := had && guess == old // whether k holds guess
	var name string
	var got, want []any
	present := true // whether k is there after the call
	switch w.r.IntN(6) {
	case 0:
		p, loaded, err := w.m.Swap(k, v)
		name, got, want = "Swap", []any{p, loaded, err}, []any{old, had, nil}
	case 1:
		a, loaded, err := w.m.LoadOrStore(k, v)
		name, got, want = "LoadOrStore", []any{a, loaded, err}, []any{v, false, nil}
		if had {
			want[0], want[1], v = old, true, old
		}
	case 2:
		p, loaded, err := w.m.LoadAndDelete(k)
		name, got, want, present = "LoadAndDelete", []any{p, loaded, err}, []any{old, had, nil}, false
	case 3:
		swapped, err := w.m.CompareAndSwap(k, guess, v)
		name, got, want = "CompareAndSwap", []any{swapped, err}, []any{matches, nil}
		if !matches {
			v, present = old, had
		}
	case 4:
		deleted, err := w.m.CompareAndDelete(k, guess)
		name, got, want = "CompareAndDelete", []any{deleted, err}, []any{matches, nil}
		v, present = old, had && !matches
	default:
		err := w.m.PutTTL(k, v, time.Hour)
		name, got, want = "PutTTL", []any{err}, []any{nil}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("%s(%q) of a key holding %q (%v) = %v, want %v", name, k, old, had, got, want)
	}
	w.o.set(k, v, present)
	return nil
}

// deleteFunc removes with DeleteFunc the worker's own keys whose value has
// an even length: nobody else writes them, so it must remove exactly those
// of the oracle.
func (w *worker) deleteFunc() error {
	even := func(k, v string) bool { return len(v)%2 == 0 }
	var want []string
	for i := w.g; i < w.keys; i += w.n {
		if v, ok := w.o.get(key(i)); ok && even(key(i), v) {
			want = append(want, key(i))
		}
	}
	n, err := w.m.DeleteFunc(func(k, v string) bool { return w.isOwn(k) && even(k, v) })
	if err != nil || n != len(want) {
		return fmt.Errorf("DeleteFunc = %d, %v; want %d", n, err, len(want))
	}
	for _, k := range want {
		w.o.set(k, "", false)
	}
	return nil
}

// update appends to the value of k through Update, or inserts it.
func (w *worker) update(k string) error {
	v := w.value(k)
	err := w.m.Update(k, func(e *diskmap.Entry[string, string]) error {
		old, err := e.Value()
		if err != nil {
			return err
		}
		if e.Found() {
			v = old + "+" + strings.TrimPrefix(v, k+"/")
		}
		return e.Set(v)
	})
	if err != nil {
		return err
	}
	w.o.set(k, v, true)
	return nil
}

// read reads k with Get, View, GetAppend or Contains; exactly if the worker owns k.
func (w *worker) read(k string, exact bool) error {
	want, wantOK := w.o.get(k)
	var got string
	var found bool
	var err error
	switch w.r.IntN(4) {
	case 0:
		got, found, err = w.m.Get(k)
	case 1:
		found, err = w.m.View(k, func(b []byte) error { got = string(b); return nil })
	case 2:
		w.buf, found, err = w.m.GetAppend(w.buf[:0], k)
		got = string(w.buf)
	default:
		found, err = w.m.Contains(k)
		got = want
		if !exact {
			return err
		}
	}
	switch {
	case err != nil:
		return err
	case exact && (found != wantOK || got != want):
		return fmt.Errorf("read %q = %q, %v; want %q, %v", k, got, found, want, wantOK)
	case found && !plausible(k, got):
		return fmt.Errorf("read %q = %q, never written", k, got)
	}
	return nil
}

func (w *worker) getMany() error {
	ks := make([]string, 1+w.r.IntN(20))
	for i := range ks {
		if i%2 == 0 {
			ks[i] = w.own()
		} else {
			ks[i] = w.any()
		}
	}
	vals, found, err := w.readMany(ks)
	if err != nil {
		return err
	}
	for i, k := range ks {
		want, wantOK := w.o.get(k)
		switch {
		case i%2 == 0 && (found[i] != wantOK || vals[i] != want):
			return fmt.Errorf("GetMany: %q = %q, %v; want %q, %v", k, vals[i], found[i], want, wantOK)
		case found[i] && !plausible(k, vals[i]):
			return fmt.Errorf("GetMany: %q = %q, never written", k, vals[i])
		}
	}
	return nil
}

// batch puts and deletes some of the worker's own keys of one shard with
// BatchOn; now and then it adds a key of another shard, and then the batch
// must fail with ErrCrossShard and change nothing.
func (w *worker) batch() error {
	home := w.own()
	shard := concurrent.ShardOf(w.m, home)
	ops := map[string]string{} // key to value, "" to delete
	var stray string
	for range 10 {
		k := w.own()
		switch {
		case concurrent.ShardOf(w.m, k) == shard && w.r.IntN(4) == 0:
			ops[k] = ""
		case concurrent.ShardOf(w.m, k) == shard:
			ops[k] = w.value(k)
		case stray == "" && w.r.IntN(8) == 0:
			stray = k
		}
	}
	err := w.m.BatchOn(home, func(b *diskmap.Batch[string, string]) error {
		for _, k := range slices.Sorted(maps.Keys(ops)) {
			var err error
			if ops[k] == "" {
				_, err = b.Delete(k)
			} else {
				err = b.Put(k, ops[k])
			}
			if err != nil {
				return err
			}
		}
		if stray != "" {
			_ = b.Put(stray, w.value(stray)) // refused, and BatchOn with it
		}
		return nil
	})
	switch {
	case stray != "" && errors.Is(err, concurrent.ErrCrossShard):
		for k := range ops {
			if err := w.read(k, true); err != nil {
				return fmt.Errorf("after a batch refused: %v", err)
			}
		}
		return w.read(stray, true)
	case stray != "" || err != nil:
		return fmt.Errorf("BatchOn with a key of another shard (%q): %v, want ErrCrossShard", stray, err)
	}
	for k, v := range ops {
		w.o.set(k, v, v != "")
	}
	return nil
}

// readMany reads ks with GetMany or ViewMany.
func (w *worker) readMany(ks []string) ([]string, []bool, error) {
	if w.r.IntN(2) == 0 {
		return w.m.GetMany(ks)
	}
	vals, found := make([]string, len(ks)), make([]bool, len(ks))
	err := w.m.ViewMany(ks, func(i int, v []byte, ok bool) error {
		if found[i] || vals[i] != "" {
			return fmt.Errorf("ViewMany: index %d twice", i)
		}
		vals[i], found[i] = string(v), ok
		return nil
	})
	return vals, found, err
}

func (w *worker) putMany() error {
	items := map[string]string{}
	for range 1 + w.r.IntN(30) {
		k := w.own()
		items[k] = w.value(k)
	}
	if err := w.m.PutMany(maps.All(items)); err != nil {
		return err
	}
	for k, v := range items {
		w.o.set(k, v, true)
	}
	return nil
}

// iterate checks All: each key once, with a plausible value, and the
// worker's own keys, which nobody else changes, exactly.
func (w *worker) iterate() error {
	seen := map[string]string{}
	for k, v := range w.m.All() {
		if _, dup := seen[k]; dup && w.isOwn(k) {
			return fmt.Errorf("All: own key %q twice", k)
		}
		if !plausible(k, v) {
			return fmt.Errorf("All: %q = %q, never written", k, v)
		}
		seen[k] = v
	}
	if err := w.m.Err(); err != nil && !errors.Is(err, diskmap.ErrStale) {
		return fmt.Errorf("All: %v", err)
	} else if err != nil {
		return nil // a Compact of another worker ended it
	}
	for _, k := range slices.Sorted(maps.Keys(seen)) {
		if want, ok := w.o.get(k); w.isOwn(k) && (!ok || want != seen[k]) {
			return fmt.Errorf("All: own key %q = %q, want %q, %v", k, seen[k], want, ok)
		}
	}
	for i := w.g; i < w.keys; i += w.n {
		if _, ok := w.o.get(key(i)); ok && seen[key(i)] == "" {
			return fmt.Errorf("All: own key %q missing", key(i))
		}
	}
	return nil
}

func (w *worker) isOwn(k string) bool {
	var i int
	if _, err := fmt.Sscanf(k, "key%d", &i); err != nil {
		w.t.Errorf("key %q: %v", k, err)
	}
	return i%w.n == w.g
}
