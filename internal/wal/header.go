package wal

import (
	"bytes"
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
	"github.com/diskmap-go/diskmap/layout"
)

// Format constants of the log's file header. They are part of the file
// format and must not change without a new layout.Version.
const (
	FileHeaderSize = 40 // bytes before the first frame
	FileVersion    = 1  // version of the log's own header

	fMagic      = 0
	fVersion    = 8
	fGeneration = 16
	fSalt       = 24
	fChecksum   = 32
)

// Compile-time check that the header ends where frames start.
var _ [FileHeaderSize - fChecksum - 8]struct{}

// Magic starts the log file.
var Magic = [8]byte{'d', 'm', 'w', 'a', 'l', 0, 0, 0}

// fileHeader is the decoded form of the log's first 40 bytes.
//
//	offset size field
//	     0    8 magic "dmwal\x00\x00\x00"
//	     8    4 version (1)
//	    12    4 zero
//	    16    8 generation of the map's file set
//	    24    8 salt of this generation of the log
//	    32    8 checksum: XXH64 of bytes 0..31
type fileHeader struct {
	generation uint64
	salt       uint64
}

// encode writes h into b[:FileHeaderSize].
func (h fileHeader) encode(b []byte) {
	b = b[:FileHeaderSize:FileHeaderSize]
	clear(b)
	le := binary.LittleEndian
	copy(b[fMagic:], Magic[:])
	le.PutUint32(b[fVersion:], FileVersion)
	le.PutUint64(b[fGeneration:], h.generation)
	le.PutUint64(b[fSalt:], h.salt)
	le.PutUint64(b[fChecksum:], xxhash.Sum64(b[:fChecksum]))
}

// readFileHeader decodes the file header at the start of log b. Without a
// whole one (the magic, then a checksum that matches) it returns ok false:
// that log holds no frame past the map's checkpoint, since the header is
// written when a log generation starts, after a checkpoint, and is synced
// with the first frame after it; or the log is one of format version 1,
// left by the recovery that made the map version 2, which holds none
// either. A whole header of another version is refused. Offsets in its
// errors are relative to b.
func readFileHeader(b []byte) (h fileHeader, ok bool, err error) {
	if len(b) < FileHeaderSize || !bytes.Equal(b[fMagic:fMagic+8], Magic[:]) {
		return h, false, nil
	}
	le := binary.LittleEndian
	if le.Uint64(b[fChecksum:]) != xxhash.Sum64(b[:fChecksum]) {
		return h, false, nil
	}
	if v := le.Uint32(b[fVersion:]); v != FileVersion {
		return h, false, &layout.VersionError{Found: v, Reads: FileVersion}
	}
	return fileHeader{generation: le.Uint64(b[fGeneration:]), salt: le.Uint64(b[fSalt:])}, true, nil
}
