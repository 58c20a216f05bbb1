package diskmap_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// An arena is allocated ahead of its records a bounded chunk at a time:
// no write grows a file by more than AheadChunk, however large the file,
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
