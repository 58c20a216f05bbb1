package mmap_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// FreeSpace reports some free space in a temporary directory, where the
// system can tell, and an error for one that does not exist.
func TestFreeSpace(t *testing.T) {
	n, err := mmap.FreeSpace(t.TempDir())
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("FreeSpace: %v", err)
	}
	if err != nil || n <= 0 {
		t.Fatalf("FreeSpace of a temporary directory = %d, %v; want some bytes", n, err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	_, err = mmap.FreeSpace(missing)
	requireNoName(t, "FreeSpace of a missing directory", err, missing)
}
