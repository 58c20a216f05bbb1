package concurrent_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/concurrent"
)

// Each error names one package once, the one it began in, however many
// steps wrap it: "concurrent: " or "diskmap: ", not both and not twice.
func TestErrorsNameOnePackageOnce(t *testing.T) {
	open := func(t *testing.T, dir string, opts *concurrent.Options) *concurrent.Map[string, string] {
		t.Helper()
		m, err := concurrent.Open[string, string](dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	closed := func(t *testing.T) string {
		t.Helper()
		dir := t.TempDir()
		m := open(t, dir, &concurrent.Options{Shards: 2})
		for i := range 20 {
			if err := m.Put(fmt.Sprint("k", i), "v"); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	flip := func(t *testing.T, path string, off int) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[off] ^= 0xff
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		err  func(t *testing.T) error
	}{
		{"locked", func(t *testing.T) error {
			dir := t.TempDir()
			m := open(t, dir, nil)
			defer func() { _ = m.Close() }()
			_, err := concurrent.Open[string, string](dir, nil)
			return err
		}},
		{"closed", func(t *testing.T) error {
			m := open(t, t.TempDir(), nil)
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			_, _, err := m.Get("k")
			return errors.Join(err, m.Put("k", "v"), m.Close())
		}},
		{"stale iteration", func(t *testing.T) error {
			m := open(t, t.TempDir(), &concurrent.Options{Shards: 1})
			defer func() { _ = m.Close() }()
			for i := range 1000 {
				if err := m.Put(fmt.Sprint("k", i), "v"); err != nil {
					t.Fatal(err)
				}
			}
			compacted := false
			for range m.Keys() {
				if !compacted {
					if err := m.Compact(); err != nil {
						t.Fatal(err)
					}
					compacted = true
				}
			}
			return m.Err()
		}},
		{"codec mismatch", func(t *testing.T) error {
			_, err := concurrent.Open[uint64, string](closed(t), nil)
			return err
		}},
		{"corrupt manifest", func(t *testing.T) error {
			dir := closed(t)
			flip(t, filepath.Join(dir, "manifest"), 0)
			_, err := concurrent.Open[string, string](dir, nil)
			return err
		}},
		{"corrupt shard", func(t *testing.T) error {
			dir := closed(t)
			flip(t, filepath.Join(dir, "shard-0001", "keys"), 0)
			_, err := concurrent.Open[string, string](dir, nil)
			return err
		}},
		{"bad options", func(t *testing.T) error {
			_, err := concurrent.Open[string, string](t.TempDir(), &concurrent.Options{Shards: 3})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.err(t)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, line := range strings.Split(err.Error(), "\n") {
				if n := strings.Count(line, "diskmap: ") + strings.Count(line, "concurrent: "); n != 1 {
					t.Errorf("%q names a package %d times, want once", line, n)
				}
			}
		})
	}
}
