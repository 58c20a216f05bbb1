package fuzz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// Bounds on one FuzzOpenDamaged input.
const (
	maxEdits    = 8                // edits decoded from one input
	maxEditLen  = 64               // bytes written by one edit
	damageLimit = 10 * time.Second // a run longer than this is a hang
)

// FuzzOpenDamaged damages a small valid map as the input says and opens
// it. Open must return an error or a map that answers every read, counts
// no fewer than zero keys, whose Check passes or reports the damage, and
// whose answers agree with each other when Check passes. Writes, Compact, Close and a second Open follow;
// they may fail, but not panic, fault or hang.
//
// The input is one byte choosing the sample and how to open it, then edits:
//
//	byte 0: bit 0: the sample was written in DurabilityWAL, else DurabilityOS
//	        bit 1: copied while open (dirty header, a log), else closed cleanly
//	        bit 2: 30 keys put (the table grows), else 10
//	        bits 3-4: the durability to open with (maptest.Modes[b>>3&3%3])
//	        bits 5-6: both set: open read-only
//	        bit 7: the values replaced were put with a time to live (long
//	               enough never to expire), in expiring records
//	then:   up to 8 edits, each a kind byte and its operands (applyEdit)
func FuzzOpenDamaged(f *testing.F) {
	var samples [16]*sample
	base := f.TempDir()
	for i := range samples {
		s, err := writeSample(filepath.Join(base, fmt.Sprintf("sample%d", i)), i)
		if err != nil {
			f.Fatal(err)
		}
		samples[i] = s
	}
	for _, seed := range damageSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{data}
		b0 := in.byte()
		s := samples[b0&7|b0>>7<<3]
		opts := diskmap.Options{Durability: maptest.Modes[b0>>3&3%3], ReadOnly: b0>>5&3 == 3}
		dir := filepath.Join(t.TempDir(), "map")
		files := s.files.clone()
		var edits []string
		for len(edits) < maxEdits && !in.empty() {
			edits = append(edits, files.applyEdit(in))
		}
		if err := files.write(dir); err != nil {
			t.Fatal(err)
		}
		d := &damaged{dir: dir, opts: opts, s: s, pristine: len(edits) == 0,
			what: fmt.Sprintf("sample %d (%s), opened %v read-only %v, edits:\n\t%s",
				b0&7|b0>>7<<3, s.name, opts.Durability, opts.ReadOnly, strings.Join(edits, "\n\t"))}
		guard(t, damageLimit, d.run)
	})
}

// Edit kinds of FuzzOpenDamaged: the kind byte's low 2 bits pick the file
// (fileBuckets and on), the next 3 bits the edit.
const (
	fileBuckets = iota
	fileKeys
	fileValues
	fileWAL

	editWrite     = 0 << 2 // offset (2 bytes), n, then n bytes written there
	editField     = 1 << 2 // field, how, then a value for a header field (editHeaderField)
	editXor       = 2 << 2 // offset (2 bytes), n, then n bytes xored there
	editTruncate  = 3 << 2 // length (2 bytes): cut or extend the file
	editCopy      = 4 << 2 // from (2 bytes), to (2 bytes), n: copy n bytes
	editChecksums = 5 << 2 // recompute every checksum of the file
	editRemove    = 6 << 2 // remove the file
	editAdd       = 7 << 2 // word (2 bytes), delta: add to a uint32 at 4*word
)

// damageSeeds reach every sample and every edit. Offsets are two bytes,
// little-endian, taken modulo the file size plus one.
var damageSeeds = [][]byte{
	{}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {0x08}, {0x13}, {0x60}, {0x62},
	// A clean header that says a grown table holds 11 keys fewer than it
	// does, checksums made right again.
	{4, fileBuckets | editAdd, 12, 0, 0xf5, fileBuckets | editAdd, 140, 0, 0xf5, fileBuckets | editChecksums},
	// The same, dirty: recovery recounts.
	{6, fileBuckets | editAdd, 12, 0, 0xf5, fileBuckets | editAdd, 140, 0, 0xf5, fileBuckets | editChecksums},
	// Keys end moved back, or past the file, checksums right.
	{0, fileBuckets | editAdd, 16, 0, 0xf8, fileBuckets | editAdd, 144, 0, 0xf8, fileBuckets | editChecksums},
	{4, fileBuckets | editAdd, 18, 0, 0x40, fileBuckets | editAdd, 146, 0, 0x40, fileBuckets | editChecksums},
	// Slots copied over other slots, and a slot's key offset moved.
	{0, fileBuckets | editCopy, 0x00, 0x10, 0x40, 0x10, 48},
	{4, fileBuckets | editAdd, 0x05, 0x04, 1, fileBuckets | editAdd, 0x09, 0x04, 2},
	// A record's length and bytes changed, with and without checksums.
	{0, fileKeys | editXor, 32, 0, 1, 3},
	{1, fileValues | editWrite, 48, 0, 4, 'a', 'b', 'c', 'd', fileValues | editChecksums},
	{2, fileKeys | editAdd, 8, 0, 8, fileKeys | editChecksums},
	// Files cut short, extended, removed.
	{0, fileValues | editTruncate, 100, 0},
	{3, fileKeys | editTruncate, 0, 0x10},
	{1, fileBuckets | editTruncate, 0, 0x10},
	{2, fileKeys | editRemove},
	{0, fileBuckets | editRemove},
	// A torn or garbled log, one with its checksums fixed; a garbled
	// file header, and a garbled first frame after it.
	{3, fileWAL | editXor, 30, 0, 2, 0xff, 0xff},
	{3, fileWAL | editXor, 70, 0, 2, 0xff, 0xff},
	{3, fileWAL | editAdd, 2, 0, 1, fileWAL | editChecksums},
	{7, fileWAL | editTruncate, 90, 0},
	{2, fileWAL | editWrite, 0, 0, 24, 1, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0},
	// An arena header of another generation.
	{0, fileValues | editXor, 16, 0, 1, 1, fileValues | editChecksums},
	// Header fields at their extremes, checksums right: a key count of
	// 2^64-1 beside one tombstone (the sum wraps to 0), in both copies,
	// opened for writing and read-only, clean and dirty.
	{0, fileBuckets | editField, 6, 1, fileBuckets | editField, 7, 2 | 1<<2},
	{0x60, fileBuckets | editField, 6, 1, fileBuckets | editField, 7, 2 | 1<<2},
	{6, fileBuckets | editField, 6, 1, fileBuckets | editField, 7, 2 | 1<<2},
	// Tombstones of 2^64-1; live key bytes past the end; a sequence number
	// and a checkpoint that would wrap; no value codec; one copy only.
	{4, fileBuckets | editField, 7, 1},
	{1, fileBuckets | editField, 10, 1},
	{0, fileBuckets | editField, 2, 1},
	{3, fileBuckets | editField, 14, 1},
	{0, fileBuckets | editField, 16, 2},
	{0, fileBuckets | editField, 1<<6 | 11, 3, 8},
	// An arena's generation and a frame's sequence number moved,
	// checksums right.
	{0, fileKeys | editField, 3, 3, 1},
	{3, fileWAL | editField, 7, 3, 5},
	// The log's file header of another generation, or of version 2,
	// checksums right.
	{3, fileWAL | editField, 3, 3, 1},
	{3, fileWAL | editField, 1, 2 | 2<<2},
	// Samples with expiring records; the expiry bit of the first 16 slots
	// flipped: expiring values read as plain ones, plain ones as expiring,
	// some too short to hold an expiry.
	{0x80}, {0x81}, {0x83}, {0x87},
	flipExpiryBits(0x80), flipExpiryBits(0x86), flipExpiryBits(0x00),
}

// flipExpiryBits returns a seed for sample b0 that flips bit 31 of the
// value-length field (layout.SlotExpires) of the first 16 slots.
func flipExpiryBits(b0 byte) []byte {
	seed := []byte{b0}
	for at := 0; at < 16*layout.SlotSize; at += 64 {
		off := layout.MetaSize + at
		seed = append(seed, fileBuckets|editXor, byte(off), byte(off>>8), 64)
		for j := range 64 {
			x := byte(0)
			if j%layout.SlotSize == layout.SlotSize-1 {
				x = 0x80
			}
			seed = append(seed, x)
		}
	}
	return seed
}

// sample is a small valid map directory to damage, and what it holds.
type sample struct {
	dir   string
	name  string
	dirty bool
	ttl   bool     // replaced values were put with a time to live
	keys  []string // every key it ever held, and a few it never did
	want  map[string][]byte
	files *damageFiles // the contents of its files
}

func sampleKey(i int) string { return fmt.Sprintf("key %d%s", i, strings.Repeat("k", i%9)) }

func sampleValue(i, round int) []byte {
	return bytes.Repeat([]byte{byte('a' + (i+round)%26)}, (i*11+round*5)%70)
}

// writeSample writes sample number i (see FuzzOpenDamaged for the bits)
// into dir.
func writeSample(dir string, i int) (*sample, error) {
	wal, dirty, grown, ttl := i&1 != 0, i&2 != 0, i&4 != 0, i&8 != 0
	opts := &diskmap.Options{Capacity: 8, KeyBytes: 1024, ValueBytes: 4096}
	if wal {
		opts.Durability = diskmap.DurabilityWAL
	}
	s := &sample{dir: dir, dirty: dirty, ttl: ttl, want: map[string][]byte{}}
	s.name = fmt.Sprintf("%v, dirty %v, grown %v, expiring %v", opts.Durability, dirty, grown, ttl)
	src := dir + "-source"
	m, err := diskmap.Open[string, []byte](src, opts)
	if err != nil {
		return nil, err
	}
	// A clean sample is closed, and its error checked, before it is
	// copied; a dirty one is copied open, so its Close changes nothing.
	defer func() { _ = m.Close() }()
	n := 10
	if grown {
		n = 30
	}
	for i := range n + 2 {
		s.keys = append(s.keys, sampleKey(i))
	}
	s.keys = append(s.keys, "", "never there", strings.Repeat("long key ", 40))
	err = s.fill(m, n)
	if err == nil && dirty {
		// Changes after a checkpoint: in the log, or past the ends the
		// header records.
		err = m.Checkpoint()
		for _, e := range []error{err, s.put(m, n+1, 2), s.put(m, 0, 3), s.del(m, 6)} {
			err = cmpErr(err, e)
		}
		err = cmpErr(err, maptest.CopyMapFiles(src, dir))
	}
	if err == nil && !dirty {
		err = m.Close()
		err = cmpErr(err, maptest.CopyMapFiles(src, dir))
	}
	if err == nil {
		s.files, err = readMapFiles(dir)
	}
	return s, err
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// fill puts n keys, replaces every third, deletes every fourth, and puts
// and deletes in a batch.
func (s *sample) fill(m *diskmap.Map[string, []byte], n int) error {
	for i := range n {
		if err := s.put(m, i, 0); err != nil {
			return err
		}
	}
	for i := 0; i < n; i += 3 {
		if err := s.put(m, i, 1); err != nil {
			return err
		}
	}
	for i := 1; i < n; i += 4 {
		if err := s.del(m, i); err != nil {
			return err
		}
	}
	err := m.Batch(func(b *diskmap.Batch[string, []byte]) error {
		return cmpErr(b.Put(sampleKey(n), sampleValue(n, 0)), b.Put(sampleKey(5), sampleValue(5, 2)))
	})
	s.want[sampleKey(n)], s.want[sampleKey(5)] = sampleValue(n, 0), sampleValue(5, 2)
	return err
}

// put puts value round of key i; in a sample with expiring records, odd
// rounds are put to live 100,000 hours.
func (s *sample) put(m *diskmap.Map[string, []byte], i, round int) error {
	s.want[sampleKey(i)] = sampleValue(i, round)
	if s.ttl && round%2 == 1 {
		return m.PutTTL(sampleKey(i), sampleValue(i, round), 100_000*time.Hour)
	}
	return m.Put(sampleKey(i), sampleValue(i, round))
}

func (s *sample) del(m *diskmap.Map[string, []byte], i int) error {
	delete(s.want, sampleKey(i))
	_, err := m.Delete(sampleKey(i))
	return err
}

// damageFiles holds the contents of the files of a map directory, nil for
// a file that is not there.
type damageFiles [4][]byte

func readMapFiles(dir string) (*damageFiles, error) {
	var files damageFiles
	for i, name := range maptest.MapFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		files[i] = b
	}
	return &files, nil
}

func (files *damageFiles) clone() *damageFiles {
	var c damageFiles
	for i, b := range files {
		if b != nil {
			c[i] = bytes.Clone(b)
		}
	}
	return &c
}

func (files *damageFiles) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, name := range maptest.MapFiles {
		if files[i] == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), files[i], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// applyEdit reads one edit from the input, applies it and describes it.
func (files *damageFiles) applyEdit(in *input) string {
	kind := in.byte()
	name := maptest.MapFiles[kind&3]
	b := files[kind&3]
	// pos maps two bytes of the input to an offset in the file, its end
	// included.
	pos := func() int { return int(in.uint16()) % (len(b) + 1) }
	var what string
	switch kind & (7 << 2) {
	case editWrite, editXor:
		at := pos()
		p := in.bytes(int(in.byte()) % (maxEditLen + 1))
		if len(b) < at+len(p) {
			b = append(b, make([]byte, at+len(p)-len(b))...)
		}
		if kind&(7<<2) == editXor {
			for i, c := range p {
				b[at+i] ^= c
			}
			what = fmt.Sprintf("xor %x at %d", p, at)
		} else {
			copy(b[at:], p)
			what = fmt.Sprintf("write %x at %d", p, at)
		}
	case editTruncate:
		n := int(in.uint16())
		b = append(b[:min(n, len(b))], make([]byte, max(n-len(b), 0))...)
		what = fmt.Sprintf("truncate to %d", n)
	case editCopy:
		from, to, n := pos(), pos(), int(in.byte())%(maxEditLen+1)
		n = min(n, len(b)-from, len(b)-to)
		copy(b[to:to+n], b[from:from+n])
		what = fmt.Sprintf("copy %d bytes from %d to %d", n, from, to)
	case editField:
		what = editHeaderField(kind&3, b, in)
	case editChecksums:
		fixChecksums(kind&3, b)
		what = "fix checksums"
	case editRemove:
		b = nil
		what = "remove"
	case editAdd:
		at := int(in.uint16()) * 4
		delta := int8(in.byte())
		if len(b) >= 4 {
			at %= len(b) - 3
			at &^= 3
			binary.LittleEndian.PutUint32(b[at:], binary.LittleEndian.Uint32(b[at:])+uint32(int32(delta)))
		}
		what = fmt.Sprintf("add %d to the uint32 at %d", delta, at)
	}
	if b == nil && kind&(7<<2) != editRemove {
		b = []byte{}
	}
	files[kind&3] = b
	return name + ": " + what
}

// headerField is a field of a file's header: of each buckets header copy,
// of an arena's header, of the log's file header and its first frame.
type headerField struct {
	name       string
	off, width int
}

// headerFields are the fields editField writes, by file, as the spec in
// package layout places them (the log's as format version 2 has it).
var headerFields = [4][]headerField{
	fileBuckets: {
		{"version", 8, 4}, {"flags", 12, 4}, {"seq", 16, 8}, {"seed", 24, 8},
		{"generation", 32, 8}, {"log2", 40, 1}, {"count", 48, 8}, {"tombstones", 56, 8},
		{"keys end", 64, 8}, {"values end", 72, 8}, {"keys live", 80, 8}, {"values live", 88, 8},
		{"resizes", 96, 8}, {"compactions", 104, 8}, {"checkpoint", 112, 8},
		{"key codec", 120, 32}, {"value codec", 152, 32}, {"reserved", 184, 64},
	},
	fileKeys:   {{"magic", 0, 8}, {"version", 8, 4}, {"zero", 12, 4}, {"generation", 16, 8}},
	fileValues: {{"magic", 0, 8}, {"version", 8, 4}, {"zero", 12, 4}, {"generation", 16, 8}},
	fileWAL: {
		{"magic", 0, 8}, {"version", 8, 4}, {"zero", 12, 4}, {"generation", 16, 8}, {"salt", 24, 8},
		{"frame length", 40, 4}, {"frame zero", 44, 4}, {"frame seq", 48, 8},
	},
}

// editHeaderField writes a value into one header field of file and makes
// the checksums right again, so that what is checked is the field, not
// the checksum. Its operands:
//
//	field: bits 0-4: the field (modulo the file's fields); for buckets,
//	       bits 6-7: 1 the first header copy, 2 the second, else both
//	how:   bits 0-1: 0 the next bytes of the input, as many as the field
//	       has; 1 the largest value less how>>2; 2 how>>2; 3 the field
//	       plus the next byte, signed (values little-endian, in the
//	       field's first 8 bytes and zeros after)
func editHeaderField(file byte, b []byte, in *input) string {
	sel, how := in.byte(), in.byte()
	f := headerFields[file][int(sel&31)%len(headerFields[file])]
	copies := []int{0}
	if file == fileBuckets && sel>>6 != 1 {
		copies = []int{layout.HeaderCopyOffset}
		if sel>>6 != 2 {
			copies = []int{0, layout.HeaderCopyOffset}
		}
	}
	value := make([]byte, f.width)
	var delta uint64
	switch how & 3 {
	case 0:
		copy(value, in.bytes(f.width))
	case 1:
		putLittleEndian(value, ^uint64(0)-uint64(how>>2))
	case 2:
		putLittleEndian(value, uint64(how>>2))
	case 3:
		delta = uint64(int64(int8(in.byte())))
	}
	for _, at := range copies {
		if at+f.off+f.width > len(b) {
			continue // the file is too short for this field
		}
		field := b[at+f.off : at+f.off+f.width]
		if how&3 == 3 {
			n := min(f.width, 8)
			putLittleEndian(field[:n], littleEndian(field[:n])+delta)
		} else {
			copy(field, value)
		}
	}
	fixHeaderChecksums(file, b, copies)
	return fmt.Sprintf("%s (offset %d) of the header at %v := %x (how %#x, delta %d), checksums fixed",
		f.name, f.off, copies, value, how, int64(delta))
}

func littleEndian(b []byte) uint64 {
	var w [8]byte
	copy(w[:], b)
	return binary.LittleEndian.Uint64(w[:])
}

// putLittleEndian writes v into b, cut to len(b) bytes or padded with zeros.
func putLittleEndian(b []byte, v uint64) {
	var w [8]byte
	binary.LittleEndian.PutUint64(w[:], v)
	clear(b)
	copy(b, w[:])
}

// fixHeaderChecksums recomputes the checksum of the buckets header copies
// at copies, of an arena's header, or of the log's frames.
func fixHeaderChecksums(file byte, b []byte, copies []int) {
	le := binary.LittleEndian
	switch file {
	case fileBuckets:
		for _, at := range copies {
			if len(b) >= at+layout.HeaderSize {
				sum := at + layout.HeaderSize - 8
				le.PutUint64(b[sum:], xxhash.Sum64(b[at:sum]))
			}
		}
	case fileKeys, fileValues:
		if len(b) >= layout.ArenaHeaderSize {
			le.PutUint64(b[24:], xxhash.Sum64(b[:24]))
		}
	case fileWAL:
		fixChecksums(fileWAL, b)
	}
}

// fixChecksums recomputes the checksums of file, so that damage gets past
// them: both header copies of buckets; the header and the records of an
// arena, up to the first all-zero record header or the first record that
// does not fit; the file header and the frames of the log, likewise.
func fixChecksums(file byte, b []byte) {
	le := binary.LittleEndian
	zero := func(p []byte) bool { return !bytes.ContainsFunc(p, func(r rune) bool { return r != 0 }) }
	switch file {
	case fileBuckets:
		for _, at := range []int{0, layout.HeaderCopyOffset} {
			if len(b) >= at+layout.HeaderSize {
				sum := at + layout.HeaderSize - 8
				le.PutUint64(b[sum:], xxhash.Sum64(b[at:sum]))
			}
		}
	case fileKeys, fileValues:
		if len(b) < layout.ArenaHeaderSize {
			return
		}
		le.PutUint64(b[24:], xxhash.Sum64(b[:24]))
		for off := layout.ArenaHeaderSize; off+layout.RecordHeaderSize <= len(b); {
			n := int(le.Uint32(b[off:]))
			if zero(b[off:off+layout.RecordHeaderSize]) || n > len(b)-off-layout.RecordHeaderSize {
				return
			}
			start := off + layout.RecordHeaderSize
			le.PutUint32(b[off+4:], layout.Checksum(b[start:start+n]))
			off += int(layout.RecordSize(n))
		}
	case fileWAL:
		if len(b) < wal.FileHeaderSize {
			return
		}
		le.PutUint64(b[32:], xxhash.Sum64(b[:32]))
		salt := le.Uint64(b[24:])
		for off := wal.FileHeaderSize; off+wal.FrameHeaderSize <= len(b); {
			n := int(min(int64(le.Uint32(b[off:])), int64(len(b)))) // fits an int on 32 bits too
			if zero(b[off:off+wal.FrameHeaderSize]) || wal.FrameSize(n) > int64(len(b)-off) {
				return
			}
			start := off + wal.FrameHeaderSize
			wal.PutFrame(b[off:], salt, le.Uint64(b[off+8:]), bytes.Clone(b[start:start+n]))
			off += int(wal.FrameSize(n))
		}
	}
}

// damaged is one damaged map directory to open.
type damaged struct {
	dir      string
	opts     diskmap.Options
	s        *sample
	pristine bool // no edit was made
	what     string
}

func (d *damaged) failf(format string, args ...any) {
	failf("%s\n%s", fmt.Sprintf(format, args...), d.what)
}

func (d *damaged) run() {
	m, err := diskmap.Open[string, []byte](d.dir, &d.opts)
	if err != nil {
		if d.pristine && (!d.opts.ReadOnly || !d.s.dirty) {
			d.failf("Open of an undamaged map: %v", err)
		}
		return
	}
	d.counts(m)
	maptest.ReadAll(m, d.s.keys)
	checkErr := m.Check()
	if checkErr == nil {
		d.consistent(m)
	}
	if d.pristine {
		if checkErr != nil {
			d.failf("Check of an undamaged map: %v", checkErr)
		}
		d.same(m)
	}
	d.write(m)
	_ = m.Close()
	if m, err = diskmap.Open[string, []byte](d.dir, &d.opts); err == nil {
		d.counts(m)
		maptest.ReadAll(m, d.s.keys)
		if m.Check() == nil {
			d.consistent(m)
		}
		_ = m.Close()
	}
}

// counts checks that a map Open returned counts no fewer than zero keys
// and tombstones: the header's counts were checked, or recovery counted
// again.
func (d *damaged) counts(m *diskmap.Map[string, []byte]) {
	if st := m.Stats(); m.Len() < 0 || st.Len < 0 || st.Tombstones < 0 {
		d.failf("Open returned a map with Len %d, Stats.Len %d, Stats.Tombstones %d", m.Len(), st.Len, st.Tombstones)
	}
}

// consistent checks that a map that passed Check agrees with itself: All
// yields Len distinct keys without error, Get, View and Contains agree
// with it on those keys, and find none of the sample's other keys.
func (d *damaged) consistent(m *diskmap.Map[string, []byte]) {
	all := map[string][]byte{}
	for k, v := range m.All() {
		if _, dup := all[k]; dup {
			d.failf("Check passed, but All yields %q twice", k)
		}
		all[k] = v
	}
	if err := m.Err(); err != nil {
		d.failf("Check passed, but All: %v", err)
	}
	if len(all) != m.Len() {
		d.failf("Check passed, but All yields %d keys and Len says %d", len(all), m.Len())
	}
	for _, k := range d.s.keys {
		if _, ok := all[k]; !ok {
			all[k] = nil
		}
	}
	for k, want := range all {
		got, found, err := m.Get(k)
		if err != nil || found != (want != nil) || !bytes.Equal(got, want) {
			d.failf("Check passed, but Get(%q) = %q, %v, %v; All says %q", k, got, found, err, want)
		}
		view, found, err := m.View(k)
		if err != nil || found != (want != nil) || !bytes.Equal(view, want) {
			d.failf("Check passed, but View(%q) = %q, %v, %v; All says %q", k, view, found, err, want)
		}
		if found, err := m.Contains(k); err != nil || found != (want != nil) {
			d.failf("Check passed, but Contains(%q) = %v, %v; All says %q", k, found, err, want)
		}
	}
}

// same checks that an undamaged map holds what the sample wrote.
func (d *damaged) same(m *diskmap.Map[string, []byte]) {
	if m.Len() != len(d.s.want) {
		d.failf("undamaged map: Len %d, want %d", m.Len(), len(d.s.want))
	}
	for k, want := range d.s.want {
		got, found, err := m.Get(k)
		if err != nil || !found || !bytes.Equal(got, want) {
			d.failf("undamaged map: Get(%q) = %q, %v, %v; want %q", k, got, found, err, want)
		}
	}
}

// write changes the map in every way, compacting it first and last;
// errors are fine.
func (d *damaged) write(m *diskmap.Map[string, []byte]) {
	_ = m.Compact()
	for i := range 6 {
		_ = m.Put(sampleKey(i*5), []byte("new value"))
		_, _ = m.Delete(sampleKey(i*5 + 1))
		_ = m.Put(fmt.Sprintf("new key %d", i), bytes.Repeat([]byte{'n'}, i*20))
	}
	_, _ = m.Entry(sampleKey(3)).AndModify(func(v *[]byte) { *v = append(*v, '+') }).OrInsert([]byte("inserted"))
	_ = m.Batch(func(b *diskmap.Batch[string, []byte]) error {
		_ = b.Put(sampleKey(7), []byte("batch"))
		_, _ = b.Delete(sampleKey(8))
		return nil
	})
	_ = m.Compact()
	_ = m.Put("after compact", []byte("value"))
	_, _ = m.Delete(sampleKey(2))
	_ = m.Check()
	_ = m.Sync()
}
