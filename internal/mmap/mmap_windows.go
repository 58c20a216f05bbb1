//go:build windows

package mmap

import (
	"fmt"
	"os"

	"github.com/diskmap-go/diskmap/internal/unsafebytes"
	mmapgo "github.com/edsrzf/mmap-go"
	"golang.org/x/sys/windows"
)

// Reserves reports whether a mapping may be longer than its file. On Windows
// it may not: a view must lie within the file, so the caller remaps after
// growing the file.
const Reserves = false

// RenamesMapped reports whether a file may be renamed, and renamed over,
// while it is open and mapped. On Windows it may not: the caller closes
// both first.
const RenamesMapped = false

// sysRegion holds the file handle, for FlushFileBuffers.
type sysRegion struct {
	file     windows.Handle
	writable bool
}

func mapFile(f *os.File, length int, mode Mode) ([]byte, sysRegion, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, sysRegion{}, err
	}
	if int64(length) > fi.Size() {
		// CreateFileMapping would silently extend the file instead.
		return nil, sysRegion{}, fmt.Errorf("length %d exceeds file size %d", length, fi.Size())
	}
	prot := mmapgo.RDONLY
	switch mode {
	case ReadWrite:
		prot = mmapgo.RDWR
	case Private:
		prot = mmapgo.COPY
	}
	m, err := mmapgo.MapRegion(f, length, prot, 0, 0)
	if err != nil {
		return nil, sysRegion{}, err
	}
	return []byte(m), sysRegion{file: windows.Handle(f.Fd()), writable: mode == ReadWrite}, nil
}

// flush flushes the view's pages covering [off, off+n), then the file's
// buffers. FlushViewOfFile rounds the address down to a page itself.
//
// The address is that of the mapped view (see unsafebytes.Addr), which stays
// mapped until unmap.
func (r *Region) flush(off, n int) error {
	addr := unsafebytes.Addr(r.data[off:])
	if err := windows.FlushViewOfFile(addr, uintptr(n)); err != nil {
		return os.NewSyscallError("FlushViewOfFile", err)
	}
	if !r.sys.writable {
		return nil
	}
	if err := windows.FlushFileBuffers(r.sys.file); err != nil {
		return os.NewSyscallError("FlushFileBuffers", err)
	}
	return nil
}

// retireOrUnmap unmaps r, which belongs to no Space: a move retired it
// at once (see Space.detach), so it is a plain mapping.
func (r *Region) retireOrUnmap() error { return r.unmap() }

// unmap flushes and unmaps the view and closes its mapping handle.
func (r *Region) unmap() error {
	m := mmapgo.MMap(r.data)
	return m.Unmap()
}
