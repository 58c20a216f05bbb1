package zstd_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/codec/zstd"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// openZstd opens a map of string values compressed by vc in dir, closed
// and checked when the test ends.
func openZstd(t *testing.T, dir string, vc codec.Codec[string], opts *diskmap.Options) *diskmap.Map[string, string] {
	t.Helper()
	m, err := diskmap.OpenWith[string, string](dir, codec.String{}, vc, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { maptest.CloseChecked(t, m) })
	return m
}

// fill puts n sample values of mixed sizes and returns them.
func fill(t *testing.T, m *diskmap.Map[string, string], n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	for i := range n {
		k, v := maptest.SampleKey(i), sampleValue(i, []int{0, 10, 100, 1024, 5000}[i%5])
		if err := m.Put(k, v); err != nil {
			t.Fatal(err)
		}
		want[k] = v
	}
	return want
}

// TestMapThroughZstd: a map whose values are compressed reads back what
// was put through Get, iteration, a reopen, Compact, and an export
// imported into another map, in every durability mode; and View hands
// out the stored, compressed bytes.
func TestMapThroughZstd(t *testing.T) {
	vc := zstd.New[string](codec.String{}, zstd.WithDictionary(sampleDict(t)))
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := filepath.Join(t.TempDir(), "m")
		m := openZstd(t, dir, vc, opts)
		want := fill(t, m, 200)
		maptest.RequireContents(t, m, want)
		view, _, err := m.View(maptest.SampleKey(3))
		if err != nil || len(view) == 0 || view[0] != 0x01 || len(view) >= len(want[maptest.SampleKey(3)]) {
			t.Fatalf("View of a 1 KiB value: %d bytes starting % x, %v; want its compressed frame", len(view), view[:min(len(view), 4)], err)
		}
		if err := m.Compact(); err != nil {
			t.Fatal(err)
		}
		maptest.RequireContents(t, m, want)
		var stream bytes.Buffer
		if _, err := m.Export(&stream); err != nil {
			t.Fatal(err)
		}
		maptest.CheckClose(t, m)
		m = openZstd(t, dir, vc, opts)
		maptest.RequireContents(t, m, want)

		other := openZstd(t, filepath.Join(t.TempDir(), "other"), vc, opts)
		if n, err := other.Import(&stream); err != nil || n != len(want) {
			t.Fatalf("Import: %d, %v; want %d", n, err, len(want))
		}
		maptest.RequireContents(t, other, want)
	})
}

// TestMapNeedsItsDictionary: a map written with a dictionary does not
// open without it or with another, and not as plain strings: each gives
// ErrCodecMismatch rather than values that do not decode.
func TestMapNeedsItsDictionary(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	m := openZstd(t, dir, zstd.New[string](codec.String{}, zstd.WithDictionary(sampleDict(t))), nil)
	fill(t, m, 20)
	maptest.CheckClose(t, m)
	for name, vc := range map[string]codec.Codec[string]{
		"no dictionary":    zstd.New[string](codec.String{}),
		"other dictionary": zstd.New[string](codec.String{}, zstd.WithDictionary(sampleDictWithID(t, 7))),
		"no compression":   codec.String{},
	} {
		if m, err := diskmap.OpenWith[string, string](dir, codec.String{}, vc, nil); !errors.Is(err, diskmap.ErrCodecMismatch) {
			if err == nil {
				_ = m.Close()
			}
			t.Errorf("%s: Open: %v, want ErrCodecMismatch", name, err)
		}
	}
}

// TestZstdSurvivesACrash: the files of an open map of compressed values,
// copied as a crash of the process would leave them, reopen with every
// acknowledged value.
func TestZstdSurvivesACrash(t *testing.T) {
	vc := zstd.New[string](codec.String{})
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := filepath.Join(t.TempDir(), "m")
		m := openZstd(t, dir, vc, opts)
		want := fill(t, m, 100)
		copyDir := filepath.Join(t.TempDir(), "crashed")
		maptest.CrashCopy(t, dir, copyDir)
		crashed := openZstd(t, copyDir, vc, opts)
		maptest.RequireContents(t, crashed, want)
	})
}
