package mmap

// AdviseRandom tells the system that the mapping is read and written at
// random, where it takes such advice (see the Unix version); Windows reads
// a mapped file ahead by itself, and takes none.
func (r *Region) AdviseRandom() {}

// DropPages takes the pages covering [off, off+n) out of the mapping,
// where the system can (see the Unix version); on Windows it does nothing,
// and Unmap tears down the mapping whole.
func (r *Region) DropPages(off, n int) error { return nil }
