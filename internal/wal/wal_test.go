package wal_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap/internal/wal"
)

func writeLog(t *testing.T, frames int) (path string, sizes []int64) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "wal")
	l, err := wal.Open(path, 10)
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
		sizes = append(sizes, l.Size())
	}
	if err := l.WaitSynced(l.Last()); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(false); err != nil {
		t.Fatal(err)
	}
	return path, sizes
}

func replayAll(t *testing.T, path string, checkpoint uint64) []uint64 {
	t.Helper()
	var seqs []uint64
	last, err := wal.Replay(path, checkpoint, func(seq uint64, p []byte) error {
		seqs = append(seqs, seq)
		return wal.Ops(p, func(op byte, k, v []byte) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) > 0 && last != seqs[len(seqs)-1] || len(seqs) == 0 && last != checkpoint {
		t.Fatalf("Replay returned last %d after %v", last, seqs)
	}
	return seqs
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
	wal.Replay(path, 14, func(_ uint64, p []byte) error {
		return wal.Ops(p, func(op byte, k, v []byte) error {
			ops = append(ops, fmt.Sprintf("%d:%s:%d", op, k, len(v)))
			return nil
		})
	})
	if fmt.Sprint(ops) != "[1:k4:40 2:gone:0]" {
		t.Fatalf("ops %v", ops)
	}
}

// A torn or garbled tail is cut off, never refused: replay stops at the
// last whole frame.
func TestTornTails(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(b []byte, sizes []int64) []byte
		want   string
	}{
		{"whole", func(b []byte, _ []int64) []byte { return b }, "[11 12 13 14]"},
		{"cut in the last header", func(b []byte, s []int64) []byte { return b[:s[2]+10] }, "[11 12 13]"},
		{"cut in the last payload", func(b []byte, s []int64) []byte { return b[:s[3]-10] }, "[11 12 13]"},
		{"cut at a frame boundary", func(b []byte, s []int64) []byte { return b[:s[1]] }, "[11 12]"},
		{"empty", func(b []byte, _ []int64) []byte { return nil }, "[]"},
		{"payload bit flipped", func(b []byte, s []int64) []byte { b[s[1]+30] ^= 1; return b }, "[11 12]"},
		{"length grown", func(b []byte, s []int64) []byte {
			binary.LittleEndian.PutUint32(b[s[1]:], 1<<20)
			return b
		}, "[11 12]"},
		{"zeroed page", func(b []byte, s []int64) []byte { clear(b[s[0]:s[1]]); return b }, "[11]"},
		{"stale frame after", func(b []byte, s []int64) []byte {
			// a frame left from before, with a lower sequence number
			binary.LittleEndian.PutUint64(b[s[2]+8:], 3)
			return b
		}, "[11 12 13]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, sizes := writeLog(t, 4)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, c.damage(b, sizes), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(replayAll(t, path, 10)); got != c.want {
				t.Fatalf("replayed %s, want %s", got, c.want)
			}
		})
	}
}

// After Reset the log starts again at offset 0; the frames left behind it
// are older and end the replay.
func TestResetOverwrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal")
	l, err := wal.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		l.Append(wal.AppendDelete(nil, make([]byte, 100)))
	}
	l.Reset()
	l.Append(wal.AppendDelete(nil, []byte("x")))
	l.WaitSynced(l.Last())
	l.Close(false)
	if got := fmt.Sprint(replayAll(t, path, 5)); got != "[6]" {
		t.Fatalf("replayed %s, want [6]", got)
	}
}

// Discard strikes the only frame since the last Reset.
func TestDiscard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal")
	l, _ := wal.Open(path, 7)
	l.Append(wal.AppendDelete(nil, []byte("x")))
	l.Discard()
	if l.Last() != 7 || l.Size() != 0 {
		t.Fatalf("after Discard: last %d size %d", l.Last(), l.Size())
	}
	l.Close(false)
	if got := fmt.Sprint(replayAll(t, path, 7)); got != "[]" {
		t.Fatalf("replayed %s", got)
	}
}

func TestMalformedOps(t *testing.T) {
	for _, p := range [][]byte{{0x03}, {wal.OpPut, 5, 'a'}, {wal.OpPut, 1, 'a', 9}, {wal.OpDelete}} {
		if err := wal.Ops(p, func(byte, []byte, []byte) error { return nil }); err != wal.ErrMalformed {
			t.Errorf("Ops(%x) = %v", p, err)
		}
	}
}

// Writers waiting at once all return, each with its frame synced.
func TestWaitSyncedFromManyGoroutines(t *testing.T) {
	l, err := wal.Open(filepath.Join(t.TempDir(), "wal"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(true)
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
