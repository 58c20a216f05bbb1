package diskmap

import (
	"fmt"

	"github.com/diskmap-go/diskmap/codec"
)

// ViewAs returns the value stored under k as a *T pointing into the map's
// read-only mapping: no copy, no allocation. The map's value codec must be a
// codec.Viewer, as codec.Fixed's are; for any other ViewAs fails with an
// error matching ErrCodecMismatch.
//
// The pointer is valid as View's bytes are: until the next change to the map
// (Put, Delete, Compact, a write through an Entry or a Batch) or Close,
// whichever comes first. Copy the value (v := *p) to keep it longer. Writing
// through the pointer crashes the program with a fault rather than changing
// the file, and so does reading through it after Compact or Close, as for
// View.
//
// Values start at multiples of 8 bytes in the mapping, so the pointer is
// aligned for every T; ViewAs checks it anyway. On a big-endian platform the
// bytes are not T's memory, and ViewAs returns a pointer to a decoded copy
// instead, which stays valid and allocates.
func ViewAs[K, T any](m *Map[K, T], k K) (*T, bool, error) {
	vc := m.vc.Codec()
	viewer, ok := vc.(codec.Viewer[T])
	if !ok {
		return nil, false, fmt.Errorf("%s: ViewAs needs a value codec that views values in place, such as codec.Fixed's, not %s: %w", m.dir, vc.Name(), ErrCodecMismatch)
	}
	b, found, err := m.View(k)
	if !found || err != nil {
		return nil, found, err
	}
	p, err := viewer.View(b)
	if err != nil {
		return nil, false, fmt.Errorf("diskmap: %s: viewing value: %w", m.vals.path, err)
	}
	return p, true, nil
}
