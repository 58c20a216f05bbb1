package diskmap_test

import (
	"bytes"
	"testing"

	"github.com/diskmap-go/diskmap/internal/maptest"
)

// GetAppend appends the value's encoded bytes after what dst holds, leaves
// dst as it was for a missing key, and hands out a copy: a later write
// does not change what it returned.
func TestGetAppend(t *testing.T) {
	m := maptest.Open[string, []byte](t, t.TempDir(), nil)
	if err := m.Put("k", []byte("value")); err != nil {
		t.Fatal(err)
	}
	got, ok, err := m.GetAppend([]byte("prefix:"), "k")
	if err != nil || !ok || string(got) != "prefix:value" {
		t.Fatalf("GetAppend = %q, %v, %v; want %q, true", got, ok, err, "prefix:value")
	}
	dst := []byte("kept")
	miss, ok, err := m.GetAppend(dst, "missing")
	if err != nil || ok || !bytes.Equal(miss, dst) {
		t.Fatalf("GetAppend of a missing key = %q, %v, %v; want %q, false", miss, ok, err, dst)
	}
	if err := m.Put("k", []byte("VALUE")); err != nil {
		t.Fatal(err)
	}
	if string(got) != "prefix:value" {
		t.Fatalf("a write changed what GetAppend returned: %q", got)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.GetAppend(nil, "k"); err == nil {
		t.Fatal("GetAppend on a closed map succeeded")
	}
}
