package mmap

// AdviseRandom tells the system that the mapping is read and written at
// random, where it takes such advice (see the Unix version); Windows reads
// a mapped file ahead by itself, and takes none.
func (r *Region) AdviseRandom() {}
