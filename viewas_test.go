package diskmap_test

import (
	"encoding/binary"
	"errors"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
)

// record is a 32-byte value of numbers, with no padding on any platform.
type record struct {
	ID    uint64
	Score float64
	Count uint32
	Flags uint16
	Kind  uint8
	OK    bool
	Pos   [2]float32
}

// recordFor returns the value the tests store under key i.
func recordFor(i uint64) record {
	return record{ID: i, Score: float64(i) / 4, Count: uint32(i * 3), Flags: uint16(i), Kind: uint8(i % 7),
		OK: i%2 == 0, Pos: [2]float32{float32(i), -float32(i)}}
}

// openFixed opens the map in dir with uint64 keys and Fixed[T] values.
func openFixed[T any](t testing.TB, dir string, opts *diskmap.Options) *diskmap.Map[uint64, T] {
	t.Helper()
	vc, err := codec.Fixed[T]()
	if err != nil {
		t.Fatal(err)
	}
	m, err := diskmap.OpenWith[uint64, T](dir, codec.Native[uint64]{}, vc, opts)
	if err != nil {
		t.Fatalf("OpenWith(%s): %v", dir, err)
	}
	t.Cleanup(func() { maptest.CloseChecked(t, m) })
	return m
}

// TestViewAs reads every value in place: the pointer is 8-byte aligned,
// points at View's bytes, and reads the value stored; a missing key gives
// nil and false. It does so again after a reopen for reading only.
func TestViewAs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "map")
	m := openFixed[record](t, dir, nil)
	const n = 1000
	for i := range uint64(n) {
		if err := m.Put(i, recordFor(i)); err != nil {
			t.Fatal(err)
		}
	}
	checkViewAs(t, m, n)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	checkViewAs(t, openFixed[record](t, dir, &diskmap.Options{ReadOnly: true}), n)
}

// checkViewAs checks ViewAs of keys 0 to n-1 and of n, which is missing.
func checkViewAs(t *testing.T, m *diskmap.Map[uint64, record], n uint64) {
	t.Helper()
	for i := range n {
		p, ok, err := diskmap.ViewAs(m, i)
		if err != nil || !ok || *p != recordFor(i) {
			t.Fatalf("ViewAs(%d) = %+v, %v, %v, want %+v", i, p, ok, err, recordFor(i))
		}
		addr := reflect.ValueOf(p).Pointer()
		if addr%8 != 0 {
			t.Fatalf("ViewAs(%d) = %#x, not 8-byte aligned", i, addr)
		}
		b, _, _ := m.View(i)
		if littleEndian && addr != reflect.ValueOf(&b[0]).Pointer() {
			t.Fatalf("ViewAs(%d) = %#x, View's bytes are at %#x: not in place", i, addr, reflect.ValueOf(&b[0]).Pointer())
		}
	}
	if p, ok, err := diskmap.ViewAs(m, n); p != nil || ok || err != nil {
		t.Fatalf("ViewAs(missing) = %v, %v, %v, want nil, false, nil", p, ok, err)
	}
}

// littleEndian is true on platforms that store numbers least significant
// byte first, where ViewAs points into the mapping.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// TestViewAsAllocs: ViewAs allocates nothing, found or not.
func TestViewAsAllocs(t *testing.T) {
	if !littleEndian {
		t.Skip("ViewAs decodes a copy on a big-endian platform")
	}
	m := openFixed[record](t, t.TempDir(), nil)
	for i := range uint64(100) {
		if err := m.Put(i, recordFor(i)); err != nil {
			t.Fatal(err)
		}
	}
	var sink uint64
	key := uint64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		p, ok, err := diskmap.ViewAs(m, key%150) // a third of them missing
		if err != nil || ok != (key%150 < 100) {
			t.Fatalf("ViewAs(%d) = %v, %v", key%150, ok, err)
		}
		if ok {
			sink += p.ID
		}
		key++
	})
	if allocs != 0 {
		t.Errorf("ViewAs allocates %v times a call, want 0", allocs)
	}
	_ = sink
}

// TestViewAsNotFixed: a map whose values are not of a Viewer codec fails
// with ErrCodecMismatch, naming the codec, and a map of another layout
// does not open with Fixed at all.
func TestViewAsNotFixed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "map")
	m := maptest.Open[uint64, record](t, dir, nil) // Msgpack[record]
	if err := m.Put(1, recordFor(1)); err != nil {
		t.Fatal(err)
	}
	p, ok, err := diskmap.ViewAs(m, 1)
	if !errors.Is(err, diskmap.ErrCodecMismatch) || p != nil || ok || !strings.Contains(err.Error(), "codec.Fixed") {
		t.Fatalf("ViewAs on a msgpack map = %v, %v, %v, want an error matching ErrCodecMismatch", p, ok, err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	vc, _ := codec.Fixed[record]()
	if _, err := diskmap.OpenWith[uint64, record](dir, codec.Native[uint64]{}, vc, nil); !errors.Is(err, diskmap.ErrCodecMismatch) {
		t.Fatalf("OpenWith Fixed on a msgpack map: %v, want ErrCodecMismatch", err)
	}

	dir = filepath.Join(t.TempDir(), "fixed")
	if err := openFixed[record](t, dir, nil).Close(); err != nil {
		t.Fatal(err)
	}
	type reordered struct { // record's fields, largest first, in another order
		Score float64
		ID    uint64
		Pos   [2]float32
		Count uint32
		Flags uint16
		Kind  uint8
		OK    bool
	}
	other, _ := codec.Fixed[reordered]()
	if _, err := diskmap.OpenWith[uint64, reordered](dir, codec.Native[uint64]{}, other, nil); !errors.Is(err, diskmap.ErrCodecMismatch) {
		t.Fatalf("OpenWith Fixed of another layout: %v, want ErrCodecMismatch", err)
	}
}

// liar is a codec of [2]bool that takes Fixed's name and writes its own
// bytes: a map file damaged, or written by a broken codec.
type liar struct{ name string }

func (l liar) Name() string                               { return l.name }
func (liar) Append(dst []byte, v [2]bool) ([]byte, error) { return append(dst, 2, 0), nil }
func (liar) Decode([]byte) ([2]bool, error)               { return [2]bool{}, nil }

// TestViewAsInvalid: a stored value that is not a valid T, a bool of 2, is
// an error naming the values file and matching codec.ErrInvalid, never a
// *T holding such a bool.
func TestViewAsInvalid(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "map")
	vc, err := codec.Fixed[[2]bool]()
	if err != nil {
		t.Fatal(err)
	}
	w, err := diskmap.OpenWith[uint64, [2]bool](dir, codec.Native[uint64]{}, liar{vc.Name()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Put(1, [2]bool{true, false}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m := openFixed[[2]bool](t, dir, nil)
	p, ok, err := diskmap.ViewAs(m, 1)
	if !errors.Is(err, codec.ErrInvalid) || p != nil || ok || !strings.Contains(err.Error(), filepath.Join(dir, "values")) {
		t.Fatalf("ViewAs of a bool of 2 = %v, %v, %v, want an error naming the values file, matching ErrInvalid", p, ok, err)
	}
	if strings.Count(err.Error(), "diskmap: ") != 1 {
		t.Errorf("error %q: want one diskmap: prefix", err)
	}
	if _, _, err := m.Get(1); !errors.Is(err, codec.ErrInvalid) {
		t.Errorf("Get of a bool of 2: %v, want ErrInvalid", err)
	}
}

// TestViewAsValues stores values of a few types, NaNs, negative zeros and
// all bools included, and reads each back in place, bit for bit.
func TestViewAsValues(t *testing.T) {
	type sample struct {
		F     float64
		G     float32
		Bools [3]bool
		Small int8
	}
	m := openFixed[sample](t, t.TempDir(), nil)
	want := []sample{
		{},
		{F: math.NaN(), G: float32(math.Inf(-1)), Bools: [3]bool{true, true, true}, Small: -1},
		{F: math.Copysign(0, -1), G: math.Float32frombits(0x7fc00001), Bools: [3]bool{false, true}, Small: math.MinInt8},
	}
	for i, v := range want {
		if err := m.Put(uint64(i), v); err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range want {
		p, ok, err := diskmap.ViewAs(m, uint64(i))
		if err != nil || !ok {
			t.Fatalf("ViewAs(%d): %v, %v", i, ok, err)
		}
		if math.Float64bits(p.F) != math.Float64bits(v.F) || math.Float32bits(p.G) != math.Float32bits(v.G) ||
			p.Bools != v.Bools || p.Small != v.Small {
			t.Errorf("ViewAs(%d) = %+v, want %+v", i, *p, v)
		}
	}
}
