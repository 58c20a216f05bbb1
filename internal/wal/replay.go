package wal

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
)

// Tail is where Replay found a log to end.
type Tail struct {
	Last uint64 // sequence number of the last frame applied; the checkpoint if none was
	End  int64  // offset just past the last frame of the run replay read

	// header is the log's file header, valid and of the map's generation:
	// frames may be appended at End, salted as those before. A log of
	// format version 1, or one left from an earlier file set, has none.
	header *fileHeader
}

// Replay reads the log file at path, opened through files, beside a map of
// format version version whose file set has the given generation and whose
// header records checkpoint, and calls fn, in order, for each frame
// numbered after checkpoint, as package layout specifies under "Write-ahead
// log". It stops at fn's first error.
//
// The log of a map of format version 1 has no file header: it is read
// unsalted from offset 0. Any later version's log is read from offset
// FileHeaderSize with the salt of its file header; without a whole header
// of the map's generation it holds nothing past the checkpoint.
func Replay(files mmap.FS, path string, version uint32, generation, checkpoint uint64, fn func(seq uint64, payload []byte) error) (Tail, error) {
	t := Tail{Last: checkpoint}
	b, err := mmap.ReadFile(files, path)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("diskmap: reading %s: %w", path, err)
	}
	if version == 1 {
		return replayFrames(b, 0, unsalted, t, fn)
	}
	h, ok, err := readFileHeader(b)
	if err != nil {
		return t, format.At(err, path, 0)
	}
	if !ok || h.generation != generation {
		return t, nil
	}
	t.header = &h
	return replayFrames(b, FileHeaderSize, saltOf(h.salt), t, fn)
}

// replayFrames reads the run of frames from offset start of log: each
// whole, and numbered one more than the one before. Frames at or below the
// checkpoint (t.Last) are skipped; the first one after it must be numbered
// checkpoint+1, and is applied with the rest of the run.
func replayFrames(log []byte, start int64, s salt, t Tail, fn func(seq uint64, payload []byte) error) (Tail, error) {
	checkpoint := t.Last
	var prev uint64
	for off := start; ; {
		seq, payload, ok := frameAt(log, off, s)
		if !ok || (off > start && seq != prev+1) || (seq > checkpoint && seq != t.Last+1) {
			t.End = off
			return t, nil
		}
		if seq > checkpoint {
			if err := fn(seq, payload); err != nil {
				return t, err
			}
			t.Last = seq
		}
		prev = seq
		off += FrameSize(len(payload))
	}
}
