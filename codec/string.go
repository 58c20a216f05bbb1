package codec

import "github.com/diskmap-go/diskmap/internal/unsafebytes"

// String encodes a string as its bytes, exactly as they are: no length
// prefix, since a map stores lengths itself, and no check for UTF-8.
//
// The zero value is ready to use and goroutine-safe. String implements
// Borrower, and allocates nothing to append into a slice with room to spare
// or to borrow.
type String struct{}

// Name returns "string".
func (String) Name() string { return "string" }

// Append appends the bytes of v to dst. It never fails.
func (String) Append(dst []byte, v string) ([]byte, error) {
	return append(dst, v...), nil
}

// Decode returns a copy of b as a string. It never fails.
func (String) Decode(b []byte) (string, error) {
	return string(b), nil
}

// Borrow returns the bytes of v without copying. They must not be modified.
func (String) Borrow(v string) []byte {
	return unsafebytes.FromString(v)
}
