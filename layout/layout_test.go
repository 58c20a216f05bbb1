package layout_test

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// The sizes in the spec are the sizes in the code.
func TestFormatSizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"MetaSize", layout.MetaSize, 4096},
		{"HeaderSize", layout.HeaderSize, 256},
		{"HeaderCopyOffset", layout.HeaderCopyOffset, 512},
		{"SlotSize", layout.SlotSize, 16},
		{"ArenaHeaderSize", layout.ArenaHeaderSize, 32},
		{"RecordHeaderSize", layout.RecordHeaderSize, 8},
		{"Align", layout.Align, 8},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if layout.MaxArenaSize != (1<<32-1)*8 {
		t.Errorf("MaxArenaSize = %d", int64(layout.MaxArenaSize))
	}
}

func sampleHeader() layout.Header {
	return layout.Header{
		Version: layout.Version, Flags: layout.FlagDirty, Seq: 7, Seed: 0x1122334455667788, Generation: 42, Log2: 10,
		Count: 500, Tombstones: 3, KeysEnd: 4096, ValuesEnd: 8192, KeysLive: 4000, ValuesLive: 8000,
		Resizes: 2, Compactions: 1, Checkpoint: 9, KeyCodec: "string", ValueCodec: "msgpack",
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	h := sampleHeader()
	b := make([]byte, layout.HeaderSize)
	h.Encode(b)
	if string(b[:8]) != "diskmap\x00" {
		t.Fatalf("magic %q", b[:8])
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != layout.Version {
		t.Fatalf("version field %d", v)
	}
	if got := binary.LittleEndian.Uint64(b[24:]); got != h.Seed {
		t.Fatalf("seed at offset 24 = %#x", got)
	}
	got, err := layout.DecodeHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if got != h {
		t.Fatalf("got %+v\nwant %+v", got, h)
	}
	if got.Slots() != 1024 || got.TableSize() != 4096+16*1024 || !got.Dirty() {
		t.Fatalf("derived fields wrong: %d %d %v", got.Slots(), got.TableSize(), got.Dirty())
	}
}

// Decoding checks magic, then version, then checksum, then ranges, each
// with its own error and offset.
func TestHeaderDecodeErrors(t *testing.T) {
	enc := func(mod func(h *layout.Header)) []byte {
		h := sampleHeader()
		if mod != nil {
			mod(&h)
		}
		b := make([]byte, layout.HeaderSize)
		h.Encode(b)
		return b
	}
	for _, c := range []struct {
		name    string
		b       []byte
		wantErr error
		offset  int64
	}{
		{"short", enc(nil)[:100], layout.ErrCorrupt, 100},
		{"magic", func() []byte { b := enc(nil); b[0] = 'X'; return b }(), layout.ErrCorrupt, 0},
		{"version", func() []byte { b := enc(nil); b[8] = 9; return b }(), layout.ErrVersion, -1},
		{"checksum", func() []byte { b := enc(nil); b[50] ^= 1; return b }(), layout.ErrCorrupt, 248},
		{"flags", enc(func(h *layout.Header) { h.Flags = 5 }), layout.ErrCorrupt, 12},
		{"log2 small", enc(func(h *layout.Header) { h.Log2 = 3 }), layout.ErrCorrupt, 40},
		{"log2 large", enc(func(h *layout.Header) { h.Log2 = 33 }), layout.ErrCorrupt, 40},
		{"keys end", enc(func(h *layout.Header) { h.KeysEnd = 33 }), layout.ErrCorrupt, 64},
		{"values end", enc(func(h *layout.Header) { h.ValuesEnd = 8 }), layout.ErrCorrupt, 72},
		{"count", enc(func(h *layout.Header) { h.Count = 2000 }), layout.ErrCorrupt, 48},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := layout.DecodeHeader(c.b)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			var ce *layout.CorruptError
			if c.offset >= 0 && (!errors.As(err, &ce) || ce.Offset != c.offset) {
				t.Fatalf("err = %#v, want offset %d", err, c.offset)
			}
		})
	}
}

// Every field of a header with a valid checksum is checked on its own, with
// extreme values, and no sum of fields can wrap around: each value below is
// written into the sample header (1024 slots, 500 keys, 3 tombstones, keys
// ending at 4096 with 4000 live bytes, values at 8192 with 8000), which
// must then decode, or fail with ErrCorrupt at the field's offset.
func TestHeaderFieldRanges(t *testing.T) {
	const max64 = math.MaxUint64
	ok := int64(-1)
	for _, c := range []struct {
		name   string
		mod    func(h *layout.Header)
		offset int64 // of the field the error names, ok for none
	}{
		{"flags dirty and WAL", func(h *layout.Header) { h.Flags = layout.FlagDirty | layout.FlagWAL }, ok},
		{"flags unknown bit", func(h *layout.Header) { h.Flags = 1 << 2 }, 12},
		{"flags all set", func(h *layout.Header) { h.Flags = math.MaxUint32 }, 12},
		{"seq 0", func(h *layout.Header) { h.Seq = 0 }, ok},
		{"seq 2^64-2", func(h *layout.Header) { h.Seq = max64 - 1 }, ok},
		{"seq 2^64-1", func(h *layout.Header) { h.Seq = max64 }, 16},
		{"seed 2^64-1", func(h *layout.Header) { h.Seed = max64 }, ok},
		{"generation 2^64-1", func(h *layout.Header) { h.Generation = max64 }, ok},
		{"log2 0", func(h *layout.Header) { h.Log2 = 0 }, 40},
		{"log2 32", func(h *layout.Header) { h.Log2 = 32 }, ok},
		{"log2 255", func(h *layout.Header) { h.Log2 = 255 }, 40},
		{"count 0", func(h *layout.Header) { h.Count = 0 }, ok},
		{"count fills the slots with the tombstones", func(h *layout.Header) { h.Count = 1021 }, ok},
		{"count one past the slots with the tombstones", func(h *layout.Header) { h.Count = 1022 }, 48},
		{"count the slots plus one", func(h *layout.Header) { h.Count = 1025 }, 48},
		{"count 2^64-1", func(h *layout.Header) { h.Count = max64 }, 48},
		{"count 2^64-1, one tombstone", func(h *layout.Header) { h.Count, h.Tombstones = max64, 1 }, 48},
		{"count 2^32, log2 32", func(h *layout.Header) { h.Log2, h.Count, h.Tombstones = 32, 1<<32, 0 }, ok},
		{"count 2^32+1, log2 32", func(h *layout.Header) { h.Log2, h.Count, h.Tombstones = 32, 1<<32+1, 0 }, 48},
		{"tombstones fill the slots with the count", func(h *layout.Header) { h.Tombstones = 524 }, ok},
		{"tombstones one past the slots with the count", func(h *layout.Header) { h.Tombstones = 525 }, 48},
		{"tombstones the slots plus one", func(h *layout.Header) { h.Count, h.Tombstones = 0, 1025 }, 56},
		{"tombstones 2^64-1", func(h *layout.Header) { h.Tombstones = max64 }, 56},
		{"tombstones wrapping the sum to 1", func(h *layout.Header) { h.Tombstones = max64 - 498 }, 56},
		{"keys end 0", func(h *layout.Header) { h.KeysEnd = 0 }, 64},
		{"keys end unaligned", func(h *layout.Header) { h.KeysEnd = 4097 }, 64},
		{"keys end at the limit", func(h *layout.Header) { h.KeysEnd = layout.MaxArenaSize }, ok},
		{"keys end past the limit", func(h *layout.Header) { h.KeysEnd = layout.MaxArenaSize + 8 }, 64},
		{"keys end 2^64-8", func(h *layout.Header) { h.KeysEnd = max64 - 7 }, 64},
		{"values end 0", func(h *layout.Header) { h.ValuesEnd = 0 }, 72},
		{"values end 2^64-8", func(h *layout.Header) { h.ValuesEnd = max64 - 7 }, 72},
		{"values end past the limit", func(h *layout.Header) { h.ValuesEnd = layout.MaxArenaSize + 8 }, 72},
		{"live key bytes 0", func(h *layout.Header) { h.KeysLive = 0 }, ok},
		{"live key bytes fill the arena", func(h *layout.Header) { h.KeysLive = 4096 - 32 }, ok},
		{"live key bytes past the end", func(h *layout.Header) { h.KeysLive = 4096 - 24 }, 80},
		{"live key bytes unaligned", func(h *layout.Header) { h.KeysLive = 4001 }, 80},
		{"live key bytes 2^64-8", func(h *layout.Header) { h.KeysLive = max64 - 7 }, 80},
		{"live key bytes of an empty arena", func(h *layout.Header) { h.KeysEnd, h.KeysLive = 32, 8 }, 80},
		{"live value bytes fill the arena", func(h *layout.Header) { h.ValuesLive = 8192 - 32 }, ok},
		{"live value bytes past the end", func(h *layout.Header) { h.ValuesLive = 8192 }, 88},
		{"live value bytes 2^64-8", func(h *layout.Header) { h.ValuesLive = max64 - 7 }, 88},
		{"resizes 2^64-1", func(h *layout.Header) { h.Resizes = max64 }, ok},
		{"compactions 2^64-1", func(h *layout.Header) { h.Compactions = max64 }, ok},
		{"checkpoint 2^64-2", func(h *layout.Header) { h.Checkpoint = max64 - 1 }, ok},
		{"checkpoint 2^64-1", func(h *layout.Header) { h.Checkpoint = max64 }, 112},
		{"key codec of 32 bytes", func(h *layout.Header) { h.KeyCodec = strings.Repeat("k", 32) }, ok},
		{"key codec empty", func(h *layout.Header) { h.KeyCodec = "" }, 120},
		{"value codec empty", func(h *layout.Header) { h.ValueCodec = "" }, 152},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := sampleHeader()
			c.mod(&h)
			b := make([]byte, layout.HeaderSize)
			h.Encode(b)
			got, err := layout.DecodeHeader(b)
			var ce *layout.CorruptError
			switch {
			case c.offset == ok && err != nil:
				t.Fatalf("DecodeHeader: %v, want %+v", err, h)
			case c.offset == ok && got != h:
				t.Fatalf("DecodeHeader = %+v, want %+v", got, h)
			case c.offset != ok && !errors.As(err, &ce):
				t.Fatalf("DecodeHeader: %v, want a *CorruptError at offset %d", err, c.offset)
			case c.offset != ok && (ce.Offset != c.offset || !errors.Is(err, layout.ErrCorrupt)):
				t.Fatalf("DecodeHeader: %v (offset %d), want ErrCorrupt at offset %d", err, ce.Offset, c.offset)
			}
		})
	}
}

// Of two valid copies the newer wins; a damaged copy is passed over.
func TestReadMetaPicksNewestValidCopy(t *testing.T) {
	meta := make([]byte, layout.MetaSize)
	h := sampleHeader()
	h.Seq = 0
	cur := format.WriteMeta(meta, &h, 1) // first write goes to copy 0
	if cur != 0 || h.Seq != 1 {
		t.Fatalf("first write: copy %d seq %d", cur, h.Seq)
	}
	h.Count = 501
	if cur = format.WriteMeta(meta, &h, cur); cur != 1 {
		t.Fatalf("second write went to copy %d, want 1", cur)
	}
	got, which, err := layout.ReadMeta(meta)
	if err != nil || which != 1 || got.Count != 501 || got.Seq != 2 {
		t.Fatalf("got copy %d %+v, %v", which, got, err)
	}
	meta[layout.HeaderCopyOffset+60] ^= 0xFF // tear the newer copy
	got, which, err = layout.ReadMeta(meta)
	if err != nil || which != 0 || got.Count != 500 {
		t.Fatalf("after tearing copy 1: copy %d %+v, %v", which, got, err)
	}
	meta[60] ^= 0xFF // and the older
	if _, _, err = layout.ReadMeta(meta); !errors.Is(err, layout.ErrCorrupt) {
		t.Fatalf("both torn: %v", err)
	}
}

func TestRecords(t *testing.T) {
	arena := make([]byte, 256)
	off := int64(layout.ArenaHeaderSize)
	var offs []int64
	for _, p := range []string{"", "a", "12345678", "hello, world"} {
		n := layout.RecordSize(len(p))
		if n%8 != 0 || n < int64(8+len(p)) {
			t.Fatalf("RecordSize(%d) = %d", len(p), n)
		}
		format.PutRecord(arena[off:off+n], []byte(p))
		offs = append(offs, off)
		off += n
	}
	end := off
	for i, want := range []string{"", "a", "12345678", "hello, world"} {
		p, err := layout.CheckRecord(arena, offs[i], end)
		if err != nil || string(p) != want {
			t.Fatalf("record %d: %q, %v", i, p, err)
		}
		if cap(p) != len(p) {
			t.Fatalf("record %d: capacity not clipped", i)
		}
	}
	if got := format.ScanEnd(arena, layout.ArenaHeaderSize); got != end {
		t.Fatalf("ScanEnd = %d, want %d", got, end)
	}
	arena[offs[3]+9] ^= 1 // damage the last payload
	if _, err := layout.CheckRecord(arena, offs[3], end); !errors.Is(err, layout.ErrCorrupt) {
		t.Fatalf("damaged record: %v", err)
	}
	if got := format.ScanEnd(arena, layout.ArenaHeaderSize); got != offs[3] {
		t.Fatalf("ScanEnd stops at the damaged record: %d, want %d", got, offs[3])
	}
	for _, bad := range []int64{0, 33, end, end + 8} {
		if _, _, err := layout.RecordAt(arena, bad, end); !errors.Is(err, layout.ErrCorrupt) {
			t.Errorf("RecordAt(%d): %v", bad, err)
		}
	}
	binary.LittleEndian.PutUint32(arena[offs[2]:], 1000) // length past the end
	if _, _, err := layout.RecordAt(arena, offs[2], end); !errors.Is(err, layout.ErrCorrupt) {
		t.Errorf("length past end: %v", err)
	}
}

// A record whose payload was written over and whose header was not, as a
// crash during an update in place leaves it, is a torn dead record when a
// whole record follows: walks step over it. Torn at the end, with zeros
// after it, or with a header that gives another size, it ends the arena.
func TestTornDeadRecord(t *testing.T) {
	arena := make([]byte, 256)
	off := int64(layout.ArenaHeaderSize)
	var offs []int64
	for _, p := range []string{"first", "the old value", "after it", "last"} {
		n := layout.RecordSize(len(p))
		format.PutRecord(arena[off:off+n], []byte(p))
		offs = append(offs, off)
		off += n
	}
	end := off
	tear := func(i int, p string) {
		format.PutPayload(arena[offs[i]:], []byte(p)) // the header stays as it was
	}
	tear(1, "a new value")
	if _, err := layout.CheckRecord(arena, offs[1], end); !errors.Is(err, layout.ErrCorrupt) {
		t.Fatalf("the torn record checks: %v", err)
	}
	p, next, torn, err := layout.NextRecord(arena, offs[1], end, 0)
	if err != nil || !torn || p != nil || next != offs[2] {
		t.Fatalf("NextRecord of the torn record = %q, %d, %v, %v; want nil, %d, true, nil", p, next, torn, err, offs[2])
	}
	p, next, torn, err = layout.NextRecord(arena, offs[0], end, 0)
	if err != nil || torn || string(p) != "first" || next != offs[1] {
		t.Fatalf("NextRecord of a whole record = %q, %d, %v, %v", p, next, torn, err)
	}
	if got := format.ScanEnd(arena, layout.ArenaHeaderSize); got != end {
		t.Fatalf("ScanEnd over a torn dead record = %d, want %d", got, end)
	}
	tear(3, "lost") // the last record, zeros after it
	if _, _, _, err := layout.NextRecord(arena, offs[3], end, 0); !errors.Is(err, layout.ErrCorrupt) {
		t.Fatalf("NextRecord of a torn last record: %v, want ErrCorrupt", err)
	}
	if got := format.ScanEnd(arena, layout.ArenaHeaderSize); got != offs[3] {
		t.Fatalf("ScanEnd with the last record torn = %d, want %d", got, offs[3])
	}
	tear(2, "next too") // two torn records in a row: the first ends the arena
	if got := format.ScanEnd(arena, layout.ArenaHeaderSize); got != offs[1] {
		t.Fatalf("ScanEnd over two torn records = %d, want %d", got, offs[1])
	}
	format.PutRecord(arena[offs[2]:offs[3]], []byte("after it"))
	binary.LittleEndian.PutUint32(arena[offs[1]:], 3) // another size: not where a record starts
	if got := format.ScanEnd(arena, layout.ArenaHeaderSize); got != offs[1] {
		t.Fatalf("ScanEnd over a record whose length changed = %d, want %d", got, offs[1])
	}
	clear(arena[offs[1]:offs[2]]) // a zero header is the end, whatever follows
	if got := format.ScanEnd(arena, layout.ArenaHeaderSize); got != offs[1] {
		t.Fatalf("ScanEnd over a zero header = %d, want %d", got, offs[1])
	}
}

// A walk steps over a retired record anywhere, as a whole dead one. Below
// the values arena's settled end, where twins are written over in place, it
// steps over every record by its length, whole or not, two in a row too;
// past it, two torn records in a row end the walk at the first, and below
// it a zero header still ends it.
func TestSettledRecords(t *testing.T) {
	arena := make([]byte, 256)
	off := int64(layout.ArenaHeaderSize)
	var offs []int64
	for _, p := range []string{"first", "retired", "torn", "after", "last"} {
		n := layout.RecordSize(len(p))
		format.PutRecord(arena[off:off+n], []byte(p))
		offs = append(offs, off)
		off += n
	}
	end := off
	format.Retire(arena[offs[1]:])
	if _, err := layout.CheckRecord(arena, offs[1], end); !errors.Is(err, layout.ErrCorrupt) {
		t.Fatalf("a retired record checks: %v", err)
	}
	format.PutPayload(arena[offs[2]:], []byte("TORN")) // the header stays as it was
	walk := func(settled int64) (whole []int64, at int64) {
		at = layout.ArenaHeaderSize
		for at < end {
			p, next, torn, err := layout.NextRecord(arena, at, end, settled)
			if err != nil {
				return whole, at
			}
			if !torn {
				if p == nil {
					t.Fatalf("NextRecord at %d: no payload, not torn", at)
				}
				whole = append(whole, at)
			}
			at = next
		}
		return whole, at
	}
	all := []int64{offs[0], offs[3], offs[4]}
	for _, settled := range []int64{0, offs[3]} {
		if whole, at := walk(settled); at != end || !slices.Equal(whole, all) {
			t.Fatalf("walk settled up to %d: whole %v, ended at %d; want %v, %d", settled, whole, at, all, end)
		}
	}
	format.PutPayload(arena[offs[3]:], []byte("AFTER")) // a second torn record, right after the first
	if _, at := walk(0); at != offs[2] {
		t.Fatalf("walk over two torn records with nothing settled: ended at %d, want %d", at, offs[2])
	}
	if whole, at := walk(offs[3]); at != end || !slices.Equal(whole, []int64{offs[0], offs[4]}) {
		t.Fatalf("walk over two torn records, the first settled: whole %v, ended at %d; want %v, %d", whole, at, []int64{offs[0], offs[4]}, end)
	}
	clear(arena[offs[1]:offs[2]])
	if _, at := walk(offs[3]); at != offs[1] {
		t.Fatalf("walk over a zero header below the settled end: ended at %d, want %d", at, offs[1])
	}
}

// Zeroed space reads as the end of an arena.
func TestZeroRecordIsInvalid(t *testing.T) {
	if layout.Checksum(nil) == 0 {
		t.Fatal("the checksum of an empty payload must not be zero")
	}
	zero := make([]byte, 64)
	if got := format.ScanEnd(zero, layout.ArenaHeaderSize); got != layout.ArenaHeaderSize {
		t.Fatalf("ScanEnd over zeros = %d", got)
	}
}

func TestArenaHeader(t *testing.T) {
	b := make([]byte, layout.ArenaHeaderSize)
	layout.ArenaHeader{Magic: layout.ValuesMagic, Generation: 77}.Encode(b)
	h, err := layout.DecodeArenaHeader(b, layout.ValuesMagic)
	if err != nil || h.Generation != 77 {
		t.Fatalf("%+v %v", h, err)
	}
	if _, err := layout.DecodeArenaHeader(b, layout.KeysMagic); !errors.Is(err, layout.ErrCorrupt) {
		t.Fatalf("wrong magic: %v", err)
	}
	b[20] ^= 1
	if _, err := layout.DecodeArenaHeader(b, layout.ValuesMagic); !errors.Is(err, layout.ErrCorrupt) {
		t.Fatalf("bad checksum: %v", err)
	}
}
