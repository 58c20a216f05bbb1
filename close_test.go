package diskmap_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// Close of a map that failed returns the error that failed it, and leaves
// the map marked dirty, for the next Open to recover, in every mode.
func TestCloseFailedMap(t *testing.T) {
	t.Parallel()
	for _, d := range maptest.Modes {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			opts := &diskmap.Options{Durability: d}
			m := maptest.Open[string, string](t, dir, opts)
			if err := m.Put("before", "x"); err != nil {
				t.Fatal(err)
			}
			crash := errors.New("crash")
			diskmap.SetFailpoint(m, func(name string) error {
				if name == "batch-op" {
					return crash
				}
				return nil
			})
			err := m.Batch(func(b *diskmap.Batch[string, string]) error {
				for i := range 5 {
					if err := b.Put(fmt.Sprint("batch ", i), "y"); err != nil {
						return err
					}
				}
				return nil
			})
			if !errors.Is(err, crash) {
				t.Fatalf("Batch: %v, want the map to fail", err)
			}
			if err := m.Close(); !errors.Is(err, crash) {
				t.Fatalf("Close of the failed map: %v, want the error that failed it", err)
			}
			if h := currentHeader(t, dir); !h.Dirty() {
				t.Fatal("Close marked the failed map clean")
			}
			if err := m.Close(); !errors.Is(err, diskmap.ErrClosed) {
				t.Fatalf("second Close: %v, want ErrClosed", err)
			}
			m = maptest.Open[string, string](t, dir, opts)
			if m.Len() != 6 {
				t.Fatalf("Len after recovery = %d, want 6: the key before and the whole batch", m.Len())
			}
		})
	}
}
