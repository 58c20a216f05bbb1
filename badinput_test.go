package diskmap_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

// The tests in this file damage the files of a map on purpose, the way a
// bad disk, a stray copy or another program could, and check that Open and
// every method answer with an error instead of a panic or a fault, and that
// a failed Open leaves the directory as it found it.

// namesFile reports whether an error message names the file base of dir.
func namesFile(msg, dir, base string) bool {
	return strings.Contains(msg, filepath.Join(dir, base)) || strings.Contains(msg, " "+base+":")
}

// currentHeader returns the header a reader of dir's buckets file would use.
func currentHeader(t testing.TB, dir string) layout.Header {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "buckets"))
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := layout.ReadMeta(b)
	if err != nil {
		t.Fatalf("reading header: %v", err)
	}
	return h
}

func truncateFile(t testing.TB, dir, name string, size int64) {
	t.Helper()
	if err := os.Truncate(filepath.Join(dir, name), size); err != nil {
		t.Fatal(err)
	}
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Offsets of header fields, from the spec in package layout.
const (
	headerVersionOff  = 8   // header and arena header: format version
	headerChecksumOff = 248 // header: XXH64 of bytes 0..247
	arenaChecksumOff  = 24  // arena header: XXH64 of bytes 0..23
)

// setHeaderVersion writes version v into the header copy at b and fixes its
// checksum, as a writer of format version v would have.
func setHeaderVersion(b []byte, v uint32) {
	binary.LittleEndian.PutUint32(b[headerVersionOff:], v)
	binary.LittleEndian.PutUint64(b[headerChecksumOff:], xxhash.Sum64(b[:headerChecksumOff]))
}

// setArenaVersion does the same for an arena header.
func setArenaVersion(b []byte, v uint32) {
	binary.LittleEndian.PutUint32(b[headerVersionOff:], v)
	binary.LittleEndian.PutUint64(b[arenaChecksumOff:], xxhash.Sum64(b[:arenaChecksumOff]))
}

// bothHeaders rewrites both header copies of the buckets file in dir with
// edit, applied to the decoded current header and encoded with
// layout.Header.Encode (which checks nothing).
func bothHeaders(t testing.TB, dir string, edit func(h *layout.Header)) {
	t.Helper()
	h := currentHeader(t, dir)
	edit(&h)
	maptest.EditFile(t, dir, "buckets", func(b []byte) []byte {
		h.Encode(b[0:])
		h.Encode(b[layout.HeaderCopyOffset:])
		return b
	})
}

// badOpenCase is a damage done to a sample map directory and what Open must
// answer.
type badOpenCase struct {
	name   string
	damage func(t *testing.T, dir, foreign string) // foreign: another map
	want   error                                   // ErrCorrupt or ErrVersion
	file   string                                  // the file the error must name
	// missing is set where a file is gone: a read-only Open, which creates
	// nothing, may report that as fs.ErrNotExist instead of want.
	missing bool
}

var badOpenCases = []badOpenCase{
	{name: "buckets random bytes", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "buckets", func(b []byte) []byte { return randomBytes(len(b), 1) })
		}},
	{name: "buckets short random bytes", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "buckets", func([]byte) []byte { return randomBytes(100, 2) })
		}},
	{name: "buckets empty", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) { truncateFile(t, dir, "buckets", 0) }},
	{name: "buckets cut inside the headers", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) { truncateFile(t, dir, "buckets", layout.HeaderCopyOffset+10) }},
	{name: "buckets slots cut", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			h := currentHeader(t, dir)
			truncateFile(t, dir, "buckets", layout.MetaSize+int64(h.Slots())*layout.SlotSize/2)
		}},
	{name: "buckets one slot short", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			h := currentHeader(t, dir)
			truncateFile(t, dir, "buckets", h.TableSize()-layout.SlotSize)
		}},
	{name: "buckets with slots appended", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "buckets", func(b []byte) []byte { return append(b, make([]byte, 64)...) })
		}},
	{name: "headers of the next version", want: diskmap.ErrVersion, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "buckets", func(b []byte) []byte {
				setHeaderVersion(b[0:], layout.Version+1)
				setHeaderVersion(b[layout.HeaderCopyOffset:], layout.Version+1)
				return b
			})
		}},
	{name: "headers of version 0", want: diskmap.ErrVersion, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "buckets", func(b []byte) []byte {
				setHeaderVersion(b[0:], 0)
				setHeaderVersion(b[layout.HeaderCopyOffset:], 0)
				return b
			})
		}},
	{name: "both header copies garbage", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "buckets", func(b []byte) []byte {
				copy(b[0:layout.HeaderSize], randomBytes(layout.HeaderSize, 3))
				copy(b[layout.HeaderCopyOffset:], randomBytes(layout.HeaderSize, 4))
				return b
			})
		}},
	{name: "both header checksums wrong", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "buckets", func(b []byte) []byte {
				b[headerChecksumOff] ^= 1
				b[layout.HeaderCopyOffset+headerChecksumOff] ^= 1
				return b
			})
		}},
	{name: "both headers zero", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "buckets", func(b []byte) []byte { clear(b[:layout.MetaSize]); return b })
		}},
	{name: "header table too small", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.Log2 = layout.MinLog2 - 1 })
		}},
	{name: "header table too large", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.Log2 = layout.MaxLog2 + 1 })
		}},
	{name: "header table size not the file's", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) { bothHeaders(t, dir, func(h *layout.Header) { h.Log2++ }) }},
	{name: "header unknown flag", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) { bothHeaders(t, dir, func(h *layout.Header) { h.Flags |= 1 << 7 }) }},
	{name: "header keys end unaligned", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) { bothHeaders(t, dir, func(h *layout.Header) { h.KeysEnd++ }) }},
	{name: "header values end inside the arena header", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) { bothHeaders(t, dir, func(h *layout.Header) { h.ValuesEnd = 8 }) }},
	{name: "header count above the slots", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.Count = h.Slots() + 1 })
		}},
	{name: "header count 2^64-1 and one tombstone", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.Count, h.Tombstones = math.MaxUint64, 1 })
		}},
	{name: "header tombstones 2^64-1", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.Tombstones = math.MaxUint64 })
		}},
	{name: "header live key bytes past the keys end", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.KeysLive = h.KeysEnd })
		}},
	{name: "header live value bytes 2^64-8", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.ValuesLive = math.MaxUint64 - 7 })
		}},
	{name: "header sequence number 2^64-1", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.Seq = math.MaxUint64 })
		}},
	{name: "header checkpoint 2^64-1", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.Checkpoint = math.MaxUint64 })
		}},
	{name: "header without a key codec", want: diskmap.ErrCorrupt, file: "buckets",
		damage: func(t *testing.T, dir, _ string) { bothHeaders(t, dir, func(h *layout.Header) { h.KeyCodec = "" }) }},
	{name: "header keys end past the keys file", want: diskmap.ErrCorrupt, file: "keys",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.KeysEnd += 1 << 20 })
		}},
	{name: "header values end past the values file", want: diskmap.ErrCorrupt, file: "values",
		damage: func(t *testing.T, dir, _ string) {
			bothHeaders(t, dir, func(h *layout.Header) { h.ValuesEnd += 1 << 20 })
		}},
	{name: "keys foreign", want: diskmap.ErrCorrupt, file: "keys",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "keys", func(b []byte) []byte { return randomBytes(len(b), 5) })
		}},
	{name: "keys holds a values arena", want: diskmap.ErrCorrupt, file: "keys",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "keys", func(b []byte) []byte {
				v, err := os.ReadFile(filepath.Join(dir, "values"))
				if err != nil {
					t.Fatal(err)
				}
				return v
			})
		}},
	{name: "keys empty", want: diskmap.ErrCorrupt, file: "keys",
		damage: func(t *testing.T, dir, _ string) { truncateFile(t, dir, "keys", 0) }},
	{name: "keys cut inside its header", want: diskmap.ErrCorrupt, file: "keys",
		damage: func(t *testing.T, dir, _ string) { truncateFile(t, dir, "keys", layout.ArenaHeaderSize-1) }},
	{name: "keys cut below the header's end", want: diskmap.ErrCorrupt, file: "keys",
		damage: func(t *testing.T, dir, _ string) {
			truncateFile(t, dir, "keys", int64(currentHeader(t, dir).KeysEnd)-layout.Align)
		}},
	{name: "keys cut to its header", want: diskmap.ErrCorrupt, file: "keys",
		damage: func(t *testing.T, dir, _ string) { truncateFile(t, dir, "keys", layout.ArenaHeaderSize) }},
	{name: "keys header checksum wrong", want: diskmap.ErrCorrupt, file: "keys",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "keys", func(b []byte) []byte { b[arenaChecksumOff] ^= 0x10; return b })
		}},
	{name: "keys of the next arena version", want: diskmap.ErrVersion, file: "keys",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "keys", func(b []byte) []byte { setArenaVersion(b, layout.ArenaVersion+1); return b })
		}},
	{name: "keys missing", want: diskmap.ErrCorrupt, file: "keys", missing: true,
		damage: func(t *testing.T, dir, _ string) { removeFile(t, dir, "keys") }},
	{name: "values from another map", want: diskmap.ErrCorrupt, file: "values",
		damage: func(t *testing.T, dir, foreign string) { maptest.CopyFile(t, foreign, dir, "values") }},
	{name: "keys from another map", want: diskmap.ErrCorrupt, file: "keys",
		damage: func(t *testing.T, dir, foreign string) { maptest.CopyFile(t, foreign, dir, "keys") }},
	{name: "buckets from another map", want: diskmap.ErrCorrupt, file: "keys",
		damage: func(t *testing.T, dir, foreign string) { maptest.CopyFile(t, foreign, dir, "buckets") }},
	{name: "values foreign", want: diskmap.ErrCorrupt, file: "values",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "values", func(b []byte) []byte { return randomBytes(len(b), 6) })
		}},
	{name: "values cut below the header's end", want: diskmap.ErrCorrupt, file: "values",
		damage: func(t *testing.T, dir, _ string) {
			truncateFile(t, dir, "values", int64(currentHeader(t, dir).ValuesEnd)-layout.Align)
		}},
	{name: "values of version 3", want: diskmap.ErrVersion, file: "values",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "values", func(b []byte) []byte { setArenaVersion(b, 3); return b })
		}},
	{name: "values missing", want: diskmap.ErrCorrupt, file: "values", missing: true,
		damage: func(t *testing.T, dir, _ string) { removeFile(t, dir, "values") }},
	{name: "no buckets beside keys and values with records", want: diskmap.ErrCorrupt, file: "buckets", missing: true,
		damage: func(t *testing.T, dir, _ string) { removeFile(t, dir, "buckets") }},
	{name: "no buckets beside keys with records", want: diskmap.ErrCorrupt, file: "buckets", missing: true,
		damage: func(t *testing.T, dir, _ string) { removeFile(t, dir, "buckets"); removeFile(t, dir, "values") }},
	{name: "no buckets beside values with records", want: diskmap.ErrCorrupt, file: "buckets", missing: true,
		damage: func(t *testing.T, dir, _ string) { removeFile(t, dir, "buckets"); removeFile(t, dir, "keys") }},
	{name: "no buckets beside a foreign keys file", want: diskmap.ErrCorrupt, file: "keys", missing: true,
		damage: func(t *testing.T, dir, _ string) {
			removeFile(t, dir, "buckets")
			maptest.EditFile(t, dir, "keys", func(b []byte) []byte { return randomBytes(len(b), 7) })
		}},
	{name: "no buckets beside keys of version 2", want: diskmap.ErrVersion, file: "keys", missing: true,
		damage: func(t *testing.T, dir, _ string) {
			removeFile(t, dir, "buckets")
			maptest.EditFile(t, dir, "keys", func(b []byte) []byte { setArenaVersion(b, 2); return b })
		}},
}

func removeFile(t testing.TB, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// TestBadInputOpen damages a sample map, closed cleanly or not, in each of
// the ways of badOpenCases and opens it for writing and for reading: Open
// must return the case's error, naming the damaged file, must not panic,
// and must change no file.
func TestBadInputOpen(t *testing.T) {
	t.Parallel()
	samples := maptest.WriteSamples(t, 1)
	foreign := filepath.Join(t.TempDir(), "foreign")
	maptest.WriteSample(t, foreign, 2)

	for _, state := range []string{"clean", "dirty"} {
		for _, c := range badOpenCases {
			for _, ro := range []bool{false, true} {
				name := state + "/" + c.name
				if ro {
					name += "/read-only"
				}
				t.Run(name, func(t *testing.T) {
					dir := maptest.CopyOf(t, samples[state])
					c.damage(t, dir, foreign)
					before := maptest.DirFiles(t, dir, "lock")

					m, err := maptest.OpenCatching[string, string](dir, &diskmap.Options{ReadOnly: ro})
					if err == nil {
						_ = m.Close()
						t.Fatalf("Open succeeded, want an error matching %v", c.want)
					}
					switch {
					case strings.Contains(err.Error(), "panicked"):
						t.Fatal(err)
					case ro && c.missing && errors.Is(err, fs.ErrNotExist):
						// The path of the missing file is in the message.
					case !errors.Is(err, c.want):
						t.Errorf("Open: %v\nwant an error matching %v", err, c.want)
					case !namesFile(err.Error(), dir, c.file):
						t.Errorf("Open: %v\nwant the message to name %s", err, c.file)
					}
					maptest.RequireSameFiles(t, dir, before, "lock")
				})
			}
		}
	}
}

// TestBadInputHeaderCountsWrap: a header whose key count and tombstones
// add up past 2^64, to less than the slot count, with a valid checksum, in
// both copies: Open fails with a *CorruptError naming buckets and the
// offset of the key count, and never hands out a map whose Len is
// negative.
func TestBadInputHeaderCountsWrap(t *testing.T) {
	t.Parallel()
	samples := maptest.WriteSamples(t, 1)
	const countOff = 48 // of the live keys, in the first header copy
	for _, state := range []string{"clean", "dirty"} {
		for _, ro := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/read-only=%v", state, ro), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "map")
				maptest.CloneDir(t, samples[state], dir)
				bothHeaders(t, dir, func(h *layout.Header) { h.Count, h.Tombstones = math.MaxUint64, 1 })
				m, err := maptest.OpenCatching[string, string](dir, &diskmap.Options{ReadOnly: ro})
				if err == nil {
					n := m.Len()
					_ = m.Close() // the test fails either way
					t.Fatalf("Open succeeded, Len %d", n)
				}
				var ce *diskmap.CorruptError
				if !errors.As(err, &ce) || ce.File != filepath.Join(dir, "buckets") || ce.Offset != countOff {
					t.Fatalf("Open: %v\nwant a CorruptError naming %s at offset %d", err, filepath.Join(dir, "buckets"), countOff)
				}
			})
		}
	}
}

// TestBadInputOneHeaderCopy damages one of the two header copies of a map
// closed cleanly: the other copy is still valid, so the map opens with all
// its keys and passes Check, then and after another close and open.
func TestBadInputOneHeaderCopy(t *testing.T) {
	t.Parallel()
	sample := filepath.Join(t.TempDir(), "sample")
	want := maptest.WriteSample(t, sample, 3)
	b, err := os.ReadFile(filepath.Join(sample, "buckets"))
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int{0, layout.HeaderCopyOffset} {
		if _, err := layout.DecodeHeader(b[off : off+layout.HeaderSize]); err != nil {
			t.Fatalf("the sample's header copy at %d is not valid before the test: %v", off, err)
		}
	}
	for _, c := range []struct {
		name   string
		damage func(b []byte)
	}{
		{"random bytes", func(b []byte) { copy(b, randomBytes(layout.HeaderSize, 9)) }},
		{"zeros", func(b []byte) { clear(b[:layout.HeaderSize]) }},
		{"one bit of the checksum", func(b []byte) { b[headerChecksumOff+3] ^= 4 }},
		{"one bit of the seed", func(b []byte) { b[24] ^= 1 }},
		{"version 2", func(b []byte) { b[headerVersionOff] = 2 }},
	} {
		for copyNo, off := range []int{0, layout.HeaderCopyOffset} {
			t.Run(fmt.Sprintf("%s/copy %d", c.name, copyNo), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "map")
				maptest.CloneDir(t, sample, dir)
				maptest.EditFile(t, dir, "buckets", func(b []byte) []byte { c.damage(b[off:]); return b })
				for range 2 {
					m, err := maptest.OpenCatching[string, string](dir, nil)
					if err != nil {
						t.Fatalf("Open: %v", err)
					}
					if err := m.Check(); err != nil {
						t.Errorf("Check: %v", err)
					}
					maptest.RequireContents(t, m, want)
					if err := m.Close(); err != nil {
						t.Fatalf("Close: %v", err)
					}
				}
			})
		}
	}
}

// readSlots returns the decoded slots of the buckets file b.
func readSlots(b []byte) []layout.Slot {
	n := (len(b) - layout.MetaSize) / layout.SlotSize
	slots := make([]layout.Slot, n)
	for i := range slots {
		slots[i] = layout.ReadSlot(b[layout.SlotOffset(uint64(i)):])
	}
	return slots
}

// editSlots rewrites, in the buckets file of dir, every occupied slot for
// which pick returns true with edit.
func editSlots(t testing.TB, dir string, pick func(i int) bool, edit func(h layout.Header, s *layout.Slot)) {
	t.Helper()
	h := currentHeader(t, dir)
	maptest.EditFile(t, dir, "buckets", func(b []byte) []byte {
		n := 0
		for i, s := range readSlots(b) {
			if !s.Occupied() || !pick(i) {
				continue
			}
			edit(h, &s)
			format.WriteSlot(b[layout.SlotOffset(uint64(i)):], s)
			n++
		}
		if n == 0 {
			t.Fatal("no slot was edited")
		}
		return b
	})
}

func everyNth(n int) func(int) bool { return func(i int) bool { return i%n == 0 } }

// badSlotCases damage the slot table of a map closed cleanly. Open does not
// scan a clean map, so it may succeed; what follows must not panic.
var badSlotCases = []struct {
	name   string
	damage func(t *testing.T, dir string)
}{
	{"key offsets past the keys end", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(3), func(h layout.Header, s *layout.Slot) { s.Key = uint32(h.KeysEnd/layout.Align) + 100 })
	}},
	{"key offsets at the keys end", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(3), func(h layout.Header, s *layout.Slot) { s.Key = uint32(h.KeysEnd / layout.Align) })
	}},
	{"key offsets at the largest offset", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(2), func(_ layout.Header, s *layout.Slot) { s.Key = ^uint32(0) })
	}},
	{"key offsets inside the arena header", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(2), func(_ layout.Header, s *layout.Slot) { s.Key = 2 })
	}},
	{"key offsets inside records", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(2), func(_ layout.Header, s *layout.Slot) { s.Key++ })
	}},
	{"value offsets past the values end", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(3), func(h layout.Header, s *layout.Slot) { s.Value = uint32(h.ValuesEnd/layout.Align) + 1 })
	}},
	{"value offsets at the largest offset", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(2), func(_ layout.Header, s *layout.Slot) { s.Value = ^uint32(0) })
	}},
	{"value offsets zero", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(2), func(_ layout.Header, s *layout.Slot) { s.Value = 0 })
	}},
	{"value lengths huge", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(2), func(_ layout.Header, s *layout.Slot) { s.ValueLen = 1<<31 + 5 })
	}},
	{"value lengths past the values end", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(2), func(h layout.Header, s *layout.Slot) {
			s.ValueLen = uint32(h.ValuesEnd) - uint32(s.Value)*layout.Align
		})
	}},
	{"fingerprints changed", func(t *testing.T, dir string) {
		editSlots(t, dir, everyNth(2), func(_ layout.Header, s *layout.Slot) { s.Fingerprint ^= 0x8000_0000 })
	}},
	{"every slot the same key", func(t *testing.T, dir string) {
		var first layout.Slot
		editSlots(t, dir, func(int) bool { return true }, func(_ layout.Header, s *layout.Slot) {
			if first.Key == 0 {
				first = *s
			}
			*s = first
		})
	}},
	{"every slot deleted", func(t *testing.T, dir string) {
		maptest.EditFile(t, dir, "buckets", func(b []byte) []byte {
			for i := layout.MetaSize; i < len(b); i += layout.SlotSize {
				format.SetSlotKey(b[i:], layout.SlotDeleted)
			}
			return b
		})
	}},
	{"half the slots random bytes", func(t *testing.T, dir string) {
		maptest.EditFile(t, dir, "buckets", func(b []byte) []byte {
			r := randomBytes(len(b), 10)
			for i := layout.MetaSize; i < len(b); i += 2 * layout.SlotSize {
				copy(b[i:i+layout.SlotSize], r[i:])
			}
			return b
		})
	}},
	{"slot table random bytes", func(t *testing.T, dir string) {
		maptest.EditFile(t, dir, "buckets", func(b []byte) []byte {
			copy(b[layout.MetaSize:], randomBytes(len(b)-layout.MetaSize, 11))
			return b
		})
	}},
}

// TestBadInputSlots damages the slots of a map closed cleanly in each of
// the ways of badSlotCases. Every read answers with a value or an error,
// Check reports the damage as ErrCorrupt naming the buckets file, and
// writes and Close return rather than panic.
func TestBadInputSlots(t *testing.T) {
	t.Parallel()
	sample := filepath.Join(t.TempDir(), "sample")
	want := maptest.WriteSample(t, sample, 4)
	for _, c := range badSlotCases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "map")
			maptest.CloneDir(t, sample, dir)
			c.damage(t, dir)
			m, err := maptest.OpenCatching[string, string](dir, nil)
			if err != nil {
				if !errors.Is(err, diskmap.ErrCorrupt) {
					t.Fatalf("Open: %v, want success or ErrCorrupt", err)
				}
				return
			}
			var checkErr error
			err = withinTime(10*time.Second, func() {
				useDamaged(m, want)
				checkErr = m.Check()
				writeDamaged(m)
				_ = m.Close()
			})
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(checkErr, diskmap.ErrCorrupt) {
				t.Errorf("Check: %v, want an error matching ErrCorrupt", checkErr)
			} else if !namesFile(checkErr.Error(), dir, "buckets") {
				t.Errorf("Check: %v\nwant the message to name buckets", checkErr)
			}
		})
	}
}

// TestBadInputSlotsDirty damages the slots of a map that was not closed
// cleanly, in each of the ways of badSlotCases. Open recovers the map, which
// checks every slot against its records: the damaged slots are dropped, and
// what is left must pass Check, hold only keys that were put, and take
// writes and a compaction.
func TestBadInputSlotsDirty(t *testing.T) {
	t.Parallel()
	sample := filepath.Join(t.TempDir(), "sample")
	want := maptest.WriteDirtySample(t, sample, 6)
	for _, c := range badSlotCases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "map")
			maptest.CloneDir(t, sample, dir)
			c.damage(t, dir)
			var m *diskmap.Map[string, string]
			var err error
			if terr := withinTime(10*time.Second, func() { m, err = maptest.OpenCatching[string, string](dir, nil) }); terr != nil {
				t.Fatalf("Open: %v", terr)
			}
			if err != nil {
				t.Fatalf("Open of a damaged map that was not closed cleanly: %v", err)
			}
			defer maptest.CheckClose(t, m)
			if err := m.Check(); err != nil {
				t.Fatalf("Check after recovery: %v", err)
			}
			kept := 0
			for k := range m.Keys() {
				if _, ok := want[k]; !ok {
					t.Fatalf("recovery made up key %q", k)
				}
				kept++
			}
			if err := m.Err(); err != nil {
				t.Fatalf("Keys: %v", err)
			}
			t.Logf("recovery kept %d of %d keys", kept, len(want))
			if err := m.Put("after recovery", "v"); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if err := m.Compact(); err != nil {
				t.Fatalf("Compact: %v", err)
			}
			if err := m.Check(); err != nil {
				t.Fatalf("Check after Compact: %v", err)
			}
			if v, ok, err := m.Get("after recovery"); err != nil || !ok || v != "v" {
				t.Fatalf("Get after Compact = %q, %v, %v", v, ok, err)
			}
		})
	}
}

// TestBadInputRandomDamage flips random bytes in a random file of a sample
// map, closed cleanly or not, many times over: Open returns the map or an
// error matching ErrCorrupt or ErrVersion, and whatever it returns can be
// read, checked, written and closed without a panic or a hang. Set
// DISKMAP_LONG=1 for more rounds; DISKMAP_SEED repeats a run.
func TestBadInputRandomDamage(t *testing.T) {
	t.Parallel()
	seed := maptest.Seed(t)
	rounds := 40
	if maptest.Long() {
		rounds = 2000
	}
	base := t.TempDir()
	samples := []string{filepath.Join(base, "clean"), filepath.Join(base, "dirty")}
	want := maptest.WriteSample(t, samples[0], 8)
	maptest.WriteDirtySample(t, samples[1], 8)
	r := rand.New(rand.NewPCG(seed, 8))
	files := []string{"buckets", "keys", "values"}
	opened := 0
	for round := range rounds {
		dir := filepath.Join(base, fmt.Sprintf("map%d", round))
		maptest.CloneDir(t, samples[r.IntN(2)], dir)
		name := files[r.IntN(len(files))]
		var where []string
		maptest.EditFile(t, dir, name, func(b []byte) []byte {
			for range 1 + r.IntN(16) {
				// Aim at the headers half of the time.
				i := r.IntN(len(b))
				if r.IntN(2) == 0 {
					i = r.IntN(min(len(b), layout.MetaSize))
				}
				b[i] ^= byte(1 + r.IntN(255))
				where = append(where, fmt.Sprint(i))
			}
			return b
		})
		what := fmt.Sprintf("round %d: %s damaged at %s", round, name, strings.Join(where, ","))
		err := withinTime(10*time.Second, func() {
			m, err := maptest.OpenCatching[string, string](dir, nil)
			if err != nil {
				if !errors.Is(err, diskmap.ErrCorrupt) && !errors.Is(err, diskmap.ErrVersion) {
					panic(fmt.Sprintf("Open: %v, want an error matching ErrCorrupt or ErrVersion", err))
				}
				return
			}
			opened++
			useDamaged(m, want)
			_ = m.Check()
			writeDamaged(m)
			_ = m.Close()
		})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d rounds, %d opened", rounds, opened)
}

// withinTime runs f and returns an error if it panics or takes longer than
// d (an endless probe, say); f then goes on in the background.
func withinTime(d time.Duration, f func()) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
			}
		}()
		f()
		done <- nil
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("still running after %v", d)
	}
}

// useDamaged calls every read method of m on every key of want, and on one
// absent key, and iterates m every way; damaged maps may answer anything
// but a panic.
func useDamaged(m *diskmap.Map[string, string], want map[string]string) {
	keys := []string{"absent key"}
	for k := range want {
		keys = append(keys, k)
	}
	maptest.ReadAll(m, keys)
}

// writeDamaged replaces, deletes and inserts keys in a damaged map; errors
// are fine.
func writeDamaged(m *diskmap.Map[string, string]) {
	for i := range 40 {
		_ = m.Put(maptest.SampleKey(i), "new")
		_, _ = m.Delete(maptest.SampleKey(i + 100))
		_ = m.Put(fmt.Sprintf("new key %d", i), "new")
	}
}

// TestBadInputSlotErrorsSayWhere damages the key offset of one slot, then
// the value offset of another, and checks that each reader that meets the
// damage reports it where it is: a *CorruptError for the buckets file at
// that slot's offset, not for the arena at the offset the slot points to.
func TestBadInputSlotErrorsSayWhere(t *testing.T) {
	t.Parallel()
	for _, field := range []string{"key", "value"} {
		t.Run(field, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "map")
			want := maptest.WriteSample(t, dir, 5)
			h := currentHeader(t, dir)
			b, err := os.ReadFile(filepath.Join(dir, "buckets"))
			if err != nil {
				t.Fatal(err)
			}
			// Damage the slot of the first key in insertion order: it is
			// the first record of the keys arena.
			key := maptest.SampleKey(0)
			if _, ok := want[key]; !ok {
				t.Fatalf("the sample has no key %q", key)
			}
			slot := -1
			for i, s := range readSlots(b) {
				if s.Occupied() && s.Key == layout.ArenaHeaderSize/layout.Align {
					slot = i
				}
			}
			if slot < 0 {
				t.Fatal("no slot points at the first key record")
			}
			editSlots(t, dir, func(i int) bool { return i == slot }, func(_ layout.Header, s *layout.Slot) {
				if field == "key" {
					s.Key = uint32(h.KeysEnd/layout.Align) + 16
				} else {
					s.Value = uint32(h.ValuesEnd/layout.Align) + 16
				}
			})
			buckets := filepath.Join(dir, "buckets")
			wantAt := layout.SlotOffset(uint64(slot))

			m, err := diskmap.Open[string, string](dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer maptest.CheckClose(t, m)
			requireAt := func(op string, err error) {
				t.Helper()
				var ce *diskmap.CorruptError
				switch {
				case !errors.As(err, &ce):
					t.Errorf("%s: %v, want a *CorruptError", op, err)
				case ce.File != buckets || ce.Offset != wantAt:
					t.Errorf("%s: %v\nwant a *CorruptError for %s at offset %d (slot %d)", op, err, buckets, wantAt, slot)
				}
			}
			if field == "value" {
				_, _, err = m.Get(key)
				requireAt("Get", err)
				_, _, err = m.View(key)
				requireAt("View", err)
				_, _, err = m.GetMany([]string{"absent", key})
				requireAt("GetMany", err)
				for range m.All() {
				}
				requireAt("All", m.Err())
			} else {
				_, _, err = m.Get(key)
				requireAt("Get", err)
				_, err = m.Contains(key)
				requireAt("Contains", err)
				err = m.ViewMany([]string{key}, func(int, []byte, bool) error { return nil })
				requireAt("ViewMany", err)
			}
			requireAt("Check", m.Check())
		})
	}
}
