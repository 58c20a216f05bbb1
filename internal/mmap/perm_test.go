package mmap_test

import (
	"os"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// TestDirPerm: a directory gets an execute bit beside each read bit of its
// files, for user, group and other, and loses write for group and other.
func TestDirPerm(t *testing.T) {
	for _, tc := range []struct{ file, dir os.FileMode }{
		{0o600, 0o700}, {0o640, 0o750}, {0o644, 0o755}, {0o660, 0o750},
		{0o666, 0o755}, {0o604, 0o705}, {0o620, 0o700}, {0o700, 0o700},
	} {
		if got := mmap.DirPerm(tc.file); got != tc.dir {
			t.Errorf("DirPerm(%O) = %O, want %O", tc.file, got, tc.dir)
		}
	}
}

// TestCheckFilePerm: permissions within 0o777 that let the owner read and
// write pass; others are refused.
func TestCheckFilePerm(t *testing.T) {
	for _, perm := range []os.FileMode{0o600, 0o640, 0o644, 0o660, 0o666, 0o700, 0o777} {
		if err := mmap.CheckFilePerm(perm); err != nil {
			t.Errorf("CheckFilePerm(%O): %v, want nil", perm, err)
		}
	}
	for _, perm := range []os.FileMode{0, 0o400, 0o200, 0o500, 0o044, 0o1644, 0o2600, 0o4600, os.ModeDir | 0o644} {
		if err := mmap.CheckFilePerm(perm); err == nil {
			t.Errorf("CheckFilePerm(%O) = nil, want an error", uint32(perm))
		}
	}
}
