//go:build unix

package mmap_test

import (
	"bufio"
	"bytes"
	"math/bits"
	"os"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/internal/unsafebytes"
)

// sink keeps the compiler from dropping the reads of faults.
var sink byte

// faults reports whether reading b[0] faults, recovering the fault as
// debug.SetPanicOnFault lets a goroutine do, and checks that the fault is
// at b's address.
func faults(t *testing.T, b []byte) bool {
	t.Helper()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var addr uintptr
	func() {
		defer func() {
			if e, ok := recover().(interface{ Addr() uintptr }); ok {
				addr = e.Addr()
			}
		}()
		sink = b[0]
	}()
	if addr != 0 && addr != unsafebytes.Addr(b) {
		t.Errorf("the fault is at %#x, want %#x", addr, unsafebytes.Addr(b))
	}
	return addr != 0
}

// spaceMap maps the first length bytes of f in s, failing the test on
// error.
func spaceMap(t *testing.T, s *mmap.Space, f *os.File, length, span int) *mmap.Region {
	t.Helper()
	r, err := s.Map(f, length, span)
	if err != nil {
		t.Fatalf("Map: %v", err)
	}
	return r
}

// closeSpaceAtEnd closes s when the test ends.
func closeSpaceAtEnd(t *testing.T, s *mmap.Space) {
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
}

// A mapping in a Space, once unmapped, faults when read; the next mapping
// goes elsewhere, after it, and reading the first still faults, then and
// after the Space is closed.
func TestSpaceRetiredMappingFaults(t *testing.T) {
	f := newFile(t, 3*page)
	if _, err := f.WriteAt([]byte("first file"), 0); err != nil {
		t.Fatal(err)
	}
	var s mmap.Space
	closeSpaceAtEnd(t, &s)
	r := spaceMap(t, &s, f, 3*page, 16*page)
	old := r.Bytes()
	if !bytes.HasPrefix(old, []byte("first file")) || faults(t, old) {
		t.Fatalf("the live mapping reads %q, want the file", old[:10])
	}
	if err := r.Unmap(); err != nil {
		t.Fatalf("Unmap: %v", err)
	}
	if !faults(t, old) {
		t.Fatalf("a slice of a retired mapping reads %q, want a fault", old[:10])
	}

	g := newFile(t, page)
	if _, err := g.WriteAt([]byte("other file"), 0); err != nil {
		t.Fatal(err)
	}
	r = spaceMap(t, &s, g, page, 16*page)
	now := r.Bytes()
	if start, end := unsafebytes.Addr(now), unsafebytes.Addr(old)+uintptr(len(old)); start < end {
		t.Errorf("the second mapping starts at %#x, before the end of the first, %#x", start, end)
	}
	if !bytes.HasPrefix(now, []byte("other file")) {
		t.Errorf("the second mapping reads %q", now[:10])
	}
	if !faults(t, old) {
		t.Fatalf("the retired mapping reads %q once another is mapped, want a fault", old[:10])
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, b := range [][]byte{old, now} {
		if !faults(t, b) {
			t.Errorf("a slice of a closed space reads %q, want a fault", b[:10])
		}
	}
}

// A mapping grows in place while its Space has room: slices taken before
// stay good and see the file, and so does the part it grew by; past the
// room, Grow fails and changes nothing.
func TestSpaceGrowInPlace(t *testing.T) {
	f := newFile(t, page+10)
	var s mmap.Space
	closeSpaceAtEnd(t, &s)
	r := spaceMap(t, &s, f, page+10, 4*page)
	before := r.Bytes()
	if r.Room() != 4*page {
		t.Fatalf("Room = %d, want %d", r.Room(), 4*page)
	}
	if err := f.Truncate(int64(3 * page)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("grown"), int64(2*page)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("tail"), int64(page+10)); err != nil {
		t.Fatal(err)
	}
	if err := r.Grow(3 * page); err != nil {
		t.Fatalf("Grow: %v", err)
	}
	after := r.Bytes()
	if len(after) != 3*page || &after[0] != &before[0] {
		t.Fatalf("after Grow: %d bytes at %p, want %d at %p", len(after), &after[0], 3*page, &before[0])
	}
	if !bytes.Equal(after[2*page:2*page+5], []byte("grown")) || !bytes.Equal(after[page+10:page+14], []byte("tail")) {
		t.Errorf("the grown mapping reads %q and %q, want the file", after[2*page:2*page+5], after[page+10:page+14])
	}
	if faults(t, before) {
		t.Errorf("a slice taken before an in-place growth faults")
	}
	if err := r.Grow(5 * page); err == nil {
		t.Errorf("Grow past the room: no error")
	}
	if len(r.Bytes()) != 3*page {
		t.Errorf("a failed Grow left %d bytes mapped, want %d", len(r.Bytes()), 3*page)
	}
	if err := r.Unmap(); err != nil {
		t.Fatal(err)
	}
	if !faults(t, before) || !faults(t, after[2*page:]) {
		t.Errorf("the retired mapping does not fault")
	}
}

// A mapping that does not fit in the room left goes into a new span: the
// old span's retired pages still fault.
func TestSpaceRenews(t *testing.T) {
	f := newFile(t, 2*page)
	var s mmap.Space
	closeSpaceAtEnd(t, &s)
	var old [][]byte
	for range 5 {
		r := spaceMap(t, &s, f, 2*page, 5*page)
		old = append(old, r.Bytes())
		if err := r.Unmap(); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range old {
		if !faults(t, b) {
			t.Errorf("mapping %d reads %q after it was retired, want a fault", i, b[:4])
		}
		for j, c := range old[:i] {
			if &b[0] == &c[0] {
				t.Errorf("mappings %d and %d share the address %p", j, i, &b[0])
			}
		}
	}
}

// mappings returns the number of mappings of the process, the lines of
// /proc/self/maps, or skips the test where there is no such file.
func mappings(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skipf("counting mappings needs /proc/self/maps: %v", err)
	}
	defer func() { _ = f.Close() }() // read only
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		n++
	}
	return n
}

// Retired mappings merge with each other and with the reserved space
// after them: a Space holds a few of the kernel's mappings (vm.max_map_count
// bounds them), however many files it has mapped.
func TestSpaceMappingsBounded(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts mappings in /proc/self/maps, which only Linux has")
	}
	f := newFile(t, 2*page)
	var s mmap.Space
	closeSpaceAtEnd(t, &s)
	cycle := func() {
		r := spaceMap(t, &s, f, page+1, 64<<20)
		if err := r.Grow(2 * page); err != nil {
			t.Fatal(err)
		}
		if err := r.Unmap(); err != nil {
			t.Fatal(err)
		}
	}
	cycle()
	before := mappings(t)
	for range 5000 {
		cycle()
	}
	after := mappings(t)
	t.Logf("%d mappings before, %d after", before, after)
	if after > before+8 {
		t.Errorf("%d mappings after 5,000 files were mapped in a space, %d before", after, before)
	}
}

// The retired ranges a process keeps are bounded, in number and bytes; the
// oldest are given back.
func TestRetiredBounded(t *testing.T) {
	limit, ranges := mmap.RetiredLimits(64)
	if limit < 1<<30 || ranges < 256 || ranges > 4096 {
		t.Errorf("64-bit limits %d bytes in %d ranges", limit, ranges)
	}
	limit, ranges = mmap.RetiredLimits(32)
	if limit > 256<<20 || ranges > 1024 {
		t.Errorf("32-bit limits %d bytes in %d ranges: too much of a 32-bit address space", limit, ranges)
	}
	_, ranges = mmap.RetiredLimits(bits.UintSize)
	f := newFile(t, page)
	for range ranges + 10 {
		var s mmap.Space
		spaceMap(t, &s, f, page, page)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := mmap.RetiredRanges(); n > ranges {
		t.Errorf("the process keeps %d retired ranges, more than %d", n, ranges)
	}
}

// A mapping moved out of its Space (Move) stays readable until its Unmap,
// which may run in another goroutine, retires it: then it faults, while
// the new mapping, elsewhere, reads the file and grows in place.
func TestSpaceMoveRetiresOnUnmap(t *testing.T) {
	f := newFile(t, 2*page)
	if _, err := f.WriteAt([]byte("moved file"), 0); err != nil {
		t.Fatal(err)
	}
	var s mmap.Space
	closeSpaceAtEnd(t, &s)
	r := spaceMap(t, &s, f, 2*page, 2*page)
	old := r.Bytes()
	if err := f.Truncate(int64(4 * page)); err != nil {
		t.Fatal(err)
	}
	moved, err := s.Move(r, f, 3*page, 8*page)
	if err != nil {
		t.Fatalf("Move: %v", err)
	}
	now := moved.Bytes()
	if len(now) != 3*page || !bytes.HasPrefix(now, []byte("moved file")) {
		t.Fatalf("the moved mapping has %d bytes and reads %q, want %d and the file", len(now), now[:10], 3*page)
	}
	if n, o := unsafebytes.Addr(now), unsafebytes.Addr(old); n < o+uintptr(len(old)) && o < n+uintptr(len(now)) {
		t.Errorf("the moved mapping at %#x overlaps the old one at %#x", n, o)
	}
	if moved.Room() != 8*page {
		t.Errorf("the moved mapping has room for %d bytes, want %d", moved.Room(), 8*page)
	}
	if faults(t, old) || !bytes.HasPrefix(old, []byte("moved file")) {
		t.Fatalf("before its Unmap the old mapping does not read the file")
	}
	done := make(chan error)
	go func() { done <- r.Unmap() }()
	if err := <-done; err != nil {
		t.Fatalf("Unmap of the old mapping: %v", err)
	}
	if !faults(t, old) || !faults(t, old[page:]) {
		t.Fatalf("the old mapping reads %q after its Unmap, want a fault", old[:10])
	}
	if err := moved.Grow(4 * page); err != nil {
		t.Fatalf("Grow after the move: %v", err)
	}
	if &moved.Bytes()[0] != &now[0] || faults(t, now) {
		t.Errorf("the moved mapping moved again or faults after growing in place")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !faults(t, now) || !faults(t, old) {
		t.Errorf("a mapping of a closed space does not fault")
	}
}

// Move takes only the mapping its Space holds.
func TestSpaceMoveOtherRegion(t *testing.T) {
	f := newFile(t, page)
	var s, other mmap.Space
	closeSpaceAtEnd(t, &s)
	closeSpaceAtEnd(t, &other)
	r := spaceMap(t, &other, f, page, 2*page)
	if _, err := s.Move(r, f, page, 2*page); err == nil {
		t.Fatal("Move of another space's mapping: no error")
	}
	if faults(t, r.Bytes()) {
		t.Fatal("a refused Move retired the mapping")
	}
}
