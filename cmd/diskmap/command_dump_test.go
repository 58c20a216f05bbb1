package main

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
)

// sortedLines returns the lines of out, sorted.
func sortedLines(out string) []string {
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	slices.Sort(lines)
	return lines
}

func TestDumpStrings(t *testing.T) {
	dir := stringMap(t, "a", "1", "b", `"quoted"`)
	want := []string{`{"key":"a","value":"1"}`, `{"key":"b","value":"\"quoted\""}`}
	if got := sortedLines(ok(t, "", "dump", dir)); !slices.Equal(got, want) {
		t.Errorf("dump = %q, want %q", got, want)
	}
	want = []string{`{"key":"a"}`, `{"key":"b"}`}
	if got := sortedLines(ok(t, "", "dump", "-keys", dir)); !slices.Equal(got, want) {
		t.Errorf("dump -keys = %q, want %q", got, want)
	}
}

// Numbers are JSON numbers, but for NaN and the infinities, which JSON
// has not: they are strings.
func TestDumpNumbers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n")
	m, err := diskmap.Open[uint64, float32](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[uint64]float32{math.MaxUint64: 0.1, 1: float32(math.NaN()), 2: float32(math.Inf(-1))} {
		if err := m.Put(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{`{"key":18446744073709551615,"value":0.1}`, `{"key":1,"value":"NaN"}`, `{"key":2,"value":"-Inf"}`}
	slices.Sort(want)
	if got := sortedLines(ok(t, "", "dump", dir)); !slices.Equal(got, want) {
		t.Errorf("dump = %q, want %q", got, want)
	}
}

func TestDumpMsgpackAndBytes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	m, err := diskmap.Open[[]byte, account](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put([]byte{0xff}, account{User: "u", Visits: 1}); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	want := `{"key":"/w==","value":{"Tags":null,"User":"u","Visits":1}}` + "\n"
	if got := ok(t, "", "dump", dir); got != want {
		t.Errorf("dump = %q, want %q", got, want)
	}
}

// A key put with a time to live has its expiry; one that has expired is
// not dumped.
func TestDumpExpiries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "e")
	m, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.PutTTL("soon", "x", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := m.PutTTL("gone", "x", time.Nanosecond); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	out := ok(t, "", "dump", dir)
	if !strings.HasPrefix(out, `{"key":"soon","value":"x","expires":"`) || strings.Count(out, "\n") != 1 {
		t.Errorf("dump = %q, want soon with its expiry, and not gone", out)
	}
}

func TestDumpAConcurrentMap(t *testing.T) {
	dir := shardedMap(t, 300)
	lines := sortedLines(ok(t, "", "dump", dir))
	if len(lines) != 300 || !slices.Contains(lines, `{"key":"k299","value":299}`) {
		t.Errorf("dump has %d lines, want 300 with k299", len(lines))
	}
}
