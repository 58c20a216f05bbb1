package codec

// Bytes encodes a byte slice as itself: no length prefix, since a map stores
// lengths itself. A nil slice and an empty one both encode to nothing, and
// decode to an empty, non-nil slice.
//
// The zero value is ready to use and goroutine-safe. Bytes implements
// Borrower, and allocates nothing to append into a slice with room to spare
// or to borrow.
type Bytes struct{}

// Name returns "bytes".
func (Bytes) Name() string { return "bytes" }

// Append appends v to dst. It never fails.
func (Bytes) Append(dst []byte, v []byte) ([]byte, error) {
	return append(dst, v...), nil
}

// Decode returns a fresh copy of b, which is never nil. It never fails.
func (Bytes) Decode(b []byte) ([]byte, error) {
	out := make([]byte, len(b))
	copy(out, b)
	return out, nil
}

// Borrow returns v itself. The caller must not modify it.
func (Bytes) Borrow(v []byte) []byte { return v }
