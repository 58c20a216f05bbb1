package diskmap_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

func TestEntryCounter(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[string, int](t, dir, opts)
		for want := 1; want <= 3; want++ {
			if n, err := m.Entry("hits").AndModify(func(v *int) { *v++ }).OrInsert(1); err != nil || n != want {
				t.Fatalf("OrInsert(1) = %d, %v; want %d, nil", n, err, want)
			}
		}
		if got := m.Len(); got != 1 {
			t.Fatalf("m.Len() = %d, want 1", got)
		}
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		m = maptest.Open[string, int](t, dir, opts)
		if n, err := m.Entry("hits").AndModify(func(v *int) { *v++ }).OrInsert(1); err != nil || n != 4 {
			t.Fatalf("OrInsert(1) = %d, %v; want 4, nil (the count persists)", n, err)
		}
	})
}

func TestEntryOrInsertWith(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, string](t, t.TempDir(), opts)
		calls := 0
		f := func() string { calls++; return "made" }

		v, err := m.Entry("k").OrInsertWith(f)
		if err != nil || v != "made" {
			t.Fatalf(`OrInsertWith = %q, %v; want "made", nil`, v, err)
		}
		if calls != 1 {
			t.Fatalf("calls = %d, want 1 (called for an absent key)", calls)
		}

		v, err = m.Entry("k").OrInsertWith(f)
		if err != nil || v != "made" {
			t.Fatalf(`OrInsertWith = %q, %v; want "made", nil`, v, err)
		}
		if calls != 1 {
			t.Fatalf("calls = %d, want 1 (not called for a present key)", calls)
		}

		if err := m.Put("k", "other"); err != nil {
			t.Fatalf(`Put("k", "other"): %v`, err)
		}
		if v, err := m.Entry("k").OrInsertWith(f); err != nil || v != "other" {
			t.Fatalf(`OrInsertWith = %q, %v; want "other", nil`, v, err)
		}
		if calls != 1 {
			t.Fatalf("calls = %d, want 1", calls)
		}
	})
}

func TestEntryAndModifyAbsent(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		e := m.Entry("k").AndModify(func(*int) { t.Error("AndModify called f for an absent key") })
		if e.Found() {
			t.Fatal("e.Found() is true")
		}
		if err := e.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
		if got := m.Len(); got != 0 {
			t.Fatalf("m.Len() = %d, want 0", got)
		}
	})
}

func TestEntryMethods(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, string](t, t.TempDir(), opts)
		if err := m.Put("present", "p"); err != nil {
			t.Fatalf(`Put("present", "p"): %v`, err)
		}

		e := m.Entry("present")
		if got := e.Key(); got != "present" {
			t.Fatalf(`e.Key() = %q, want "present"`, got)
		}
		if !e.Found() {
			t.Fatal("e.Found() is false")
		}
		v, err := e.Value()
		if err != nil || v != "p" {
			t.Fatalf(`Value = %q, %v; want "p", nil`, v, err)
		}
		if err := e.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}

		a := m.Entry("absent")
		if got := a.Key(); got != "absent" {
			t.Fatalf(`a.Key() = %q, want "absent"`, got)
		}
		if a.Found() {
			t.Fatal("a.Found() is true")
		}
		v, err = a.Value()
		if err != nil || v != "" {
			t.Fatalf(`Value = %q, %v; want "", nil (Value of an absent key is the zero value)`, v, err)
		}
		if err := a.Delete(); err != nil {
			t.Fatalf("Delete: %v (deleting an absent key does nothing)", err)
		}

		// Set inserts; the entry then finds its key.
		if err := a.Set("a1"); err != nil {
			t.Fatalf(`Set("a1"): %v`, err)
		}
		if !a.Found() {
			t.Fatal("a.Found() is false")
		}
		v, err = a.Value()
		if err != nil || v != "a1" {
			t.Fatalf(`Value = %q, %v; want "a1", nil`, v, err)
		}
		// Set again updates.
		if err := a.Set("a2"); err != nil {
			t.Fatalf(`Set("a2"): %v`, err)
		}
		v, err = a.Value()
		if err != nil || v != "a2" {
			t.Fatalf(`Value = %q, %v; want "a2", nil`, v, err)
		}
		if got := m.Len(); got != 2 {
			t.Fatalf("m.Len() = %d, want 2", got)
		}
		got, _, err := m.Get("absent")
		if err != nil || got != "a2" {
			t.Fatalf(`Get("absent") = %q, %v; want "a2", nil`, got, err)
		}

		// Delete removes, and the same entry can put the key back.
		if err := a.Delete(); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if a.Found() {
			t.Fatal("a.Found() is true")
		}
		v, err = a.Value()
		if err != nil || v != "" {
			t.Fatalf(`Value = %q, %v; want "", nil`, v, err)
		}
		if got := m.Len(); got != 1 {
			t.Fatalf("m.Len() = %d, want 1", got)
		}
		ok, err := m.Contains("absent")
		if err != nil || ok {
			t.Fatalf(`Contains("absent") = %v, %v; want false, nil`, ok, err)
		}
		if err := a.Set("a3"); err != nil {
			t.Fatalf(`Set("a3"): %v`, err)
		}
		if !a.Found() {
			t.Fatal("a.Found() is false")
		}
		if got, _, err := m.Get("absent"); err != nil || got != "a3" {
			t.Fatalf(`Get("absent") = %q, %v; want "a3", nil`, got, err)
		}
		if got := m.Len(); got != 2 {
			t.Fatalf("m.Len() = %d, want 2", got)
		}
		if m.Stats().Tombstones != 0 {
			t.Fatalf("m.Stats().Tombstones = %d, want 0 (the entry's Set filled the slot its Delete freed)", m.Stats().Tombstones)
		}
	})
}

func TestEntryStale(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, string](t, t.TempDir(), opts)
		if err := m.Put("a", "1"); err != nil {
			t.Fatalf(`Put("a", "1"): %v`, err)
		}

		// Reads do not make an entry stale.
		e := m.Entry("a")
		_, _, err := m.Get("a")
		if err != nil {
			t.Fatalf(`Get("a"): %v`, err)
		}
		_, err = m.Contains("b")
		if err != nil {
			t.Fatalf(`Contains("b"): %v`, err)
		}
		_, _, err = m.View("a")
		if err != nil {
			t.Fatalf(`View("a"): %v`, err)
		}
		_ = m.Stats()
		if err := m.Check(); err != nil {
			t.Fatalf("Check: %v", err)
		}
		for range m.All() {
		}
		if err := e.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
		v, err := e.Value()
		if err != nil || v != "1" {
			t.Fatalf(`Value = %q, %v; want "1", nil`, v, err)
		}

		for name, mutate := range map[string]func(){
			"Put": func() {
				if err := m.Put("b", "2"); err != nil {
					t.Fatalf(`Put("b", "2"): %v`, err)
				}
			},
			"Put same key": func() {
				if err := m.Put("a", "3"); err != nil {
					t.Fatalf(`Put("a", "3"): %v`, err)
				}
			},
			"Delete": func() {
				if _, err := m.Delete("b"); err != nil {
					t.Fatalf(`Delete("b"): %v`, err)
				}
			},
			"Compact": func() {
				if err := m.Compact(); err != nil {
					t.Fatalf("Compact: %v", err)
				}
			},
			"other Entry.Set": func() {
				if err := m.Entry("c").Set("4"); err != nil {
					t.Fatalf(`Set("4"): %v`, err)
				}
			},
		} {
			e := m.Entry("a")
			absent := m.Entry("zzz")
			mutate()
			for _, e := range []*diskmap.Entry[string, string]{e, absent} {
				if err := e.Err(); !errors.Is(err, diskmap.ErrStale) {
					t.Fatalf("%s: Err: %v, want diskmap.ErrStale", name, err)
				}
				_, err := e.Value()
				if !errors.Is(err, diskmap.ErrStale) {
					t.Fatalf("%s: Value: %v, want diskmap.ErrStale", name, err)
				}
				if err := e.Set("x"); !errors.Is(err, diskmap.ErrStale) {
					t.Fatalf("%s: Set: %v, want diskmap.ErrStale", name, err)
				}
				if err := e.Delete(); !errors.Is(err, diskmap.ErrStale) {
					t.Fatalf("%s: Delete: %v, want diskmap.ErrStale", name, err)
				}
				_, err = e.OrInsert("x")
				if !errors.Is(err, diskmap.ErrStale) {
					t.Fatalf("%s: OrInsert: %v, want diskmap.ErrStale", name, err)
				}
				if _, err := e.OrInsertWith(func() string { t.Errorf("%s: OrInsertWith called f on a stale entry", name); return "" }); !errors.Is(err, diskmap.ErrStale) {
					t.Fatalf("%s: OrInsertWith: %v, want diskmap.ErrStale", name, err)
				}
				e.AndModify(func(*string) { t.Errorf("%s: AndModify called f on a stale entry", name) })
			}
		}
		_, found, err := m.Get("zzz")
		if err != nil || found {
			t.Fatalf(`Get("zzz") = %v, %v; want false, nil (stale entries wrote nothing)`, found, err)
		}
		if v, _, err := m.Get("a"); err != nil || v != "3" {
			t.Fatalf(`Get("a") = %q, %v; want "3", nil`, v, err)
		}
	})
}

func TestEntrySetGrowsTable(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		// 16 slots at MaxLoad 0.75: the 13th key grows the table.
		opts.Capacity = 12
		m := maptest.Open[string, string](t, t.TempDir(), opts)
		for i := range 12 {
			if err := m.Put(fmt.Sprint("k", i), "v"); err != nil {
				t.Fatalf("Put: %v", err)
			}
		}
		before := m.Stats()
		if before.Capacity != 16 {
			t.Fatalf("before.Capacity = %d, want 16", before.Capacity)
		}

		e := m.Entry("new")
		if e.Found() {
			t.Fatal("e.Found() is true")
		}
		if err := e.Set("first"); err != nil {
			t.Fatalf(`Set("first"): %v`, err)
		}
		after := m.Stats()
		if after.Capacity <= before.Capacity {
			t.Fatalf("after.Capacity = %d, want > %d (Set grew the table)", after.Capacity, before.Capacity)
		}
		if after.Resizes != before.Resizes+1 {
			t.Fatalf("after.Resizes = %d, want %d", after.Resizes, before.Resizes+1)
		}

		if !e.Found() {
			t.Fatal("e.Found() is false")
		}
		v, err := e.Value()
		if err != nil || v != "first" {
			t.Fatalf(`Value = %q, %v; want "first", nil`, v, err)
		}
		if err := e.Set("second"); err != nil {
			t.Fatalf(`Set("second"): %v`, err)
		}
		v, err = e.Value()
		if err != nil || v != "second" {
			t.Fatalf(`Value = %q, %v; want "second", nil`, v, err)
		}
		got, _, err := m.Get("new")
		if err != nil || got != "second" {
			t.Fatalf(`Get("new") = %q, %v; want "second", nil`, got, err)
		}
		if err := e.Delete(); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if ok, err := m.Contains("new"); err != nil || ok {
			t.Fatalf(`Contains("new") = %v, %v; want false, nil`, ok, err)
		}
		if got := m.Len(); got != 12 {
			t.Fatalf("m.Len() = %d, want 12", got)
		}
		if err := m.Check(); err != nil {
			t.Fatalf("Check: %v", err)
		}
	})
}

func TestEntryOrInsertGrowsTable(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		opts.Capacity = 12
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		for i := range 100 {
			k := fmt.Sprint("k", i)
			e := m.Entry(k)
			n, err := e.AndModify(func(v *int) { *v++ }).OrInsert(i)
			if err != nil || n != i {
				t.Fatalf("OrInsert(%d) = %d, %v; want %d, nil", i, n, err, i)
			}
			if n, err := e.Value(); err != nil || n != i {
				t.Fatalf("Value = %d, %v; want %d, nil (Value after OrInsert of key %d)", n, err, i, i)
			}
		}
		if got := m.Len(); got != 100 {
			t.Fatalf("m.Len() = %d, want 100", got)
		}
		if m.Stats().Resizes <= 1 {
			t.Fatalf("m.Stats().Resizes = %d, want > 1", m.Stats().Resizes)
		}
	})
}

func TestEntryClosedMap(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		if err := m.Put("a", 1); err != nil {
			t.Fatalf(`Put("a", 1): %v`, err)
		}
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		e := m.Entry("a")
		if got := e.Key(); got != "a" {
			t.Fatalf(`e.Key() = %q, want "a"`, got)
		}
		if e.Found() {
			t.Fatal("e.Found() is true")
		}
		if err := e.Err(); !errors.Is(err, diskmap.ErrClosed) {
			t.Fatalf("Err: %v, want diskmap.ErrClosed", err)
		}
		_, err := e.Value()
		if !errors.Is(err, diskmap.ErrClosed) {
			t.Fatalf("Value: %v, want diskmap.ErrClosed", err)
		}
		if err := e.Set(2); !errors.Is(err, diskmap.ErrClosed) {
			t.Fatalf("Set(2): %v, want diskmap.ErrClosed", err)
		}
		if err := e.Delete(); !errors.Is(err, diskmap.ErrClosed) {
			t.Fatalf("Delete: %v, want diskmap.ErrClosed", err)
		}
		_, err = e.OrInsert(2)
		if !errors.Is(err, diskmap.ErrClosed) {
			t.Fatalf("OrInsert(2): %v, want diskmap.ErrClosed", err)
		}
		_, err = e.OrInsertWith(func() int { t.Error("OrInsertWith called f on a closed map"); return 0 })
		if !errors.Is(err, diskmap.ErrClosed) {
			t.Fatalf("OrInsertWith: %v, want diskmap.ErrClosed", err)
		}
		if _, err := e.AndModify(func(*int) { t.Error("AndModify called f on a closed map") }).OrInsert(2); !errors.Is(err, diskmap.ErrClosed) {
			t.Fatalf("OrInsert(2): %v, want diskmap.ErrClosed", err)
		}
	})
}
