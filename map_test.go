package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

func TestPersistence(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[string, string](t, dir, opts)
		want := map[string]string{}
		var order []string
		for i := range 200 {
			k, v := fmt.Sprintf("key-%03d", i), fmt.Sprintf("value-%d", i*i)
			if err := m.Put(k, v); err != nil {
				t.Fatalf("Put(%q, …): %v", k, err)
			}
			want[k] = v
			order = append(order, k)
		}
		for i := 0; i < 200; i += 3 {
			k := fmt.Sprintf("key-%03d", i)
			if found, err := m.Delete(k); err != nil || !found {
				t.Fatalf("Delete(%q) = %v, %v; want true, nil", k, found, err)
			}
			delete(want, k)
			order = slices.DeleteFunc(order, func(s string) bool { return s == k })
		}
		for i := 1; i < 200; i += 3 {
			k := fmt.Sprintf("key-%03d", i)
			if err := m.Put(k, "updated"); err != nil {
				t.Fatalf("Put(%q, …): %v", k, err)
			}
			want[k] = "updated"
		}
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		m = maptest.Open[string, string](t, dir, opts)
		if got := m.Len(); got != len(want) {
			t.Fatalf("m.Len() = %d, want %d", got, len(want))
		}
		for i := range 200 {
			k := fmt.Sprintf("key-%03d", i)
			wv, wfound := want[k]
			if v, found, err := m.Get(k); err != nil || found != wfound || v != wv {
				t.Fatalf("Get(%q) = %q, %v, %v; want %q, %v, nil", k, v, found, err, wv, wfound)
			}
		}
		if got := slices.Collect(m.Keys()); !slices.Equal(got, order) {
			t.Fatalf("slices.Collect(m.Keys()) = %v, want %v (insertion order after reopen)", got, order)
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
	})
}

func TestGetContainsViewPutDelete(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, string](t, t.TempDir(), opts)

		v, found, err := m.Get("a")
		if err != nil || found || v != "" {
			t.Fatalf(`Get("a") = %q, %v, %v; want "", false, nil`, v, found, err)
		}
		ok, err := m.Contains("a")
		if err != nil || ok {
			t.Fatalf(`Contains("a") = %v, %v; want false, nil`, ok, err)
		}
		b, found, err := m.View("a")
		if err != nil || found || b != nil {
			t.Fatalf(`View("a") = %q, %v, %v; want nil, false, nil`, b, found, err)
		}

		if err := m.Put("a", "alpha"); err != nil {
			t.Fatalf(`Put("a", "alpha"): %v`, err)
		}
		if err := m.Put("b", "beta"); err != nil {
			t.Fatalf(`Put("b", "beta"): %v`, err)
		}
		if got := m.Len(); got != 2 {
			t.Errorf("m.Len() = %d, want 2", got)
		}
		v, found, err = m.Get("a")
		if err != nil || !found || v != "alpha" {
			t.Fatalf(`Get("a") = %q, %v, %v; want "alpha", true, nil`, v, found, err)
		}
		ok, err = m.Contains("b")
		if err != nil || !ok {
			t.Fatalf(`Contains("b") = %v, %v; want true, nil`, ok, err)
		}
		b, found, err = m.View("b")
		if err != nil || !found || !bytes.Equal(b, []byte("beta")) {
			t.Fatalf(`View("b") = %q, %v, %v; want "beta", true, nil`, b, found, err)
		}
		if got := cap(b); got != len(b) {
			t.Errorf("cap(b) = %d, want %d (a view is clipped to its record)", got, len(b))
		}

		// An update replaces the value and keeps the count.
		if err := m.Put("a", "alpha, again"); err != nil {
			t.Fatalf(`Put("a", "alpha, again"): %v`, err)
		}
		if got := m.Len(); got != 2 {
			t.Errorf("m.Len() = %d, want 2", got)
		}
		v, _, err = m.Get("a")
		if err != nil || v != "alpha, again" {
			t.Fatalf(`Get("a") = %q, %v; want "alpha, again", nil`, v, err)
		}

		found, err = m.Delete("a")
		if err != nil || !found {
			t.Fatalf(`Delete("a") = %v, %v; want true, nil`, found, err)
		}
		if got := m.Len(); got != 1 {
			t.Errorf("m.Len() = %d, want 1", got)
		}
		found, err = m.Delete("a")
		if err != nil || found {
			t.Fatalf("second Delete = %v, %v; want false, nil", found, err)
		}
		found, err = m.Delete("never")
		if err != nil || found {
			t.Fatalf(`Delete("never") = %v, %v; want false, nil`, found, err)
		}
		if got := m.Len(); got != 1 {
			t.Errorf("m.Len() = %d, want 1", got)
		}
		_, found, err = m.Get("a")
		if err != nil || found {
			t.Fatalf(`Get("a") = %v, %v; want false, nil (Get after Delete)`, found, err)
		}
		ok, err = m.Contains("a")
		if err != nil || ok {
			t.Fatalf(`Contains("a") = %v, %v; want false, nil (Contains after Delete)`, ok, err)
		}

		// A deleted key can be put again.
		if err := m.Put("a", "new"); err != nil {
			t.Fatalf(`Put("a", "new"): %v`, err)
		}
		if v, found, err := m.Get("a"); err != nil || !found || v != "new" {
			t.Fatalf(`Get("a") = %q, %v, %v; want "new", true, nil`, v, found, err)
		}
		if got := m.Len(); got != 2 {
			t.Errorf("m.Len() = %d, want 2", got)
		}
	})
}

func TestEmptyKeysAndValues(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[[]byte, []byte](t, dir, opts)
		if err := m.Put(nil, []byte("empty key")); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if err := m.Put([]byte("nil value"), nil); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if err := m.Put([]byte("empty value"), []byte{}); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if got := m.Len(); got != 3 {
			t.Fatalf("m.Len() = %d, want 3", got)
		}

		check := func() {
			t.Helper()
			// A nil key and an empty one are the same key.
			if v, found, err := m.Get([]byte{}); err != nil || !found || !bytes.Equal(v, []byte("empty key")) {
				t.Fatalf(`Get = %q, %v, %v; want "empty key", true, nil`, v, found, err)
			}
			for _, k := range []string{"nil value", "empty value"} {
				v, found, err := m.Get([]byte(k))
				if err != nil || !found || v == nil || len(v) != 0 {
					t.Fatalf("Get(%q) = %q, %v, %v; want non-nil and empty, true, nil (decodes to an empty, non-nil slice)", k, v, found, err)
				}
				b, found, err := m.View([]byte(k))
				if err != nil || !found || len(b) != 0 {
					t.Fatalf("View(%q) = %q, %v, %v; want empty, true, nil", k, b, found, err)
				}
				if ok, err := m.Contains([]byte(k)); err != nil || !ok {
					t.Fatalf("Contains(%q) = %v, %v; want true, nil", k, ok, err)
				}
			}
		}
		check()
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		m = maptest.Open[[]byte, []byte](t, dir, opts)
		if got := m.Len(); got != 3 {
			t.Fatalf("m.Len() = %d, want 3", got)
		}
		check()

		found, err := m.Delete(nil)
		if err != nil || !found {
			t.Fatalf("Delete(nil) = %v, %v; want true, nil (Delete of the empty key)", found, err)
		}
		ok, err := m.Contains([]byte{})
		if err != nil || ok {
			t.Fatalf("Contains = %v, %v; want false, nil", ok, err)
		}

		s := maptest.Open[string, string](t, t.TempDir(), opts)
		if err := s.Put("", ""); err != nil {
			t.Fatalf(`Put("", ""): %v`, err)
		}
		if v, found, err := s.Get(""); err != nil || !found || v != "" {
			t.Fatalf(`Get("") = %q, %v, %v; want "", true, nil`, v, found, err)
		}
		if got := s.Len(); got != 1 {
			t.Fatalf("s.Len() = %d, want 1", got)
		}
	})
}

func TestClosedMap(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, string](t, t.TempDir(), opts)
		if err := m.Put("a", "1"); err != nil {
			t.Fatalf(`Put("a", "1"): %v`, err)
		}
		e := m.Entry("a")
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		if got := m.Len(); got != 0 {
			t.Errorf("m.Len() = %d, want 0", got)
		}
		if got := m.Stats(); got != (diskmap.Stats{}) {
			t.Errorf("m.Stats() = %v, want %v", got, diskmap.Stats{})
		}
		_, _, err := m.Get("a")
		if !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf(`Get("a"): %v, want diskmap.ErrClosed`, err)
		}
		_, err = m.Contains("a")
		if !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf(`Contains("a"): %v, want diskmap.ErrClosed`, err)
		}
		_, _, err = m.View("a")
		if !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf(`View("a"): %v, want diskmap.ErrClosed`, err)
		}
		if err := m.Put("a", "2"); !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf(`Put("a", "2"): %v, want diskmap.ErrClosed`, err)
		}
		_, err = m.Delete("a")
		if !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf(`Delete("a"): %v, want diskmap.ErrClosed`, err)
		}
		if err := m.Sync(); !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf("Sync: %v, want diskmap.ErrClosed", err)
		}
		if err := m.Compact(); !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf("Compact: %v, want diskmap.ErrClosed", err)
		}
		if err := m.Check(); !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf("Check: %v, want diskmap.ErrClosed", err)
		}
		if err := m.Close(); !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf("Close: %v, want diskmap.ErrClosed", err)
		}

		for name, e := range map[string]*diskmap.Entry[string, string]{"before Close": e, "after Close": m.Entry("a")} {
			_, err = e.Value()
			if !errors.Is(err, diskmap.ErrClosed) {
				t.Errorf("Entry %s: Value: %v, want diskmap.ErrClosed", name, err)
			}
			if err := e.Set("x"); !errors.Is(err, diskmap.ErrClosed) {
				t.Errorf("Entry %s: Set: %v, want diskmap.ErrClosed", name, err)
			}
			if err := e.Delete(); !errors.Is(err, diskmap.ErrClosed) {
				t.Errorf("Entry %s: Delete: %v, want diskmap.ErrClosed", name, err)
			}
			if _, err := e.OrInsert("x"); !errors.Is(err, diskmap.ErrClosed) {
				t.Errorf("Entry %s: OrInsert: %v, want diskmap.ErrClosed", name, err)
			}
			if err := e.Err(); !errors.Is(err, diskmap.ErrClosed) {
				t.Errorf("Entry %s: Err: %v, want diskmap.ErrClosed", name, err)
			}
		}

		for name, seq := range map[string]func(){
			"All": func() {
				for range m.All() {
					t.Error("All yielded on a closed map")
				}
			},
			"Keys": func() {
				for range m.Keys() {
					t.Error("Keys yielded on a closed map")
				}
			},
			"Values": func() {
				for range m.Values() {
					t.Error("Values yielded on a closed map")
				}
			},
		} {
			seq()
			if err := m.Err(); !errors.Is(err, diskmap.ErrClosed) {
				t.Errorf("%s: Err: %v, want diskmap.ErrClosed", name, err)
			}
			if err := m.Err(); err != nil {
				t.Errorf("%s: Err after Err: %v, want nil: Err clears", name, err)
			}
		}
	})
}

func TestKeyTooLarge(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[[]byte, []byte](t, t.TempDir(), opts)
		big := bytes.Repeat([]byte{'k'}, layout.MaxKeyLen+1)

		err := m.Put(big, []byte("v"))
		if !errors.Is(err, diskmap.ErrTooLarge) {
			t.Fatalf("Put: %v, want diskmap.ErrTooLarge", err)
		}
		if err := m.Entry(big).Set([]byte("v")); !errors.Is(err, diskmap.ErrTooLarge) {
			t.Fatalf("Entry.Set: %v, want diskmap.ErrTooLarge", err)
		}
		if got := m.Len(); got != 0 {
			t.Fatalf("m.Len() = %d, want 0", got)
		}
		_, found, err := m.Get(big)
		if err != nil || found {
			t.Fatalf("Get = %v, %v; want false, nil", found, err)
		}

		// The longest key allowed is fine, and the map stays usable.
		max := big[:layout.MaxKeyLen]
		if err := m.Put(max, []byte("v")); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if err := m.Put([]byte("small"), []byte("w")); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if v, found, err := m.Get(max); err != nil || !found || !bytes.Equal(v, []byte("v")) {
			t.Fatalf(`Get = %q, %v, %v; want "v", true, nil`, v, found, err)
		}
		if got := m.Len(); got != 2 {
			t.Fatalf("m.Len() = %d, want 2", got)
		}
	})
}

func TestCodecMismatch(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[string, string](t, dir, opts)
		if err := m.Put("a", "b"); err != nil {
			t.Fatalf(`Put("a", "b"): %v`, err)
		}
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		_, err := diskmap.Open[uint64, string](dir, opts)
		if !errors.Is(err, diskmap.ErrCodecMismatch) {
			t.Fatalf("Open(%q, …): %v, want diskmap.ErrCodecMismatch (other key type)", dir, err)
		}
		_, err = diskmap.Open[string, []byte](dir, nil)
		if !errors.Is(err, diskmap.ErrCodecMismatch) {
			t.Fatalf("Open(%q, …): %v, want diskmap.ErrCodecMismatch (other value type)", dir, err)
		}
		_, err = diskmap.Open[string, uint64](dir, &diskmap.Options{Durability: opts.Durability, ReadOnly: true})
		if !errors.Is(err, diskmap.ErrCodecMismatch) {
			t.Fatalf("Open(%q, …): %v, want diskmap.ErrCodecMismatch (read-only, other value type)", dir, err)
		}

		// The failed opens released the directory.
		m = maptest.Open[string, string](t, dir, opts)
		if v, _, err := m.Get("a"); err != nil || v != "b" {
			t.Fatalf(`Get("a") = %q, %v; want "b", nil`, v, err)
		}
	})
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		for _, tc := range []struct {
			name string
			opts diskmap.Options
		}{
			{"MaxLoad negative", diskmap.Options{MaxLoad: -0.5}},
			{"MaxLoad above 0.95", diskmap.Options{MaxLoad: 0.96}},
			{"MaxLoad 1", diskmap.Options{MaxLoad: 1}},
			{"MaxLoad NaN", diskmap.Options{MaxLoad: math.NaN()}},
			{"MaxLoad +Inf", diskmap.Options{MaxLoad: math.Inf(1)}},
			{"Capacity negative", diskmap.Options{Capacity: -1}},
			{"KeyBytes negative", diskmap.Options{KeyBytes: -1}},
			{"ValueBytes negative", diskmap.Options{ValueBytes: -1}},
			{"CompactAt 1", diskmap.Options{CompactAt: 1}},
			{"CompactAt NaN", diskmap.Options{CompactAt: math.NaN()}},
			{"CompactAt +Inf", diskmap.Options{CompactAt: math.Inf(1)}},
			{"CompactMinBytes negative", diskmap.Options{CompactMinBytes: -1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.opts.Durability = opts.Durability
				dir := filepath.Join(t.TempDir(), "m")
				m, err := diskmap.Open[string, string](dir, &tc.opts)
				if err == nil || m != nil {
					t.Fatalf("Open(%q, …) = %v, %v; want nil, an error", dir, m, err)
				}
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("Stat(%q): %v, want os.ErrNotExist (a rejected Open creates nothing)", dir, err)
				}
			})
		}
		for _, tc := range []struct {
			name string
			opts diskmap.Options
		}{
			{"MaxLoad 0.95", diskmap.Options{MaxLoad: 0.95}},
			{"MaxLoad 0.25", diskmap.Options{MaxLoad: 0.25}},
			{"Capacity 1", diskmap.Options{Capacity: 1}},
			{"CompactAt negative", diskmap.Options{CompactAt: -1}},
			{"CompactAt 0.99", diskmap.Options{CompactAt: 0.99, CompactMinBytes: 1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.opts.Durability = opts.Durability
				m := maptest.Open[string, string](t, t.TempDir(), &tc.opts)
				for i := range 100 {
					if err := m.Put(fmt.Sprint(i), "v"); err != nil {
						t.Fatalf("Put: %v", err)
					}
				}
				if got := m.Len(); got != 100 {
					t.Fatalf("m.Len() = %d, want 100", got)
				}
				maxLoad := tc.opts.MaxLoad
				if maxLoad == 0 {
					maxLoad = 0.75
				}
				if m.Stats().LoadFactor > maxLoad {
					t.Fatalf("m.Stats().LoadFactor = %v, want <= %v", m.Stats().LoadFactor, maxLoad)
				}
			})
		}
	})
}

func TestAliases(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		var ss *diskmap.StringStringMap = maptest.Open[string, string](t, t.TempDir(), opts) //nolint:staticcheck // the alias type is what this test checks
		if err := ss.Put("k", "v"); err != nil {
			t.Fatalf(`Put("k", "v"): %v`, err)
		}
		v, _, err := ss.Get("k")
		if err != nil || v != "v" {
			t.Fatalf(`Get("k") = %q, %v; want "v", nil`, v, err)
		}

		dir := t.TempDir()
		var su *diskmap.StringU64Map = maptest.Open[string, uint64](t, dir, opts) //nolint:staticcheck // the alias type is what this test checks
		if err := su.Put("hits", 41); err != nil {
			t.Fatalf(`Put("hits", 41): %v`, err)
		}
		n, err := su.Entry("hits").AndModify(func(n *uint64) { *n++ }).OrInsert(0)
		if err != nil || n != 42 {
			t.Fatalf("OrInsert(0) = %d, %v; want 42, nil", n, err)
		}
		if err := su.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		// The alias is the same type: the map opens as Map[string, uint64].
		su2 := maptest.Open[string, uint64](t, dir, opts)
		n, _, err = su2.Get("hits")
		if err != nil || n != 42 {
			t.Fatalf(`Get("hits") = %d, %v; want 42, nil`, n, err)
		}

		var us *diskmap.U64StringMap = maptest.Open[uint64, string](t, t.TempDir(), opts) //nolint:staticcheck // the alias type is what this test checks
		if err := us.Put(1<<63, "big"); err != nil {
			t.Fatalf("Put: %v", err)
		}
		s, _, err := us.Get(1 << 63)
		if err != nil || s != "big" {
			t.Fatalf(`Get = %q, %v; want "big", nil`, s, err)
		}

		var bm *diskmap.BytesMap = maptest.Open[[]byte, []byte](t, t.TempDir(), opts) //nolint:staticcheck // the alias type is what this test checks
		if err := bm.Put([]byte{0, 1, 2}, []byte{3, 4}); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if b, _, err := bm.Get([]byte{0, 1, 2}); err != nil || !bytes.Equal(b, []byte{3, 4}) {
			t.Fatalf("Get = %q, %v; want %q, nil", b, err, []byte{3, 4})
		}
	})
}

func TestReadOnly(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		w := maptest.Open[string, string](t, dir, opts)
		for i := range 10 {
			if err := w.Put(fmt.Sprint(i), fmt.Sprint("v", i)); err != nil {
				t.Fatalf("Put: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		ro := &diskmap.Options{Durability: opts.Durability, ReadOnly: true}
		r1 := maptest.Open[string, string](t, dir, ro)
		r2 := maptest.Open[string, string](t, dir, ro) // two readers at once
		for _, r := range []*diskmap.Map[string, string]{r1, r2} {
			if got := r.Len(); got != 10 {
				t.Fatalf("r.Len() = %d, want 10", got)
			}
			v, found, err := r.Get("3")
			if err != nil || !found || v != "v3" {
				t.Fatalf(`Get("3") = %q, %v, %v; want "v3", true, nil`, v, found, err)
			}
			ok, err := r.Contains("9")
			if err != nil || !ok {
				t.Fatalf(`Contains("9") = %v, %v; want true, nil`, ok, err)
			}
			if b, _, err := r.View("0"); err != nil || !bytes.Equal(b, []byte("v0")) {
				t.Fatalf(`View("0") = %q, %v; want "v0", nil`, b, err)
			}
			if got := slices.Collect(r.Keys()); len(got) != 10 {
				t.Fatalf("len(slices.Collect(r.Keys())) = %d, want 10", len(got))
			}
			if err := r.Err(); err != nil {
				t.Fatalf("Err: %v", err)
			}
			if r.Stats().Len != 10 {
				t.Fatalf("r.Stats().Len = %d, want 10", r.Stats().Len)
			}
			if err := r.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			if err := r.Sync(); err != nil {
				t.Fatalf("Sync: %v (Sync of a read-only map has nothing to do)", err)
			}
		}

		if err := r1.Put("a", "b"); !errors.Is(err, diskmap.ErrReadOnly) {
			t.Fatalf(`Put("a", "b"): %v, want diskmap.ErrReadOnly`, err)
		}
		if err := r1.Put("1", "b"); !errors.Is(err, diskmap.ErrReadOnly) {
			t.Fatalf(`Put("1", "b"): %v, want diskmap.ErrReadOnly (Put of an existing key)`, err)
		}
		_, err := r1.Delete("1")
		if !errors.Is(err, diskmap.ErrReadOnly) {
			t.Fatalf(`Delete("1"): %v, want diskmap.ErrReadOnly`, err)
		}
		if err := r1.Compact(); !errors.Is(err, diskmap.ErrReadOnly) {
			t.Fatalf("Compact: %v, want diskmap.ErrReadOnly", err)
		}
		if err := r1.Entry("new").Set("x"); !errors.Is(err, diskmap.ErrReadOnly) {
			t.Fatalf("Entry.Set: %v, want diskmap.ErrReadOnly", err)
		}
		if err := r1.Entry("1").Delete(); !errors.Is(err, diskmap.ErrReadOnly) {
			t.Fatalf("Entry.Delete: %v, want diskmap.ErrReadOnly", err)
		}
		_, err = r1.Entry("new").OrInsert("x")
		if !errors.Is(err, diskmap.ErrReadOnly) {
			t.Fatalf("Entry.OrInsert: %v, want diskmap.ErrReadOnly", err)
		}
		_, err = r1.Entry("1").AndModify(func(s *string) { *s += "!" }).OrInsert("x")
		if !errors.Is(err, diskmap.ErrReadOnly) {
			t.Fatalf("Entry.AndModify: %v, want diskmap.ErrReadOnly", err)
		}
		if got := r1.Len(); got != 10 {
			t.Fatalf("r1.Len() = %d, want 10", got)
		}
		v, _, err := r1.Get("1")
		if err != nil || v != "v1" {
			t.Fatalf(`Get("1") = %q, %v; want "v1", nil (failed writes changed nothing)`, v, err)
		}

		// A writer cannot open the map while readers hold it.
		_, err = diskmap.Open[string, string](dir, opts)
		if !errors.Is(err, diskmap.ErrLocked) {
			t.Fatalf("Open(%q, …): %v, want diskmap.ErrLocked (writer while readers hold it)", dir, err)
		}
		if err := r1.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := r2.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		// A reader cannot open the map while a writer holds it.
		w = maptest.Open[string, string](t, dir, opts)
		_, err = diskmap.Open[string, string](dir, ro)
		if !errors.Is(err, diskmap.ErrLocked) {
			t.Fatalf("Open(%q, …): %v, want diskmap.ErrLocked (reader while a writer holds it)", dir, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		// A read-only Open creates nothing.
		missing := filepath.Join(t.TempDir(), "none")
		_, err = diskmap.Open[string, string](missing, ro)
		if err == nil {
			t.Fatalf("Open(%q, …) succeeded, want an error", missing)
		}
		if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("Stat(%q): %v, want os.ErrNotExist", missing, err)
		}
	})
}

func TestSecondWriterLocked(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[string, string](t, dir, opts)
		if err := m.Put("a", "1"); err != nil {
			t.Fatalf(`Put("a", "1"): %v`, err)
		}

		start := time.Now()
		m2, err := diskmap.Open[string, string](dir, opts)
		if !errors.Is(err, diskmap.ErrLocked) || m2 != nil {
			t.Fatalf("Open(%q, …) = %v, %v; want nil, diskmap.ErrLocked", dir, m2, err)
		}
		if got := time.Since(start); got >= 5*time.Second {
			t.Fatalf("time.Since(start) = %v, want < %v (Open waited for the lock)", got, 5*time.Second)
		}

		// The first map is unharmed, and once it is closed the next Open works.
		if v, _, err := m.Get("a"); err != nil || v != "1" {
			t.Fatalf(`Get("a") = %q, %v; want "1", nil`, v, err)
		}
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		m = maptest.Open[string, string](t, dir, opts)
		if got := m.Len(); got != 1 {
			t.Fatalf("m.Len() = %d, want 1", got)
		}
	})
}

func TestStats(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		opts.Capacity = 12
		m := maptest.Open[string, string](t, dir, opts)
		st := m.Stats()
		if st.Len != 0 {
			t.Fatalf("st.Len = %d, want 0", st.Len)
		}
		if st.Capacity != 16 {
			t.Fatalf("st.Capacity = %d, want 16", st.Capacity)
		}
		if st.TableBytes != int64(layout.MetaSize+16*layout.SlotSize) {
			t.Fatalf("st.TableBytes = %d, want %d", st.TableBytes, int64(layout.MetaSize+16*layout.SlotSize))
		}

		keys := map[string]string{}
		var keyLive, valLive int64
		for i := range 10 {
			k, v := fmt.Sprintf("key%d", i), fmt.Sprintf("value-%d", i)
			if err := m.Put(k, v); err != nil {
				t.Fatalf("Put(%q, …): %v", k, err)
			}
			keys[k] = v
			keyLive += layout.RecordSize(len(k))
			valLive += layout.RecordSize(len(v))
		}
		st = m.Stats()
		if st.Len != 10 {
			t.Fatalf("st.Len = %d, want 10", st.Len)
		}
		if st.Capacity != 16 {
			t.Fatalf("st.Capacity = %d, want 16", st.Capacity)
		}
		if st.Tombstones != 0 {
			t.Fatalf("st.Tombstones = %d, want 0", st.Tombstones)
		}
		if !(math.Abs(st.LoadFactor-10.0/16) <= 1e-9) {
			t.Fatalf("st.LoadFactor = %v, want %v ± 1e-9", st.LoadFactor, 10.0/16)
		}
		if st.Keys != (diskmap.ArenaStats{Live: keyLive, Dead: 0, Size: st.Keys.Size}) {
			t.Fatalf("st.Keys = %v, want %v", st.Keys, diskmap.ArenaStats{Live: keyLive, Dead: 0, Size: st.Keys.Size})
		}
		if st.Values != (diskmap.ArenaStats{Live: valLive, Dead: 0, Size: st.Values.Size}) {
			t.Fatalf("st.Values = %v, want %v", st.Values, diskmap.ArenaStats{Live: valLive, Dead: 0, Size: st.Values.Size})
		}
		if st.Keys.Size < int64(layout.ArenaHeaderSize)+keyLive {
			t.Fatalf("st.Keys.Size = %d, want >= %d", st.Keys.Size, int64(layout.ArenaHeaderSize)+keyLive)
		}
		if st.Resizes != 0 {
			t.Fatalf("st.Resizes = %d, want 0", st.Resizes)
		}
		if st.Compacted != 0 {
			t.Fatalf("st.Compacted = %d, want 0", st.Compacted)
		}

		// Updates leave the old values dead.
		var valDead int64
		for _, k := range []string{"key1", "key2", "key3"} {
			nv := keys[k] + "-updated-to-a-longer-value"
			if err := m.Put(k, nv); err != nil {
				t.Fatalf("Put(%q, …): %v", k, err)
			}
			valDead += layout.RecordSize(len(keys[k]))
			valLive += layout.RecordSize(len(nv)) - layout.RecordSize(len(keys[k]))
			keys[k] = nv
		}
		st = m.Stats()
		if st.Len != 10 {
			t.Fatalf("st.Len = %d, want 10", st.Len)
		}
		if st.Keys != (diskmap.ArenaStats{Live: keyLive, Dead: 0, Size: st.Keys.Size}) {
			t.Fatalf("st.Keys = %v, want %v", st.Keys, diskmap.ArenaStats{Live: keyLive, Dead: 0, Size: st.Keys.Size})
		}
		if st.Values != (diskmap.ArenaStats{Live: valLive, Dead: valDead, Size: st.Values.Size}) {
			t.Fatalf("st.Values = %v, want %v", st.Values, diskmap.ArenaStats{Live: valLive, Dead: valDead, Size: st.Values.Size})
		}

		// Deletes leave tombstones and both records dead.
		var keyDead int64
		for _, k := range []string{"key4", "key5"} {
			if _, err := m.Delete(k); err != nil {
				t.Fatalf("Delete(%q): %v", k, err)
			}
			keyDead += layout.RecordSize(len(k))
			keyLive -= layout.RecordSize(len(k))
			valDead += layout.RecordSize(len(keys[k]))
			valLive -= layout.RecordSize(len(keys[k]))
			delete(keys, k)
		}
		st = m.Stats()
		if st.Len != 8 {
			t.Fatalf("st.Len = %d, want 8", st.Len)
		}
		if st.Tombstones != 2 {
			t.Fatalf("st.Tombstones = %d, want 2", st.Tombstones)
		}
		if !(math.Abs(st.LoadFactor-10.0/16) <= 1e-9) {
			t.Fatalf("st.LoadFactor = %v, want %v ± 1e-9", st.LoadFactor, 10.0/16)
		}
		if st.Keys != (diskmap.ArenaStats{Live: keyLive, Dead: keyDead, Size: st.Keys.Size}) {
			t.Fatalf("st.Keys = %v, want %v", st.Keys, diskmap.ArenaStats{Live: keyLive, Dead: keyDead, Size: st.Keys.Size})
		}
		if st.Values != (diskmap.ArenaStats{Live: valLive, Dead: valDead, Size: st.Values.Size}) {
			t.Fatalf("st.Values = %v, want %v", st.Values, diskmap.ArenaStats{Live: valLive, Dead: valDead, Size: st.Values.Size})
		}

		// Growth rebuilds the table: more slots, no tombstones.
		for i := 10; i < 20; i++ {
			if err := m.Put(fmt.Sprintf("key%d", i), "v"); err != nil {
				t.Fatalf("Put: %v", err)
			}
		}
		st = m.Stats()
		if st.Len != 18 {
			t.Fatalf("st.Len = %d, want 18", st.Len)
		}
		if st.Capacity <= 16 {
			t.Fatalf("st.Capacity = %d, want > 16", st.Capacity)
		}
		if st.Resizes < 1 {
			t.Fatalf("st.Resizes = %d, want >= 1", st.Resizes)
		}
		if st.Tombstones != 0 {
			t.Fatalf("st.Tombstones = %d, want 0", st.Tombstones)
		}
		if st.TableBytes != int64(layout.MetaSize+st.Capacity*layout.SlotSize) {
			t.Fatalf("st.TableBytes = %d, want %d", st.TableBytes, int64(layout.MetaSize+st.Capacity*layout.SlotSize))
		}
		if st.LoadFactor > 0.75 {
			t.Fatalf("st.LoadFactor = %v, want <= 0.75", st.LoadFactor)
		}
		resizes := st.Resizes

		if err := m.Compact(); err != nil {
			t.Fatalf("Compact: %v", err)
		}
		st = m.Stats()
		if st.Len != 18 {
			t.Fatalf("st.Len = %d, want 18", st.Len)
		}
		if st.Compacted != 1 {
			t.Fatalf("st.Compacted = %d, want 1", st.Compacted)
		}
		if st.Resizes != resizes {
			t.Fatalf("st.Resizes = %d, want %d", st.Resizes, resizes)
		}
		if st.Tombstones != 0 {
			t.Fatalf("st.Tombstones = %d, want 0", st.Tombstones)
		}
		if st.Keys.Dead != 0 {
			t.Fatalf("st.Keys.Dead = %d, want 0", st.Keys.Dead)
		}
		if st.Values.Dead != 0 {
			t.Fatalf("st.Values.Dead = %d, want 0", st.Values.Dead)
		}

		// The counters persist.
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		m = maptest.Open[string, string](t, dir, opts)
		st2 := m.Stats()
		if st2.Len != st.Len {
			t.Fatalf("st2.Len = %d, want %d", st2.Len, st.Len)
		}
		if st2.Capacity != st.Capacity {
			t.Fatalf("st2.Capacity = %d, want %d", st2.Capacity, st.Capacity)
		}
		if st2.Keys.Live != st.Keys.Live {
			t.Fatalf("st2.Keys.Live = %d, want %d", st2.Keys.Live, st.Keys.Live)
		}
		if st2.Values.Live != st.Values.Live {
			t.Fatalf("st2.Values.Live = %d, want %d", st2.Values.Live, st.Values.Live)
		}
		if st2.Resizes != resizes {
			t.Fatalf("st2.Resizes = %d, want %d", st2.Resizes, resizes)
		}
		if st2.Compacted != 1 {
			t.Fatalf("st2.Compacted = %d, want 1", st2.Compacted)
		}
	})
}

func TestTableDoublesPastMaxLoad(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		// Each growth doubles the table, the load after it is half the maximum,
		// and the table never grows before it passes the maximum.
		opts.Capacity = 12
		m := maptest.Open[int, int](t, t.TempDir(), opts)
		capacity, resizes := m.Stats().Capacity, uint64(0)
		if capacity != 16 {
			t.Fatalf("capacity = %d, want 16", capacity)
		}
		for i := range 5000 {
			if err := m.Put(i, i); err != nil {
				t.Fatalf("Put(%d, …): %v", i, err)
			}
			st := m.Stats()
			if st.Capacity == capacity {
				if st.LoadFactor > 0.75 {
					t.Fatalf("st.LoadFactor = %v, want <= 0.75 (%d keys)", st.LoadFactor, st.Len)
				}
				continue
			}
			if st.Capacity != 2*capacity {
				t.Fatalf("st.Capacity = %d, want %d (growth at %d keys)", st.Capacity, 2*capacity, st.Len)
			}
			if float64(st.Len) <= 0.75*float64(capacity) {
				t.Fatalf("float64(st.Len) = %v, want > %v (grew before the table was full)", float64(st.Len), 0.75*float64(capacity))
			}
			if st.Resizes != resizes+1 {
				t.Fatalf("st.Resizes = %d, want %d", st.Resizes, resizes+1)
			}
			capacity, resizes = st.Capacity, st.Resizes
		}

		// A batch that would pass the maximum load while most of the load is
		// tombstones rebuilds the table at its size.
		for i := range 4000 {
			if _, err := m.Delete(i); err != nil {
				t.Fatalf("Delete(%d): %v", i, err)
			}
		}
		if err := m.Batch(func(b *diskmap.Batch[int, int]) error {
			for i := range capacity / 4 {
				if err := b.Put(5000+i, i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("Batch: %v", err)
		}
		st := m.Stats()
		if st.Resizes != resizes+1 {
			t.Fatalf("st.Resizes = %d, want %d", st.Resizes, resizes+1)
		}
		if st.Capacity != capacity {
			t.Fatalf("st.Capacity = %d, want %d", st.Capacity, capacity)
		}
		if st.Tombstones != 0 {
			t.Fatalf("st.Tombstones = %d, want 0", st.Tombstones)
		}
		if err := m.Check(); err != nil {
			t.Fatalf("Check: %v", err)
		}
	})
}

// mapFilesSize returns the total size of the three files of the map in dir.
func mapFilesSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	for _, name := range []string{"buckets", "keys", "values"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("Stat: %v", err)
		}
		n += fi.Size()
	}
	return n
}

func TestCompact(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[string, []byte](t, dir, opts)
		want := map[string][]byte{}
		for i := range 2000 {
			k := fmt.Sprintf("key-%06d", i)
			v := bytes.Repeat([]byte{byte(i)}, 20+i%180)
			if err := m.Put(k, v); err != nil {
				t.Fatalf("Put(%q, …): %v", k, err)
			}
			want[k] = v
		}
		// Make dead records: rewrite every value three times, delete a third.
		for round := range 3 {
			for i := range 2000 {
				k := fmt.Sprintf("key-%06d", i)
				if _, ok := want[k]; !ok {
					continue
				}
				v := bytes.Repeat([]byte{byte(i + round)}, 20+(i+round)%180)
				if err := m.Put(k, v); err != nil {
					t.Fatalf("Put(%q, …): %v", k, err)
				}
				want[k] = v
			}
		}
		for i := 0; i < 2000; i += 3 {
			k := fmt.Sprintf("key-%06d", i)
			if _, err := m.Delete(k); err != nil {
				t.Fatalf("Delete(%q): %v", k, err)
			}
			delete(want, k)
		}
		order := slices.Collect(m.Keys())
		if err := m.Sync(); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		before := m.Stats()
		if before.Keys.Dead <= 0 {
			t.Fatalf("before.Keys.Dead = %d, want > 0", before.Keys.Dead)
		}
		if before.Values.Dead <= 0 {
			t.Fatalf("before.Values.Dead = %d, want > 0", before.Values.Dead)
		}
		sizeBefore := mapFilesSize(t, dir)

		if err := m.Compact(); err != nil {
			t.Fatalf("Compact: %v", err)
		}
		st := m.Stats()
		if st.Keys.Dead != 0 {
			t.Fatalf("st.Keys.Dead = %d, want 0", st.Keys.Dead)
		}
		if st.Values.Dead != 0 {
			t.Fatalf("st.Values.Dead = %d, want 0", st.Values.Dead)
		}
		if st.Tombstones != 0 {
			t.Fatalf("st.Tombstones = %d, want 0", st.Tombstones)
		}
		if st.Keys.Live != before.Keys.Live {
			t.Fatalf("st.Keys.Live = %d, want %d", st.Keys.Live, before.Keys.Live)
		}
		if st.Values.Live != before.Values.Live {
			t.Fatalf("st.Values.Live = %d, want %d", st.Values.Live, before.Values.Live)
		}
		if st.Len != len(want) {
			t.Fatalf("st.Len = %d, want %d", st.Len, len(want))
		}
		if got := m.Len(); got != len(want) {
			t.Fatalf("m.Len() = %d, want %d", got, len(want))
		}
		if got := slices.Collect(m.Keys()); !slices.Equal(got, order) {
			t.Fatalf("slices.Collect(m.Keys()) = %v, want %v (Compact keeps the order)", got, order)
		}
		for k, v := range m.All() {
			if !bytes.Equal(v, want[k]) {
				t.Fatalf("v = %q, want %q (value of %q)", v, want[k], k)
			}
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
		if err := m.Check(); err != nil {
			t.Fatalf("Check: %v", err)
		}

		var raw int64
		for k, v := range want {
			raw += int64(len(k) + len(v))
		}
		budget := 1.5 * float64(raw+int64(layout.SlotSize*st.Capacity))
		size := mapFilesSize(t, dir)
		t.Logf("files: %d bytes before Compact, %d after; raw %d bytes, %d slots", sizeBefore, size, raw, st.Capacity)
		if size >= sizeBefore {
			t.Fatalf("size = %d, want < %d", size, sizeBefore)
		}
		if float64(size) > budget {
			t.Fatalf("float64(size) = %v, want <= %v (files after Compact)", float64(size), budget)
		}

		// The compacted map takes writes, and keeps all of it across a reopen.
		if err := m.Put("key-000000", []byte("back")); err != nil {
			t.Fatalf(`Put("key-000000", …): %v`, err)
		}
		want["key-000000"] = []byte("back")
		order = append(order, "key-000000")
		if err := m.Put("key-000001", []byte("updated")); err != nil {
			t.Fatalf(`Put("key-000001", …): %v`, err)
		}
		want["key-000001"] = []byte("updated")
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if float64(mapFilesSize(t, dir)) > budget+8192 {
			t.Fatalf("float64(mapFilesSize(t, dir)) = %v, want <= %v (files after Close)", float64(mapFilesSize(t, dir)), budget+8192)
		}

		m = maptest.Open[string, []byte](t, dir, opts)
		if got := slices.Collect(m.Keys()); !slices.Equal(got, order) {
			t.Fatalf("slices.Collect(m.Keys()) = %v, want %v", got, order)
		}
		for k, v := range m.All() {
			if !bytes.Equal(v, want[k]) {
				t.Fatalf("v = %q, want %q (value of %q)", v, want[k], k)
			}
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
	})
}

// TestInsertReusesTombstone follows the Insert steps of the format: a new key
// fills the first deleted slot its probe passed, which keeps tombstones from
// piling up. Probes wrap around the end of the table, and so must this rule.
func TestInsertReusesTombstone(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		for _, tc := range []struct {
			name    string
			and, or uint64
		}{
			{"no wrap", 0, 0},       // every key's home is slot 0
			{"wrap", 0, ^uint64(0)}, // every key's home is the last slot
		} {
			t.Run(tc.name, func(t *testing.T) {
				m := maptest.Open[string, string](t, t.TempDir(), opts)
				diskmap.SetHashBits(m, tc.and, tc.or)
				if err := m.Put("a", "1"); err != nil {
					t.Fatalf(`Put("a", "1"): %v`, err)
				}
				if err := m.Put("b", "2"); err != nil {
					t.Fatalf(`Put("b", "2"): %v`, err)
				}
				if _, err := m.Delete("a"); err != nil {
					t.Fatalf(`Delete("a"): %v`, err)
				}
				if m.Stats().Tombstones != 1 {
					t.Fatalf("m.Stats().Tombstones = %d, want 1", m.Stats().Tombstones)
				}
				if err := m.Put("c", "3"); err != nil {
					t.Fatalf(`Put("c", "3"): %v`, err)
				}
				if m.Stats().Tombstones != 0 {
					t.Fatalf("m.Stats().Tombstones = %d, want 0 (the insert did not reuse the deleted slot)", m.Stats().Tombstones)
				}
				if got := slices.Collect(m.Keys()); !slices.Equal(got, []string{"b", "c"}) {
					t.Fatalf("slices.Collect(m.Keys()) = %v, want %v", got, []string{"b", "c"})
				}
			})
		}
	})
}

func TestCompactEmptyAndRepeated(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[string, string](t, dir, opts)
		if err := m.Compact(); err != nil {
			t.Fatalf("Compact: %v (Compact of a new map)", err)
		}
		if got := m.Len(); got != 0 {
			t.Fatalf("m.Len() = %d, want 0", got)
		}
		if err := m.Put("a", "1"); err != nil {
			t.Fatalf(`Put("a", "1"): %v`, err)
		}
		_, err := m.Delete("a")
		if err != nil {
			t.Fatalf(`Delete("a"): %v`, err)
		}
		if err := m.Compact(); err != nil {
			t.Fatalf("Compact: %v (Compact of a map whose keys are all deleted)", err)
		}
		if err := m.Check(); err != nil {
			t.Fatalf("Check: %v", err)
		}

		// The compacted arenas are cut to their contents; puts must grow them.
		for i := range 300 {
			if err := m.Put(fmt.Sprint(i), fmt.Sprint("value ", i)); err != nil {
				t.Fatalf("Put: %v", err)
			}
		}
		if err := m.Compact(); err != nil {
			t.Fatalf("Compact: %v", err)
		}
		if err := m.Compact(); err != nil {
			t.Fatalf("Compact: %v", err)
		}
		if m.Stats().Compacted != 4 {
			t.Fatalf("m.Stats().Compacted = %d, want 4", m.Stats().Compacted)
		}
		for i := range 300 {
			if err := m.Put(fmt.Sprint(i), fmt.Sprint("again ", i)); err != nil {
				t.Fatalf("Put: %v", err)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		m = maptest.Open[string, string](t, dir, opts)
		if got := m.Len(); got != 300 {
			t.Fatalf("m.Len() = %d, want 300", got)
		}
		if v, _, err := m.Get("299"); err != nil || v != "again 299" {
			t.Fatalf(`Get("299") = %q, %v; want "again 299", nil`, v, err)
		}
	})
}

func TestLargeValues(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[uint64, []byte](t, dir, opts)
		vals := map[uint64][]byte{}
		for i := range uint64(6) {
			v := bytes.Repeat([]byte{byte('a' + i)}, 300<<10+int(i)) // each past the arena's first 64 KiB
			if err := m.Put(i, v); err != nil {
				t.Fatalf("Put(%d, …): %v", i, err)
			}
			vals[i] = v
		}
		// Put a value taken from the map's own view back under another key.
		b, _, err := m.View(2)
		if err != nil {
			t.Fatalf("View(2): %v", err)
		}
		if err := m.Put(100, b); err != nil {
			t.Fatalf("Put(100, …): %v", err)
		}
		vals[100] = vals[2]
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		m = maptest.Open[uint64, []byte](t, dir, opts)
		if got := m.Len(); got != len(vals) {
			t.Fatalf("m.Len() = %d, want %d", got, len(vals))
		}
		for k, want := range vals {
			got, found, err := m.Get(k)
			if err != nil || !found {
				t.Fatalf("Get(%d) = %v, %v; want true, nil", k, found, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Get(%d) = %d bytes, want the %d put", k, len(got), len(want))
			}
		}
	})
}

// A read-only map opened in a WAL mode has no log: the calls about it
// answer at once instead of reaching for one.
func TestReadOnlyWithLogMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w := maptest.Open[string, string](t, dir, &diskmap.Options{Durability: diskmap.DurabilityWAL})
	if err := w.Put("k", "v"); err != nil {
		t.Fatalf(`Put("k", "v"): %v`, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	r := maptest.Open[string, string](t, dir, &diskmap.Options{Durability: diskmap.DurabilityWALSync, ReadOnly: true})
	if err := r.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if err := r.Checkpoint(); err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	if err := r.WaitSynced(r.LastSeq()); err != nil {
		t.Fatalf("WaitSynced: %v", err)
	}
	if err := r.WaitSynced(7); err != nil {
		t.Fatalf("WaitSynced(7): %v", err)
	}
	err := r.Batch(func(b *diskmap.Batch[string, string]) error { return b.Put("x", "y") })
	if !errors.Is(err, diskmap.ErrReadOnly) {
		t.Fatalf("Batch: %v, want diskmap.ErrReadOnly", err)
	}
	if v, ok, err := r.Get("k"); err != nil || !ok || v != "v" {
		t.Fatalf(`Get("k") = %q, %v, %v; want "v", true, nil`, v, ok, err)
	}
}
