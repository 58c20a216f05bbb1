// Package unsafebytes holds every use of package unsafe in diskmap: the
// conversions that read memory as bytes without copying it. Each function
// says why it is safe; nothing else in the module imports unsafe.
package unsafebytes

import "unsafe"

// FromString returns the bytes of s without copying.
//
// Safe because Go strings are immutable and the result is only ever read:
// callers hash it, compare it and copy it into an arena, and never write to it
// or keep it beyond the life of s. The capacity is clipped so that an append
// by a careless caller reallocates instead of writing past the string.
func FromString(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))[:len(s):len(s)]
}

// Addr returns the address of the first byte of b, which must not be empty,
// for a system call that takes an address.
//
// Safe for memory outside the Go heap, such as a file mapping, which is all
// it is used for: the garbage collector neither moves nor frees that memory,
// so the address stays right for as long as the mapping lasts, although a
// uintptr keeps nothing alive.
func Addr(b []byte) uintptr {
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))
}
