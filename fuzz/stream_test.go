package fuzz

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/diskmap-go/diskmap/internal/stream"
	"github.com/diskmap-go/diskmap/layout"
)

// streamSeed returns a valid stream of a few records, one of them expiring.
func streamSeed() []byte {
	var buf bytes.Buffer
	w := stream.NewWriter(&buf, layout.StreamHeader{KeyCodec: "string", ValueCodec: "bytes"})
	_ = w.Record([]byte("a"), []byte("one"), false, 0)
	_ = w.Record([]byte("bb"), nil, true, 1<<62)
	_ = w.Record(nil, bytes.Repeat([]byte{7}, 40), false, 0)
	_ = w.End()
	return buf.Bytes()
}

// FuzzStreamDecode reads the input as an export stream. The reader must
// return records and then io.EOF, or an error matching layout.ErrCorrupt
// or layout.ErrVersion, never panic or hang; the records it returned,
// written again, must give back the input up to where it stopped, and a
// stream it read to the end must be the input exactly, with nothing left.
func FuzzStreamDecode(f *testing.F) {
	seed := streamSeed()
	f.Add(seed)
	f.Add(seed[:len(seed)-1])
	f.Add(seed[:layout.StreamHeaderSize])
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := stream.NewReader(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, layout.ErrCorrupt) && !errors.Is(err, layout.ErrVersion) {
				t.Fatalf("header: %v, want ErrCorrupt or ErrVersion", err)
			}
			return
		}
		var again bytes.Buffer
		w := stream.NewWriter(&again, r.Header)
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, layout.ErrCorrupt) {
					t.Fatalf("record %d: %v, want ErrCorrupt", r.Count(), err)
				}
				_ = w.End() // flushes the records read; the end record lies past what is compared
				if !bytes.Equal(again.Bytes()[:r.Offset()], data[:r.Offset()]) {
					t.Fatalf("the records read do not write the stream's first %d bytes again", r.Offset())
				}
				return
			}
			if err := w.Record(rec.Key, rec.Value, rec.Expires, rec.Expiry); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.End(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), data[:r.Offset()]) || r.Offset() != int64(again.Len()) {
			t.Fatalf("a stream read to its end is not written again as it was")
		}
	})
}
