package mmap

import "unsafe"

// StringBytes returns the bytes of s without copying.
//
// Safe because Go strings are immutable and the result is only ever read:
// callers hash it, compare it and copy it into an arena, and never write to it
// or keep it beyond the life of s. The capacity is clipped so that an append
// by a careless caller reallocates instead of writing past the string.
func StringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))[:len(s):len(s)]
}
