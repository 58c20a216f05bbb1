// Package mmap is the only code in diskmap that maps files, locks them,
// preallocates them, exchanges them or syncs them. Everything above it sees a []byte and
// offsets into it.
//
// # Platforms
//
// Unix (Linux, macOS, the BSDs) maps with mmap(2) and MAP_SHARED; Windows maps
// with CreateFileMapping and MapViewOfFile. On Unix a mapping may be longer
// than its file: the tail is address space reserved for growth, so a file can
// grow without a remap (see [Reserves]). Windows cannot do that, so there the
// caller remaps after each growth.
//
// # Writable mappings
//
// A writable [Region] is mapped read-write: a stray write through it changes
// the file. A read-only Region is mapped PROT_READ, so a write through it
// faults and kills the process instead of corrupting the file. A file opened
// read-only can only be mapped read-only.
//
// # Lifetime of Bytes
//
// The slice returned by [Region.Bytes], and every slice cut from it, is valid
// until [Region.Unmap]. Touching it afterwards faults, unless the system has
// mapped something else there since; a mapping in a [Space] is retired
// rather than unmapped, so that the range stays reserved and a touch
// always faults (within the bounds the Space's doc gives). Callers that remap while
// other goroutines read must keep the two apart: a diskmap.Map allows no
// reader while a method that may remap runs, and package concurrent holds
// each shard's read-write lock exclusively for those methods.
//
// # Full disks
//
// A write through a mapping into a part of the file that has no disk blocks
// yet must allocate them; if the disk is full, the kernel answers with
// SIGBUS, which a Go program cannot recover from. [Allocate] grows a file with
// real blocks, so that it fails with ENOSPC up front instead; on Linux it
// also gives blocks to the holes a sparse copy of the file left.
//
// # Errors
//
// What this package returns names neither the file nor the package: its
// caller knows what it was doing, and to which of its files, and says so
// once ("diskmap: syncing /data/m/keys: input/output error"). So an error
// is the system's cause (a syscall.Errno, errors.ErrUnsupported,
// [ErrLocked]), with at most what the arguments were (a size, a range);
// an error of package os naming the file comes back as the error it wraps.
package mmap
