package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// The calls of sync.Map give sync.Map's answers, in every mode, and what
// they leave is what a reopen finds.
func TestSyncMapCalls(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[string, string](t, dir, opts)
		step := func(what string, got, want any) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s = %v, want %v", what, got, want)
			}
		}

		prev, loaded, err := m.Swap("a", "1")
		step("Swap(a, 1) of a new key", answer(prev, loaded, err), answer("", false, nil))
		prev, loaded, err = m.Swap("a", "2")
		step("Swap(a, 2)", answer(prev, loaded, err), answer("1", true, nil))

		actual, loaded, err := m.LoadOrStore("a", "3")
		step("LoadOrStore(a, 3) of a key there", answer(actual, loaded, err), answer("2", true, nil))
		actual, loaded, err = m.LoadOrStore("b", "3")
		step("LoadOrStore(b, 3) of a new key", answer(actual, loaded, err), answer("3", false, nil))

		swapped, err := m.CompareAndSwap("a", "1", "4")
		step("CompareAndSwap(a, 1, 4) of a = 2", answer(swapped, err), answer(false, nil))
		swapped, err = m.CompareAndSwap("a", "2", "4")
		step("CompareAndSwap(a, 2, 4)", answer(swapped, err), answer(true, nil))
		swapped, err = m.CompareAndSwap("none", "", "5")
		step("CompareAndSwap of a missing key", answer(swapped, err), answer(false, nil))

		deleted, err := m.CompareAndDelete("b", "4")
		step("CompareAndDelete(b, 4) of b = 3", answer(deleted, err), answer(false, nil))
		deleted, err = m.CompareAndDelete("none", "")
		step("CompareAndDelete of a missing key", answer(deleted, err), answer(false, nil))
		deleted, err = m.CompareAndDelete("b", "3")
		step("CompareAndDelete(b, 3)", answer(deleted, err), answer(true, nil))

		value, loaded, err := m.LoadAndDelete("b")
		step("LoadAndDelete(b) of a deleted key", answer(value, loaded, err), answer("", false, nil))
		if _, _, err := m.Swap("c", "6"); err != nil {
			t.Fatal(err)
		}
		value, loaded, err = m.LoadAndDelete("c")
		step("LoadAndDelete(c)", answer(value, loaded, err), answer("6", true, nil))

		want := map[string]string{"a": "4"}
		maptest.RequireContents(t, m, want)
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		maptest.RequireContents(t, maptest.Open[string, string](t, dir, opts), want)
	})
}

// answer is the results of a call, separated by spaces.
func answer(vals ...any) string { return strings.TrimSuffix(fmt.Sprintln(vals...), "\n") }

// CompareAndSwap and CompareAndDelete compare encoded bytes: 0.0 and -0.0
// are different values, as they are different keys.
func TestCompareEncodedBytes(t *testing.T) {
	t.Parallel()
	m := maptest.Open[string, float64](t, t.TempDir(), nil)
	negZero := func() float64 { z := 0.0; return -z }()
	if err := m.Put("z", 0.0); err != nil {
		t.Fatal(err)
	}
	if swapped, err := m.CompareAndSwap("z", negZero, 1); swapped || err != nil {
		t.Fatalf("CompareAndSwap(z, -0.0, 1) of 0.0 = %v, %v; want false: they encode differently", swapped, err)
	}
	if deleted, err := m.CompareAndDelete("z", negZero); deleted || err != nil {
		t.Fatalf("CompareAndDelete(z, -0.0) of 0.0 = %v, %v; want false", deleted, err)
	}
	if swapped, err := m.CompareAndSwap("z", 0.0, 1); !swapped || err != nil {
		t.Fatalf("CompareAndSwap(z, 0.0, 1) = %v, %v; want true", swapped, err)
	}
}

// A view of the map's own value may be the old value of CompareAndSwap and
// CompareAndDelete, and the new one of Swap, even when the write compacts
// the map first, which unmaps the view.
func TestSyncMapCallsTakeViews(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		opts.CompactAt, opts.CompactMinBytes = 0.01, 1
		m := maptest.Open[string, []byte](t, t.TempDir(), opts)
		put := func(k, v string) {
			t.Helper()
			if err := m.Put(k, []byte(v)); err != nil {
				t.Fatal(err)
			}
		}
		view := func(k string) []byte {
			t.Helper()
			b, ok, err := m.View(k)
			if !ok || err != nil {
				t.Fatalf("View(%s) = %v, %v", k, ok, err)
			}
			return b
		}
		put("a", "old")
		put("b", "other")
		put("b", "dead bytes, so that the next write compacts")
		compactions := m.Stats().Compacted
		if swapped, err := m.CompareAndSwap("a", view("a"), view("b")); !swapped || err != nil {
			t.Fatalf("CompareAndSwap with views = %v, %v; want true", swapped, err)
		}
		put("c", "more dead bytes")
		put("c", "and more")
		if deleted, err := m.CompareAndDelete("c", view("c")); !deleted || err != nil {
			t.Fatalf("CompareAndDelete with a view = %v, %v; want true", deleted, err)
		}
		put("d", "dead")
		put("d", "again")
		if _, _, err := m.Swap("e", view("d")); err != nil {
			t.Fatalf("Swap with a view: %v", err)
		}
		if got := m.Stats().Compacted - compactions; got < 3 {
			t.Fatalf("%d compactions, want one before each write", got)
		}
		maptest.RequireBytes(t, m, map[string][]byte{
			"a": []byte("dead bytes, so that the next write compacts"),
			"b": []byte("dead bytes, so that the next write compacts"),
			"d": []byte("again"), "e": []byte("again"),
		})
	})
}

// On a read-only map each call is a write, and returns ErrReadOnly, even
// when it would change nothing.
func TestSyncMapCallsReadOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, nil)
	if err := m.Put("a", "1"); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	r := maptest.Open[string, string](t, dir, &diskmap.Options{ReadOnly: true})
	calls := map[string]func() error{
		"Swap":             func() error { _, _, err := r.Swap("a", "2"); return err },
		"LoadOrStore":      func() error { _, _, err := r.LoadOrStore("a", "2"); return err },
		"LoadAndDelete":    func() error { _, _, err := r.LoadAndDelete("a"); return err },
		"CompareAndSwap":   func() error { _, err := r.CompareAndSwap("a", "0", "2"); return err },
		"CompareAndDelete": func() error { _, err := r.CompareAndDelete("a", "0"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, diskmap.ErrReadOnly) {
			t.Errorf("%s on a read-only map: %v, want ErrReadOnly", name, err)
		}
	}
	maptest.RequireContents(t, r, map[string]string{"a": "1"})
}

// On a Batch the calls see the map with the batch's earlier writes in it,
// record their writes in the batch, and the batch applies them together.
func TestBatchSyncMapCalls(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := filepath.Join(t.TempDir(), "m")
		m := maptest.Open[string, string](t, dir, opts)
		for k, v := range map[string]string{"a": "1", "b": "2", "c": "3"} {
			if err := m.Put(k, v); err != nil {
				t.Fatal(err)
			}
		}
		err := m.Batch(func(b *diskmap.Batch[string, string]) error {
			var got []any
			note := func(vals ...any) { got = append(got, answer(vals...)) }
			prev, loaded, err := b.Swap("a", "10")
			note(prev, loaded, err)
			prev, loaded, err = b.Swap("a", "11") // sees the batch's own put
			note(prev, loaded, err)
			actual, loaded, err := b.LoadOrStore("a", "12")
			note(actual, loaded, err)
			actual, loaded, err = b.LoadOrStore("new", "13")
			note(actual, loaded, err)
			actual, loaded, err = b.LoadOrStore("new", "14")
			note(actual, loaded, err)
			swapped, err := b.CompareAndSwap("b", "2", "20")
			note(swapped, err)
			swapped, err = b.CompareAndSwap("b", "2", "21") // b is 20 in the batch
			note(swapped, err)
			deleted, err := b.CompareAndDelete("c", "4")
			note(deleted, err)
			value, loaded, err := b.LoadAndDelete("c")
			note(value, loaded, err)
			deleted, err = b.CompareAndDelete("c", "3") // deleted in the batch
			note(deleted, err)
			deleted, err = b.CompareAndDelete("new", "13")
			note(deleted, err)
			if v, _, _ := m.Get("a"); v != "1" {
				return fmt.Errorf("Get(a) inside the batch = %q, want 1: the map is not changed yet", v)
			}
			want := []any{"1 true <nil>", "10 true <nil>", "11 true <nil>", "13 false <nil>", "13 true <nil>",
				"true <nil>", "false <nil>", "false <nil>", "3 true <nil>", "false <nil>", "true <nil>"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Errorf("answers\n%v\nwant\n%v", got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"a": "11", "b": "20"}
		maptest.RequireContents(t, m, want)
		crashed := filepath.Join(t.TempDir(), "crashed")
		maptest.CrashCopy(t, dir, crashed)
		maptest.RequireContents(t, maptest.Open[string, string](t, crashed, opts), want)
	})
}

// A batch whose function fails applies none of the calls' writes.
func TestBatchSyncMapCallsGivenUp(t *testing.T) {
	t.Parallel()
	m := maptest.Open[string, []byte](t, t.TempDir(), nil)
	if err := m.Put("a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("given up")
	err := m.Batch(func(b *diskmap.Batch[string, []byte]) error {
		if _, _, err := b.Swap("a", []byte("2")); err != nil {
			return err
		}
		if _, _, err := b.LoadAndDelete("a"); err != nil {
			return err
		}
		if _, _, err := b.LoadOrStore("n", nil); err != nil {
			return err
		}
		if ok, err := b.CompareAndSwap("n", []byte{}, []byte("x")); !ok || err != nil {
			return fmt.Errorf("CompareAndSwap of the empty value put in the batch = %v, %v", ok, err)
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Batch = %v, want the function's error", err)
	}
	if v, ok, err := m.Get("a"); !ok || err != nil || !bytes.Equal(v, []byte("1")) {
		t.Fatalf("Get(a) = %q, %v, %v; want 1 as before the batch", v, ok, err)
	}
	if m.Len() != 1 {
		t.Fatalf("Len = %d, want 1", m.Len())
	}
}
