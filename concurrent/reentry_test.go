package concurrent_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// keysIn returns n keys of shard i of m, and n of other shards.
func keysIn[V any](m *concurrent.Map[string, V], i, n int) (same, other []string) {
	for j := 0; len(same) < n || len(other) < n; j++ {
		k := fmt.Sprint("k", j)
		if concurrent.ShardOf(m, k) == i {
			if len(same) < n {
				same = append(same, k)
			}
		} else if len(other) < n {
			other = append(other, k)
		}
	}
	return same, other
}

func TestChains(t *testing.T) {
	t.Parallel()
	for _, id := range []uint32{0, 1, 15, 16, 0xabc, 0xfedcba98} {
		concurrent.Within(id, func() {
			if !concurrent.Holding(id) {
				t.Errorf("Holding(%#x) inside Within(%#x) = false", id, id)
			}
			if concurrent.Holding(id + 1) {
				t.Errorf("Holding(%#x) inside Within(%#x) = true", id+1, id)
			}
			concurrent.Within(id^0x10, func() {
				if !concurrent.Holding(id) || !concurrent.Holding(id^0x10) {
					t.Errorf("nested Within(%#x) in Within(%#x): not holding both", id^0x10, id)
				}
			})
		})
		if concurrent.Holding(id) {
			t.Errorf("Holding(%#x) outside Within = true", id)
		}
	}
}

// TestUpdateCallbackReads: reads from Update's fn, of its own shard and of
// others, go ahead.
func TestUpdateCallbackReads(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(4))
	same, other := keysIn(m, 0, 3)
	want := map[string]string{}
	for _, k := range append(same, other...) {
		want[k] = "v" + k
		if err := m.Put(k, want[k]); err != nil {
			t.Fatal(err)
		}
	}
	err := m.Update(same[0], func(e *diskmap.Entry[string, string]) error {
		for _, k := range []string{same[1], other[0]} {
			if v, ok, err := m.Get(k); err != nil || !ok || v != want[k] {
				return fmt.Errorf("Get(%q) = %q, %v, %v", k, v, ok, err)
			}
			if ok, err := m.Contains(k); err != nil || !ok {
				return fmt.Errorf("Contains(%q) = %v, %v", k, ok, err)
			}
			if ok, err := m.View(k, func([]byte) error { return nil }); err != nil || !ok {
				return fmt.Errorf("View(%q) = %v, %v", k, ok, err)
			}
		}
		vals, found, err := m.GetMany([]string{same[2], other[1], "absent"})
		if err != nil || !found[0] || !found[1] || found[2] || vals[0] != want[same[2]] {
			return fmt.Errorf("GetMany = %q, %v, %v", vals, found, err)
		}
		if got := maps.Collect(m.All()); !maps.Equal(got, want) {
			return fmt.Errorf("All = %v, want %v", got, want)
		}
		if err := m.Err(); err != nil {
			return fmt.Errorf("All: %v", err)
		}
		if n := m.Len(); n != len(want) {
			return fmt.Errorf("Len = %d", n)
		}
		if st := m.Stats(); st.Len != len(want) {
			return fmt.Errorf("Stats().Len = %d", st.Len)
		}
		if err := m.Check(); err != nil {
			return fmt.Errorf("Check: %v", err)
		}
		return e.Set("updated")
	})
	if err != nil {
		t.Fatal(err)
	}
	want[same[0]] = "updated"
	maptest.RequireContents(t, m, want)
}

// TestCallbackWrites: writes from a callback to its own shard, and the
// methods that lock every shard, return ErrReentrant; the callback's entry
// still works, and writes to other shards go ahead.
func TestCallbackWrites(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(4))
	same, other := keysIn(m, 1, 2)
	refused := map[string]func() error{
		"Put":           func() error { return m.Put(same[1], "x") },
		"PutTTL":        func() error { return m.PutTTL(same[1], "x", time.Hour) },
		"RemoveExpired": func() error { _, err := m.RemoveExpired(); return err },
		"Delete":        func() error { _, err := m.Delete(same[1]); return err },
		"Update":        func() error { return m.Update(same[1], func(*diskmap.Entry[string, string]) error { return nil }) },
		"Compact":       m.Compact,
		"Sync":          m.Sync,
		"Close":         m.Close,
		"PutMany":       func() error { return m.PutMany(maps.All(map[string]string{other[1]: "x"})) },
	}
	for _, name := range slices.Sorted(maps.Keys(refused)) {
		t.Run("Update/"+name, func(t *testing.T) {
			err := m.Update(same[0], func(e *diskmap.Entry[string, string]) error {
				if err := refused[name](); !errors.Is(err, concurrent.ErrReentrant) {
					return fmt.Errorf("%s from Update's fn: %v, want ErrReentrant", name, err)
				}
				if err := m.Put(other[0], "from "+name); err != nil {
					return fmt.Errorf("Put to another shard: %v", err)
				}
				return e.Set(name)
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("View/"+name, func(t *testing.T) {
			_, err := m.View(same[0], func([]byte) error {
				if err := refused[name](); !errors.Is(err, concurrent.ErrReentrant) {
					return fmt.Errorf("%s from View's fn: %v, want ErrReentrant", name, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	maptest.RequireContents(t, m, map[string]string{same[0]: "Update", other[0]: "from Update"})
}

// TestViewCallbackReadsPastWaitingWriter: a read from View's fn of its own
// shard, while a writer waits for that shard, does not wait behind the
// writer (which waits for fn's caller).
func TestViewCallbackReadsPastWaitingWriter(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
	same, _ := keysIn(m, 0, 2)
	for _, k := range same {
		if err := m.Put(k, "v"+k); err != nil {
			t.Fatal(err)
		}
	}
	wrote := make(chan error)
	_, err := m.View(same[0], func([]byte) error {
		go func() { wrote <- m.Put(same[0], "new") }()
		for !concurrent.WriterWaiting(m, 0) {
			time.Sleep(time.Millisecond)
		}
		if v, ok, err := m.Get(same[1]); err != nil || !ok || v != "v"+same[1] {
			return fmt.Errorf("Get with a writer waiting = %q, %v, %v", v, ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-wrote; err != nil {
		t.Fatalf("the waiting writer: %v", err)
	}
}

// TestCallbackContentionIsNotReentry: other goroutines that meet a shard
// locked by a callback wait for it, and get no ErrReentrant, even from
// callbacks of their own on other shards or maps.
func TestCallbackContentionIsNotReentry(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
	m2 := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
	same, other := keysIn(m, 0, 2)
	inside, release := make(chan struct{}), make(chan struct{})
	held := make(chan error)
	go func() {
		held <- m.Update(same[0], func(e *diskmap.Entry[string, string]) error {
			close(inside)
			<-release
			return e.Set("first")
		})
	}()
	<-inside
	results := make(chan error, 4)
	go func() { results <- m.Put(same[1], "plain") }()
	go func() { _, _, err := m.Get(same[1]); results <- err }()
	go func() {
		results <- m.Update(other[0], func(*diskmap.Entry[string, string]) error {
			return m.Put(same[1], "from a callback on another shard")
		})
	}()
	go func() {
		results <- m2.Update(same[0], func(*diskmap.Entry[string, string]) error {
			_, err := m.View(same[1], func([]byte) error { return nil })
			return err
		})
	}()
	time.Sleep(20 * time.Millisecond) // let them meet the lock
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := <-results; err != nil {
			t.Errorf("a call that met the locked shard: %v", err)
		}
	}
}

// TestCallbackCycle: two callbacks, each holding a shard, each read the
// other's shard. Waiting would never end for either; one of them is
// refused with ErrReentrant and the other goes on.
func TestCallbackCycle(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
	a, b := keysIn(m, 0, 1)
	ab := [2]string{a[0], b[0]}
	var ready sync.WaitGroup
	ready.Add(2)
	errs := make(chan error, 2)
	for i := range 2 {
		go func() {
			errs <- m.Update(ab[i], func(e *diskmap.Entry[string, string]) error {
				ready.Done()
				ready.Wait()
				if _, _, err := m.Get(ab[1-i]); err != nil {
					return err
				}
				return e.Set("done")
			})
		}()
	}
	var refused, done int
	for range 2 {
		switch err := <-errs; {
		case errors.Is(err, concurrent.ErrReentrant):
			refused++
		case err == nil:
			done++
		default:
			t.Errorf("Update: %v", err)
		}
	}
	if refused != 1 || done != 1 {
		t.Errorf("%d refused, %d done; want one of each", refused, done)
	}
}

// TestCallbackPanic: a panic in fn releases the shard.
func TestCallbackPanic(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
	for _, call := range []func(){
		func() { _ = m.Update("k", func(*diskmap.Entry[string, string]) error { panic("in Update") }) },
		func() { _, _ = m.View("k", func([]byte) error { panic("in View") }) },
	} {
		if err := m.Put("k", "v"); err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the panic in fn did not reach the caller")
				}
			}()
			call()
		}()
		if err := m.Put("k", "after"); err != nil {
			t.Fatal(err)
		}
	}
}
