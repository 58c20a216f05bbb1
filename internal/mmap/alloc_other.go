//go:build unix && !linux && !darwin

package mmap

import "os"

// grow writes zeros over [from, to): there is no portable preallocation
// call, and ftruncate alone would leave a hole.
func grow(f *os.File, from, to int64) error {
	return growByWriting(f, from, to)
}
