package concurrent_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

func TestGetMany(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(8))
	for i := range 100 {
		if err := m.Put(key(i), fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, keys := range [][]string{
		nil,
		{key(5)},
		{key(100)},
		{key(3), key(200), key(3), key(99), key(0), "", key(42)},
		func() (ks []string) {
			for i := 150; i >= 0; i-- {
				ks = append(ks, key(i))
			}
			return ks
		}(),
	} {
		vals, found, err := m.GetMany(keys)
		if err != nil || len(vals) != len(keys) || len(found) != len(keys) {
			t.Fatalf("GetMany(%d keys) = %d values, %d found, %v", len(keys), len(vals), len(found), err)
		}
		for i, k := range keys {
			want, wantOK, _ := m.Get(k)
			if vals[i] != want || found[i] != wantOK {
				t.Errorf("GetMany: %q = %q, %v; Get says %q, %v", k, vals[i], found[i], want, wantOK)
			}
		}
	}
}

func TestPutMany(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, shards(8))
	want := map[string]string{}
	items := func(yield func(string, string) bool) {
		for i := range 5000 {
			k, v := key(i%3000), fmt.Sprint("v", i) // keys 0..1999 twice: the later wins
			want[k] = v
			if !yield(k, v) {
				return
			}
		}
	}
	if err := m.PutMany(items); err != nil {
		t.Fatal(err)
	}
	maptest.RequireContents(t, m, want)
	if err := m.PutMany(maps.All(map[string]string{})); err != nil {
		t.Fatalf("PutMany of nothing: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.OpenSharded[string, string](t, dir, nil)
	maptest.RequireContents(t, m, want)
}

// TestPutManyStopsAtAnError: an item that cannot be stored stops PutMany,
// which returns its error and reads no more items.
func TestPutManyStopsAtAnError(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(4))
	read := 0
	err := m.PutMany(func(yield func(string, string) bool) {
		for i := range 100_000 {
			read++
			k := key(i)
			if i == 1000 {
				k = strings.Repeat("x", 1<<20+1) // past the longest key
			}
			if !yield(k, "v") {
				return
			}
		}
	})
	if !errors.Is(err, diskmap.ErrTooLarge) {
		t.Fatalf("PutMany with a value too large: %v, want ErrTooLarge", err)
	}
	if read == 100_000 {
		t.Errorf("PutMany read every item after the error")
	}
	if m.Len() >= read {
		t.Errorf("Len = %d after the error, of %d items read", m.Len(), read)
	}
}

// TestPutManyKeyError: a key that cannot be encoded stops PutMany.
func TestPutManyKeyError(t *testing.T) {
	t.Parallel()
	m, err := concurrent.OpenWith(t.TempDir(), failingCodec{}, codec.String{}, shards(2))
	if err != nil {
		t.Fatal(err)
	}
	defer maptest.CheckClose(t, m)
	err = m.PutMany(maps.All(map[string]string{"good": "1", "bad": "2"}))
	if err == nil || !strings.Contains(err.Error(), "cannot encode") {
		t.Errorf("PutMany with a key that cannot be encoded: %v", err)
	}
	if _, _, err := m.GetMany([]string{"good", "bad"}); err == nil {
		t.Errorf("GetMany with a key that cannot be encoded succeeded")
	}
}

// failingCodec encodes strings as they are, but cannot encode "bad".
type failingCodec struct{}

func (failingCodec) Append(dst []byte, s string) ([]byte, error) {
	if s == "bad" {
		return dst, errors.New("cannot encode bad")
	}
	return append(dst, s...), nil
}

func (failingCodec) Decode(b []byte) (string, error) { return string(b), nil }

func (failingCodec) Name() string { return "failing" }

func TestManyClosed(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.PutMany(maps.All(map[string]string{"k": "v"})); !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("PutMany after Close: %v", err)
	}
	if _, _, err := m.GetMany([]string{"k"}); !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("GetMany after Close: %v", err)
	}
}

// TestClosedMap: every method of a closed map says so.
func TestClosedMap(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
	if err := m.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Get":      func() error { _, _, err := m.Get("k"); return err },
		"Contains": func() error { _, err := m.Contains("k"); return err },
		"View":     func() error { _, err := m.View("k", func([]byte) error { return nil }); return err },
		"Put":      func() error { return m.Put("k", "v") },
		"Delete":   func() error { _, err := m.Delete("k"); return err },
		"Update": func() error {
			return m.Update("k", func(*diskmap.Entry[string, string]) error { return errors.New("called") })
		},
		"Compact": m.Compact,
		"Sync":    m.Sync,
		"Close":   m.Close,
		"Check":   m.Check,
		"All": func() error {
			for range m.All() {
				return errors.New("yielded")
			}
			return m.Err()
		},
	}
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		if err := calls[name](); !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	if m.Len() != 0 || m.Stats().Len != 0 {
		t.Errorf("Len %d, Stats().Len %d after Close", m.Len(), m.Stats().Len)
	}
}
