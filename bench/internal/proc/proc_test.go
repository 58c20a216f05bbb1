package proc

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWorkDir: a named directory is created and left to the caller; a
// temporary one is removed by done, or kept with keep.
func TestWorkDir(t *testing.T) {
	named := filepath.Join(t.TempDir(), "a", "b")
	base, done, err := WorkDir(named, "x-", false)
	if err != nil || base != named || done != nil {
		t.Fatalf("named: %q, done %v, %v", base, done != nil, err)
	}
	if fi, err := os.Stat(named); err != nil || !fi.IsDir() {
		t.Fatalf("named directory not made: %v", err)
	}
	base, done, err = WorkDir("", "x-", false)
	if err != nil || done == nil {
		t.Fatalf("temporary: %q, done %v, %v", base, done != nil, err)
	}
	if err := done(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(base); !os.IsNotExist(err) {
		t.Errorf("temporary %s left after done: %v", base, err)
	}
	base, done, err = WorkDir("", "x-", true)
	if err != nil || done != nil {
		t.Fatalf("kept: %q, done %v, %v", base, done != nil, err)
	}
	if err := os.RemoveAll(base); err != nil {
		t.Fatal(err)
	}
}
