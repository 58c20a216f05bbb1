package mmap_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// FreeSpace reports some free space in a temporary directory, where the
// system can tell, and an error naming the directory for one that does not
// exist.
func TestFreeSpace(t *testing.T) {
	n, err := mmap.FreeSpace(t.TempDir())
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("FreeSpace: %v", err)
	}
	if err != nil || n <= 0 {
		t.Fatalf("FreeSpace of a temporary directory = %d, %v; want some bytes", n, err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := mmap.FreeSpace(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("FreeSpace of a missing directory: %v, want an error naming it", err)
	}
}
