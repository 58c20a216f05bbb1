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

// Pointer returns the address of the first byte of b, which must not be
// empty, as an unsafe.Pointer, for a system call that maps memory at that
// address (mmap with MAP_FIXED, over address space reserved before).
//
// Safe for the same reason as Addr: b is a file mapping or a reservation
// of address space, outside the Go heap, so the address stays right for as
// long as the mapping lasts.
func Pointer(b []byte) unsafe.Pointer {
	return unsafe.Pointer(unsafe.SliceData(b))
}

// Mapped returns the n bytes at p as a slice, capacity clipped to n: p is
// what a system call that maps memory (mmap) returned, the start of a
// mapping at least n bytes long.
//
// Safe because the mapping lies outside the Go heap: the garbage collector
// neither moves nor frees it, and ignores the slice's pointer. The slice is
// good until the caller unmaps the memory, after which touching it faults
// (or, where the caller maps the range again, reads what is mapped there).
func Mapped(p unsafe.Pointer, n int) []byte {
	return unsafe.Slice((*byte)(p), n)[:n:n]
}

// Of returns the memory of *p as bytes, without copying: its length is the
// size of T, and its capacity is clipped to that.
//
// T must hold no pointers: no pointer, string, slice, map, interface,
// channel or function, at any depth. codec.Fixed checks that once, when it
// is made, and is the only caller. Then reading the bytes is reading numbers
// and padding, and writing them cannot forge a pointer the garbage collector
// would follow; a write may still make a bool other than 0 or 1, which the
// caller must not do. The slice points into *p and keeps it alive like any
// pointer.
func Of[T any](p *T) []byte {
	n := int(unsafe.Sizeof(*p))
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), n)[:n:n]
}

// As returns b as a *T without copying, or false if b is not exactly the
// size of T or its first byte is not aligned for T. For a T of size 0 it
// returns a pointer to a new T, which allocates nothing.
//
// T must hold no pointers, as for Of, and b must already have been checked
// to hold a valid T: every bool 0 or 1, the only bytes of such a T that can
// be invalid. Then *T reads exactly what b holds. The result aliases b: it
// is valid as long as b's memory is, and for a file mapping that ends when
// the mapping is unmapped, after which reading it faults. The garbage
// collector ignores pointers outside its heap, and one into a heap []byte
// keeps that slice alive.
func As[T any](b []byte) (*T, bool) {
	var zero T
	size, align := unsafe.Sizeof(zero), unsafe.Alignof(zero)
	if uintptr(len(b)) != size {
		return nil, false
	}
	if size == 0 {
		return new(T), true
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	if uintptr(p)%align != 0 {
		return nil, false
	}
	return (*T)(p), true
}
