package stream

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// Name is the name errors give an export stream, in place of a file's.
const Name = "export stream"

// Record is one record of a stream: an encoded key and value, and the
// key's expiry. Its slices are valid until the next call of Next.
type Record struct {
	Key, Value []byte
	Expires    bool
	Expiry     int64 // Unix nanoseconds, when Expires
}

// Reader reads an export stream record by record, checking each as it
// goes. It reads no byte past the end record.
type Reader struct {
	r      *bufio.Reader
	Header layout.StreamHeader
	off    int64  // offset of the next record
	n      uint64 // records read
	buf    []byte
	done   bool
}

// NewReader reads and checks the header of the stream r.
func NewReader(r io.Reader) (*Reader, error) {
	s := &Reader{r: bufio.NewReaderSize(r, 64<<10)}
	b := make([]byte, layout.StreamHeaderSize)
	n, err := io.ReadFull(s.r, b)
	if err != nil && !isEOF(err) {
		return nil, fmt.Errorf("diskmap: reading the header of the %s: %w", Name, err)
	}
	if s.Header, err = layout.DecodeStreamHeader(b[:n]); err != nil {
		return nil, format.At(err, Name, 0)
	}
	s.off = layout.StreamHeaderSize
	return s, nil
}

// Offset returns the offset in the stream of the record Next reads next.
func (s *Reader) Offset() int64 { return s.off }

// Count returns the records read so far.
func (s *Reader) Count() uint64 { return s.n }

// Next returns the next record, or io.EOF once the end record has been
// read and checked. A damaged or truncated stream gives an error matching
// layout.ErrCorrupt that names the record's number and offset; the record
// is not returned.
func (s *Reader) Next() (Record, error) {
	if s.done {
		return Record{}, io.EOF
	}
	rec, size, err := s.next()
	if err != nil {
		return Record{}, fmt.Errorf("record %d at offset %d: %w", s.n, s.off, format.At(err, Name, s.off))
	}
	s.off += size
	if rec == nil {
		s.done = true
		return Record{}, io.EOF
	}
	s.n++
	return *rec, nil
}

// next reads the record at s.off, or the end record (nil), and its size.
func (s *Reader) next() (*Record, int64, error) {
	var head [layout.StreamHeadSize]byte
	if err := s.read(head[:], 0, "record"); err != nil {
		return nil, 0, err
	}
	h, err := layout.DecodeStreamHead(&head, s.n)
	if err != nil {
		return nil, 0, err
	}
	if h.Kind == layout.StreamKindEnd {
		return nil, layout.StreamHeadSize, nil
	}
	n := h.KeyLen + h.ValueLen + layout.StreamSumSize
	if err := s.fill(n); err != nil {
		return nil, 0, err
	}
	key, value := s.buf[:h.KeyLen:h.KeyLen], s.buf[h.KeyLen:h.KeyLen+h.ValueLen:h.KeyLen+h.ValueLen]
	var sum [layout.StreamSumSize]byte
	copy(sum[:], s.buf[h.KeyLen+h.ValueLen:])
	if err := layout.CheckStreamRecord(s.n, &head, key, value, sum); err != nil {
		return nil, 0, err
	}
	return &Record{Key: key, Value: value, Expires: h.Expires, Expiry: h.Expiry}, int64(layout.StreamHeadSize + n), nil
}

// fill reads the n bytes after a record's fixed part into s.buf. It grows
// the buffer as the bytes arrive, so that a length in a damaged stream
// allocates no more than the stream holds.
func (s *Reader) fill(n int) error {
	s.buf = s.buf[:0]
	for len(s.buf) < n {
		chunk := min(n-len(s.buf), 1<<20)
		s.buf = append(s.buf, make([]byte, chunk)...)
		at := len(s.buf) - chunk
		if err := s.read(s.buf[at:], int64(layout.StreamHeadSize+at), "record key, value and checksum"); err != nil {
			return err
		}
	}
	return nil
}

// read reads len(b) bytes of the record at s.off, from offset at in it; a
// stream that ends first is truncated.
func (s *Reader) read(b []byte, at int64, what string) error {
	n, err := io.ReadFull(s.r, b)
	switch {
	case err == nil:
		return nil
	case isEOF(err):
		return &layout.CorruptError{Offset: at + int64(n), Field: what,
			Expected: fmt.Sprintf("%d more bytes, up to the end record", len(b)-n), Found: "the end of the stream"}
	}
	return fmt.Errorf("diskmap: reading the %s: %w", Name, err)
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) }
