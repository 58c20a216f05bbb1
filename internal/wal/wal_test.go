package wal_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// gen is the generation of the file set of the maps these logs belong to.
const gen = 0x5eed

// writeLog writes frames numbered 11 on to a new log and returns its path
// and the offset at which each frame ends.
func writeLog(t *testing.T, frames int) (path string, ends []int64) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "wal")
	l, err := wal.Open(mmap.OS{}, path, 0o644, gen, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range frames {
		p := wal.AppendPut(nil, []byte(fmt.Sprint("k", i)), make([]byte, 10*i))
		p = wal.AppendDelete(p, []byte("gone"))
		seq, err := l.Append(p)
		if err != nil || seq != uint64(11+i) {
			t.Fatalf("Append: seq %d, %v", seq, err)
		}
		ends = append(ends, wal.FileHeaderSize+l.Size())
	}
	if err := l.WaitSynced(l.Last()); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(false); err != nil {
		t.Fatal(err)
	}
	return path, ends
}

// appendSynced appends a frame with payload p to l and waits until it is
// synced.
func appendSynced(t *testing.T, l *wal.Log, p []byte) {
	t.Helper()
	seq, err := l.Append(p)
	if err == nil {
		err = l.WaitSynced(seq)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// closeLog closes l without cutting it.
func closeLog(t *testing.T, l *wal.Log) {
	t.Helper()
	if err := l.Close(false); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func replayAll(t *testing.T, path string, checkpoint uint64) []uint64 {
	t.Helper()
	seqs, err := replay(path, layout.Version, gen, checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

func replay(path string, version uint32, generation, checkpoint uint64) ([]uint64, error) {
	var seqs []uint64
	tail, err := wal.Replay(mmap.OS{}, path, version, generation, checkpoint, func(seq uint64, p []byte) error {
		seqs = append(seqs, seq)
		return wal.Ops(p, func(wal.Op) error { return nil })
	})
	if err == nil && (len(seqs) > 0 && tail.Last != seqs[len(seqs)-1] || len(seqs) == 0 && tail.Last != checkpoint) {
		err = fmt.Errorf("Replay returned last %d after %v", tail.Last, seqs)
	}
	return seqs, err
}

// salt returns the salt in the file header of the log at path.
func salt(t *testing.T, path string) uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return binary.LittleEndian.Uint64(b[24:])
}

func TestFramesRoundTrip(t *testing.T) {
	path, _ := writeLog(t, 5)
	seqs := replayAll(t, path, 10)
	if fmt.Sprint(seqs) != "[11 12 13 14 15]" {
		t.Fatalf("replayed %v", seqs)
	}
	if seqs := replayAll(t, path, 13); fmt.Sprint(seqs) != "[14 15]" {
		t.Fatalf("after checkpoint 13: %v", seqs)
	}
	var ops []string
	_, err := wal.Replay(mmap.OS{}, path, layout.Version, gen, 14, func(_ uint64, p []byte) error {
		return wal.Ops(p, func(op wal.Op) error {
			ops = append(ops, fmt.Sprintf("%d:%s:%d", op.Kind, op.Key, len(op.Value)))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ops) != "[1:k4:40 2:gone:0]" {
		t.Fatalf("ops %v", ops)
	}
}

// The file starts with its header: magic, version, the map's generation,
// a salt, and a checksum of the four.
func TestFileHeader(t *testing.T) {
	path, _ := writeLog(t, 1)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	switch {
	case string(b[:8]) != "dmwal\x00\x00\x00":
		t.Errorf("magic %q", b[:8])
	case le.Uint32(b[8:]) != wal.FileVersion || le.Uint32(b[12:]) != 0:
		t.Errorf("version field %x", b[8:16])
	case le.Uint64(b[16:]) != gen:
		t.Errorf("generation %#x, want %#x", le.Uint64(b[16:]), gen)
	case le.Uint64(b[32:]) != xxhash.Sum64(b[:32]):
		t.Errorf("header checksum %#x", le.Uint64(b[32:]))
	case le.Uint64(b[wal.FileHeaderSize+8:]) != 11:
		t.Errorf("the first frame, at offset %d, is numbered %d", wal.FileHeaderSize, le.Uint64(b[wal.FileHeaderSize+8:]))
	}
}

// A torn or garbled tail is cut off, never refused: replay stops at the
// last whole frame.
func TestTornTails(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(b []byte, ends []int64) []byte
		want   string
	}{
		{"whole", func(b []byte, _ []int64) []byte { return b }, "[11 12 13 14]"},
		{"cut in the last header", func(b []byte, e []int64) []byte { return b[:e[2]+10] }, "[11 12 13]"},
		{"cut in the last payload", func(b []byte, e []int64) []byte { return b[:e[3]-10] }, "[11 12 13]"},
		{"cut at a frame boundary", func(b []byte, e []int64) []byte { return b[:e[1]] }, "[11 12]"},
		{"cut after the file header", func(b []byte, _ []int64) []byte { return b[:wal.FileHeaderSize] }, "[]"},
		{"empty", func(b []byte, _ []int64) []byte { return nil }, "[]"},
		{"payload bit flipped", func(b []byte, e []int64) []byte { b[e[1]+30] ^= 1; return b }, "[11 12]"},
		{"length grown", func(b []byte, e []int64) []byte {
			binary.LittleEndian.PutUint32(b[e[1]:], 1<<20)
			return b
		}, "[11 12]"},
		{"zeroed page", func(b []byte, e []int64) []byte { clear(b[e[0]:e[1]]); return b }, "[11]"},
		{"first frame zeroed", func(b []byte, e []int64) []byte {
			clear(b[wal.FileHeaderSize:e[0]])
			return b
		}, "[]"},
		{"stale frame after", func(b []byte, e []int64) []byte {
			// a frame left from before, with a lower sequence number
			binary.LittleEndian.PutUint64(b[e[2]+8:], 3)
			return b
		}, "[11 12 13]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, ends := writeLog(t, 4)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, c.damage(b, ends), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(replayAll(t, path, 10)); got != c.want {
				t.Fatalf("replayed %s, want %s", got, c.want)
			}
		})
	}
}

// A file header that is not whole was being written when the power
// failed, as a log generation started: no frame after it was synced, and
// those before it are at or below the checkpoint. Nothing is replayed. A
// whole header of an unknown version is refused.
func TestFileHeaderNotWhole(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"checksum", func(b []byte) []byte { b[33] ^= 1; return b }},
		{"salt", func(b []byte) []byte { b[25] ^= 1; return b }},
		{"magic", func(b []byte) []byte { b[2] ^= 1; return b }},
		{"cut", func(b []byte) []byte { return b[:20] }},
		{"zeroed", func(b []byte) []byte { clear(b[:wal.FileHeaderSize]); return b }},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, _ := writeLog(t, 2)
			b := readFile(t, path)
			writeFile(t, path, c.damage(b))
			if seqs, err := replay(path, layout.Version, gen, 10); err != nil || len(seqs) != 0 {
				t.Fatalf("replayed %v, %v; want nothing", seqs, err)
			}
		})
	}
	path, _ := writeLog(t, 2)
	b := readFile(t, path)
	binary.LittleEndian.PutUint32(b[8:], wal.FileVersion+1)
	binary.LittleEndian.PutUint64(b[32:], xxhash.Sum64(b[:32]))
	writeFile(t, path, b)
	if _, err := replay(path, layout.Version, gen, 10); !errors.Is(err, layout.ErrVersion) {
		t.Fatalf("Replay of a log header of the next version = %v, want ErrVersion", err)
	}
}

// A log whose header names another generation of the file set was left
// from before a compaction, which checkpointed all of it: none of it is
// replayed.
func TestOtherGeneration(t *testing.T) {
	path, _ := writeLog(t, 3)
	seqs, err := replay(path, layout.Version, gen+1, 10)
	if err != nil || len(seqs) != 0 {
		t.Fatalf("replayed %v, %v; want nothing", seqs, err)
	}
}

// After Reset the log starts again after a new file header, with a new
// salt: a frame of the generation before, even one numbered to come next
// and whole under its own salt, ends the replay.
func TestResetStartsNewGeneration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal")
	l, err := wal.Open(mmap.OS{}, path, 0o644, gen, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := wal.AppendDelete(nil, make([]byte, 100))
	for range 5 {
		appendSynced(t, l, p)
	}
	old := salt(t, path)
	l.Reset(gen)
	appendSynced(t, l, p)
	closeLog(t, l)
	if salt(t, path) == old {
		t.Fatal("Reset kept the salt")
	}
	// The old frame 2 follows frame 6; number it 7, as whole as it was.
	second := wal.FileHeaderSize + wal.FrameSize(len(p))
	resign := func(s uint64) {
		b := readFile(t, path)
		wal.PutFrame(b[second:], s, 7, p)
		writeFile(t, path, b)
	}
	resign(old)
	if got := fmt.Sprint(replayAll(t, path, 5)); got != "[6]" {
		t.Fatalf("replayed %s, want [6]", got)
	}
	resign(salt(t, path)) // the control: salted as the new generation, it is read
	if got := fmt.Sprint(replayAll(t, path, 5)); got != "[6 7]" {
		t.Fatalf("replayed %s with frame 7 salted as the new generation, want [6 7]", got)
	}
}

// A payload may hold any bytes, well-formed frames among them: where
// replay ends up reading them, after a Reset or a Discard, they are not
// frames of the log's generation.
func TestFramesInPayloadsAreNotReplayed(t *testing.T) {
	evil := wal.AppendDelete(nil, []byte("victim"))
	for _, c := range []struct {
		name  string
		frame func(seq uint64) []byte
	}{
		{"unsalted, as format version 1", func(seq uint64) []byte { return maptest.FrameV1(seq, evil) }},
		{"salted with zero", func(seq uint64) []byte {
			b := make([]byte, wal.FrameSize(len(evil)))
			wal.PutFrame(b, 0, seq, evil)
			return b
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "wal")
			l, err := wal.Open(mmap.OS{}, path, 0o644, gen, 0)
			if err != nil {
				t.Fatal(err)
			}
			// A long frame, then Discard, then a short one in its place:
			// the long one's payload follows the short one.
			short := wal.AppendDelete(nil, []byte("k"))
			end := wal.FileHeaderSize + wal.FrameSize(len(short))
			value := make([]byte, 200)
			prefix := len(wal.AppendPut(nil, []byte("v"), value)) - len(value)
			copy(value[end-wal.FileHeaderSize-wal.FrameHeaderSize-int64(prefix):], c.frame(2))
			appendSynced(t, l, wal.AppendPut(nil, []byte("v"), value))
			l.Discard()
			appendSynced(t, l, short)
			closeLog(t, l)
			if got := fmt.Sprint(replayAll(t, path, 0)); got != "[1]" {
				t.Fatalf("replayed %s, want [1]", got)
			}
			// The control: the same frame with the log's own salt, which
			// no writer of a value can know, is read where it lies.
			b := readFile(t, path)
			wal.PutFrame(b[end:], salt(t, path), 2, evil)
			writeFile(t, path, b)
			if got := fmt.Sprint(replayAll(t, path, 0)); got != "[1 2]" {
				t.Fatalf("replayed %s with the frame salted as the log, want [1 2]", got)
			}
		})
	}
}

// A log of format version 1 has no file header and unsalted frames from
// offset 0; beside a map of version 1 it is replayed by the rule of that
// version. Beside a map of version 2 it was left by the recovery that
// made the map version 2, and holds nothing past the checkpoint.
func TestFormatVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal")
	var b []byte
	for seq := uint64(3); seq <= 6; seq++ {
		b = append(b, maptest.FrameV1(seq, wal.AppendDelete(nil, []byte(fmt.Sprint("k", seq))))...)
	}
	b = append(b, maptest.FrameV1(2, wal.AppendDelete(nil, []byte("old")))...) // left from before
	writeFile(t, path, b)
	if seqs, err := replay(path, 1, gen, 4); err != nil || fmt.Sprint(seqs) != "[5 6]" {
		t.Fatalf("replayed %v, %v; want [5 6]", seqs, err)
	}
	tail, err := wal.Replay(mmap.OS{}, path, 1, gen, 4, func(uint64, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wal.Resume(mmap.OS{}, path, 0o644, tail); err == nil {
		t.Fatal("Resume continued a log of format version 1")
	}
	if seqs, err := replay(path, 2, gen, 4); err != nil || len(seqs) != 0 {
		t.Fatalf("beside a map of version 2: replayed %v, %v; want nothing", seqs, err)
	}
}

// Resume appends after the frames replay found, in their generation: one
// replay later finds them all.
func TestResume(t *testing.T) {
	path, _ := writeLog(t, 3)
	tail, err := wal.Replay(mmap.OS{}, path, layout.Version, gen, 10, func(uint64, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	l, err := wal.Resume(mmap.OS{}, path, 0o644, tail)
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := l.Append(wal.AppendDelete(nil, []byte("more"))); seq != 14 || err != nil {
		t.Fatalf("Append after Resume: %d, %v", seq, err)
	}
	closeLog(t, l)
	if got := fmt.Sprint(replayAll(t, path, 10)); got != "[11 12 13 14]" {
		t.Fatalf("replayed %s", got)
	}
}

// Discard strikes the only frame since the last Reset.
func TestDiscard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal")
	l, err := wal.Open(mmap.OS{}, path, 0o644, gen, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(wal.AppendDelete(nil, []byte("x"))); err != nil {
		t.Fatal(err)
	}
	l.Discard()
	if l.Last() != 7 || l.Size() != 0 {
		t.Fatalf("after Discard: last %d size %d", l.Last(), l.Size())
	}
	closeLog(t, l)
	if got := fmt.Sprint(replayAll(t, path, 7)); got != "[]" {
		t.Fatalf("replayed %s", got)
	}
}

// Open writes nothing: the file header comes with the first frame.
func TestOpenWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal")
	l, err := wal.Open(mmap.OS{}, path, 0o644, gen, 0)
	if err != nil {
		t.Fatal(err)
	}
	closeLog(t, l)
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Fatalf("after Open and Close: %v, %v", fi, err)
	}
}

func TestMalformedOps(t *testing.T) {
	for _, p := range [][]byte{
		{0x03}, {wal.OpPut, 5, 'a'}, {wal.OpPut, 1, 'a', 9}, {wal.OpDelete}, {0x04, 1, 'a'},
		{wal.OpPutExpiring, 1, 'a', 1, 2, 3, 4, 5, 6, 7},    // an expiry of 7 bytes
		{wal.OpPutExpiring, 1, 'a', 1, 2, 3, 4, 5, 6, 7, 8}, // no value length
		{wal.OpPutExpiring, 1, 'a', 1, 2, 3, 4, 5, 6, 7, 8, 2, 'v'},
	} {
		if err := wal.Ops(p, func(wal.Op) error { return nil }); err != wal.ErrMalformed {
			t.Errorf("Ops(%x) = %v", p, err)
		}
	}
}

// A put with an expiry carries the expiry, a signed number of Unix
// nanoseconds, between the key and the value.
func TestPutExpiringOp(t *testing.T) {
	p := wal.AppendPutExpiring(nil, []byte("key"), -5, []byte("value"))
	p = wal.AppendPutExpiring(p, []byte(""), 1<<62, nil)
	p = wal.AppendPut(p, []byte("plain"), []byte("v"))
	want := []byte{wal.OpPutExpiring, 3, 'k', 'e', 'y', 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 5, 'v', 'a', 'l', 'u', 'e'}
	if !bytes.Equal(p[:len(want)], want) {
		t.Fatalf("encoded as %x, want %x", p[:len(want)], want)
	}
	var got []string
	err := wal.Ops(p, func(op wal.Op) error {
		got = append(got, fmt.Sprintf("%d:%s:%d:%s", op.Kind, op.Key, op.Expiry, op.Value))
		return nil
	})
	if err != nil || fmt.Sprint(got) != "[3:key:-5:value 3::4611686018427387904: 1:plain:0:v]" {
		t.Fatalf("Ops = %v, %v", got, err)
	}
}

// A log of format version 1 has no put with an expiry: a frame holding one
// is not whole, and ends the log.
func TestFormatVersion1HasNoExpiry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal")
	b := maptest.FrameV1(5, wal.AppendDelete(nil, []byte("k5")))
	b = append(b, maptest.FrameV1(6, wal.AppendPutExpiring(nil, []byte("k6"), 1, []byte("v")))...)
	b = append(b, maptest.FrameV1(7, wal.AppendDelete(nil, []byte("k7")))...)
	writeFile(t, path, b)
	if seqs, err := replay(path, 1, gen, 4); err != nil || fmt.Sprint(seqs) != "[5]" {
		t.Fatalf("replayed %v, %v; want [5]", seqs, err)
	}
}

// Writers waiting at once all return, each with its frame synced.
func TestWaitSyncedFromManyGoroutines(t *testing.T) {
	l, err := wal.Open(mmap.OS{}, filepath.Join(t.TempDir(), "wal"), 0o644, gen, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := l.Close(true); err != nil {
			t.Error(err)
		}
	}()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				mu.Lock()
				seq, err := l.Append(wal.AppendDelete(nil, []byte("k")))
				mu.Unlock()
				if err == nil {
					err = l.WaitSynced(seq)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if l.Last() != 160 {
		t.Fatalf("last %d", l.Last())
	}
}
