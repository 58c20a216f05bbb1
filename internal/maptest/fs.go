package maptest

import (
	"fmt"
	"path/filepath"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// RenameFails is a file system whose Rename of the file named From (a
// base name) fails, as a process killed before it leaves the directory;
// everything else goes through FS. A test opens a map with it.
type RenameFails struct {
	mmap.FS
	From string
}

// Rename refuses to rename From and renames anything else through FS.
func (f *RenameFails) Rename(oldpath, newpath string) error {
	if filepath.Base(oldpath) == f.From {
		return fmt.Errorf("rename %s: refused by the test", oldpath)
	}
	return f.FS.Rename(oldpath, newpath)
}
