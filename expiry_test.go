package diskmap_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

// requireAbsent fails the test unless every read of m says k is absent.
func requireAbsent(t *testing.T, m *diskmap.Map[string, string], k string) {
	t.Helper()
	if v, ok, err := m.Get(k); ok || err != nil {
		t.Errorf("Get(%q) = %q, %v, %v; want absent", k, v, ok, err)
	}
	if b, ok, err := m.View(k); ok || err != nil {
		t.Errorf("View(%q) = %q, %v, %v; want absent", k, b, ok, err)
	}
	if ok, err := m.Contains(k); ok || err != nil {
		t.Errorf("Contains(%q) = %v, %v; want absent", k, ok, err)
	}
	if d, ok, err := m.TTL(k); ok || d != 0 || err != nil {
		t.Errorf("TTL(%q) = %v, %v, %v; want 0, false", k, d, ok, err)
	}
	if e := m.Entry(k); e.Found() || e.Err() != nil {
		t.Errorf("Entry(%q).Found() = %v, %v; want absent", k, e.Found(), e.Err())
	}
	if vs, found, err := m.GetMany([]string{k}); err != nil || found[0] || vs[0] != "" {
		t.Errorf("GetMany(%q) = %q, %v, %v; want absent", k, vs, found, err)
	}
	err := m.ViewMany([]string{k}, func(_ int, v []byte, found bool) error {
		if found {
			return fmt.Errorf("ViewMany(%q) found %q", k, v)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// requireVisits fails the test unless All, Keys and Values visit exactly want,
// in order, each key with the value "v-" + key.
func requireVisits(t *testing.T, m *diskmap.Map[string, string], want ...string) {
	t.Helper()
	var keys, vals []string
	for k, v := range m.All() {
		keys, vals = append(keys, k), append(vals, v)
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
	var wantVals []string
	for _, k := range want {
		wantVals = append(wantVals, "v-"+k)
	}
	if !slices.Equal(keys, want) || !slices.Equal(vals, wantVals) {
		t.Errorf("All = %q %q, want %q %q", keys, vals, want, wantVals)
	}
	if got := slices.Collect(m.Keys()); !slices.Equal(got, want) {
		t.Errorf("Keys = %q, want %q", got, want)
	}
	if got := slices.Collect(m.Values()); !slices.Equal(got, wantVals) {
		t.Errorf("Values = %q, want %q", got, wantVals)
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
}

func requireTTL(t *testing.T, m *diskmap.Map[string, string], k string, want time.Duration) {
	t.Helper()
	if d, ok, err := m.TTL(k); !ok || d != want || err != nil {
		t.Errorf("TTL(%q) = %v, %v, %v; want %v, true", k, d, ok, err, want)
	}
}

// A key put with a time to live is there, with the time it has left, until
// the clock reaches its expiry; from that moment every read finds it
// absent. Len counts it until a write removes it.
func TestPutTTLExpires(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		clock := maptest.NewClock()
		m := maptest.Open[string, string](t, t.TempDir(), maptest.WithClock(opts, clock))
		if err := m.PutTTL("a", "v-a", 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := m.PutTTL("c", "v-c", 20*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := m.Put("b", "v-b"); err != nil {
			t.Fatal(err)
		}
		requireTTL(t, m, "a", 10*time.Second)
		requireTTL(t, m, "b", 0)
		requireAbsent(t, m, "missing")
		if v, ok, err := m.Get("a"); v != "v-a" || !ok || err != nil {
			t.Fatalf("Get(a) = %q, %v, %v", v, ok, err)
		}
		requireVisits(t, m, "a", "c", "b")

		clock.Advance(10*time.Second - 1)
		requireTTL(t, m, "a", 1)
		clock.Advance(1)
		requireAbsent(t, m, "a")
		requireTTL(t, m, "c", 10*time.Second)
		requireVisits(t, m, "c", "b")
		if n := m.Len(); n != 3 {
			t.Fatalf("Len = %d with a expired and not removed, want 3", n)
		}
		if was, err := m.Delete("a"); was || err != nil {
			t.Fatalf("Delete of an expired key = %v, %v; want false", was, err)
		}
		if n := m.Len(); n != 2 {
			t.Fatalf("Len = %d after the expired key was deleted, want 2", n)
		}
		clock.Advance(time.Hour)
		requireAbsent(t, m, "c")
		requireVisits(t, m, "b")
	})
}

// A time to live must be positive; a write given another changes nothing.
func TestTTLMustBePositive(t *testing.T) {
	m := maptest.Open[string, string](t, t.TempDir(), nil)
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := m.PutTTL("k", "v", ttl); err == nil || !strings.Contains(err.Error(), "time to live") {
			t.Errorf("PutTTL with ttl %v = %v, want an error", ttl, err)
		}
		if err := m.Entry("k").SetTTL("v", ttl); err == nil {
			t.Errorf("Entry.SetTTL with ttl %v succeeded", ttl)
		}
		err := m.Batch(func(b *diskmap.Batch[string, string]) error { return b.PutTTL("k", "v", ttl) })
		if err == nil {
			t.Errorf("Batch.PutTTL with ttl %v succeeded", ttl)
		}
	}
	if m.Len() != 0 {
		t.Fatalf("Len = %d after writes that failed", m.Len())
	}
}

// A plain Put of a key removes its expiry; a PutTTL replaces it. A key that
// is there keeps its place in the order either way.
func TestPutReplacesExpiry(t *testing.T) {
	clock := maptest.NewClock()
	m := maptest.Open[string, string](t, t.TempDir(), maptest.WithClock(nil, clock))
	for _, k := range []string{"a", "b", "c"} {
		if err := m.PutTTL(k, "v-"+k, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Put("a", "v-a"); err != nil {
		t.Fatal(err)
	}
	if err := m.PutTTL("b", "v-b", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := m.Entry("c").Set("v-c"); err != nil {
		t.Fatal(err)
	}
	requireTTL(t, m, "a", 0)
	requireTTL(t, m, "b", time.Hour)
	requireTTL(t, m, "c", 0)
	if err := m.Put("d", "v-d"); err != nil {
		t.Fatal(err)
	}
	if err := m.Entry("d").SetTTL("v-d", time.Second); err != nil {
		t.Fatal(err)
	}
	requireTTL(t, m, "d", time.Second)
	clock.Advance(2 * time.Minute)
	requireVisits(t, m, "a", "b", "c")
}

// A write that meets a key that has expired removes it: a put inserts the
// key anew, at the end of the order, through Put, an Entry or a Batch.
func TestPutOverExpiredKeyInsertsItAnew(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		clock := maptest.NewClock()
		dir := t.TempDir()
		opts = maptest.WithClock(opts, clock)
		m := maptest.Open[string, string](t, dir, opts)
		for _, k := range []string{"a", "b", "c", "d"} {
			if err := m.PutTTL(k, "v-"+k, time.Second); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Put("z", "v-z"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		if err := m.Put("a", "v-a"); err != nil {
			t.Fatal(err)
		}
		if got, err := m.Entry("b").OrInsert("v-b"); got != "v-b" || err != nil {
			t.Fatalf("Entry(b).OrInsert = %q, %v", got, err)
		}
		err := m.Batch(func(b *diskmap.Batch[string, string]) error {
			if was, err := b.Delete("d"); was || err != nil {
				return fmt.Errorf("Batch.Delete of an expired key = %v, %v", was, err)
			}
			return b.PutTTL("c", "v-c", time.Hour)
		})
		if err != nil {
			t.Fatal(err)
		}
		requireVisits(t, m, "z", "a", "b", "c")
		requireTTL(t, m, "c", time.Hour)
		if n := m.Len(); n != 4 {
			t.Fatalf("Len = %d, want 4: every expired key met by a write is removed", n)
		}
		maptest.CloseChecked(t, m)
		m = maptest.Open[string, string](t, dir, opts)
		requireVisits(t, m, "z", "a", "b", "c")
	})
}

// Expired keys that nothing reads again are removed by the sweep that
// every write advances, however unrelated: 100,000 keys that expire leave
// the map within one lap of the table at the sweep's first pace (16 slots a
// write), which only quickens while it finds expired keys.
func TestSweepRemovesExpiredKeysNobodyReads(t *testing.T) {
	const n = 100_000
	for _, d := range []diskmap.Durability{diskmap.DurabilityOS, diskmap.DurabilityWAL} {
		t.Run(d.String(), func(t *testing.T) {
			clock := maptest.NewClock()
			m := maptest.Open[string, string](t, t.TempDir(), maptest.WithClock(&diskmap.Options{Durability: d}, clock))
			for i := range n {
				if err := m.PutTTL(fmt.Sprint("short", i), "v", time.Duration(1+i%1000)*time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 100 {
				if err := m.Put(fmt.Sprint("kept", i), "v"); err != nil {
					t.Fatal(err)
				}
			}
			st := m.Stats()
			clock.Advance(time.Second)
			writes := 0
			for m.Len() > 100+10 && writes <= st.Capacity/16+100 {
				if err := m.Put(fmt.Sprint("other", writes%10), "v"); err != nil {
					t.Fatal(err)
				}
				writes++
			}
			after := m.Stats()
			t.Logf("%d writes to a table of %d slots left %d keys of %d; live value bytes %d, were %d",
				writes, st.Capacity, after.Len, st.Len, after.Values.Live, st.Values.Live)
			if after.Len > 110 {
				t.Fatalf("after %d writes, %d keys stored, want at most 110: the expired keys stay", writes, after.Len)
			}
			if writes > st.Capacity/16+100 {
				t.Fatalf("%d writes to sweep a table of %d slots, want at most one lap (%d)", writes, st.Capacity, st.Capacity/16)
			}
			if got, _, err := m.Get("kept7"); got != "v" || err != nil {
				t.Fatalf("Get(kept7) = %q, %v", got, err)
			}
		})
	}
}

// RemoveExpired removes every expired key at once, and counts them; then Len
// counts only keys that have not expired.
func TestRemoveExpired(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		clock := maptest.NewClock()
		dir := t.TempDir()
		opts = maptest.WithClock(opts, clock)
		m := maptest.Open[string, string](t, dir, opts)
		for i := range 300 {
			k := fmt.Sprint("k", i)
			var err error
			if i%3 == 0 {
				err = m.Put(k, "v-"+k)
			} else {
				err = m.PutTTL(k, "v-"+k, time.Duration(i%3)*time.Minute)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Minute)
		if n, err := m.RemoveExpired(); n != 100 || err != nil {
			t.Fatalf("RemoveExpired = %d, %v; want 100", n, err)
		}
		if st := m.Stats(); st.Len != 200 || st.Expired != 100 {
			t.Fatalf("Stats: Len %d, Expired %d; want 200 and 100", st.Len, st.Expired)
		}
		if n, err := m.RemoveExpired(); n != 0 || err != nil {
			t.Fatalf("RemoveExpired again = %d, %v; want 0", n, err)
		}
		requireTTL(t, m, "k2", time.Minute)
		maptest.CloseChecked(t, m)
		clock.Advance(time.Minute)
		m = maptest.Open[string, string](t, dir, opts)
		if n, err := m.RemoveExpired(); n != 100 || err != nil {
			t.Fatalf("RemoveExpired after reopening = %d, %v; want 100", n, err)
		}
		var want []string
		for i := 0; i < 300; i += 3 {
			want = append(want, fmt.Sprint("k", i))
		}
		requireVisits(t, m, want...)
	})
}

// Compact drops the records of expired keys, and keeps the others' expiry.
func TestCompactDropsExpiredKeys(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		clock := maptest.NewClock()
		dir := t.TempDir()
		opts = maptest.WithClock(opts, clock)
		m := maptest.Open[string, string](t, dir, opts)
		for i := range 100 {
			k := fmt.Sprint("k", i)
			if err := m.PutTTL(k, "v-"+k, time.Duration(1+i%2)*time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Hour)
		if err := m.Compact(); err != nil {
			t.Fatal(err)
		}
		st := m.Stats()
		if st.Len != 50 || st.Expired != 50 || st.Values.Dead != 0 || st.Keys.Dead != 0 {
			t.Fatalf("Stats after Compact %+v, want 50 keys, 50 expired ones removed, and nothing dead", st)
		}
		requireTTL(t, m, "k1", time.Hour)
		requireAbsent(t, m, "k0")
		maptest.CloseChecked(t, m)
		m = maptest.Open[string, string](t, dir, opts)
		requireTTL(t, m, "k99", time.Hour)
		if m.Len() != 50 {
			t.Fatalf("Len after reopening = %d, want 50", m.Len())
		}
	})
}

// An expiry is stored as an absolute time: it survives Close, a crash of
// the process and Compact, in every mode, and the key expires when it
// would have.
func TestExpirySurvivesCloseCrashAndCompact(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		clock := maptest.NewClock()
		dir := t.TempDir()
		opts.Capacity = 8
		opts = maptest.WithClock(opts, clock)
		m := maptest.Open[string, string](t, dir, opts)
		for i := range 40 { // grows the table
			k := fmt.Sprint("k", i)
			if err := m.PutTTL(k, "v-"+k, time.Duration(i+1)*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		err := m.Batch(func(b *diskmap.Batch[string, string]) error {
			return b.PutTTL("batched", "v-batched", 100*time.Second)
		})
		if err != nil {
			t.Fatal(err)
		}
		check := func(m *diskmap.Map[string, string], what string) {
			t.Helper()
			requireTTL(t, m, "k39", 40*time.Second)
			requireTTL(t, m, "batched", 100*time.Second)
			if m.Len() != 41 {
				t.Fatalf("%s: Len = %d, want 41", what, m.Len())
			}
		}
		crashed := filepath.Join(t.TempDir(), "crashed")
		maptest.CrashCopy(t, dir, crashed)
		c := maptest.Open[string, string](t, crashed, opts)
		check(c, "after a crash")
		if err := c.Compact(); err != nil {
			t.Fatal(err)
		}
		check(c, "after a crash and Compact")
		maptest.CloseChecked(t, c)
		maptest.CloseChecked(t, m)
		m = maptest.Open[string, string](t, dir, opts)
		check(m, "after Close")
		clock.Advance(20 * time.Second)
		requireAbsent(t, m, "k19") // put with 20 s to live
		requireTTL(t, m, "k20", time.Second)
	})
}

// Replay applies what the log says, whatever the clock says by then: a
// put of a key that had not expired when it was made updates it in place,
// even when the key has expired by the time of the replay, and a put of
// one that had expired inserts it anew, because the writer logged the
// expired key's removal.
func TestReplayDoesNotJudgeExpiry(t *testing.T) {
	for _, d := range []diskmap.Durability{diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
		t.Run(d.String(), func(t *testing.T) {
			clock := maptest.NewClock()
			dir := t.TempDir()
			opts := maptest.WithClock(&diskmap.Options{Durability: d}, clock)
			m := maptest.Open[string, string](t, dir, opts)
			if err := m.Checkpoint(); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"a", "b", "c"} {
				if err := m.PutTTL(k, "v-"+k, 10*time.Second); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.Put("z", "v-z"); err != nil {
				t.Fatal(err)
			}
			clock.Advance(5 * time.Second)
			if err := m.Put("a", "v-a"); err != nil { // in place: a keeps its place
				t.Fatal(err)
			}
			clock.Advance(5 * time.Second)
			if err := m.Put("b", "v-b"); err != nil { // expired: b is new
				t.Fatal(err)
			}
			err := m.Batch(func(b *diskmap.Batch[string, string]) error { return b.Put("c", "v-c") })
			if err != nil {
				t.Fatal(err)
			}
			requireVisits(t, m, "a", "z", "b", "c")
			crashed := filepath.Join(t.TempDir(), "crashed")
			maptest.CrashCopy(t, dir, crashed)
			clock.Advance(time.Hour)
			c := maptest.Open[string, string](t, crashed, opts)
			requireVisits(t, c, "a", "z", "b", "c")
		})
	}
}

// A batch cut short in DurabilityOS is finished from the log on the next
// Open, with the removal of the expired key it put anew.
func TestBatchOverExpiredKeyCutShort(t *testing.T) {
	clock := maptest.NewClock()
	dir := t.TempDir()
	opts := maptest.WithClock(nil, clock)
	m := maptest.Open[string, string](t, dir, opts)
	for _, k := range []string{"a", "z"} {
		if err := m.PutTTL(k, "v-"+k, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Put("b", "v-b"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	crash := errors.New("crash")
	diskmap.SetFailpoint(m, func(name string) error {
		if name == "batch-op" {
			return crash
		}
		return nil
	})
	err := m.Batch(func(b *diskmap.Batch[string, string]) error {
		if err := b.Put("a", "v-a"); err != nil {
			return err
		}
		return b.PutTTL("c", "v-c", time.Minute)
	})
	if !errors.Is(err, crash) {
		t.Fatalf("Batch: %v", err)
	}
	crashed := filepath.Join(t.TempDir(), "crashed")
	maptest.CrashCopy(t, dir, crashed)
	if err := m.Close(); !errors.Is(err, crash) {
		t.Fatalf("Close of the failed map: %v", err)
	}
	clock.Advance(time.Hour)
	c := maptest.Open[string, string](t, crashed, opts)
	requireVisits(t, c, "b", "a")
	requireAbsent(t, c, "z")
	if n := c.Len(); n != 3 && n != 4 { // z expired, and may not be removed yet
		t.Fatalf("Len = %d, want b, a, c and perhaps z", n)
	}
}

// An entry of a key that has expired finds it absent, and an entry whose
// key expires after it was made reads no value.
func TestEntryOfExpiredKey(t *testing.T) {
	clock := maptest.NewClock()
	m := maptest.Open[string, string](t, t.TempDir(), maptest.WithClock(nil, clock))
	if err := m.PutTTL("k", "v-k", time.Second); err != nil {
		t.Fatal(err)
	}
	e := m.Entry("k")
	clock.Advance(time.Second)
	if v, err := e.Value(); v != "" || err != nil {
		t.Fatalf("Value of an entry whose key expired = %q, %v; want none", v, err)
	}
	e = m.Entry("k")
	if e.Found() {
		t.Fatal("Entry of an expired key found it")
	}
	if err := e.SetTTL("v-k", time.Minute); err != nil {
		t.Fatal(err)
	}
	requireTTL(t, m, "k", time.Minute)
	if v, err := e.Value(); v != "v-k" || err != nil {
		t.Fatalf("Value after SetTTL = %q, %v", v, err)
	}
}

// An entry whose key expires after the entry found it, with no write
// between, sees it gone: AndModify calls nothing, and OrInsert and
// OrInsertWith insert, as for a key the entry never found.
func TestEntryKeyExpiresAfterLookup(t *testing.T) {
	clock := maptest.NewClock()
	m := maptest.Open[string, int](t, t.TempDir(), maptest.WithClock(nil, clock))
	for i, k := range []string{"a", "b"} {
		if err := m.PutTTL(k, 41, time.Duration(i+1)*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	a := m.Entry("a")
	if !a.Found() {
		t.Fatal("Entry(a) did not find a live key")
	}
	clock.Advance(time.Second)
	called := false
	got, err := a.AndModify(func(v *int) { called = true; *v++ }).OrInsert(1)
	if called || got != 1 || err != nil {
		t.Fatalf("AndModify(+1).OrInsert(1) of a key expired since the lookup = %d, %v, f called %v; want 1, f not called", got, err, called)
	}
	b := m.Entry("b")
	if !b.Found() {
		t.Fatal("Entry(b) did not find a live key")
	}
	clock.Advance(time.Second)
	got, err = b.OrInsertWith(func() int { return 7 })
	if got != 7 || err != nil {
		t.Fatalf("OrInsertWith(7) of a key expired since the lookup = %d, %v; want 7", got, err)
	}
	for k, want := range map[string]int{"a": 1, "b": 7} {
		if v, ok, err := m.Get(k); v != want || !ok || err != nil {
			t.Fatalf("Get(%q) = %d, %v, %v; want %d", k, v, ok, err, want)
		}
		requireTTLOf(t, m, k, 0)
	}
}

// requireTTLOf is requireTTL for a map of any values.
func requireTTLOf[V any](t *testing.T, m *diskmap.Map[string, V], k string, want time.Duration) {
	t.Helper()
	if d, ok, err := m.TTL(k); !ok || d != want || err != nil {
		t.Errorf("TTL(%q) = %v, %v, %v; want %v, true", k, d, ok, err, want)
	}
}

// editBuckets rewrites the buckets file of the closed map in dir with
// edit, which gets the file's bytes and the offsets of its occupied slots.
func editBuckets(t *testing.T, dir string, edit func(b []byte, slots []int)) {
	t.Helper()
	path := filepath.Join(dir, "buckets")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var slots []int
	for off := layout.MetaSize; off < len(b); off += layout.SlotSize {
		if layout.ReadSlot(b[off:]).Occupied() {
			slots = append(slots, off)
		}
	}
	edit(b, slots)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A reader passes over the slot of a key that has expired on its expiry
// alone, as over a deleted slot, and never reads the key: a Get of an
// expired key costs a miss and the read of one expiry. A damaged key offset
// in that slot shows it: before the key expires every read of it reports
// the damage; after, every read finds it absent, and Check, which reads
// everything, still reports it.
func TestReadsPassOverExpiredSlots(t *testing.T) {
	dir := t.TempDir()
	clock := maptest.NewClock()
	opts := maptest.WithClock(nil, clock)
	m := maptest.Open[string, string](t, dir, opts)
	if err := m.PutTTL("k", "v-k", time.Second); err != nil {
		t.Fatal(err)
	}
	maptest.CloseChecked(t, m)
	editBuckets(t, dir, func(b []byte, slots []int) {
		binary.LittleEndian.PutUint32(b[slots[0]+4:], 0xFFFFFF00) // the key offset, far past the end
	})
	m, err := diskmap.Open[string, string](dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer maptest.CheckClose(t, m)
	if _, _, err := m.Get("k"); !errors.Is(err, diskmap.ErrCorrupt) {
		t.Fatalf("Get of the live key with a damaged key offset = %v, want ErrCorrupt", err)
	}
	clock.Advance(time.Second)
	requireAbsent(t, m, "k")
	if err := m.Check(); !errors.Is(err, diskmap.ErrCorrupt) {
		t.Fatalf("Check = %v, want the damaged key offset reported", err)
	}
}

// A slot that says its value record starts with an expiry, where the
// record is too short to hold one, is damage: every read of the key
// reports it, naming the buckets file and the slot's offset, and Check
// finds it.
func TestExpiryBitOnShortRecord(t *testing.T) {
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, nil)
	if err := m.Put("k", "abc"); err != nil {
		t.Fatal(err)
	}
	maptest.CloseChecked(t, m)
	var at int
	editBuckets(t, dir, func(b []byte, slots []int) {
		at = slots[0]
		b[at+15] |= 0x80 // bit 31 of the value length: layout.SlotExpires
	})
	m, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer maptest.CheckClose(t, m)
	where := fmt.Sprintf("offset %d", at)
	for what, err := range map[string]error{
		"Check": m.Check(),
		"Get":   errOf(m.Get("k")),
		"TTL":   errOf(m.TTL("k")),
		"View":  errOf(m.View("k")),
	} {
		if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), filepath.Join(dir, "buckets")) || !strings.Contains(err.Error(), where) {
			t.Errorf("%s: %v; want ErrCorrupt naming buckets at %s", what, err, where)
		}
	}
	if ok, err := m.Contains("k"); ok || !errors.Is(err, diskmap.ErrCorrupt) {
		t.Errorf("Contains = %v, %v; want ErrCorrupt", ok, err)
	}
	for range m.All() {
		t.Error("All yielded a key whose slot is damaged")
	}
	if err := m.Err(); !errors.Is(err, diskmap.ErrCorrupt) {
		t.Errorf("All: Err() = %v, want ErrCorrupt", err)
	}
	if n, err := m.RemoveExpired(); n != 0 || err != nil {
		t.Errorf("RemoveExpired = %d, %v; want the damaged slot left for Check", n, err)
	}
}

// A map of format version 1 never has a slot with an expiry: Check
// reports one.
func TestExpiryBitInVersion1Map(t *testing.T) {
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, nil)
	if err := m.Put("k", "a value longer than an expiry"); err != nil {
		t.Fatal(err)
	}
	maptest.CloseChecked(t, m)
	editBuckets(t, dir, func(b []byte, slots []int) {
		h, cur, err := layout.ReadMeta(b)
		if err != nil {
			t.Fatal(err)
		}
		h.Version = 1
		format.WriteMeta(b, &h, cur)
		b[slots[0]+15] |= 0x80
	})
	m = maptest.Open[string, string](t, dir, nil)
	if err := m.Check(); !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), "format version 1") {
		t.Fatalf("Check = %v, want the expiry of a version 1 map reported", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// errOf returns the error of a read's three results.
func errOf[A, B any](_ A, _ B, err error) error { return err }

// The sweep slows down to 2 slots a write while the keys with an expiry it
// meets have not expired, and speeds up to 32 while they have.
func TestSweepPace(t *testing.T) {
	clock := maptest.NewClock()
	m := maptest.Open[string, string](t, t.TempDir(), maptest.WithClock(nil, clock))
	for i := range 5000 {
		if err := m.PutTTL(fmt.Sprint("k", i), "v", time.Hour+time.Duration(i)*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if p := diskmap.SweepPace(m); p != 2 {
		t.Fatalf("pace %d after 5000 writes meeting no expired key, want 2", p)
	}
	clock.Advance(time.Hour + 2500*time.Second) // half of them expire
	for i := range 20 {
		if err := m.Put(fmt.Sprint("other", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	if p := diskmap.SweepPace(m); p != 32 {
		t.Fatalf("pace %d after writes meeting expired keys, want 32", p)
	}
}

// Without Options.Clock, keys expire by time.Now: a key put to live an hour
// has two to three hours left for a map whose clock reads two hours behind
// the wall clock, and is gone for one whose clock reads two hours ahead.
func TestDefaultClockIsTimeNow(t *testing.T) {
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, nil)
	if err := m.PutTTL("k", "v-k", time.Hour); err != nil {
		t.Fatal(err)
	}
	maptest.CloseChecked(t, m)
	behind := func() time.Time { return time.Now().Add(-2 * time.Hour) }
	m = maptest.Open[string, string](t, dir, &diskmap.Options{Clock: behind})
	if d, ok, err := m.TTL("k"); d <= 2*time.Hour || d > 3*time.Hour || !ok || err != nil {
		t.Fatalf("TTL by a clock 2h behind = %v, %v, %v; want between 2h and 3h", d, ok, err)
	}
	maptest.CloseChecked(t, m)
	ahead := func() time.Time { return time.Now().Add(2 * time.Hour) }
	m = maptest.Open[string, string](t, dir, &diskmap.Options{Clock: ahead})
	requireAbsent(t, m, "k")
}

// A write that compacts the map by itself (Options.CompactAt) drops every
// key that has expired, as Compact does, and counts them in Stats.Expired:
// after it, Len counts only the keys that have not expired.
func TestAutoCompactDropsExpiredKeys(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		clock := maptest.NewClock()
		opts.CompactAt, opts.CompactMinBytes = 0.05, 4<<10
		m := maptest.Open[string, string](t, t.TempDir(), maptest.WithClock(opts, clock))
		for i := range 2000 {
			if err := m.PutTTL(fmt.Sprint("short", i), "a value of some bytes", time.Second); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 10 {
			if err := m.Put(fmt.Sprint("kept", i), "v"); err != nil {
				t.Fatal(err)
			}
		}
		if st := m.Stats(); st.AutoCompactions != 0 {
			t.Fatalf("%d automatic compactions before any key expired: the test needs none", st.AutoCompactions)
		}
		clock.Advance(time.Second)
		for i := 0; m.Stats().AutoCompactions == 0; i++ {
			if i == 100 {
				t.Fatal("100 writes and no automatic compaction")
			}
			before := m.Stats().Expired
			if err := m.Put("kept0", fmt.Sprint("v", i)); err != nil {
				t.Fatal(err)
			}
			st := m.Stats()
			if st.AutoCompactions == 0 {
				continue
			}
			if st.Len != 10 || st.Expired != 2000 || st.Expired-before < 1000 {
				t.Fatalf("after the write that compacted: Len %d, Expired %d (%d before it); want 10 and 2000, most dropped by the compaction", st.Len, st.Expired, before)
			}
		}
	})
}

// A map of keys that expire and that nothing reads again stays bounded:
// the sweep that each write advances removes them, and the compactions the
// writes make by themselves reclaim their bytes, however many are put.
func TestExpiringKeysStayBounded(t *testing.T) {
	clock := maptest.NewClock()
	opts := &diskmap.Options{CompactMinBytes: 64 << 10}
	m := maptest.Open[string, string](t, t.TempDir(), maptest.WithClock(opts, clock))
	const perRound, rounds = 1000, 60
	var early diskmap.Stats // the largest files of rounds 10 to 20
	for round := range rounds {
		for i := range perRound {
			k := fmt.Sprintf("r%d-%d", round, i)
			if err := m.PutTTL(k, "a value of a few bytes", time.Duration(1+i%10)*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Second)
		live := 0 // keys of round r live 1 to 10 s from r s; the clock is at round+1 s
		for r := max(0, round-9); r <= round; r++ {
			for i := range perRound {
				if r+1+i%10 > round+1 {
					live++
				}
			}
		}
		st := m.Stats()
		// The keys that expired with this tick, and a third more than the
		// live ones (see TestSweepKeepsUpWithExpiry).
		if st.Len > live+perRound+live/3 {
			t.Fatalf("round %d: %d keys stored, %d live: the expired ones stay", round, st.Len, live)
		}
		switch {
		case round >= 10 && round < 20:
			if size(st) > size(early) {
				early = st
			}
		case round >= 20 && size(st) > 2*size(early):
			t.Fatalf("round %d: %d bytes of files, twice the most of rounds 10 to 20 (%d): the map grows without bound", round, size(st), size(early))
		}
	}
	st := m.Stats()
	t.Logf("%d keys put; at the end %d stored, %d bytes of files; %d expired ones removed, %d compactions",
		perRound*rounds, st.Len, size(st), st.Expired, st.AutoCompactions)
	if st.AutoCompactions == 0 || st.Expired < (rounds-10)*perRound {
		t.Fatalf("%d compactions and %d expired keys removed: the test meant many of both", st.AutoCompactions, st.Expired)
	}
}

// size is the bytes of a map's files, by its Stats.
func size(st diskmap.Stats) int64 { return st.TableBytes + st.Keys.Size + st.Values.Size }

// Where keys expire at the rate they are put, the sweep holds the expired
// keys that are still stored to a quarter or so of the keys with an
// expiry, as package layout says (Sweep), by its pace alone: no read of
// them, no compaction.
func TestSweepKeepsUpWithExpiry(t *testing.T) {
	clock := maptest.NewClock()
	m := maptest.Open[int, string](t, t.TempDir(), maptest.WithClock(&diskmap.Options{CompactAt: -1}, clock))
	const n, spread = 60_000, 5000 // puts, and times to live of 1 to spread ms, one put a ms
	expiry := make([]int, n)       // in ms since the start
	worst := 0.0
	for i := range n {
		ttl := 1 + i*7919%spread
		if err := m.PutTTL(i, "v", time.Duration(ttl)*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		expiry[i] = i + ttl
		clock.Advance(time.Millisecond)
		if i < 2*spread || i%1000 != 0 {
			continue
		}
		live := 0
		for j := i + 1 - spread; j <= i; j++ {
			if expiry[j] > i+1 {
				live++
			}
		}
		stored := m.Len()
		worst = max(worst, float64(stored-live)/float64(stored))
	}
	t.Logf("at worst %.0f%% of the keys stored had expired", 100*worst)
	if worst > 0.3 {
		t.Fatalf("at worst %.0f%% of the keys stored had expired, want at most about a quarter", 100*worst)
	}
}

// A time to live that takes the expiry past the last time there is stores
// that time, 2^63-1 ns after the Unix epoch: the key is there, with the
// time it has left until then, also by a clock before the epoch.
func TestExpiryAtTheEndOfTime(t *testing.T) {
	for _, at := range []time.Time{maptest.ClockStart, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)} {
		clock := maptest.NewClock()
		clock.Set(at)
		dir := t.TempDir()
		opts := maptest.WithClock(nil, clock)
		m := maptest.Open[string, string](t, dir, opts)
		if err := m.PutTTL("k", "v-k", math.MaxInt64); err != nil {
			t.Fatal(err)
		}
		want := time.Duration(math.MaxInt64 - max(at.UnixNano(), 0))
		maptest.CloseChecked(t, m)
		m = maptest.Open[string, string](t, dir, opts)
		requireTTL(t, m, "k", want)
	}
}
