package mmap

import (
	"io"
	"io/fs"
	"os"

	"github.com/diskmap-go/diskmap/layout"
)

// FS is every operation on files that the map makes outside its mappings:
// the seam through which tests make any one of them fail. Reading the
// files, and writing through mappings, does not pass through it.
type FS interface {
	OpenFile(name string, flag int, perm os.FileMode) (*os.File, error)
	Rename(oldpath, newpath string) error
	Exchange(a, b string) error // see Exchange
	Remove(name string) error
	Truncate(f *os.File, size int64) error
	Allocate(f *os.File, size int64) error // see Allocate
	Sync(f *os.File) error                 // see Sync
	SyncDir(dir string) error              // see SyncDir
	WriteAt(f *os.File, b []byte, off int64) (int, error)
	FreeSpace(dir string) (int64, error) // see FreeSpace
}

// Files is the FS in use: the operating system's, opening files with
// OpenFile. Tests swap it, before opening a map, for one that fails on
// purpose; nothing else changes it.
var Files FS = osFS{}

type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return OpenFile(name, flag, perm)
}
func (osFS) Rename(oldpath, newpath string) error  { return os.Rename(oldpath, newpath) }
func (osFS) Exchange(a, b string) error            { return Exchange(a, b) }
func (osFS) Remove(name string) error              { return os.Remove(name) }
func (osFS) Truncate(f *os.File, size int64) error { return f.Truncate(size) }
func (osFS) Allocate(f *os.File, size int64) error { return Allocate(f, size) }
func (osFS) Sync(f *os.File) error                 { return Sync(f) }
func (osFS) SyncDir(dir string) error              { return SyncDir(dir) }
func (osFS) WriteAt(f *os.File, b []byte, off int64) (int, error) {
	return f.WriteAt(b, off)
}
func (osFS) FreeSpace(dir string) (int64, error) { return FreeSpace(dir) }

// notRegular returns the error of OpenFile for a path that is not a
// regular file, where kind says what is there ("a named pipe"): an
// *fs.PathError naming it, which matches layout.ErrCorrupt as other
// foreign contents of a map directory do.
func notRegular(name, kind string) error {
	return &fs.PathError{Op: "open", Path: name, Err: notRegularError(kind)}
}

// notRegularError says what is at a path in place of a regular file.
type notRegularError string

func (e notRegularError) Error() string { return "not a regular file: " + string(e) }

// Is reports whether target is layout.ErrCorrupt.
func (notRegularError) Is(target error) bool { return target == layout.ErrCorrupt }

// ReadFile returns the contents of the file name, opened through Files
// (so a file that is not a regular file is refused, at once) and read whole.
func ReadFile(name string) ([]byte, error) {
	f, err := Files.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only: its close reports nothing of the bytes read
	return io.ReadAll(f)
}
