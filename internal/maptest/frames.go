package maptest

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
	"github.com/diskmap-go/diskmap/internal/wal"
)

// FrameV1 returns a log frame numbered seq holding payload as format
// version 1 wrote it: its checksum covers the frame alone, without the
// salt of a log. A writer of values can build one, so a log of version 2
// must never replay it.
func FrameV1(seq uint64, payload []byte) []byte {
	b := make([]byte, wal.FrameSize(len(payload)))
	binary.LittleEndian.PutUint32(b, uint32(len(payload)))
	binary.LittleEndian.PutUint64(b[8:], seq)
	copy(b[wal.FrameHeaderSize:], payload)
	var d xxhash.Digest
	d.Reset()
	_, _ = d.Write(b[:16]) // a hash never fails
	_, _ = d.Write(payload)
	binary.LittleEndian.PutUint64(b[16:], d.Sum64())
	return b
}
