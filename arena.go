package diskmap

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"os"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/internal/unsafebytes"
	"github.com/diskmap-go/diskmap/layout"
)

// arena is one file of records, keys or values. Records are appended;
// only a value update writes over a dead record, its key's twin (twin.go).
//
// Records are read through a read-only mapping, so that a caller writing
// into a view faults instead of changing the file, and written through a
// second, writable mapping of the same file (nil when the map is read-only).
// Both mappings have address space reserved after them, so growing the file
// rarely moves them; when one moves, the old one is unmapped in the
// background (see extend).
//
// The read-only mapping, the one views point into, lies in the map's
// mmap.Space for the arena: each mapping of the arena's files, as it moves
// and at each compaction, goes where none was before, and one left behind
// stays reserved and inaccessible, so that a view kept past its end faults
// instead of reading other bytes. An arena being built by a compaction,
// whose mappings no caller sees, has no Space.
type arena struct {
	f     *os.File
	path  string
	files mmap.FS // every operation on f outside the mappings goes through it
	magic [8]byte
	space *mmap.Space // where ro is mapped; nil for an arena no caller reads

	ro, rw *mmap.Region // the mappings; rw is nil when read-only
	data   []byte       // ro's bytes up to size: what readers see
	w      []byte       // rw's bytes up to size: where records are written

	end  int64 // bytes in use, header included; records are appended here
	size int64 // file size, bytes allocated on disk; an allocation ahead not yet mapped is past it (see ahead)
	live int64 // bytes of records that a slot points at

	bg          *background // unmaps the mappings that growing replaced, prefaults, allocates ahead; nil: at once, none
	aheadFailed int64       // the size at which growing ahead last failed (see ahead)
	faulted     int64       // the mappings are prefaulted, or being prefaulted, up to here (see ahead)
	// allocating is the size the background is growing the file to
	// ahead (see ahead), 0 when it is not; allocated receives the
	// result.
	allocating int64
	allocated  chan error
}

// openArena opens and maps the arena at path, through files, checking its
// header against generation. A writable arena is mapped twice: read-only
// (in space, unless nil) and read-write.
func openArena(files mmap.FS, path string, magic [8]byte, generation uint64, writable bool, space *mmap.Space) (*arena, error) {
	flag := os.O_RDONLY
	if writable {
		flag = os.O_RDWR
	}
	f, err := files.OpenFile(path, flag, 0)
	if err != nil {
		return nil, fmt.Errorf("diskmap: opening %s: %w", path, err)
	}
	a := &arena{f: f, path: path, files: files, magic: magic, space: space, allocated: make(chan error, 1)}
	if err := a.load(generation, writable); err != nil {
		_ = a.close()
		return nil, err
	}
	return a, nil
}

func (a *arena) load(generation uint64, writable bool) error {
	fi, err := a.f.Stat()
	if err != nil {
		return fmt.Errorf("diskmap: opening %s: %w", a.path, mmap.Cause(err))
	}
	a.size = fi.Size()
	var hdr [layout.ArenaHeaderSize]byte
	if n, _ := a.f.ReadAt(hdr[:], 0); n < len(hdr) {
		return &CorruptError{File: a.path, Field: "arena size", Expected: "at least 32 bytes", Found: a.size}
	}
	h, err := layout.DecodeArenaHeader(hdr[:], a.magic)
	if err != nil {
		return format.At(err, a.path, 0)
	}
	if h.Generation != generation {
		return &CorruptError{File: a.path, Offset: 16, Field: "arena generation",
			Expected: hexa(generation), Found: hexa(h.Generation)}
	}
	if a.size > layout.MaxArenaSize+layout.ArenaHeaderSize {
		return &CorruptError{File: a.path, Field: "arena size", Found: a.size}
	}
	if a.size > maxArena {
		return fmt.Errorf("%s is %d bytes, more than an arena may have %s (%d): %w", a.path, a.size, platform(), maxArena, ErrTooLarge)
	}
	if writable {
		// A sparse copy of the file has holes: give them blocks now, or a
		// write through the mapping into one faults on a full disk.
		if err := a.files.Allocate(a.f, a.size); err != nil {
			return fmt.Errorf("diskmap: allocating %s: %w", a.path, err)
		}
	}
	return a.remap(a.size, writable)
}

// remap maps the file again, with room for it to grow to twice size.
func (a *arena) remap(size int64, writable bool) error {
	if err := a.unmap(); err != nil {
		return err
	}
	var err error
	if a.ro, err = a.mapRO(size); err == nil && writable {
		a.rw, err = mapReserved(a.f, size, reservation(size), mmap.ReadWrite)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("diskmap: mapping %s: %w", a.path, err), a.unmap())
	}
	if a.rw != nil {
		a.rw.AdviseRandom() // see there: writes past the end reread what they fill
	}
	a.resize(size)
	return nil
}

// mapRO maps the first size bytes of the file read-only: in the arena's
// Space, with room to grow as far as span says, or else with the
// reservation.
func (a *arena) mapRO(size int64) (*mmap.Region, error) {
	if a.space == nil {
		return mapReserved(a.f, size, reservation(size), mmap.ReadOnly)
	}
	return a.space.Map(a.f, int(size), int(span(size)))
}

// resize points data and w at the first size bytes of the mappings.
func (a *arena) resize(size int64) {
	a.faulted = min(a.faulted, size)
	a.size = size
	a.data = a.ro.Bytes()[:size:size]
	if a.rw != nil {
		a.w = a.rw.Bytes()[:size:size]
	}
}

// reservation returns how much address space to map for a file of size
// bytes: room to double, in powers of two, where the system allows mapping
// past the end of a file. 32-bit systems map only what is there.
func reservation(size int64) int64 {
	if !mmap.Reserves || bits.UintSize == 32 {
		return size
	}
	r := int64(64 << 20)
	for r < 2*size {
		r *= 2
	}
	return r
}

// span returns how much address space the arena's Space reserves when it
// needs more, for a file of size bytes: twice the reservation, so that the
// read-only mapping grows in place as far as the read-write one, and the
// files of the compactions that follow, each about the size of the live
// records, fit after it. On a 32-bit system, whose address space is
// scarce, an eighth more than size, or 1 MiB more if that is more: room
// for one step of growth in place (see nextSize).
func span(size int64) int64 {
	if bits.UintSize == 32 {
		return size + max(size/8, 1<<20)
	}
	return 2 * reservation(size)
}

// mapReserved maps the file with the reservation, or without it when the
// address space for it cannot be had.
func mapReserved(f *os.File, size, reserve int64, mode mmap.Mode) (*mmap.Region, error) {
	r, err := mmap.Map(f, int(reserve), mode)
	if err != nil && reserve > size {
		r, err = mmap.Map(f, int(size), mode)
	}
	return r, err
}

// unmap drops both mappings, even when unmapping one fails.
func (a *arena) unmap() error {
	var errs []error
	for _, r := range []*mmap.Region{a.ro, a.rw} {
		if r != nil {
			errs = append(errs, r.Unmap())
		}
	}
	a.ro, a.rw, a.data, a.w = nil, nil, nil, nil
	a.faulted = 0
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("diskmap: unmapping %s: %w", a.path, err)
	}
	return nil
}

func (a *arena) close() error {
	a.settle()
	return errors.Join(a.unmap(), closeFile(a.f, a.path))
}

// moves reports whether making room for n more bytes would move the
// read-only mapping, invalidating views of it: whether reserve would grow
// the file past the mapping's room, or on a system that remaps at every
// growth.
func (a *arena) moves(n int64) bool {
	need := a.end + n
	return need > a.size && (!mmap.Reserves || a.nextSize(need) > int64(a.ro.Room()))
}

// nextSize returns the size grow gives the file to hold need bytes: a step
// more than it has (see step), in whole pages, and never past maxArena.
// Where the mappings reserve room to grow into (see growsAhead), the step
// is at most aheadChunk: the file is kept ahead of its end by ahead, a
// chunk at a time, and grows by itself only when a record does not fit in
// what ahead left.
func (a *arena) nextSize(need int64) int64 {
	step := a.step()
	if a.growsAhead() {
		step = min(step, aheadChunk)
	}
	return min(roundPage(max(a.size+step, need)), maxArena)
}

// step returns how far ahead of its records the file is allocated: an
// eighth of its size, at least 64 KiB and at most 1 GiB.
//
// Not doubling: a file allocates its growth at once, so doubling holds up
// to half the file allocated ahead of its records, and fails once the disk
// has less free than the file's size. On an 8 MiB disk of 1 KB values a
// doubling arena failed a Put with 3.9 MiB free. With a step of an eighth
// the space held ahead stays under an eighth of the file (or 64 KiB), and
// a map fills its disk to within one step.
func (a *arena) step() int64 { return min(max(a.size/8, growMin), growMax) }

// The least and the most an arena grows by at a time: see step.
const (
	growMin = 64 << 10
	growMax = 1 << 30
)

// aheadChunk is the most that one allocation ahead adds (see ahead). A
// fallocate of 4 MiB takes tens of microseconds; of a step of a large
// arena, 128 MiB at 1 GiB, a millisecond or more, and the disk may stall
// it for longer.
const aheadChunk = 4 << 20

// growsAhead reports whether the arena is allocated ahead of its records
// (see ahead): where its mappings have address space reserved past the
// file, so that a growing file is mapped again only once it passes the
// reservation. Elsewhere (32-bit systems, Windows) the file grows a whole
// step at a time when a record does not fit.
func (a *arena) growsAhead() bool { return reservation(a.size) > a.size }

// ahead keeps the file allocated ahead of its records, after a write. Once
// the room allocated past the end falls below half a step, the background
// grows the file by at most aheadChunk, toward a step past the end; a
// later write that finds it done maps what it added. So the records of a
// steady stream of writes always find their room allocated, and a write
// waits for an allocation only when its record does not fit in what was
// allocated before: a fallocate made by the writer itself, even of
// 4 MiB, waited up to a quarter of a second at times, for the file system
// to read its free-space bitmaps from a disk busy writing back a grown
// table (bench/RESULTS.md). A failure, such as a full disk, is not the
// write's: it is remembered, and ahead tries again only once the file has
// grown by other means, when a record no longer fits and its write grows
// the file or fails (grow, which waits for the allocation under way
// first). The mappings may move, so ahead runs once the write is done
// with its views; it returns only an error that left the arena without
// mappings (see extend).
//
// Then it has the background prefault the writable mapping a little past
// the end (faultAhead), so that the writes to come find their pages
// mapped in.
func (a *arena) ahead() error {
	if a.rw == nil || !a.growsAhead() {
		return nil
	}
	defer a.faultAhead()
	if err := a.takeAllocated(false); err != nil {
		return err
	}
	step := a.step()
	if a.allocating > 0 || a.size-a.end >= step/2 || a.aheadFailed == a.size {
		return nil
	}
	size := min(roundPage(min(a.end+step, a.size+aheadChunk)), maxArena)
	if size <= a.size {
		return nil
	}
	a.allocating = size
	files, f, done := a.files, a.f, a.allocated
	a.bg.run(func() { done <- files.Extend(f, size) })
	return a.takeAllocated(false) // done already without a background
}

// takeAllocated maps what the allocation ahead added, once it is done
// (with wait, waiting for it).
func (a *arena) takeAllocated(wait bool) error {
	if size := a.allocation(wait); size > 0 {
		return a.extend(size)
	}
	return nil
}

// settle waits for the allocation ahead under way, if any, before the
// writer changes the file's size itself or closes it. What it added is
// left unmapped: the file is then larger than size says, which the next
// growth finds (mmap.Extend allocates only what the file lacks).
func (a *arena) settle() { a.allocation(true) }

// allocation returns the size the allocation ahead under way grew the
// file to, once it is done (with wait, waiting for it); 0 if none is done,
// or it failed, which ahead remembers.
func (a *arena) allocation(wait bool) int64 {
	if a.allocating == 0 {
		return 0
	}
	var err error
	if wait {
		err = <-a.allocated
	} else {
		select {
		case err = <-a.allocated:
		default:
			return 0
		}
	}
	size := a.allocating
	a.allocating = 0
	if err != nil {
		a.aheadFailed = a.size
		return 0
	}
	return size
}

// faultWindow is how far past the end of an arena the background keeps
// its mappings prefaulted: a few MiB, not the whole room allocated ahead,
// whose pages would otherwise be written back as zeros before records
// fill them.
const faultWindow = 8 << 20

// faultAhead queues a prefault of the next faultWindow/2 bytes of the
// writable mapping, for the records written there, once the prefaulted
// part reaches less than faultWindow past the end. The read-only mapping
// is left to fault in as it is read: it lies in a Space, which the writer
// alone maps in, and its pages are torn down as it moves.
func (a *arena) faultAhead() {
	from := max(a.faulted, a.end)
	if a.bg == nil || from >= a.size || from >= a.end+faultWindow/2 {
		return
	}
	n := min(faultWindow/2, a.size-from)
	a.bg.prefault(a.rw, int(from), int(n), true)
	a.faulted = from + n
}

// reserve makes sure n more bytes fit before the end of the file, growing
// it if not.
func (a *arena) reserve(n int64) error {
	if a.end+n <= a.size {
		return nil
	}
	if err := a.fits(n); err != nil {
		return err
	}
	return a.grow(a.end + n)
}

// put writes a record holding p at the end of the arena, whose room was
// reserved, and returns the record's offset / 8.
func (a *arena) put(p []byte) uint32 {
	off, n := a.end, layout.RecordSize(len(p))
	format.PutRecord(a.w[off:off+n:off+n], p)
	a.end += n
	return uint32(off / layout.Align)
}

// putExpiring writes an expiring record of the value v, to expire at exp,
// at the end of the arena, whose room was reserved, and returns the
// record's offset / 8.
func (a *arena) putExpiring(exp int64, v []byte) uint32 {
	off, n := a.end, layout.ExpiringRecordSize(len(v))
	format.PutExpiringRecord(a.w[off:off+n:off+n], exp, v)
	a.end += n
	return uint32(off / layout.Align)
}

// writable returns the bytes, in the writable mapping, of the record at
// offset off*8 of RecordSize(n) bytes, which lies within the end.
func (a *arena) writable(off uint32, n int) []byte {
	start := int64(off) * layout.Align
	end := start + layout.RecordSize(n)
	return a.w[start:end:end]
}

// append reserves room for a record holding p and writes it.
func (a *arena) append(p []byte) (uint32, error) {
	if err := a.reserve(layout.RecordSize(len(p))); err != nil {
		return 0, err
	}
	return a.put(p), nil
}

// grow extends the file so that it holds at least need bytes, which fit
// (see fits), to nextSize, with real disk allocation so that a full disk
// shows here as an error rather than as a fault on a later write. The
// file has no holes: Open gave them blocks (see load), and it has only
// grown since, so only the range added is allocated (mmap.Extend). The
// mappings then grow in place, or move where they have no room.
func (a *arena) grow(need int64) error {
	a.settle()
	size := a.nextSize(need)
	if !mmap.Reserves {
		// This system cannot extend a mapped file.
		if err := a.unmap(); err != nil {
			return errors.Join(err, a.remap(a.size, true))
		}
		if err := a.files.Extend(a.f, size); err != nil {
			return errors.Join(fmt.Errorf("diskmap: growing %s: %w", a.path, err), a.remap(a.size, true))
		}
		return a.remap(size, true)
	}
	if err := a.files.Extend(a.f, size); err != nil {
		return fmt.Errorf("diskmap: growing %s: %w", a.path, err)
	}
	return a.extend(size)
}

// extend makes the mappings cover the first size bytes of the file, which
// has grown to that: in place where they have room, so that views stay
// good. Where one has no room left, the file is mapped anew before the old
// mapping is let go, to be unmapped in the background, so that nothing
// waits for the tearing down of a mapping whose pages were read or
// written: the read-only one elsewhere in its Space (mmap.Space.Move),
// which retires the old one as the background unmaps it; the read-write
// one with a new reservation. If mapping fails, the arena is left as it
// was, or without mappings (see core.checkMapped).
func (a *arena) extend(size int64) error {
	if size > int64(a.ro.Room()) {
		if err := a.moveRO(size); err != nil {
			return errors.Join(fmt.Errorf("diskmap: mapping %s: %w", a.path, err), a.unmap())
		}
	} else if err := a.ro.Grow(int(size)); err != nil {
		return errors.Join(fmt.Errorf("diskmap: mapping %s: %w", a.path, err), a.remap(a.size, true))
	}
	if size > int64(a.rw.Room()) {
		rw, err := mapReserved(a.f, size, reservation(size), mmap.ReadWrite)
		if err != nil {
			return errors.Join(fmt.Errorf("diskmap: mapping %s: %w", a.path, err), a.unmap())
		}
		rw.AdviseRandom()
		a.bg.unmap(a.rw)
		a.rw = rw
		a.faulted = 0 // the new mapping has no pages mapped in
	}
	a.resize(size)
	return nil
}

// moveRO maps the first size bytes of the file read-only anew, in place of
// the read-only mapping, which has no room to grow to size: in the arena's
// Space, the old one left to the background to unmap, which retires it;
// without a Space, unmapped first.
func (a *arena) moveRO(size int64) error {
	old := a.ro
	if a.space == nil {
		a.ro = nil
		if err := old.Unmap(); err != nil {
			return err
		}
		ro, err := a.mapRO(size)
		a.ro = ro
		return err
	}
	ro, err := a.space.Move(old, a.f, int(size), int(span(size)))
	a.ro = ro
	if err != nil {
		return err
	}
	a.bg.unmap(old)
	return nil
}

// record returns the payload of the record at offset off*8, checking only
// that it lies within the end.
func (a *arena) record(off uint32) ([]byte, error) {
	p, _, err := layout.RecordAt(a.data, int64(off)*layout.Align, a.end)
	return p, err
}

// holds reports whether a record with an n-byte payload lies at offset
// off*8, within the end: what an update checks before it makes the record
// its slot pointed at a twin, to be written over, since a slot damaged on
// disk may point anywhere.
func (a *arena) holds(off, n uint32) bool {
	p, err := a.record(off)
	return err == nil && len(p) == int(n)
}

// view returns the n-byte payload of the record at offset off*8 without
// reading its header, or false if it would pass the end. At
// layout.SlotNoValue it returns the empty value, which has no record.
func (a *arena) view(off, n uint32) ([]byte, bool) {
	if off == layout.SlotNoValue {
		return []byte{}, n == 0
	}
	start := int64(off)*layout.Align + layout.RecordHeaderSize
	end := start + int64(n)
	if start < layout.ArenaHeaderSize+layout.RecordHeaderSize || end > a.end {
		return nil, false
	}
	return a.data[start:end:end], true
}

// offsetOf returns the offset in the file of b, bytes of the arena's
// mapping, or -1 when b lies elsewhere (a value not written yet).
func (a *arena) offsetOf(b []byte) int64 {
	if len(b) == 0 || len(a.data) == 0 {
		return -1
	}
	off := int64(unsafebytes.Addr(b)) - int64(unsafebytes.Addr(a.data))
	if off < 0 || off >= int64(len(a.data)) {
		return -1
	}
	return off
}

// equal reports whether the record at offset off*8 holds key; ok is false
// when the record would pass the end.
func (a *arena) equal(off uint32, key []byte) (eq, ok bool) {
	start := int64(off) * layout.Align
	if start < layout.ArenaHeaderSize || start > a.end-layout.RecordHeaderSize {
		return false, false
	}
	n := int64(format.RecordLen(a.data[start:]))
	if n != int64(len(key)) {
		return false, true
	}
	start += layout.RecordHeaderSize
	if n > a.end-start {
		return false, false
	}
	return bytes.Equal(a.data[start:start+n], key), true
}

// createArena creates an empty arena at path, through files, replacing any
// file there (a new file gets the permission bits perm, less the umask),
// with size bytes allocated, and opens it for writing, its read-only
// mapping in space unless nil.
func createArena(files mmap.FS, path string, perm os.FileMode, magic [8]byte, generation uint64, size int64, space *mmap.Space) (*arena, error) {
	f, err := files.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return nil, fmt.Errorf("diskmap: creating %s: %w", path, err)
	}
	var hdr [layout.ArenaHeaderSize]byte
	layout.ArenaHeader{Magic: magic, Generation: generation}.Encode(hdr[:])
	size = max(size, layout.ArenaHeaderSize)
	if _, err = files.WriteAt(f, hdr[:], 0); err == nil {
		err = files.Allocate(f, size)
	}
	err = errors.Join(err, mmap.Cause(f.Close()))
	if err != nil {
		_ = files.Remove(path)
		return nil, fmt.Errorf("diskmap: creating %s: %w", path, err)
	}
	a, err := openArena(files, path, magic, generation, true, space)
	if err != nil {
		return nil, err
	}
	a.end = layout.ArenaHeaderSize
	return a, nil
}

// trim cuts the file after its last record, as a clean close leaves it.
func (a *arena) trim() error {
	a.settle()
	if err := a.files.Truncate(a.f, a.end); err != nil {
		return fmt.Errorf("diskmap: cutting %s at %d bytes: %w", a.path, a.end, err)
	}
	return nil
}

// flush writes the records in use to stable storage.
func (a *arena) flush() error {
	if a.rw == nil {
		return nil
	}
	err := a.rw.Flush(0, int(a.end))
	if err == nil {
		err = a.files.Sync(a.f)
	}
	if err != nil {
		return fmt.Errorf("diskmap: syncing %s: %w", a.path, err)
	}
	return nil
}

var pageSize = int64(os.Getpagesize())

// roundPage rounds n up to whole pages.
func roundPage(n int64) int64 { return (n + pageSize - 1) &^ (pageSize - 1) }

// cut moves the end of the arena to end and cuts the file there: what lies
// beyond was being written when the map went down. Then it allocates the
// file's old size again, zeroed, if it can: the records replay appends fit
// in it, so that on a full disk recovery needs no room the map did not
// hold.
func (a *arena) cut(end int64) error {
	a.settle()
	size := a.size
	a.end = end
	if err := a.unmap(); err != nil {
		return err
	}
	if err := a.trim(); err != nil {
		return err
	}
	if a.files.Allocate(a.f, size) != nil {
		size = end // Allocate left the file at end
	}
	return a.remap(size, true)
}

// records walks the records from the first to the end, checking each, and
// returns where the whole ones start, as a set of offsets / 8, with the
// error that ended the walk early, if any. A slot must point at one of
// these: a valid-looking record inside another one is not a record, and a
// dead record that is not whole (layout.NextRecord, below settled or torn
// past it) is stepped over, left out.
func (a *arena) records(settled int64) (recordSet, error) {
	set := make(recordSet, a.end/layout.Align/64+1)
	off := int64(layout.ArenaHeaderSize)
	for off < a.end {
		_, next, torn, err := layout.NextRecord(a.data, off, a.end, settled)
		if err != nil {
			return set, format.At(err, a.path, 0)
		}
		if !torn {
			set.add(uint32(off / layout.Align))
		}
		off = next
	}
	return set, nil
}

// recordSet is a set of record offsets / 8.
type recordSet []uint64

func (s recordSet) add(off uint32) { s[off/64] |= 1 << (off % 64) }

func (s recordSet) has(off uint32) bool {
	return int(off/64) < len(s) && s[off/64]&(1<<(off%64)) != 0
}
