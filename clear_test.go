package diskmap_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

// fileSize returns the size of the file name in dir.
func fileSize(t *testing.T, dir, name string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Clear removes every key and leaves the files of a new map: arenas of
// KeyBytes and ValueBytes with no records, a table for Capacity keys, and
// nothing left of the files it replaced. The map takes writes after it,
// and a reopen finds them and nothing older.
func TestClear(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		opts.Capacity, opts.KeyBytes, opts.ValueBytes = 100, 8<<10, 16<<10
		m := maptest.Open[string, string](t, dir, opts)
		created := m.Stats()
		for i := range 2000 {
			if err := m.Put(fmt.Sprint("k", i), strings.Repeat("v", i%300)); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 500 {
			if _, err := m.Delete(fmt.Sprint("k", i)); err != nil {
				t.Fatal(err)
			}
		}
		full := m.Stats()
		if full.Capacity <= created.Capacity || full.Keys.Size <= created.Keys.Size {
			t.Fatalf("Stats before Clear %+v: the table and the arenas should have grown", full)
		}
		if err := m.Clear(); err != nil {
			t.Fatalf("Clear: %v", err)
		}
		st := m.Stats()
		want := diskmap.Stats{Capacity: created.Capacity, TableBytes: created.TableBytes,
			Keys: created.Keys, Values: created.Values, Resizes: full.Resizes, Compacted: full.Compacted}
		if st != want {
			t.Fatalf("Stats after Clear\n %+v\nwant\n %+v", st, want)
		}
		if got := fileSize(t, dir, "keys"); got != opts.KeyBytes {
			t.Errorf("keys is %d bytes after Clear, want %d", got, opts.KeyBytes)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "*.compact")); len(left) > 0 {
			t.Errorf("Clear left %v", left)
		}
		maptest.RequireContents(t, m, map[string]string{})
		if err := m.Put("after", "clear"); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		maptest.RequireContents(t, maptest.Open[string, string](t, dir, opts), map[string]string{"after": "clear"})
		if got, max := fileSize(t, dir, "buckets"), layout.MetaSize+int64(created.Capacity)*layout.SlotSize; got != max {
			t.Errorf("buckets is %d bytes after Clear and Close, want %d", got, max)
		}
	})
}

// Clear is a write: it needs a writable map, and it ends an iteration in
// progress, as Compact does.
func TestClearReadOnlyAndDuringIteration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, nil)
	for _, k := range []string{"a", "b", "c"} {
		if err := m.Put(k, k); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	for k := range m.Keys() {
		seen = append(seen, k)
		if err := m.Clear(); err != nil {
			t.Fatal(err)
		}
		if err := m.Put("new "+k, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Err(); !errors.Is(err, diskmap.ErrStale) || !slices.Equal(seen, []string{"a"}) {
		t.Fatalf("iteration with a Clear in its body visited %q, Err %v; want [a] and ErrStale", seen, err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	r := maptest.Open[string, string](t, dir, &diskmap.Options{ReadOnly: true})
	if err := r.Clear(); !errors.Is(err, diskmap.ErrReadOnly) {
		t.Fatalf("Clear of a read-only map: %v, want ErrReadOnly", err)
	}
	maptest.RequireContents(t, r, map[string]string{"new a": "a"})
}

// DeleteFunc removes the keys its function picks, reports how many, keeps
// the order of the others, and, in every mode, is what a reopen finds.
func TestDeleteFunc(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[int, string](t, dir, opts)
		want := map[int]string{}
		for i := range 100 {
			if err := m.Put(i, fmt.Sprint(i%7)); err != nil {
				t.Fatal(err)
			}
			if i%7 != 3 {
				want[i] = fmt.Sprint(i % 7)
			}
		}
		var order []int
		n, err := m.DeleteFunc(func(k int, v string) bool {
			order = append(order, k)
			return v == "3"
		})
		if n != 100-len(want) || err != nil {
			t.Fatalf("DeleteFunc = %d, %v; want %d, nil", n, err, 100-len(want))
		}
		inserted := make([]int, 100)
		for i := range inserted {
			inserted[i] = i
		}
		if !slices.Equal(order, inserted) {
			t.Fatalf("DeleteFunc called its function on %v, want every key in insertion order", order)
		}
		maptest.RequireContents(t, m, want)
		if n, err := m.DeleteFunc(func(int, string) bool { return false }); n != 0 || err != nil {
			t.Fatalf("DeleteFunc of nothing = %d, %v", n, err)
		}
		keys := slices.Collect(m.Keys())
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		m = maptest.Open[int, string](t, dir, opts)
		maptest.RequireContents(t, m, want)
		if got := slices.Collect(m.Keys()); !slices.Equal(got, keys) {
			t.Fatalf("order after reopen %v, want %v", got, keys)
		}
	})
}

// A function that changes or closes the map makes DeleteFunc remove
// nothing and say why.
func TestDeleteFuncWhoseFunctionWrites(t *testing.T) {
	t.Parallel()
	m := maptest.Open[string, string](t, t.TempDir(), nil)
	want := map[string]string{"a": "1", "b": "2", "c": "3"}
	for k, v := range want {
		if err := m.Put(k, v); err != nil {
			t.Fatal(err)
		}
	}
	n, err := m.DeleteFunc(func(k, _ string) bool {
		if k == "b" {
			if err := m.Put("d", "4"); err != nil {
				t.Fatal(err)
			}
		}
		return true
	})
	if n != 0 || !errors.Is(err, diskmap.ErrStale) {
		t.Fatalf("DeleteFunc whose function puts = %d, %v; want 0, ErrStale", n, err)
	}
	want["d"] = "4"
	maptest.RequireContents(t, m, want)
	n, err = m.DeleteFunc(func(string, string) bool {
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		return true
	})
	if n != 0 || !errors.Is(err, diskmap.ErrClosed) {
		t.Fatalf("DeleteFunc whose function closes the map = %d, %v; want 0, ErrClosed", n, err)
	}
}

// DeleteFunc's removes are one batch: cut short while they are applied,
// the next Open makes all of them, in every mode.
func TestDeleteFuncCutShortIsFinishedOnOpen(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[int, int](t, dir, opts)
		for i := range 50 {
			if err := m.Put(i, i); err != nil {
				t.Fatal(err)
			}
		}
		crash := errors.New("crash")
		calls := 0
		diskmap.SetFailpoint(m, func(name string) error {
			if name == "batch-op" {
				if calls++; calls == 10 {
					return crash
				}
			}
			return nil
		})
		if _, err := m.DeleteFunc(func(k, _ int) bool { return k%2 == 0 }); !errors.Is(err, crash) {
			t.Fatalf("DeleteFunc: %v, want the crash", err)
		}
		crashed := filepath.Join(t.TempDir(), "crashed")
		maptest.CrashCopy(t, dir, crashed)
		if err := m.Close(); !errors.Is(err, crash) {
			t.Fatalf("Close of the failed map: %v", err)
		}
		c := maptest.Open[int, int](t, crashed, opts)
		want := map[int]int{}
		for i := 1; i < 50; i += 2 {
			want[i] = i
		}
		maptest.RequireContents(t, c, want)
	})
}
