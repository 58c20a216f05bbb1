package layout_test

import (
	"errors"
	"testing"

	"github.com/diskmap-go/diskmap/layout"
)

// TestStreamSizes: the stream's fixed parts have the sizes the spec gives.
func TestStreamSizes(t *testing.T) {
	if n := len(layout.StreamHeader{KeyCodec: "k", ValueCodec: "v"}.Encode()); n != 88 {
		t.Errorf("stream header: %d bytes, want 88", n)
	}
	if layout.StreamHeadSize != 20 || layout.StreamSumSize != 4 {
		t.Errorf("record head %d and checksum %d bytes, want 20 and 4", layout.StreamHeadSize, layout.StreamSumSize)
	}
}

// TestStreamHeaderRoundTrip: a header decodes to what was encoded, and a
// header of another stream version is refused with ErrVersion.
func TestStreamHeaderRoundTrip(t *testing.T) {
	h := layout.StreamHeader{KeyCodec: "string", ValueCodec: "msgpack:x.y"}
	got, err := layout.DecodeStreamHeader(h.Encode())
	if err != nil || got != h {
		t.Fatalf("DecodeStreamHeader = %+v, %v; want %+v", got, err, h)
	}
	b := h.Encode()
	b[8] = 2
	if _, err := layout.DecodeStreamHeader(b); !errors.Is(err, layout.ErrVersion) {
		t.Fatalf("version 2: %v, want ErrVersion", err)
	}
}

// TestStreamEndCount: the end record checks only at its own number, the
// count of records before it.
func TestStreamEndCount(t *testing.T) {
	var b [layout.StreamHeadSize]byte
	layout.EncodeStreamEnd(&b, 3)
	if h, err := layout.DecodeStreamHead(&b, 3); err != nil || h.Kind != layout.StreamKindEnd || h.Count != 3 {
		t.Fatalf("end after 3: %+v, %v", h, err)
	}
	if _, err := layout.DecodeStreamHead(&b, 2); !errors.Is(err, layout.ErrCorrupt) {
		t.Fatalf("end of 3 read after 2 records: %v, want ErrCorrupt", err)
	}
}
