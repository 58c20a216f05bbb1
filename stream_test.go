package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

// export returns m's export stream.
func export[K, V any](t testing.TB, m *diskmap.Map[K, V]) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := m.Export(&buf)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("Export returned %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

// pairs returns m's keys and values in the order of All.
func pairs[K, V any](t testing.TB, m *diskmap.Map[K, V]) ([]K, []V) {
	t.Helper()
	var ks []K
	var vs []V
	for k, v := range m.All() {
		ks, vs = append(ks, k), append(vs, v)
	}
	if err := m.Err(); err != nil {
		t.Fatalf("All: %v", err)
	}
	return ks, vs
}

// roundTrip puts keys[i] -> values[i] into a new map, exports it, imports
// the stream into another new map, and requires the same keys and values
// in the same order there.
func roundTrip[K, V any](t *testing.T, keys []K, values []V) {
	t.Helper()
	src := maptest.Open[K, V](t, filepath.Join(t.TempDir(), "src"), nil)
	for i := range keys {
		if err := src.Put(keys[i], values[i]); err != nil {
			t.Fatal(err)
		}
	}
	dst := maptest.Open[K, V](t, filepath.Join(t.TempDir(), "dst"), nil)
	n, err := dst.Import(bytes.NewReader(export(t, src)))
	if err != nil || n != len(keys) {
		t.Fatalf("Import = %d, %v; want %d, nil", n, err, len(keys))
	}
	wantK, wantV := pairs(t, src)
	gotK, gotV := pairs(t, dst)
	if !reflect.DeepEqual(gotK, wantK) || !reflect.DeepEqual(gotV, wantV) {
		t.Fatalf("imported %v %v, want %v %v", gotK, gotV, wantK, wantV)
	}
}

// TestExportImportEveryCodec: a map of each codec comes back from its
// export stream with the same keys, values and order.
func TestExportImportEveryCodec(t *testing.T) {
	t.Run("string/string", func(t *testing.T) { roundTrip(t, []string{"b", "", "a"}, []string{"x", "y", ""}) })
	t.Run("string/bytes", func(t *testing.T) { roundTrip(t, []string{"a", "b"}, [][]byte{{1, 2, 3}, {}}) })
	t.Run("bytes/int64", func(t *testing.T) { roundTrip(t, [][]byte{{9}, {0, 0}}, []int64{-1, 1 << 40}) })
	t.Run("int/float64", func(t *testing.T) { roundTrip(t, []int{3, -7, 0}, []float64{0.5, -2, 1e300}) })
	t.Run("int8/uint16", func(t *testing.T) { roundTrip(t, []int8{-128, 127}, []uint16{1, 65535}) })
	t.Run("int16/int32", func(t *testing.T) { roundTrip(t, []int16{-300}, []int32{1 << 30}) })
	t.Run("uint/uint8", func(t *testing.T) { roundTrip(t, []uint{1, 2}, []uint8{255, 0}) })
	t.Run("uint32/uint64", func(t *testing.T) { roundTrip(t, []uint32{7}, []uint64{1 << 63}) })
	t.Run("float32/empty", func(t *testing.T) { roundTrip(t, []float32{1.5, -0.25}, []struct{}{{}, {}}) })
	t.Run("string/msgpack", func(t *testing.T) {
		roundTrip(t, []string{"ada", "bob"}, []account{{"Ada", 36}, {"Bob", -1}})
	})
	t.Run("msgpack/bool", func(t *testing.T) { roundTrip(t, []profile{{"x", 1}, {"y", 2}}, []bool{true, false}) })
}

// TestImportKeepsInsertionOrder: keys come out of an import in the order
// the exported map holds them, a key deleted and put again last; a key the
// importing map holds already keeps its place there.
func TestImportKeepsInsertionOrder(t *testing.T) {
	src := maptest.Open[string, int](t, filepath.Join(t.TempDir(), "src"), nil)
	for i := range 50 {
		if err := src.Put(fmt.Sprintf("k%02d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"k10", "k03", "k40"} {
		if _, err := src.Delete(k); err != nil {
			t.Fatal(err)
		}
	}
	if err := src.Put("k03", 333); err != nil { // last now
		t.Fatal(err)
	}
	dst := maptest.Open[string, int](t, filepath.Join(t.TempDir(), "dst"), nil)
	if err := dst.Put("k20", -1); err != nil { // first in dst
		t.Fatal(err)
	}
	if _, err := dst.Import(bytes.NewReader(export(t, src))); err != nil {
		t.Fatal(err)
	}
	srcKeys, _ := pairs(t, src)
	want := append([]string{"k20"}, slices.DeleteFunc(slices.Clone(srcKeys), func(k string) bool { return k == "k20" })...)
	got, _ := pairs(t, dst)
	if !slices.Equal(got, want) {
		t.Fatalf("order after import:\n %v\nwant\n %v", got, want)
	}
	if srcKeys[len(srcKeys)-1] != "k03" {
		t.Fatalf("the key put again is not last in the source: %v", srcKeys)
	}
}

// TestExportIgnoresTableAndDeadBytes: two maps of the same keys, values and
// order give the same stream, whatever their table sizes and the dead
// records of their arenas.
func TestExportIgnoresTableAndDeadBytes(t *testing.T) {
	a := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "a"), &diskmap.Options{Capacity: 1 << 12})
	for round := range 5 {
		for i := range 20 {
			if err := a.Put(fmt.Sprint(i), strings.Repeat("v", round*i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := a.Delete("7"); err != nil {
		t.Fatal(err)
	}
	b := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "b"), nil)
	keys, values := pairs(t, a)
	for i := range keys {
		if err := b.Put(keys[i], values[i]); err != nil {
			t.Fatal(err)
		}
	}
	if sa, sb := export(t, a), export(t, b); !bytes.Equal(sa, sb) {
		t.Fatalf("streams differ: %d and %d bytes", len(sa), len(sb))
	}
}

// TestExportCarriesExpiry: a key that expires is exported with its
// absolute expiry and expires at the same time in the importing map; a key
// expired at the export is not exported, and a record whose expiry has
// passed by the importing map's clock is not imported.
func TestExportCarriesExpiry(t *testing.T) {
	clock := maptest.NewClock()
	opts := maptest.WithClock(nil, clock)
	src := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "src"), opts)
	for k, ttl := range map[string]time.Duration{"soon": time.Minute, "later": time.Hour, "gone": time.Second} {
		if err := src.PutTTL(k, k, ttl); err != nil {
			t.Fatal(err)
		}
	}
	if err := src.Put("never", "never"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second) // "gone" has expired
	stream := export(t, src)

	dst := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "dst"), opts)
	if n, err := dst.Import(bytes.NewReader(stream)); err != nil || n != 3 {
		t.Fatalf("Import = %d, %v; want 3 records", n, err)
	}
	for k, want := range map[string]time.Duration{"soon": time.Minute - 2*time.Second, "later": time.Hour - 2*time.Second, "never": 0} {
		if ttl, ok, err := dst.TTL(k); err != nil || !ok || ttl != want {
			t.Errorf("TTL(%s) = %v, %v, %v; want %v", k, ttl, ok, err, want)
		}
	}
	if ok, _ := dst.Contains("gone"); ok {
		t.Error("an expired key was exported")
	}

	clock.Advance(time.Minute) // "soon" has expired by the next import
	late := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "late"), opts)
	if n, err := late.Import(bytes.NewReader(stream)); err != nil || n != 2 {
		t.Fatalf("Import after soon's expiry = %d, %v; want 2 records", n, err)
	}
	maptest.RequireContents(t, late, map[string]string{"later": "later", "never": "never"})
}

// sampleStream returns a stream of n keys "k0".. with values of varied
// lengths, and the offset of each record and of the end record.
func sampleStream(t *testing.T, n int) ([]byte, []int64) {
	t.Helper()
	m := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "sample"), nil)
	offs := []int64{layout.StreamHeaderSize}
	for i := range n {
		k, v := fmt.Sprintf("k%d", i), strings.Repeat("v", i*3)
		if err := m.Put(k, v); err != nil {
			t.Fatal(err)
		}
		offs = append(offs, offs[i]+int64(layout.StreamHeadSize+len(k)+len(v)+layout.StreamSumSize))
	}
	return export(t, m), offs
}

// requirePrefix fails unless m holds exactly keys k0..k(n-1) of
// sampleStream, and then empties m.
func requirePrefix(t *testing.T, m *diskmap.Map[string, string], n int) {
	t.Helper()
	want := map[string]string{}
	for i := range n {
		want[fmt.Sprintf("k%d", i)] = strings.Repeat("v", i*3)
	}
	maptest.RequireContents(t, m, want)
	if err := m.Clear(); err != nil {
		t.Fatal(err)
	}
}

// recordAt returns the number of the record of offs that holds offset at,
// len(offs)-1 for the end record, and -1 for the header.
func recordAt(offs []int64, at int64) int {
	for i := len(offs) - 1; i >= 0; i-- {
		if at >= offs[i] {
			return i
		}
	}
	return -1
}

// TestImportTruncatedStream: a stream cut anywhere short of its end record
// is refused with an error matching ErrCorrupt, after the records wholly
// before the cut are imported and none after.
func TestImportTruncatedStream(t *testing.T) {
	stream, offs := sampleStream(t, 4)
	m := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "m"), nil)
	for cut := range len(stream) {
		n, err := m.Import(bytes.NewReader(stream[:cut]))
		if !errors.Is(err, diskmap.ErrCorrupt) {
			t.Fatalf("Import of %d of %d bytes: %v, want ErrCorrupt", cut, len(stream), err)
		}
		whole := max(recordAt(offs, int64(cut)), 0)
		if n != whole {
			t.Fatalf("Import of %d bytes put %d records, want %d", cut, n, whole)
		}
		requirePrefix(t, m, whole)
	}
}

// TestImportDamagedRecord: a byte flipped anywhere in a record stops the
// import at that record, with an error matching ErrCorrupt that names the
// record's offset; the map holds exactly the records before it. A byte
// flipped in the header imports nothing.
func TestImportDamagedRecord(t *testing.T) {
	stream, offs := sampleStream(t, 4)
	m := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "m"), nil)
	for at := range int64(len(stream)) {
		damaged := slices.Clone(stream)
		damaged[at] ^= 0x10
		n, err := m.Import(bytes.NewReader(damaged))
		if err == nil {
			t.Fatalf("byte %d flipped: Import succeeded", at)
		}
		rec := recordAt(offs, at)
		if rec < 0 {
			if n != 0 || (!errors.Is(err, diskmap.ErrCorrupt) && !errors.Is(err, diskmap.ErrVersion)) {
				t.Fatalf("header byte %d flipped: Import = %d, %v", at, n, err)
			}
			requirePrefix(t, m, 0)
			continue
		}
		if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("record %d at offset %d:", rec, offs[rec])) {
			t.Fatalf("byte %d flipped: %v, want ErrCorrupt naming record %d at offset %d", at, err, rec, offs[rec])
		}
		if n != rec {
			t.Fatalf("byte %d flipped: Import put %d records, want %d", at, n, rec)
		}
		requirePrefix(t, m, rec)
	}
}

// TestImportWrongCodecs: a stream of other codecs is refused with an error
// matching ErrCodecMismatch that names both, and nothing is imported.
func TestImportWrongCodecs(t *testing.T) {
	stream, _ := sampleStream(t, 2)
	m := maptest.Open[int64, string](t, filepath.Join(t.TempDir(), "m"), nil)
	n, err := m.Import(bytes.NewReader(stream))
	if !errors.Is(err, diskmap.ErrCodecMismatch) || n != 0 || m.Len() != 0 {
		t.Fatalf("Import = %d, %v (Len %d); want ErrCodecMismatch and nothing", n, err, m.Len())
	}
	for _, name := range []string{codec.For[string]().Name(), codec.For[int64]().Name()} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	if c := strings.Count(err.Error(), "diskmap: "); c != 1 {
		t.Errorf("error %q says diskmap %d times", err, c)
	}
}

// TestImportUndecodableRecord: a record whose bytes the map's codecs do not
// decode is refused as damage, at its offset.
func TestImportUndecodableRecord(t *testing.T) {
	src := maptest.Open[string, []byte](t, filepath.Join(t.TempDir(), "src"), nil)
	if err := src.Put("a", []byte{1, 2, 3}); err != nil { // 3 bytes: no int64
		t.Fatal(err)
	}
	stream := export(t, src)
	// The codec names of a map of string to int64.
	copy(stream, layout.StreamHeader{KeyCodec: codec.For[string]().Name(), ValueCodec: codec.For[int64]().Name()}.Encode())
	m := maptest.Open[string, int64](t, filepath.Join(t.TempDir(), "m"), nil)
	n, err := m.Import(bytes.NewReader(stream))
	if !errors.Is(err, diskmap.ErrCorrupt) || n != 0 || !strings.Contains(err.Error(), fmt.Sprintf("at offset %d:", layout.StreamHeaderSize)) {
		t.Fatalf("Import = %d, %v; want ErrCorrupt at offset %d", n, err, layout.StreamHeaderSize)
	}
}

// TestImportReadOnlyAndClosed: Import into a read-only map returns
// ErrReadOnly and reads nothing; Export and Import of a closed map return
// ErrClosed.
func TestImportReadOnlyAndClosed(t *testing.T) {
	stream, _ := sampleStream(t, 2)
	dir := filepath.Join(t.TempDir(), "m")
	maptest.CheckClose(t, maptest.Open[string, string](t, dir, nil))
	ro := maptest.Open[string, string](t, dir, &diskmap.Options{ReadOnly: true})
	r := bytes.NewReader(stream)
	if _, err := ro.Import(r); !errors.Is(err, diskmap.ErrReadOnly) || r.Len() != len(stream) {
		t.Fatalf("Import into a read-only map: %v, %d bytes read; want ErrReadOnly, none", err, len(stream)-r.Len())
	}
	if _, err := ro.Export(io.Discard); err != nil {
		t.Fatalf("Export of a read-only map: %v", err)
	}
	maptest.CheckClose(t, ro)
	if _, err := ro.Import(bytes.NewReader(stream)); !errors.Is(err, diskmap.ErrClosed) {
		t.Fatalf("Import after Close: %v, want ErrClosed", err)
	}
	if _, err := ro.Export(io.Discard); !errors.Is(err, diskmap.ErrClosed) {
		t.Fatalf("Export after Close: %v, want ErrClosed", err)
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errInjected }

// TestExportWriterError: an error of the writer ends Export with it,
// wrapped once.
func TestExportWriterError(t *testing.T) {
	m := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "m"), nil)
	if err := m.Put("a", "b"); err != nil {
		t.Fatal(err)
	}
	_, err := m.Export(failingWriter{})
	if !errors.Is(err, errInjected) || strings.Count(err.Error(), "diskmap: ") != 1 {
		t.Fatalf("Export to a failing writer: %v", err)
	}
}
