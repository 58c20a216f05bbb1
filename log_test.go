package diskmap_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/wal"
)

// After Close, WaitSynced answers a mutation that was never synced with
// diskmap.ErrClosed, the error every other method of a closed map returns.
func TestWaitSyncedAfterClose(t *testing.T) {
	t.Parallel()
	for _, d := range []diskmap.Durability{diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
		t.Run(d.String(), func(t *testing.T) {
			m := maptest.Open[string, string](t, t.TempDir(), &diskmap.Options{Durability: d})
			if err := m.Put("k", "v"); err != nil {
				t.Fatal(err)
			}
			last := m.LastSeq()
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if err := m.WaitSynced(last); err != nil {
				t.Errorf("WaitSynced(%d) after Close, for a synced mutation = %v, want nil", last, err)
			}
			if err := m.WaitSynced(last + 1); !errors.Is(err, diskmap.ErrClosed) {
				t.Errorf("WaitSynced(%d) after Close = %v, want diskmap.ErrClosed", last+1, err)
			}
		})
	}
}

// A directory without a map that holds a file named wal is not ours to
// write: creating a map there, in any mode, is refused with an error that
// names the file, and the file is left as it was. (A log is created only
// after the buckets file, so no creation cut short leaves one.)
func TestCreateRefusesForeignLog(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		path := filepath.Join(dir, "wal")
		foreign := []byte("someone else's write-ahead log\n")
		if err := os.WriteFile(path, foreign, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := diskmap.Open[string, string](dir, opts)
		if err == nil {
			// What the old code did: a batch writes the log over the file.
			// The test fails either way, so what they return does not matter.
			_ = m.Batch(func(b *diskmap.Batch[string, string]) error { return b.Put("k", "v") })
			_ = m.Close()
			t.Fatal("Open created a map beside a foreign wal")
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("Open = %v, want an error naming %s", err, path)
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, foreign) {
			t.Errorf("the foreign wal now holds %q", b)
		}
		if _, err := os.Stat(filepath.Join(dir, "buckets")); err == nil {
			t.Error("the refused Open created buckets")
		}
	})
}

// guessedFrames are the ways to build a log frame without knowing the
// salt of the log, which never leaves the map: as format version 1 did,
// unsalted, and with the log's own encoder and a guessed salt.
var guessedFrames = []struct {
	name  string
	frame func(seq uint64, payload []byte) []byte
}{
	{"unsalted as in format version 1", maptest.FrameV1},
	{"salted with a guess", func(seq uint64, payload []byte) []byte {
		b := make([]byte, wal.FrameSize(len(payload)))
		wal.PutFrame(b, 0, seq, payload)
		return b
	}},
}

// evilOps are what a frame hidden in a value asks for: an acknowledged key
// gone, and a key nobody wrote.
var evilOps = wal.AppendPut(wal.AppendDelete(nil, []byte("a3")), []byte("foreign"), []byte("x"))

// valueAt returns the offset in the log's payload of a put of a value of
// vlen bytes under key at which the value starts.
func valueAt(key string, vlen int) int64 {
	return int64(len(wal.AppendPut(nil, []byte(key), make([]byte, vlen))) - vlen)
}

// plantFrame returns a value of n bytes holding frame at offset at.
func plantFrame(n int, at int64, frame []byte) []byte {
	v := bytes.Repeat([]byte("z"), n)
	copy(v[at:], frame)
	return v
}

// putAcked puts a0..a9 into m and records them in want.
func putAcked(t *testing.T, m *diskmap.Map[string, []byte], want map[string][]byte) {
	t.Helper()
	for i := range 10 {
		k, v := fmt.Sprint("a", i), []byte(fmt.Sprint("acknowledged ", i))
		if err := m.Put(k, v); err != nil {
			t.Fatal(err)
		}
		want[k] = v
	}
}

// resignFrame salts the frame at offset at of the log in dir with the salt
// of the log's file header: what no writer of a value can do. It is the
// control that shows a test's frame sits where replay reads.
func resignFrame(t *testing.T, dir string, at int64, seq uint64, payload []byte) {
	t.Helper()
	path := filepath.Join(dir, "wal")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal.PutFrame(b[at:], binary.LittleEndian.Uint64(b[24:]), seq, payload)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// recoverCopies opens the crash copy in dir and checks that it holds
// exactly want; then opens the control copy, whose planted frame was
// salted as the log, and checks that replay did read it there.
func recoverCopies(t *testing.T, dir, control string, opts *diskmap.Options, want map[string][]byte) {
	t.Helper()
	m := maptest.Open[string, []byte](t, dir, opts)
	maptest.RequireBytes(t, m, want)
	c := maptest.Open[string, []byte](t, control, opts)
	if ok, _ := c.Contains("foreign"); !ok {
		t.Fatal("control: the frame salted as the log was not replayed; the test plants its frame in the wrong place")
	}
}

// After a checkpoint the log starts again over its old bytes. A value
// written before it may hold, at the offset where the frames written
// after it end, a well-formed frame numbered to come next; after a crash,
// replay must not take it for one: every acknowledged key is there with
// its value, and no key appears that nobody wrote.
func TestValueFramesAfterCheckpoint(t *testing.T) {
	t.Parallel()
	for _, d := range []diskmap.Durability{diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
		for _, g := range guessedFrames {
			t.Run(d.String()+"/"+g.name, func(t *testing.T) {
				dir := t.TempDir()
				opts := &diskmap.Options{Durability: d, WALCheckpointBytes: 1 << 30}
				m := maptest.Open[string, []byte](t, dir, opts)
				want := map[string][]byte{}
				putAcked(t, m, want)
				if err := m.Checkpoint(); err != nil {
					t.Fatal(err)
				}
				// The Put of big is the first frame of its generation of
				// the log; after the next checkpoint, the three small Puts
				// go over it, and replay reads on where they end.
				small := []byte("0123456789")
				end := wal.FileHeaderSize + 3*wal.FrameSize(len(wal.AppendPut(nil, []byte("s0"), small)))
				seq := m.LastSeq() + 1 + 3 + 1
				at := end - wal.FileHeaderSize - wal.FrameHeaderSize - valueAt("big", 2000)
				big := plantFrame(2000, at, g.frame(seq, evilOps))
				if err := m.Put("big", big); err != nil {
					t.Fatal(err)
				}
				want["big"] = big
				if err := m.Checkpoint(); err != nil {
					t.Fatal(err)
				}
				for i := range 3 {
					k := fmt.Sprint("s", i)
					if err := m.Put(k, small); err != nil {
						t.Fatal(err)
					}
					want[k] = small
				}
				if m.LastSeq()+1 != seq {
					t.Fatalf("the next frame is %d, the planted one %d", m.LastSeq()+1, seq)
				}
				crashed, control := filepath.Join(t.TempDir(), "crashed"), filepath.Join(t.TempDir(), "control")
				maptest.CrashCopy(t, dir, crashed)
				maptest.CrashCopy(t, dir, control)
				resignFrame(t, control, end, seq, evilOps)
				recoverCopies(t, crashed, control, opts, want)
			})
		}
	}
}

// DurabilityOS logs each batch, applies it and strikes it out, and the
// next batch's frame goes where the last one was: a short frame over a
// long one, whose payload follows it. A frame hidden there, in a value of
// the long batch, must not be replayed after a crash in the middle of the
// short one.
func TestValueFramesAfterDiscard(t *testing.T) {
	t.Parallel()
	for _, g := range guessedFrames {
		t.Run(g.name, func(t *testing.T) {
			dir := t.TempDir()
			m := maptest.Open[string, []byte](t, dir, nil)
			want := map[string][]byte{}
			putAcked(t, m, want)
			small := []byte("0123456789")
			end := wal.FileHeaderSize + wal.FrameSize(len(wal.AppendPut(nil, []byte("s0"), small)))
			seq := currentHeader(t, dir).Checkpoint + 2 // each batch is numbered checkpoint+1
			at := end - wal.FileHeaderSize - wal.FrameHeaderSize - valueAt("big", 2000)
			big := plantFrame(2000, at, g.frame(seq, evilOps))
			if err := m.Batch(func(b *diskmap.Batch[string, []byte]) error { return b.Put("big", big) }); err != nil {
				t.Fatal(err)
			}
			want["big"] = big
			crashed, control := filepath.Join(t.TempDir(), "crashed"), filepath.Join(t.TempDir(), "control")
			diskmap.SetFailpoint(m, func(name string) error {
				if name == "batch-op" { // the batch is logged and being applied
					maptest.CrashCopy(t, dir, crashed)
					maptest.CrashCopy(t, dir, control)
				}
				return nil
			})
			if err := m.Batch(func(b *diskmap.Batch[string, []byte]) error { return b.Put("s0", small) }); err != nil {
				t.Fatal(err)
			}
			want["s0"] = small
			resignFrame(t, control, end, seq, evilOps)
			recoverCopies(t, crashed, control, nil, want)
		})
	}
}
