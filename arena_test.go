package diskmap_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// An arena is allocated ahead of its records a bounded chunk at a time:
// no write (with the allocation ahead it starts) grows a file by more than
// AheadChunk, however large the file,
// past its first reservation of address space (64 MiB) too, where the
// writable mapping moves, and past 128 MiB, where the read-only one moves
// in its Space, the old one retired in the background; every value reads
// back after the moves.
func TestArenaGrowsAheadInChunks(t *testing.T) {
	if !diskmap.ArenasGrowAhead() {
		t.Skip("arenas grow a step at a time where mappings reserve no room to grow into")
	}
	t.Parallel()
	m := maptest.Open[int, []byte](t, t.TempDir(), nil)
	value := func(i int) []byte { return bytes.Repeat(fmt.Appendf(nil, "%08d", i), 8<<10) } // 64 KiB
	size := m.Stats().Values.Size
	n := 0
	for ; size < 140<<20; n++ {
		if err := m.Put(n, value(n)); err != nil {
			t.Fatal(err)
		}
		if err := diskmap.TakeAllocated(m); err != nil {
			t.Fatal(err)
		}
		st := m.Stats()
		if grew := st.Values.Size - size; grew > diskmap.AheadChunk {
			t.Fatalf("Put %d grew the values file from %d to %d bytes: more than a chunk (%d)", n, size, st.Values.Size, diskmap.AheadChunk)
		}
		const record = 8 + 64<<10
		if room := st.Values.Size - 32 - st.Values.Live; size > 16<<20 && room < record {
			t.Fatalf("after Put %d the values file of %d bytes has %d bytes past its records: the next Put waits for an allocation",
				n, st.Values.Size, room)
		}
		size = st.Values.Size
	}
	for i := range n {
		got, ok, err := m.Get(i)
		if err != nil || !ok || !bytes.Equal(got, value(i)) {
			t.Fatalf("Get(%d) after the file grew to %d bytes: %d bytes, %v, %v", i, size, len(got), ok, err)
		}
	}
}

// The background allocates an arena ahead of its records, not the writer:
// while an allocation ahead is held up (by a disk busy with other writes,
// here by a gate), writes go on into the room allocated before it, and the
// file grows once the allocation is let through.
func TestAllocationAheadIsNotTheWriters(t *testing.T) {
	if !diskmap.ArenasGrowAhead() {
		t.Skip("arenas grow a step at a time where mappings reserve no room to grow into")
	}
	t.Parallel()
	fs := &gateFS{FS: mmap.OS{}, gate: make(chan struct{})}
	defer fs.open()
	m := maptest.Open[int, []byte](t, t.TempDir(), diskmap.WithFiles(nil, fs))
	value := bytes.Repeat([]byte{'v'}, 1000)
	// Past 1 MiB an allocation ahead starts with half a step of room left,
	// 64 KiB or more: room for 16 more of these records and more. (A new
	// file starts with less.)
	var n int
	for ; m.Stats().Values.Size < 1<<20; n++ {
		if err := m.Put(n, value); err != nil {
			t.Fatal(err)
		}
	}
	if err := diskmap.TakeAllocated(m); err != nil { // one begun before is not held
		t.Fatal(err)
	}
	fs.armed.Store(true)
	// Once the room past the records falls below half a step (an eighth of
	// the file), an allocation ahead begins. Once it is held at the gate,
	// 16 more records fit in what is left: half a step past 1 MiB is 64
	// KiB or more. A writer that allocated ahead itself would wait at the
	// gate instead.
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for room := int64(1 << 62); room >= m.Stats().Values.Size/16; n++ {
			if err = m.Put(n, value); err != nil {
				return
			}
			st := m.Stats().Values
			room = st.Size - layout.ArenaHeaderSize - st.Live - st.Dead
		}
		for !fs.held.Load() {
			time.Sleep(time.Millisecond)
		}
		for range 16 {
			if err = m.Put(n, value); err != nil {
				return
			}
			n++
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		fs.open()
		<-done
		t.Fatalf("a minute on, the Puts were not done: Put %d waited for the allocation ahead of the values file (held at the gate: %v)", n, fs.held.Load())
	}
	if err != nil {
		t.Fatalf("Put %d: %v", n, err)
	}
	size := m.Stats().Values.Size
	fs.open()
	for grown := false; !grown; n++ {
		if n > 1<<20 {
			t.Fatalf("the values file stays at %d bytes after its allocation ahead was let through", size)
		}
		if err := m.Put(n, value); err != nil {
			t.Fatal(err)
		}
		grown = m.Stats().Values.Size > size
	}
	for i := range n {
		if got, ok, err := m.Get(i); err != nil || !ok || !bytes.Equal(got, value) {
			t.Fatalf("Get(%d): %d bytes, %v, %v", i, len(got), ok, err)
		}
	}
}

// gateFS holds every growth of a values file ahead (Extend), once armed,
// until the gate opens.
type gateFS struct {
	mmap.FS
	armed, held atomic.Bool
	gate        chan struct{}
	once        sync.Once
}

func (f *gateFS) Extend(file *os.File, size int64) error {
	if f.armed.Load() && filepath.Base(file.Name()) == "values" {
		f.held.Store(true)
		<-f.gate
	}
	return f.FS.Extend(file, size)
}

// open opens the gate.
func (f *gateFS) open() { f.once.Do(func() { close(f.gate) }) }
