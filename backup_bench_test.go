package diskmap_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/mmap"
)

// BenchmarkBackup backs up, and exports, a map of 1M keys of the speed
// workload (16-byte keys, 100-byte values), open in DurabilityOS with its
// changes checkpointed once before the timer starts. copy=clone clones the
// files (skipped where the temporary directory's file system cannot),
// copy=copy copies them. One run is enough for a figure:
//
//	go test -run '^$' -bench BenchmarkBackup -benchtime 1x
func BenchmarkBackup(b *testing.B) {
	const n = 1_000_000
	fsys := &cloneless{FS: mmap.OS{}}
	m, err := diskmap.Open[[]byte, []byte](filepath.Join(b.TempDir(), "m"), diskmap.WithFiles(&diskmap.Options{Capacity: n}, fsys))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Close() })
	keys := benchKeys(n, 1)
	for i, k := range keys {
		if err := m.Put(k, benchValue(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := m.Sync(); err != nil {
		b.Fatal(err)
	}
	name := "impl=diskmap/op=backup/n=" + sizeName(n)
	b.Run(name+"/copy=clone", func(b *testing.B) {
		if !canClone(b.TempDir()) {
			b.Skip("the file system of the temporary directory cannot clone files")
		}
		backupLoop(b, m, func() { fsys.keep = true })
	})
	b.Run(name+"/copy=copy", func(b *testing.B) { backupLoop(b, m, func() { fsys.keep = false }) })
	b.Run("impl=diskmap/op=export/n="+sizeName(n), func(b *testing.B) {
		for range b.N {
			if _, err := m.Export(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// backupLoop backs m up b.N times, each into a new directory, after set.
func backupLoop(b *testing.B, m *diskmap.Map[[]byte, []byte], set func()) {
	set()
	base := b.TempDir()
	b.ResetTimer()
	for i := range b.N {
		if err := m.Backup(filepath.Join(base, fmt.Sprint(i))); err != nil {
			b.Fatal(err)
		}
	}
}

// canClone reports whether the file system of dir clones files.
func canClone(dir string) bool {
	src, err := os.Create(filepath.Join(dir, "clone-src"))
	if err != nil {
		return false
	}
	defer func() { _ = src.Close() }()
	if _, err := src.Write(make([]byte, 4096)); err != nil {
		return false
	}
	dst, err := os.Create(filepath.Join(dir, "clone-dst"))
	if err != nil {
		return false
	}
	defer func() { _ = dst.Close() }()
	return !errors.Is(mmap.Clone(dst, src), errors.ErrUnsupported)
}
