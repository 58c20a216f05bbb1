package diskmap_test

import (
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// readAllocs checks that View, ViewMany, Contains, Get and GetAppend (into a buffer with room) of a present key
// and of a missing one allocate nothing.
func readAllocs[K any](t *testing.T, m *diskmap.Map[K, uint64], present, missing K) {
	t.Helper()
	for _, k := range []struct {
		name  string
		key   K
		found bool
	}{{"present", present, true}, {"missing", missing, false}} {
		maptest.RequireAllocs(t, "View "+k.name, 100, 0, func() {
			if _, found, err := m.View(k.key); err != nil || found != k.found {
				t.Fatalf("View: %v, %v", found, err)
			}
		})
		buf := make([]byte, 0, 64)
		maptest.RequireAllocs(t, "GetAppend "+k.name, 100, 0, func() {
			if _, found, err := m.GetAppend(buf[:0], k.key); err != nil || found != k.found {
				t.Fatalf("GetAppend: %v, %v", found, err)
			}
		})
		maptest.RequireAllocs(t, "Contains "+k.name, 100, 0, func() {
			if found, err := m.Contains(k.key); err != nil || found != k.found {
				t.Fatalf("Contains: %v, %v", found, err)
			}
		})
		keys := []K{k.key}
		fn := func(_ int, _ []byte, found bool) error {
			if found != k.found {
				t.Fatalf("ViewMany: %v", found)
			}
			return nil
		}
		maptest.RequireAllocs(t, "ViewMany "+k.name, 100, 0, func() {
			if err := m.ViewMany(keys, fn); err != nil {
				t.Fatalf("ViewMany: %v", err)
			}
		})
		maptest.RequireAllocs(t, "Get "+k.name, 100, 0, func() {
			if _, found, err := m.Get(k.key); err != nil || found != k.found {
				t.Fatalf("Get: %v, %v", found, err)
			}
		})
	}
}

func TestAllocsReadString(t *testing.T) {
	// counts the allocations of the whole process
	m := maptest.Open[string, uint64](t, t.TempDir(), nil)
	for i := range 100 {
		if err := m.Put(fmt.Sprint("key", i), uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	readAllocs(t, m, "key42", "key100")
}

func TestAllocsReadBytes(t *testing.T) {
	// counts the allocations of the whole process
	m := maptest.Open[[]byte, uint64](t, t.TempDir(), nil)
	for i := range 100 {
		if err := m.Put(fmt.Append(nil, "key", i), uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	readAllocs(t, m, []byte("key42"), []byte("key100"))
}

func TestAllocsReadU64(t *testing.T) {
	// counts the allocations of the whole process
	m := maptest.Open[uint64, uint64](t, t.TempDir(), nil)
	for i := range uint64(100) {
		if err := m.Put(i*1000, i); err != nil {
			t.Fatal(err)
		}
	}
	readAllocs(t, m, uint64(42000), uint64(42001))
}

func TestAllocsGetBytesValue(t *testing.T) {
	// counts the allocations of the whole process
	m := maptest.Open[string, []byte](t, t.TempDir(), nil)
	if err := m.Put("k", make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	maptest.RequireAllocs(t, "Get", 100, 1, func() {
		if v, _, err := m.Get("k"); err != nil || len(v) != 100 {
			t.Fatalf("Get: %d bytes, %v", len(v), err)
		}
	})
}

func TestAllocsPutExisting(t *testing.T) {
	// counts the allocations of the whole process
	m := maptest.Open[string, []byte](t, t.TempDir(), nil)
	keys := make([]string, 16)
	for i := range keys {
		keys[i] = fmt.Sprint("key", i)
		if err := m.Put(keys[i], nil); err != nil {
			t.Fatal(err)
		}
	}
	// 1000 puts of 100 bytes pass the 64 KiB the values arena starts with:
	// its growth is amortised over them.
	val := make([]byte, 100)
	i := 0
	maptest.RequireAllocs(t, "Put existing", 1000, 0, func() {
		if err := m.Put(keys[i%len(keys)], val); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if m.Stats().Values.Size <= 64<<10 {
		t.Errorf("the values arena did not grow: %d bytes", m.Stats().Values.Size)
	}
}
