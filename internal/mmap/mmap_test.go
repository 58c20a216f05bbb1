package mmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
)

func TestWriteIsVisibleEverywhere(t *testing.T) {
	t.Parallel()
	f := newFile(t, 2*page)
	w := mapFile(t, f, 2*page, mmap.ReadWrite)
	r := mapFile(t, reopen(t, f, os.O_RDONLY), 2*page, mmap.ReadOnly)

	copy(w.Bytes()[page-2:], "hello")
	if !bytes.Equal(r.Bytes()[page-2:page+3], []byte("hello")) {
		t.Fatalf(`r.Bytes()[page-2:page+3] = %q, want "hello" (through a second mapping)`, r.Bytes()[page-2:page+3])
	}
	got := make([]byte, 5)
	_, err := f.ReadAt(got, int64(page-2))
	if err != nil {
		t.Fatalf("ReadAt: %v", err)
	}
	if !bytes.Equal(got, []byte("hello")) {
		t.Fatalf(`got = %q, want "hello" (through read)`, got)
	}

	if err := w.Flush(page-2, 5); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if err := w.Unmap(); err != nil {
		t.Fatalf("Unmap: %v", err)
	}
	if err := r.Unmap(); err != nil {
		t.Fatalf("Unmap: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	if !bytes.Equal(data[page-2:page+3], []byte("hello")) {
		t.Fatalf(`data[page-2:page+3] = %q, want "hello" (after unmap and reopen)`, data[page-2:page+3])
	}
}

func TestBytesLength(t *testing.T) {
	t.Parallel()
	f := newFile(t, 3*page)
	r := mapFile(t, f, page+5, mmap.ReadOnly)
	if got := r.Bytes(); len(got) != page+5 {
		t.Fatalf("len(r.Bytes()) = %d, want %d", len(got), page+5)
	}
	if got := cap(r.Bytes()); got != page+5 {
		t.Fatalf("cap(r.Bytes()) = %d, want %d", got, page+5)
	}
}

func TestMapZeroLength(t *testing.T) {
	t.Parallel()
	f := newFile(t, 0)
	r, err := mmap.Map(f, 0, mmap.ReadWrite)
	if err != nil {
		t.Fatalf("Map: %v", err)
	}
	if got := r.Bytes(); len(got) != 0 {
		t.Fatalf("r.Bytes() = %q, want empty", got)
	}
	if err := r.Flush(0, 0); err != nil {
		t.Fatalf("Flush(0, 0): %v", err)
	}
	if err := r.Unmap(); err != nil {
		t.Fatalf("Unmap: %v", err)
	}
}

func TestMapNegativeLength(t *testing.T) {
	t.Parallel()
	if _, err := mmap.Map(newFile(t, page), -1, mmap.ReadOnly); err == nil {
		t.Fatal("Map succeeded, want an error")
	}
}

func TestMapWritableNeedsWritableFile(t *testing.T) {
	t.Parallel()
	f := newFile(t, page)
	_, err := mmap.Map(reopen(t, f, os.O_RDONLY), page, mmap.ReadWrite)
	if !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("Map = %v; want fs.ErrPermission", err)
	}
	requireNoName(t, "Map", err, f.Name())
}

// TestMapPastEndOfFile checks that a mapping longer than its file is a
// reservation where Reserves says so, an error elsewhere, and never changes
// the file's size.
func TestMapPastEndOfFile(t *testing.T) {
	t.Parallel()
	f := newFile(t, page)
	r, err := mmap.Map(f, 4*page, mmap.ReadWrite)
	if mmap.Reserves {
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Unmap(); err != nil {
			t.Fatalf("Unmap: %v", err)
		}
	} else {
		if err == nil {
			t.Fatal("err is nil, want an error")
		}
	}
	if got := size(t, f); got != int64(page) {
		t.Fatalf("size(t, f) = %d, want %d", got, int64(page))
	}
}

func TestReservationUsableAfterAllocate(t *testing.T) {
	t.Parallel()
	if !mmap.Reserves {
		t.Skip("mappings cannot reserve space past the end of the file here")
	}
	f := newFile(t, page)
	r := mapFile(t, f, 4*page, mmap.ReadWrite)
	if err := mmap.Allocate(f, int64(3*page)); err != nil {
		t.Fatalf("Allocate: %v", err)
	}

	off := 2*page + 10
	copy(r.Bytes()[off:], "grown")
	if !bytes.Equal(r.Bytes()[off:off+5], []byte("grown")) {
		t.Fatalf(`r.Bytes()[off:off+5] = %q, want "grown"`, r.Bytes()[off:off+5])
	}
	got := make([]byte, 5)
	if _, err := f.ReadAt(got, int64(off)); err != nil {
		t.Fatalf("ReadAt: %v", err)
	}
	if !bytes.Equal(got, []byte("grown")) {
		t.Fatalf(`got = %q, want "grown"`, got)
	}
	if err := r.Flush(off, 5); err != nil {
		t.Fatalf("Flush(%d, …): %v", off, err)
	}
}

func TestFlush(t *testing.T) {
	t.Parallel()
	f := newFile(t, 3*page)
	r := mapFile(t, f, 3*page, mmap.ReadWrite)
	copy(r.Bytes()[page+123:], "x")
	for _, c := range []struct{ off, n int }{
		{0, 0}, {1, 1}, {page - 1, 2}, {page + 123, page}, {0, 3 * page}, {3*page - 1, 1}, {3 * page, 0},
	} {
		if err := r.Flush(c.off, c.n); err != nil {
			t.Fatalf("Flush(%d, %d): %v", c.off, c.n, err)
		}
	}
	for _, c := range []struct{ off, n int }{
		{-1, 1}, {0, -1}, {0, 3*page + 1}, {3 * page, 1}, {1, 3 * page},
	} {
		if err := r.Flush(c.off, c.n); err == nil {
			t.Fatalf("Flush(%d, %d) succeeded, want an error", c.off, c.n)
		}
	}
}

func TestUnmapTwice(t *testing.T) {
	t.Parallel()
	r, err := mmap.Map(newFile(t, page), page, mmap.ReadWrite)
	if err != nil {
		t.Fatalf("Map: %v", err)
	}
	if err := r.Unmap(); err != nil {
		t.Fatalf("Unmap: %v", err)
	}
	if got := r.Bytes(); got != nil {
		t.Fatalf("r.Bytes() = %q, want nil", got)
	}
	if err := r.Unmap(); err != nil {
		t.Fatalf("Unmap: %v", err)
	}
	if err := r.Flush(0, 1); err == nil {
		t.Fatal("Flush(0, 1) succeeded, want an error")
	}
}

const faultEnv = "DISKMAP_MMAP_FAULT_FILE"

// TestReadOnlyRegionFaults writes into a read-only mapping in a child
// process. The write must kill the child and leave the file unchanged.
func TestReadOnlyRegionFaults(t *testing.T) {
	t.Parallel()
	if path := os.Getenv(faultEnv); path != "" {
		writeReadOnly(t, path)
		return
	}
	f := newFile(t, page)
	_, err := f.WriteAt([]byte("before"), 0)
	if err != nil {
		t.Fatalf("WriteAt: %v", err)
	}

	out, err := maptest.ChildCommand(t.Context(), "TestReadOnlyRegionFaults", faultEnv+"="+f.Name()).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("error %v, want an error of type *exec.ExitError (the child must die, output:\n%s)", err, out)
	}
	if !strings.Contains(string(out), "writing into a read-only mapping") {
		t.Fatalf(`string(out) = %q, want a string containing "writing into a read-only mapping" (the child must reach the write)`, string(out))
	}
	if strings.Contains(string(out), "the write did not fault") {
		t.Fatalf(`string(out) = %q, want a string without "the write did not fault"`, string(out))
	}
	if !strings.Contains(string(out), "fault") {
		t.Fatalf(`string(out) = %q, want a string containing "fault"`, string(out))
	}

	got := make([]byte, 6)
	if _, err := f.ReadAt(got, 0); err != nil {
		t.Fatalf("ReadAt: %v", err)
	}
	if !bytes.Equal(got, []byte("before")) {
		t.Fatalf(`got = %q, want "before"`, got)
	}
}

func writeReadOnly(t *testing.T, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	r, err := mmap.Map(f, page, mmap.ReadOnly)
	if err != nil {
		t.Fatalf("Map: %v", err)
	}
	fmt.Println("writing into a read-only mapping")
	copy(r.Bytes(), "after!")
	fmt.Println("the write did not fault:", bytes.Equal(r.Bytes()[:6], []byte("after!")))
}

// A private mapping is copy-on-write: its writes never reach the file, and
// it still sees the file as it was.
func TestPrivateWritesStayInMemory(t *testing.T) {
	t.Parallel()
	f := newFile(t, page)
	_, err := f.WriteAt([]byte("file"), 0)
	if err != nil {
		t.Fatalf("WriteAt: %v", err)
	}
	r := mapFile(t, f, page, mmap.Private)
	if string(r.Bytes()[:4]) != "file" {
		t.Fatalf(`string(r.Bytes()[:4]) = %q, want "file"`, string(r.Bytes()[:4]))
	}
	copy(r.Bytes(), "priv")
	if string(r.Bytes()[:4]) != "priv" {
		t.Fatalf(`string(r.Bytes()[:4]) = %q, want "priv"`, string(r.Bytes()[:4]))
	}
	got := make([]byte, 4)
	if _, err := f.ReadAt(got, 0); err != nil {
		t.Fatalf("ReadAt: %v", err)
	}
	if string(got) != "file" {
		t.Fatalf(`string(got) = %q, want "file" (a private write reached the file)`, string(got))
	}
}

// Prefault leaves the bytes of a mapping as they were, and the pages
// mapped in: a write through the mapping afterwards reaches the file.
// Once the region is unmapped it fails.
func TestPrefaultKeepsBytes(t *testing.T) {
	f := newFile(t, 4*page)
	if _, err := f.WriteAt([]byte("kept"), int64(page)+5); err != nil {
		t.Fatalf("WriteAt: %v", err)
	}
	r := mapFile(t, f, 4*page, mmap.ReadWrite)
	if err := r.Prefault(7, 3*page, true); err != nil && !errors.Is(err, errors.ErrUnsupported) && !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Prefault: %v", err)
	}
	if got := string(r.Bytes()[page+5 : page+9]); got != "kept" {
		t.Fatalf("after Prefault the mapping reads %q, want \"kept\"", got)
	}
	r.Bytes()[3*page] = 'x'
	got := make([]byte, 1)
	if _, err := f.ReadAt(got, int64(3*page)); err != nil || got[0] != 'x' {
		t.Fatalf("a write after Prefault: the file reads %q, %v", got, err)
	}
	if err := r.Unmap(); err != nil {
		t.Fatal(err)
	}
	if err := r.Prefault(0, page, true); err == nil {
		t.Fatal("Prefault of an unmapped region returned nil")
	}
}

// Resident counts the pages of a mapping that are in memory: none of a
// file never read, all of one written through it.
func TestResident(t *testing.T) {
	f := newFile(t, 16*page)
	r := mapFile(t, f, 16*page, mmap.ReadWrite)
	n, err := r.Resident()
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil || n != 0 {
		t.Fatalf("Resident of a file never read = %d, %v; want 0", n, err)
	}
	for i := range r.Bytes() {
		r.Bytes()[i] = 1
	}
	if n, err := r.Resident(); err != nil || n != 16*page {
		t.Fatalf("Resident of a mapping written whole = %d, %v; want %d", n, err, 16*page)
	}
}

// DropPages takes pages out of a shared mapping and loses nothing: the
// mapping reads the file's bytes again, and a write made before it is in
// the file.
func TestDropPagesKeepsBytes(t *testing.T) {
	f := newFile(t, 4*page)
	r := mapFile(t, f, 4*page, mmap.ReadWrite)
	copy(r.Bytes()[page+5:], "kept")
	copy(r.Bytes()[3*page:], "also")
	if err := r.DropPages(0, 2*page); err != nil {
		t.Fatalf("DropPages: %v", err)
	}
	if err := r.DropPages(2*page, 2*page); err != nil {
		t.Fatalf("DropPages: %v", err)
	}
	if got := string(r.Bytes()[page+5 : page+9]); got != "kept" {
		t.Fatalf("after DropPages the mapping reads %q, want \"kept\"", got)
	}
	got := make([]byte, 4)
	if _, err := f.ReadAt(got, int64(3*page)); err != nil || string(got) != "also" {
		t.Fatalf("after DropPages the file reads %q, %v; want \"also\"", got, err)
	}
}
