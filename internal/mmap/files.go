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
	Extend(f *os.File, size int64) error   // see Extend
	Sync(f *os.File) error                 // see Sync
	SyncDir(dir string) error              // see SyncDir
	WriteAt(f *os.File, b []byte, off int64) (int, error)
	FreeSpace(dir string) (int64, error)        // see FreeSpace
	Clone(dst, src *os.File) error              // see Clone
	CopyRange(dst, src *os.File, n int64) error // see CopyRange
}

// OS is the operating system's FS, opening files with OpenFile: the FS of
// every map whose options name no other.
type OS struct{}

// OpenFile opens the file name with OpenFile.
func (OS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return OpenFile(name, flag, perm)
}

// Rename renames oldpath to newpath with os.Rename.
func (OS) Rename(oldpath, newpath string) error { return Cause(os.Rename(oldpath, newpath)) }

// Exchange swaps the files a and b with Exchange.
func (OS) Exchange(a, b string) error { return Exchange(a, b) }

// Remove removes the file name with os.Remove.
func (OS) Remove(name string) error { return Cause(os.Remove(name)) }

// Truncate sets the size of f with its Truncate method.
func (OS) Truncate(f *os.File, size int64) error { return Cause(f.Truncate(size)) }

// Allocate gives f blocks up to size with Allocate.
func (OS) Allocate(f *os.File, size int64) error { return Allocate(f, size) }

// Extend grows f to size with Extend.
func (OS) Extend(f *os.File, size int64) error { return Extend(f, size) }

// Sync makes f durable with Sync.
func (OS) Sync(f *os.File) error { return Sync(f) }

// SyncDir makes the directory dir durable with SyncDir.
func (OS) SyncDir(dir string) error { return SyncDir(dir) }

// WriteAt writes b at off in f with its WriteAt method.
func (OS) WriteAt(f *os.File, b []byte, off int64) (int, error) {
	n, err := f.WriteAt(b, off)
	return n, Cause(err)
}

// Clone makes dst share src's blocks with Clone.
func (OS) Clone(dst, src *os.File) error { return Clone(dst, src) }

// CopyRange copies the first n bytes of src into dst with CopyRange.
func (OS) CopyRange(dst, src *os.File, n int64) error { return CopyRange(dst, src, n) }

// SetFiles makes the diskmap.Options that opts points at send the map's
// file operations through fs. Package diskmap sets it when it is
// initialised; package concurrent calls it to give each shard the FS of
// its map, and tests outside package diskmap to give a map one that fails
// on purpose. The field it sets is unexported so that FS, an internal
// type, stays out of the public API; an internal package is the one place
// that diskmap and those packages both see, and that nothing outside the
// module can reach.
var SetFiles func(opts any, fs FS)

// FreeSpace returns the bytes free for the file system of dir with FreeSpace.
func (OS) FreeSpace(dir string) (int64, error) { return FreeSpace(dir) }

// Cause returns the error that err, of package os, wraps under the name
// of a file: that of a *fs.PathError, *os.LinkError or *os.SyscallError,
// or err itself. It is for a caller that names the file in its own wrap
// (see Errors in the package doc).
func Cause(err error) error {
	switch e := err.(type) {
	case *fs.PathError:
		return e.Err
	case *os.LinkError:
		return e.Err
	case *os.SyscallError:
		return e.Err
	}
	return err
}

// notRegular returns the error of OpenFile for a path that is not a
// regular file, where kind says what is there ("a named pipe"). It
// matches layout.ErrCorrupt, as other foreign contents of a map
// directory do.
func notRegular(kind string) error { return notRegularError(kind) }

// notRegularError says what is at a path in place of a regular file.
type notRegularError string

func (e notRegularError) Error() string { return "not a regular file: " + string(e) }

// Is reports whether target is layout.ErrCorrupt.
func (notRegularError) Is(target error) bool { return target == layout.ErrCorrupt }

// ReadFile returns the contents of the file name, opened through fs (so a
// file that is not a regular file is refused, at once) and read whole.
func ReadFile(fs FS, name string) ([]byte, error) {
	f, err := fs.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only: its close reports nothing of the bytes read
	b, err := io.ReadAll(f)
	return b, Cause(err)
}
