package diskmap_test

import (
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

// An empty value is written with no record: its slot's value field is
// layout.SlotNoValue. In every mode, and through every write (Put, a
// Batch, an Entry, the log's replay after a crash), empty values leave the
// values arena untouched, and reading them gives no bytes.
func TestEmptyValuesTakeNoRecord(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := filepath.Join(t.TempDir(), "m")
		m := maptest.Open[string, []byte](t, dir, opts)
		empty := m.Stats().Values
		if err := m.Put("put", nil); err != nil {
			t.Fatal(err)
		}
		if err := m.Entry("entry").Set([]byte{}); err != nil {
			t.Fatal(err)
		}
		err := m.Batch(func(b *diskmap.Batch[string, []byte]) error { return b.Put("batch", nil) })
		if err != nil {
			t.Fatal(err)
		}
		if st := m.Stats().Values; st != empty {
			t.Fatalf("values arena %+v after three empty values, want %+v as created", st, empty)
		}
		crashed := filepath.Join(t.TempDir(), "crashed")
		maptest.CrashCopy(t, dir, crashed)
		c := maptest.Open[string, []byte](t, crashed, opts)
		for _, mm := range []*diskmap.Map[string, []byte]{m, c} {
			maptest.RequireBytes(t, mm, map[string][]byte{"put": {}, "entry": {}, "batch": {}})
			if st := mm.Stats().Values; st.Live != 0 || st.Dead != 0 {
				t.Fatalf("values arena %+v, want no records", st)
			}
		}
	})
}

// A map written before empty values lost their records holds them as
// records of an 8-byte header alone. They read as empty values, count as
// live bytes, and Compact rewrites them as no record.
func TestEmptyValueRecordsOfEarlierMaps(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "m")
	m := maptest.Open[string, []byte](t, dir, nil)
	if err := m.Put("a", []byte("12345678")); err != nil { // a 16-byte record
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// Make it two empty records: the first the value of "a", as an
	// earlier writer left it, the second a dead one.
	first := int64(layout.ArenaHeaderSize)
	maptest.EditFile(t, dir, "values", func(b []byte) []byte {
		format.PutRecord(b[first:first+layout.RecordHeaderSize], nil)
		format.PutRecord(b[first+layout.RecordHeaderSize:first+2*layout.RecordHeaderSize], nil)
		return b
	})
	editSlots(t, dir, func(int) bool { return true }, func(_ layout.Header, s *layout.Slot) {
		if s.Value != uint32(first/layout.Align) {
			t.Fatalf("slot value field %d, want the first record", s.Value)
		}
		s.ValueLen = 0
	})
	bothHeaders(t, dir, func(h *layout.Header) { h.ValuesLive = layout.RecordHeaderSize })

	m = maptest.Open[string, []byte](t, dir, nil)
	if err := m.Check(); err != nil {
		t.Fatalf("Check of the earlier map: %v", err)
	}
	maptest.RequireBytes(t, m, map[string][]byte{"a": {}})
	if st := m.Stats().Values; st.Live != layout.RecordHeaderSize || st.Dead != layout.RecordHeaderSize {
		t.Fatalf("values arena %+v, want the record of a live and the other dead", st)
	}
	if err := m.Compact(); err != nil {
		t.Fatal(err)
	}
	if st := m.Stats().Values; st.Live != 0 || st.Dead != 0 {
		t.Fatalf("values arena %+v after Compact, want no records", st)
	}
	maptest.RequireBytes(t, m, map[string][]byte{"a": {}})
}
