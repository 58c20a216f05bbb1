package concurrent_test

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// readAllocs checks that Get, GetAppend (into a buffer with room), View and Contains of a present key and of a
// missing one allocate nothing.
func readAllocs[K any](t *testing.T, m *concurrent.Map[K, uint64], present, missing K) {
	t.Helper()
	var sum uint64
	view := func(b []byte) error {
		sum += binary.LittleEndian.Uint64(b)
		return nil
	}
	for _, k := range []struct {
		name  string
		key   K
		found bool
	}{{"present", present, true}, {"missing", missing, false}} {
		maptest.RequireAllocs(t, "Get "+k.name, 100, 0, func() {
			if _, found, err := m.Get(k.key); err != nil || found != k.found {
				t.Fatalf("Get: %v, %v", found, err)
			}
		})
		maptest.RequireAllocs(t, "View "+k.name, 100, 0, func() {
			if found, err := m.View(k.key, view); err != nil || found != k.found {
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
	}
}

func TestAllocsReadString(t *testing.T) {
	// counts the allocations of the whole process
	m := maptest.OpenSharded[string, uint64](t, t.TempDir(), shards(4))
	for i := range 100 {
		if err := m.Put(fmt.Sprint("key", i), uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	readAllocs(t, m, "key42", "key100")
}

func TestAllocsReadU64(t *testing.T) {
	// counts the allocations of the whole process
	m := maptest.OpenSharded[uint64, uint64](t, t.TempDir(), shards(4))
	for i := range uint64(100) {
		if err := m.Put(i*1000, i); err != nil {
			t.Fatal(err)
		}
	}
	readAllocs(t, m, uint64(42000), uint64(42001))
}

func TestAllocsReadBytes(t *testing.T) {
	// counts the allocations of the whole process
	m := maptest.OpenSharded[[]byte, uint64](t, t.TempDir(), shards(4))
	for i := range 100 {
		if err := m.Put(fmt.Append(nil, "key", i), uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	readAllocs(t, m, []byte("key42"), []byte("key100"))
}
