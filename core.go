package diskmap

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// core is the part of a Map that does not depend on its key and value
// types: the files, the header, and the operations on encoded bytes.
type core struct {
	dir  string
	opts Options

	lock       *os.File // holds the directory's advisory lock
	tab        *table
	keys, vals *arena
	hdr        layout.Header // the header; its counters are kept current in memory
	twins      twins         // value records that updates may write over (twin.go)
	cur        int           // which header copy in the buckets file is newest

	log    *wal.Log // the write-ahead log: always in the WAL modes, opened by a Batch otherwise
	walbuf []byte   // the writer's scratch space for log frames
	// struck is set when DurabilityOS struck a batch from the log since
	// the last checkpoint: the next one syncs the log first, or a frame
	// written back before it was struck could be replayed after a power
	// loss over what the checkpoint made durable.
	struck bool
	// logKept is set when Close had no room to checkpoint: the log, synced,
	// is the record of what changed since the last checkpoint, and the map
	// is left dirty for the next Open to replay it.
	logKept bool

	hasher          layout.Hasher
	hashAnd, hashOr uint64 // applied to every hash; tests force collisions with them

	failpoint func(name string) error // tests stop the map at named points with it

	epoch            uint64 // bumped by every mutation; entries compare it
	compactions      uint64 // bumped by every Compact and Close; iterators compare it
	closed, readOnly bool
	failed           error // set when a failed step left the files unusable
}

// usable returns the error that stops any use of the map, if any.
func (c *core) usable() error {
	switch {
	case c.closed:
		return ErrClosed
	case c.failed != nil:
		return c.failed
	}
	return nil
}

// begin is called by every mutation before it changes anything: it checks
// the map is writable and, on the first change since the map was opened,
// marks the header dirty durably, so that a crash from now on is noticed.
func (c *core) begin() error {
	if err := c.usable(); err != nil {
		return err
	}
	if c.readOnly {
		return ErrReadOnly
	}
	c.epoch++
	if c.log != nil && c.logged() && c.log.Size() >= c.opts.WALCheckpointBytes {
		if err := c.checkpoint(true); err != nil {
			return err
		}
	}
	if c.hdr.Dirty() {
		return nil
	}
	// A map of an older format version, closed cleanly, holds nothing in
	// its log: from this first write on it is of the current version.
	c.hdr.Version = layout.Version
	c.hdr.Flags |= layout.FlagDirty
	c.hdr.Flags &^= layout.FlagWAL
	if c.logged() {
		c.hdr.Flags |= layout.FlagWAL
	}
	return c.writeHeader()
}

// fail returns the error a test asked for at the named point, if any.
func (c *core) fail(name string) error {
	if c.failpoint == nil {
		return nil
	}
	return c.failpoint(name)
}

// hash returns the hash of an encoded key.
func (c *core) hash(kb []byte) uint64 {
	return c.hasher.Sum(kb)&c.hashAnd | c.hashOr
}

// probe looks for the encoded key kb whose fingerprint is fp. It returns
// the slot holding it, or else the slot where it would be inserted: the
// first deleted slot passed, or the empty slot that ended the probe.
func (c *core) probe(kb []byte, fp uint32) (uint64, bool, error) {
	return c.probeIn(c.tab, kb, fp)
}

// probeIn is probe in the table t, which may be one being built. It reads
// the first 8 bytes of each slot, fingerprint and key offset, in one load.
func (c *core) probeIn(t *table, kb []byte, fp uint32) (uint64, bool, error) {
	slots, mask := t.slots, t.mask
	i := layout.Home(fp, t.log2)
	const none = ^uint64(0)
	free := none // the first deleted slot passed
	for range mask + 1 {
		o := i * layout.SlotSize
		w := binary.LittleEndian.Uint64(slots[o : o+8])
		switch key := uint32(w >> 32); {
		case key == layout.SlotEmpty:
			if free != none {
				return free, false, nil
			}
			return i, false, nil
		case key == layout.SlotDeleted:
			if free == none {
				free = i
			}
		case uint32(w) == fp:
			eq, ok := c.keys.equal(key, kb)
			if !ok {
				return i, false, slotError(t, i, "key offset", "a record within the arena", uint64(key)*layout.Align)
			}
			if eq {
				return i, true, nil
			}
		}
		i = (i + 1) & mask
	}
	if free != none {
		return free, false, nil
	}
	return 0, false, &CorruptError{File: t.path, Offset: layout.MetaSize, Field: "slot table", Expected: "an empty slot", Found: "none"}
}

// find returns the value stored under the encoded key kb, whose
// fingerprint is fp, in place in the values arena.
func (c *core) find(kb []byte, fp uint32) ([]byte, bool, error) {
	i, found, err := c.probe(kb, fp)
	if !found || err != nil {
		return nil, false, err
	}
	s := layout.ReadSlot(c.tab.slot(i))
	b, ok := c.vals.view(s.Value, s.ValueLen)
	if !ok {
		return nil, false, slotError(c.tab, i, "value offset", "a record within the arena", uint64(s.Value)*layout.Align)
	}
	return b, true, nil
}

// contains reports whether the encoded key kb is in the map.
func (c *core) contains(kb []byte) (bool, error) {
	_, found, err := c.probe(kb, layout.Fingerprint(c.hash(kb)))
	return found, err
}

// A source says where a write comes from, and so whether it goes to the
// log.
type source uint8

const (
	// live is a write a caller makes now. In the WAL modes it is logged
	// before the files change; a live frame (a Batch) is logged in every
	// mode, after room is made for all of it.
	live source = iota
	// fromLog is a write the log holds already: a frame being replayed,
	// or an operation of a live frame, logged as part of it.
	fromLog
)

// put stores the encoded value vb under the encoded key kb and reports
// whether kb was in the map. It is the one way a value reaches the files.
// Room is made in the table, the arenas and the log before anything is
// written, so that a failure, a full disk say, leaves the map as it was.
func (c *core) put(kb, vb []byte, src source) (bool, error) {
	if err := checkSize(kb, vb); err != nil {
		return false, err
	}
	fp := layout.Fingerprint(c.hash(kb))
	i, found, err := c.slotFor(kb, fp)
	if err != nil {
		return false, err
	}
	kbytes, vbytes := layout.RecordSize(len(kb)), layout.RecordSize(len(vb))
	if found {
		kbytes = 0
		if _, ok := c.twin(i, c.tab.slot(i), len(vb)); ok {
			vbytes = 0 // written over the key's twin: see update
		}
	}
	if c.keys.moves(kbytes) || c.vals.moves(vbytes) {
		// kb or vb may be a view of an arena about to move.
		kb, vb = bytes.Clone(kb), bytes.Clone(vb)
	}
	if err := c.reserve(kbytes, vbytes); err != nil {
		return false, err
	}
	if src == live {
		if err := c.logOp(wal.OpPut, kb, vb); err != nil {
			return false, err
		}
	}
	c.write(i, found, kb, fp, vb)
	return found, nil
}

// checkSize returns ErrTooLarge for a key or a value past the format's
// limits.
func checkSize(kb, vb []byte) error {
	if len(kb) > layout.MaxKeyLen || len(vb) > layout.MaxValueLen {
		return fmt.Errorf("diskmap: key of %d bytes or value of %d bytes: %w", len(kb), len(vb), ErrTooLarge)
	}
	return nil
}

// slotFor returns the slot holding the encoded key kb, whose fingerprint
// is fp, or the one where it goes, first growing the table if a new key
// would pass the maximum load.
func (c *core) slotFor(kb []byte, fp uint32) (uint64, bool, error) {
	i, found, err := c.probe(kb, fp)
	if found || err != nil || le32(c.tab.slot(i)[4:]) == layout.SlotDeleted || !c.full(1) {
		return i, found, err
	}
	if err := c.grow(1); err != nil {
		return 0, false, err
	}
	return c.probe(kb, fp)
}

// remove deletes the encoded key kb and reports whether it was there.
func (c *core) remove(kb []byte, src source) (bool, error) {
	i, found, err := c.probe(kb, layout.Fingerprint(c.hash(kb)))
	if !found || err != nil {
		return false, err
	}
	if src == live {
		if err := c.logOp(wal.OpDelete, kb, nil); err != nil {
			return false, err
		}
	}
	c.unset(i, len(kb))
	return true, nil
}

// reserve makes room for kbytes more in the keys arena and vbytes more in
// the values arena. Both limits are checked before either file grows.
func (c *core) reserve(kbytes, vbytes int64) error {
	err := c.keys.fits(kbytes)
	if err == nil {
		err = c.vals.fits(vbytes)
	}
	if err == nil {
		err = c.keys.reserve(kbytes)
	}
	if err == nil {
		err = c.vals.reserve(vbytes)
	}
	return c.checkMapped(err)
}

// checkMapped turns a failure that left an arena without its mappings (it
// could not be mapped again after a failed growth) into the map's failure,
// so that nothing reads through a mapping that is gone.
func (c *core) checkMapped(err error) error {
	if err != nil && (c.keys.rw == nil || c.vals.rw == nil) {
		c.failed = fmt.Errorf("diskmap: %s: reopen the map: %w", c.dir, err)
		return c.failed
	}
	return err
}

// write stores a put in slot i, found holding kb or free for it, once its
// room is reserved: it cannot fail.
func (c *core) write(i uint64, found bool, kb []byte, fp uint32, vb []byte) {
	s := c.tab.slot(i)
	if found {
		c.update(i, s, vb)
		return
	}
	voff := c.vals.put(vb)
	c.vals.live += layout.RecordSize(len(vb))
	if le32(s[4:]) == layout.SlotDeleted {
		c.hdr.Tombstones--
		c.twins.drop(i) // the deleted key took its twin with it: never hand that to another
	}
	koff := c.keys.put(kb)
	c.keys.live += layout.RecordSize(len(kb))
	layout.WriteSlot(s, layout.Slot{Fingerprint: fp, Key: koff, Value: voff, ValueLen: uint32(len(vb))})
	c.hdr.Count++
}

// unset marks slot i, holding a key of klen bytes, deleted.
func (c *core) unset(i uint64, klen int) {
	s := c.tab.slot(i)
	if c.twins.fresh(le32(s[8:])) {
		c.twins.drop(i) // only a key written since the durable end has a twin
	}
	c.vals.live -= layout.RecordSize(int(le32(s[12:])))
	c.keys.live -= layout.RecordSize(klen)
	layout.SetSlotKey(s, layout.SlotDeleted)
	c.hdr.Count--
	c.hdr.Tombstones++
}

// room is the most a frame of operations may take: a slot for each put,
// and bytes in each arena.
type room struct {
	puts           int
	kbytes, vbytes int64
}

// applyFrame applies the operations of one frame of the log, in the log's
// format, through put and remove. A live frame, a Batch, first gets room
// for all of it (r) in the table, the arenas and the log, so that nothing
// fails once it is logged; it is logged as one frame in every mode, and in
// DurabilityOS struck from the log again once applied. A frame being
// replayed is in the log already, and each operation makes its own room:
// no more than it had when the frame was written.
func (c *core) applyFrame(ops []byte, r room, src source) error {
	if src == live {
		if err := c.makeRoom(r); err != nil {
			return err
		}
		if err := c.logFrame(ops); err != nil {
			return err
		}
	}
	err := wal.Ops(ops, func(op byte, kb, vb []byte) error {
		var err error
		if op == wal.OpPut {
			_, err = c.put(kb, vb, fromLog)
		} else {
			_, err = c.remove(kb, fromLog)
		}
		if err != nil {
			return err
		}
		return c.fail("batch-op")
	})
	switch {
	case src == fromLog:
		return err
	case err != nil:
		// Half applied: keep the files as they are for recovery to
		// finish the batch from the log, and refuse further use.
		c.failed = fmt.Errorf("diskmap: %s: batch cut short, reopen the map: %w", c.dir, err)
		return c.failed
	}
	c.strike()
	return nil
}

// makeRoom grows the table and the arenas so that r fits in them.
func (c *core) makeRoom(r room) error {
	if c.full(r.puts) {
		if err := c.grow(r.puts); err != nil {
			return err
		}
	}
	return c.reserve(r.kbytes, r.vbytes)
}

func (c *core) encodeError(what string, err error) error {
	return fmt.Errorf("diskmap: %s: encoding %s: %w", c.dir, what, err)
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
