package diskmap

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// table is the buckets file: two header copies, then the slot array, mapped
// whole. It is mapped read-only for a read-only map, shared read-write
// when the operating system is trusted with write-back, and private
// (copy-on-write) when a write-ahead log is kept: then its file is only
// ever replaced whole, by a checkpoint that writes the table aside and
// renames it into place, so that after any crash the file holds exactly
// the last checkpoint for the log to be replayed onto.
type table struct {
	f     *os.File
	path  string
	files mmap.FS // every operation on f outside the mapping goes through it
	mode  mmap.Mode
	reg   *mmap.Region
	data  []byte // the whole file
	slots []byte // data[layout.MetaSize:]
	log2  uint8
	mask  uint64 // slots - 1
}

// openTable opens and maps the buckets file at path, through files, and
// returns it with its newest valid header and which copy that was.
func openTable(files mmap.FS, path string, mode mmap.Mode) (*table, layout.Header, int, error) {
	flag := os.O_RDWR
	if mode == mmap.ReadOnly {
		flag = os.O_RDONLY
	}
	f, err := files.OpenFile(path, flag, 0)
	if err != nil {
		return nil, layout.Header{}, 0, fmt.Errorf("diskmap: opening %s: %w", path, err)
	}
	t := &table{f: f, path: path, files: files, mode: mode}
	h, cur, err := t.load()
	if err != nil {
		_ = t.close()
		return nil, h, 0, err
	}
	return t, h, cur, nil
}

func (t *table) load() (layout.Header, int, error) {
	var meta [layout.MetaSize]byte
	n, err := t.f.ReadAt(meta[:], 0)
	if n < len(meta) {
		if err != nil && !errors.Is(err, io.EOF) {
			return layout.Header{}, 0, fmt.Errorf("diskmap: reading %s: %w", t.path, mmap.Cause(err))
		}
		return layout.Header{}, 0, &CorruptError{File: t.path, Field: "buckets size", Expected: "at least 4096 bytes", Found: n}
	}
	h, cur, err := layout.ReadMeta(meta[:])
	if err != nil {
		return h, 0, format.At(err, t.path, 0)
	}
	fi, err := t.f.Stat()
	if err != nil {
		return h, 0, fmt.Errorf("diskmap: opening %s: %w", t.path, mmap.Cause(err))
	}
	if size := h.TableSize(); fi.Size() != size {
		return h, 0, &CorruptError{File: t.path, Field: "buckets size", Expected: size, Found: fi.Size()}
	}
	if h.Log2 > maxLog2 {
		return h, 0, fmt.Errorf("%s holds %d slots, more than a table may have %s (%d): %w",
			t.path, h.Slots(), platform(), uint64(1)<<maxLog2, ErrTooLarge)
	}
	if t.mode != mmap.ReadOnly {
		// Give the holes of a sparse copy blocks (see arena.load).
		if err := t.files.Allocate(t.f, fi.Size()); err != nil {
			return h, 0, fmt.Errorf("diskmap: allocating %s: %w", t.path, err)
		}
	}
	if err := t.mapFile(h.Log2); err != nil {
		return h, 0, err
	}
	return h, cur, nil
}

func (t *table) mapFile(log2 uint8) error {
	size := layout.MetaSize + layout.SlotSize<<log2
	reg, err := mmap.Map(t.f, size, t.mode)
	if err != nil {
		return fmt.Errorf("diskmap: mapping %s: %w", t.path, err)
	}
	if t.mode != mmap.ReadOnly {
		reg.AdviseRandom() // see there: the first write to a new table took milliseconds
	}
	t.reg, t.data = reg, reg.Bytes()
	t.slots = t.data[layout.MetaSize:]
	t.log2, t.mask = log2, 1<<log2-1
	return nil
}

// createTable creates a buckets file for 2^log2 slots at path, through
// files, replacing any file there (a new file gets the permission bits
// perm, less the umask), with real disk allocation, mapped read-write.
func createTable(files mmap.FS, path string, perm os.FileMode, log2 uint8) (*table, error) {
	f, err := files.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return nil, fmt.Errorf("diskmap: creating %s: %w", path, err)
	}
	t := &table{f: f, path: path, files: files, mode: mmap.ReadWrite}
	if err := files.Allocate(f, layout.MetaSize+layout.SlotSize<<log2); err != nil {
		_ = t.close()
		return nil, fmt.Errorf("diskmap: creating %s: %w", path, err)
	}
	if err := t.mapFile(log2); err != nil {
		_ = t.close()
		return nil, err
	}
	return t, nil
}

// createNext creates buckets.next, the table a growing table moves into,
// for 2^log2 slots at path, through files, replacing any file there (with
// permission bits perm), with real disk allocation, in the mode of the
// table in place: shared in
// DurabilityOS, where its bytes are the map's; private in the WAL modes,
// where the checkpoint that ends the growth writes them into the file (see
// persist), which then needs no room.
func createNext(files mmap.FS, path string, perm os.FileMode, log2 uint8, mode mmap.Mode) (*table, error) {
	t, err := createTable(files, path, perm, log2)
	if err != nil || mode != mmap.Private {
		return t, err
	}
	t.mode = mmap.Private
	if err = t.reg.Unmap(); err == nil {
		err = t.mapFile(log2)
	}
	if err != nil {
		_ = t.close()
		_ = files.Remove(path)
		return nil, err
	}
	return t, nil
}

// retire lets go of a table the map no longer reads: its mapping is
// unmapped by bg, in the background, and its file closed.
func (t *table) retire(bg *background) error {
	if t.reg != nil {
		bg.unmap(t.reg)
	}
	t.reg, t.data, t.slots = nil, nil, nil
	return closeFile(t.f, t.path)
}

func (t *table) close() error {
	var err error
	if t.reg != nil {
		if err = t.reg.Unmap(); err != nil {
			err = fmt.Errorf("diskmap: unmapping %s: %w", t.path, err)
		}
	}
	t.reg, t.data, t.slots = nil, nil, nil
	return errors.Join(err, closeFile(t.f, t.path))
}

// slot returns the 16 bytes of slot i.
func (t *table) slot(i uint64) []byte {
	o := i * layout.SlotSize
	return t.slots[o : o+layout.SlotSize : o+layout.SlotSize]
}

// place stores s in the first empty slot at or after its home and returns
// that slot. It is how a table is filled when it is built aside, and as a
// table grows: no keys are compared, for the key is in no other slot.
func (t *table) place(s layout.Slot) (uint64, error) {
	i := layout.Home(s.Fingerprint, t.log2)
	for range t.mask + 1 {
		if format.SlotKeyField(t.slot(i)) == layout.SlotEmpty {
			format.WriteSlot(t.slot(i), s)
			return i, nil
		}
		i = (i + 1) & t.mask
	}
	// Sized from the header's key count, which must have been wrong.
	return 0, &CorruptError{File: t.path, Offset: layout.MetaSize, Field: "slot table", Expected: "room for every live key", Found: "full"}
}

// firstEmpty returns the first empty slot. A table always has one: its
// load stays below 1.
func (t *table) firstEmpty() uint64 {
	for i := range t.mask + 1 {
		if format.SlotKeyField(t.slot(i)) == layout.SlotEmpty {
			return i
		}
	}
	return 0
}

// flush makes a shared table durable. A private table's file changes
// only by being replaced.
func (t *table) flush() error {
	if t.mode == mmap.Private {
		return nil
	}
	if err := mmap.SyncRange(t.files, t.f, t.reg, 0, len(t.data)); err != nil {
		return fmt.Errorf("diskmap: syncing %s: %w", t.path, err)
	}
	return nil
}

// persist makes the table durable in its file: a shared one by a sync, a
// private one, the table a growing table filled in the WAL modes, by
// writing it out whole first.
func (t *table) persist() error {
	if t.mode != mmap.Private {
		return t.flush()
	}
	_, err := t.files.WriteAt(t.f, t.data, 0)
	if err == nil {
		err = t.files.Sync(t.f)
	}
	if err != nil {
		return fmt.Errorf("diskmap: writing %s: %w", t.path, err)
	}
	return nil
}

// flushMeta makes the header copies durable.
func (t *table) flushMeta() error {
	var err error
	if t.mode != mmap.Private {
		err = mmap.SyncRange(t.files, t.f, t.reg, 0, layout.MetaSize)
	} else if _, err = t.files.WriteAt(t.f, t.data[:layout.MetaSize], 0); err == nil {
		err = t.files.Sync(t.f)
	}
	if err != nil {
		return fmt.Errorf("diskmap: writing the header of %s: %w", t.path, err)
	}
	return nil
}

// memTable returns an empty table of 2^log2 slots in memory, with no file:
// one to build in and copy from. Errors about it name path.
func memTable(path string, log2 uint8) *table {
	data := make([]byte, tableBytes(log2))
	return &table{path: path, data: data, slots: data[layout.MetaSize:], log2: log2, mask: 1<<log2 - 1}
}

// tableBytes is the size of a buckets file of 2^log2 slots.
func tableBytes(log2 uint8) int64 { return layout.MetaSize + layout.SlotSize<<log2 }

// tableMode is how the table is mapped: see table.
func (c *core) tableMode() mmap.Mode {
	switch {
	case c.readOnly:
		return mmap.ReadOnly
	case c.logged():
		return mmap.Private
	}
	return mmap.ReadWrite
}
