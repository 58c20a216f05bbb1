package mmap_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// Exchange swaps two files, each keeping its contents under the other's
// name; or, where the system cannot, says so and changes nothing.
func TestExchange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for path, s := range map[string]string{a: "first", b: "second"} {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatalf("WriteFile: %v", err)
		}
	}
	err := mmap.Exchange(a, b)
	wantA, wantB := "second", "first"
	if errors.Is(err, errors.ErrUnsupported) {
		if runtime.GOOS == "linux" {
			t.Logf("the file system of %s cannot exchange files: %v", dir, err)
		}
		wantA, wantB = "first", "second"
	} else if err != nil {
		t.Fatalf("Exchange(a, b): %v", err)
	}
	for path, want := range map[string]string{a: wantA, b: wantB} {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("ReadFile: %v", err)
		}
		if string(got) != want {
			t.Errorf("after Exchange, %s holds %q, want %q", filepath.Base(path), got, want)
		}
	}
	if err := mmap.Exchange(a, filepath.Join(dir, "missing")); err == nil {
		t.Error("Exchange with a missing file: no error")
	}
}
