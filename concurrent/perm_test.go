package concurrent_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

// TestFilePermInvalid: Open refuses a Map.FilePerm with bits outside
// 0o777 or without read and write for its owner, with an error that
// names the field, before it creates anything.
func TestFilePermInvalid(t *testing.T) {
	for _, perm := range []os.FileMode{0o400, 0o200, 0o044, 0o1644, 0o4600, os.ModeDir | 0o644} {
		dir := filepath.Join(t.TempDir(), "m")
		m, err := concurrent.Open[string, string](dir, &concurrent.Options{Shards: 2, Map: diskmap.Options{FilePerm: perm}})
		if err == nil {
			_ = m.Close()
			t.Errorf("Open with FilePerm %O succeeded, want an error", uint32(perm))
			continue
		}
		if !strings.Contains(err.Error(), "Options.Map.FilePerm") {
			t.Errorf("Open with FilePerm %O: %v, want an error naming Options.Map.FilePerm", uint32(perm), err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open with FilePerm %O created %s", uint32(perm), dir)
		}
	}
}
