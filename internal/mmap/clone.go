package mmap

import (
	"fmt"
	"io"
	"os"
)

// CopyRange writes the first n bytes of src into dst, both at offset 0:
// with copy_file_range on Linux, which may share blocks itself, and a read
// and a write elsewhere. src and dst must be newly opened, at offset 0.
func CopyRange(dst, src *os.File, n int64) error {
	written, err := dst.ReadFrom(io.LimitReader(src, n))
	if err == nil && written < n {
		return fmt.Errorf("the source ends after %d bytes, before %d", written, n)
	}
	return Cause(err)
}
