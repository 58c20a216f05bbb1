package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

// A key or a value past the format's limits is refused with ErrTooLarge,
// and the error says which of the two it is, how long it is and what the
// limit is, whichever call wrote it.
func TestTooLargeSaysWhichAndTheLimit(t *testing.T) {
	t.Parallel()
	m := maptest.Open[[]byte, []byte](t, t.TempDir(), nil)
	key := bytes.Repeat([]byte{'k'}, 2<<20)
	wantKey := fmt.Sprintf("a key of %d bytes is over the limit of %d bytes", len(key), layout.MaxKeyLen)
	writes := map[string]func() error{
		"Put":       func() error { return m.Put(key, []byte("v")) },
		"Entry.Set": func() error { return m.Entry(key).Set([]byte("v")) },
		"Batch.Put": func() error {
			return m.Batch(func(b *diskmap.Batch[[]byte, []byte]) error { return b.Put(key, []byte("v")) })
		},
	}
	for name, write := range writes {
		err := write()
		if !errors.Is(err, diskmap.ErrTooLarge) || !strings.Contains(err.Error(), wantKey) || strings.Contains(err.Error(), "value") {
			t.Errorf("%s of a 2 MiB key: %v; want ErrTooLarge saying %q, not naming the value", name, err, wantKey)
		}
	}
	if bits.UintSize == 32 {
		t.Skip("a value past the limit needs 1 GiB of address space")
	}
	// Allocated, never written: the pages cost nothing until touched.
	value := make([]byte, layout.MaxValueLen+1)
	err := m.Put([]byte("k"), value)
	wantValue := fmt.Sprintf("a value of %d bytes is over the limit of %d bytes", len(value), layout.MaxValueLen)
	if !errors.Is(err, diskmap.ErrTooLarge) || !strings.Contains(err.Error(), wantValue) || strings.Contains(err.Error(), "key") {
		t.Errorf("Put of a value past the limit: %v; want ErrTooLarge saying %q, not naming the key", err, wantValue)
	}
	if m.Len() != 0 {
		t.Errorf("Len = %d after refused writes, want 0", m.Len())
	}
}
