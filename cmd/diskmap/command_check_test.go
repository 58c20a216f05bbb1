package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/layout"
)

// damage flips the byte at offset off of the file name in dir.
func damage(t *testing.T, dir, name string, off int64) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheckOfASoundMap(t *testing.T) {
	dir := stringMap(t, "a", "1", "b", "2")
	if out := ok(t, "", "check", dir); out != dir+": ok, 2 keys\n" {
		t.Errorf("check = %q", out)
	}
	dir = shardedMap(t, 50)
	if out := ok(t, "", "check", dir); out != dir+": ok, 50 keys\n" {
		t.Errorf("check = %q", out)
	}
}

// A damaged record is a problem: check prints it with its file and
// offset, and exits 1.
func TestCheckReportsADamagedRecord(t *testing.T) {
	dir := stringMap(t, "alpha", "1")
	damage(t, dir, "keys", layout.ArenaHeaderSize+8) // a byte of the first key
	r := tool(t, "", "check", dir)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	keys := filepath.Join(dir, "keys")
	if !strings.HasPrefix(r.stdout, keys+": corrupt ") || !strings.Contains(r.stdout, " at offset ") {
		t.Errorf("check printed %q, want the problem with file %s and its offset", r.stdout, keys)
	}
	if want := "diskmap check: " + dir + ": "; !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "problem") {
		t.Errorf("stderr %q, want %q and the count of problems", r.stderr, want)
	}
}

// A map whose header is damaged does not open: that is a problem too.
func TestCheckReportsADamagedHeader(t *testing.T) {
	dir := stringMap(t, "alpha", "1")
	damage(t, dir, "buckets", 0)
	damage(t, dir, "buckets", layout.HeaderCopyOffset)
	r := tool(t, "", "check", dir)
	if r.code != 1 || !strings.Contains(r.stdout, filepath.Join(dir, "buckets")+": corrupt header magic at offset 0") {
		t.Errorf("exit %d, stdout %q, stderr %q: want 1 and the header's problem", r.code, r.stdout, r.stderr)
	}
}

// Every other verb refuses a damaged map with one line and exit 2.
func TestDamagedMapIsBadInput(t *testing.T) {
	dir := stringMap(t, "alpha", "1")
	damage(t, dir, "buckets", 0)
	damage(t, dir, "buckets", layout.HeaderCopyOffset)
	fails(t, 2, filepath.Join(dir, "buckets")+": corrupt header magic at offset 0", "", "stats", dir)
}
