package mmap_test

import (
	"bytes"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

func TestAllocateGrows(t *testing.T) {
	f := newFile(t, 100)
	_, err := f.WriteAt([]byte("kept"), 96)
	if err != nil {
		t.Fatalf("WriteAt: %v", err)
	}

	if err := mmap.Allocate(f, 1<<20+3); err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	if got := size(t, f); got != int64(1<<20+3) {
		t.Fatalf("size(t, f) = %d, want %d", got, int64(1<<20+3))
	}
	got := make([]byte, 8)
	if _, err := f.ReadAt(got, 96); err != nil {
		t.Fatalf("ReadAt: %v", err)
	}
	if !bytes.Equal(got, []byte("kept\x00\x00\x00\x00")) {
		t.Fatalf(`got = %q, want "kept\x00\x00\x00\x00" (old data kept, new range zero)`, got)
	}
}

func TestAllocateNeverShrinks(t *testing.T) {
	f := newFile(t, 3*page)
	if err := mmap.Allocate(f, int64(page)); err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	if got := size(t, f); got != int64(3*page) {
		t.Fatalf("size(t, f) = %d, want %d", got, int64(3*page))
	}
	if err := mmap.Allocate(f, int64(3*page)); err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	if got := size(t, f); got != int64(3*page) {
		t.Fatalf("size(t, f) = %d, want %d", got, int64(3*page))
	}
}
