package diskmap_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
)

// badFilePerms are permissions a map's files cannot have: bits outside
// 0o777, or no read and write for the owner.
var badFilePerms = []os.FileMode{0o400, 0o200, 0o044, 0o1644, 0o4600, os.ModeDir | 0o644, os.ModeSetgid | 0o600}

// TestFilePermInvalid: Open refuses a FilePerm with bits outside 0o777 or
// without read and write for its owner, with an error that names the
// field, before it creates anything.
func TestFilePermInvalid(t *testing.T) {
	for _, perm := range badFilePerms {
		dir := filepath.Join(t.TempDir(), "m")
		m, err := diskmap.Open[string, string](dir, &diskmap.Options{FilePerm: perm})
		if err == nil {
			_ = m.Close()
			t.Errorf("Open with FilePerm %O succeeded, want an error", uint32(perm))
			continue
		}
		if !strings.Contains(err.Error(), "Options.FilePerm") {
			t.Errorf("Open with FilePerm %O: %v, want an error naming Options.FilePerm", uint32(perm), err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open with FilePerm %O created %s", uint32(perm), dir)
		}
	}
}
