//go:build unix

package mmap

import "os"

// zeros is the source for growByWriting. It is only ever read.
var zeros [64 << 10]byte

// growByWriting grows f from size from to size to by writing zeros over the
// new range, which makes every file system allocate its blocks. It is the
// fallback where no preallocation call works.
func growByWriting(f *os.File, from, to int64) error {
	for off := from; off < to; {
		n := min(to-off, int64(len(zeros)))
		if _, err := f.WriteAt(zeros[:n], off); err != nil {
			return err
		}
		off += n
	}
	return nil
}
