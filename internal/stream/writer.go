package stream

import (
	"bufio"
	"io"

	"github.com/diskmap-go/diskmap/layout"
)

// Writer writes an export stream: the header when it is made, a record per
// call of Record, and the end record at End. It is not safe for
// concurrent use. The first error of the underlying writer ends the
// stream: every later call returns it.
type Writer struct {
	w   *bufio.Writer
	cw  *countingWriter
	n   uint64 // records written
	err error
}

// NewWriter starts a stream on w with the header h.
func NewWriter(w io.Writer, h layout.StreamHeader) *Writer {
	cw := &countingWriter{w: w}
	s := &Writer{w: bufio.NewWriterSize(cw, 64<<10), cw: cw}
	_, s.err = s.w.Write(h.Encode())
	return s
}

// Record writes the record of an encoded key and value, expiring at exp
// (Unix nanoseconds) when expires is set.
func (s *Writer) Record(key, value []byte, expires bool, exp int64) error {
	if s.err != nil {
		return s.err
	}
	var head [layout.StreamHeadSize]byte
	layout.EncodeRecordHead(&head, len(key), len(value), expires, exp)
	var sum [layout.StreamSumSize]byte
	putSum(&sum, layout.StreamChecksum(s.n, head[:], key, value))
	for _, p := range [][]byte{head[:], key, value, sum[:]} {
		if _, s.err = s.w.Write(p); s.err != nil {
			return s.err
		}
	}
	s.n++
	return nil
}

// End writes the end record and flushes the stream.
func (s *Writer) End() error {
	if s.err != nil {
		return s.err
	}
	var end [layout.StreamHeadSize]byte
	layout.EncodeStreamEnd(&end, s.n)
	if _, s.err = s.w.Write(end[:]); s.err == nil {
		s.err = s.w.Flush()
	}
	return s.err
}

// Written returns the bytes that reached the underlying writer.
func (s *Writer) Written() int64 { return s.cw.n }

// Records returns the records written.
func (s *Writer) Records() uint64 { return s.n }

func putSum(b *[layout.StreamSumSize]byte, sum uint32) {
	b[0], b[1], b[2], b[3] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
