package concurrent_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

type smap = concurrent.Map[string, string]

// everyCall is each method of a Map that can fail, called with key k and
// value v, returning its error.
func everyCall(k, v string) map[string]func(m *smap) error {
	ks := []string{k, "other"}
	return map[string]func(m *smap) error{
		"Get":       func(m *smap) error { _, _, err := m.Get(k); return err },
		"GetAppend": func(m *smap) error { _, _, err := m.GetAppend(nil, k); return err },
		"Contains":  func(m *smap) error { return second2(m.Contains(k)) },
		"View":      func(m *smap) error { return second2(m.View(k, func([]byte) error { return nil })) },
		"TTL":       func(m *smap) error { _, _, err := m.TTL(k); return err },
		"GetMany":   func(m *smap) error { _, _, err := m.GetMany(ks); return err },
		"ViewMany": func(m *smap) error {
			return m.ViewMany(ks, func(int, []byte, bool) error { return nil })
		},
		"All": func(m *smap) error {
			for range m.All() {
			}
			return m.Err()
		},
		"Put":     func(m *smap) error { return m.Put(k, v) },
		"PutTTL":  func(m *smap) error { return m.PutTTL(k, v, time.Hour) },
		"Delete":  func(m *smap) error { return second2(m.Delete(k)) },
		"PutMany": func(m *smap) error { return m.PutMany(maps.All(map[string]string{k: v})) },
		"Update": func(m *smap) error {
			return m.Update(k, func(e *diskmap.Entry[string, string]) error { return e.Set(v) })
		},
		"BatchOn": func(m *smap) error {
			return m.BatchOn(k, func(b *diskmap.Batch[string, string]) error { return b.Put(k, v) })
		},
		"Swap":             func(m *smap) error { return second(m.Swap(k, v)) },
		"LoadOrStore":      func(m *smap) error { return second(m.LoadOrStore(k, v)) },
		"LoadAndDelete":    func(m *smap) error { return second(m.LoadAndDelete(k)) },
		"CompareAndSwap":   func(m *smap) error { return second2(m.CompareAndSwap(k, "1", v)) },
		"CompareAndDelete": func(m *smap) error { return second2(m.CompareAndDelete(k, "1")) },
		"DeleteFunc": func(m *smap) error {
			_, err := m.DeleteFunc(func(string, string) bool { return true })
			return err
		},
		"RemoveExpired": func(m *smap) error { _, err := m.RemoveExpired(); return err },
		"Clear":         func(m *smap) error { return m.Clear() },
		"Compact":       func(m *smap) error { return m.Compact() },
		"Sync":          func(m *smap) error { return m.Sync() },
		"Checkpoint":    func(m *smap) error { return m.Checkpoint() },
		"WaitSynced":    func(m *smap) error { return m.WaitSynced(m.LastSeq() + 1) },
		"Check":         func(m *smap) error { return m.Check() },
	}
}

// requireAnswers calls every call on m and fails the test unless each
// returns the error answers names for it (nil if it names none).
func requireAnswers(t *testing.T, what string, m *smap, calls map[string]func(*smap) error, answers map[string]error) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		err, want := calls[name](m), answers[name]
		switch {
		case want == nil && err != nil:
			t.Errorf("%s on %s: %v, want nil", name, what, err)
		case want != nil && !errors.Is(err, want):
			t.Errorf("%s on %s: %v, want %v", name, what, err, want)
		case err != nil && strings.Count(err.Error(), "diskmap: ")+strings.Count(err.Error(), "concurrent: ") != 1:
			t.Errorf("%s on %s: %q names a package other than once", name, what, err)
		}
	}
}

// except returns answers of err for every call but those of except.
func except(err error, calls map[string]func(*smap) error, except ...string) map[string]error {
	answers := map[string]error{}
	for name := range calls {
		if !slices.Contains(except, name) {
			answers[name] = err
		}
	}
	return answers
}

// The answers of every call to a closed map, to a read-only one, and of a
// key past the limit, as the package documentation lists them.
func TestEveryCallBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Shards: 2, Map: diskmap.Options{Durability: diskmap.DurabilityWAL}})
	if err := m.Put("k", "1"); err != nil {
		t.Fatal(err)
	}

	huge := strings.Repeat("k", 2<<20)
	calls := everyCall(huge, "v")
	// CompareAndSwap finds no key that large holding old, and swaps nothing.
	writes := []string{"Put", "PutTTL", "PutMany", "Update", "BatchOn", "Swap", "LoadOrStore"}
	tooLarge := map[string]error{}
	for _, name := range writes {
		tooLarge[name] = diskmap.ErrTooLarge
	}
	t.Run("too large", func(t *testing.T) { requireAnswers(t, "a key past the limit", m, calls, tooLarge) })
	if has, err := m.Contains(huge); has || err != nil {
		t.Fatalf("Contains of the key past the limit = %v, %v, after writes refused", has, err)
	}
	if err := m.Put("k", "1"); err != nil { // Clear and DeleteFunc removed it
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	calls = everyCall("k", "v")
	// Close synced every write, so WaitSynced has nothing to wait for.
	closed := except(diskmap.ErrClosed, calls, "WaitSynced")
	t.Run("closed", func(t *testing.T) { requireAnswers(t, "a closed map", m, calls, closed) })
	if m.Len() != 0 || m.Stats().Len != 0 || m.LastSeq() == 0 {
		t.Errorf("Len %d, Stats().Len %d, LastSeq %d after Close", m.Len(), m.Stats().Len, m.LastSeq())
	}

	r := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: true}})
	readOnly := except(diskmap.ErrReadOnly, calls,
		"Get", "GetAppend", "Contains", "View", "TTL", "GetMany", "ViewMany", "All", "Check",
		"Sync", "Checkpoint", "WaitSynced")
	t.Run("read-only", func(t *testing.T) { requireAnswers(t, "a read-only map", r, calls, readOnly) })
	maptest.RequireContents(t, r, map[string]string{"k": "1"})
}
