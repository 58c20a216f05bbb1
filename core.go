package diskmap

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
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

	// keySpace and valSpace hold the read-only mappings of the arenas,
	// from one file set to the next, until Close, so that a view of a
	// mapping left behind faults instead of reading other bytes (see
	// mmap.Space).
	keySpace, valSpace mmap.Space

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

	hasher          format.Hasher
	hashAnd, hashOr uint64 // applied to every hash; tests force collisions with them

	failpoint func(name string) error // tests stop the map at named points with it

	bg background // unmaps replaced mappings, and installs grown tables, off the write path

	growing    *growth   // the table growing into a new one, nil when none is (see grow.go)
	prep       *prepared // the table of the next growth, being prepared (see prepare.go)
	installErr error     // why the last install of a grown table failed, nil once one succeeds
	// testGrowStep and testInstallNow are set by tests: how many old slots
	// a write moves while the table grows (0: growStep), and whether the
	// install of a grown table runs in the writer rather than beside it.
	testGrowStep   int
	testInstallNow bool

	epoch uint64 // bumped by every mutation; entries compare it
	// filesRetired counts the file sets the map has retired: Compact
	// replaces the files, Close releases them. An iteration walks the
	// offsets of one keys file, and ends when this changes.
	filesRetired uint64
	auto         autoCompact  // when a write first compacts (see autocompact.go)
	iterating    atomic.Int32 // iterations in progress, which put automatic compaction off

	sweep sweeper // the incremental removal of expired keys (see expiry.go)
	// wtime is the time of the mutation running, by the clock, once
	// writeNow has read it: each mutation reads the clock once at most.
	wtime   int64
	timed   bool   // wtime is set
	expired uint64 // keys removed since Open because they had expired

	recovery Recovery // what the last Open recovered (Stats.Recovery)

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
// A write then advances the sweep of expired keys by a step (see
// expiry.go), and calls compactIfDue once it has encoded what it writes.
func (c *core) begin() error {
	if err := c.beginWrite(); err != nil {
		return err
	}
	return c.sweepStep()
}

// beginWrite is begin without the sweep.
func (c *core) beginWrite() error {
	if err := c.usable(); err != nil {
		return err
	}
	c.timed = false // a new mutation: its time is read afresh
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
	if err := c.failpoint(name); err != nil {
		return fmt.Errorf("diskmap: stopped at %s: %w", name, err)
	}
	return nil
}

// hash returns the hash of an encoded key.
func (c *core) hash(kb []byte) uint64 {
	return c.hasher.Sum(kb)&c.hashAnd | c.hashOr
}

// probe looks for the encoded key kb whose fingerprint is fp, as a writer
// does: a key that has expired is found as any other. It returns the table
// and slot holding it, or else the slot where it would be inserted: the
// first deleted slot passed, or the empty slot that ended the probe. While
// the table grows, the key is looked for in the old table unless its home
// there was moved, and then in the new one, where it would be inserted
// (see grow.go).
func (c *core) probe(kb []byte, fp uint32) (*table, uint64, bool, error) {
	return c.probeTables(kb, fp, nil)
}

// lookup is probe for a reader, for which a key that has expired is not
// there: a slot whose fingerprint matches and whose key has expired is
// passed over on its expiry alone, as a deleted one is, and its key is
// never read. A lookup of an expired key then costs what a miss does, and
// the read of an expiry, which the lookup of a live key with an expiry
// makes too.
func (c *core) lookup(kb []byte, fp uint32) (*table, uint64, bool, error) {
	var now clockRead
	return c.probeTables(kb, fp, &now)
}

// probeTables is probe, or with now set lookup, in the table that holds
// the key, or the tables while one grows.
func (c *core) probeTables(kb []byte, fp uint32, now *clockRead) (*table, uint64, bool, error) {
	if t := c.tableFor(fp); t == c.tab && c.growing != nil {
		i, found, err := c.probeIn(t, kb, fp, now)
		if found || err != nil {
			return t, i, found, err
		}
	}
	t := c.current()
	i, found, err := c.probeIn(t, kb, fp, now)
	return t, i, found, err
}

// probeIn is probe in the table t, which may be one being built; with now
// set, it is lookup, which reads the clock into now when it first needs
// it. It reads the first 8 bytes of each slot, fingerprint and key offset,
// in one load.
func (c *core) probeIn(t *table, kb []byte, fp uint32, now *clockRead) (uint64, bool, error) {
	slots, mask := t.slots, t.mask
	i := layout.Home(fp, t.log2)
	const none = ^uint64(0)
	free := none // the first deleted slot passed
	for range mask + 1 {
		sfp, key := format.SlotHead(slots[i*layout.SlotSize:])
		switch {
		case key == layout.SlotEmpty:
			if free != none {
				return free, false, nil
			}
			return i, false, nil
		case key == layout.SlotDeleted:
			if free == none {
				free = i
			}
		case sfp == fp && now != nil && c.passedOver(t, i, now):
			// expired: absent for a reader
		case sfp == fp:
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
// fingerprint is fp, in place in the values arena; an expired key is not
// found.
func (c *core) find(kb []byte, fp uint32) ([]byte, bool, error) {
	t, i, found, err := c.lookup(kb, fp)
	if !found || err != nil {
		return nil, false, err
	}
	return c.value(t, i, layout.ReadSlot(t.slot(i)))
}

// value returns the value of occupied slot i of t, s, in place in the
// values arena, and false if the key has expired.
func (c *core) value(t *table, i uint64, s layout.Slot) ([]byte, bool, error) {
	if s.Expires() {
		return c.expiringValue(t, i, s)
	}
	b, ok := c.vals.view(s.Value, s.ValueLen)
	if !ok {
		return nil, false, valueError(t, i, s)
	}
	return b, true, nil
}

// valueError reports that slot i of t, s, points past the values arena.
// It is kept out of line: building the error is the cold path of every
// lookup.
//
//go:noinline
func valueError(t *table, i uint64, s layout.Slot) error {
	return slotError(t, i, "value offset", "a record within the arena", uint64(s.Value)*layout.Align)
}

// contains reports whether the encoded key kb is in the map and has not
// expired.
func (c *core) contains(kb []byte) (bool, error) {
	t, i, found, err := c.lookup(kb, layout.Fingerprint(c.hash(kb)))
	if !found || err != nil {
		return false, err
	}
	if s := layout.ReadSlot(t.slot(i)); s.Expires() {
		_, found, err = c.expiringValue(t, i, s)
	}
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

// put stores the encoded value vb under the encoded key kb, to expire at
// exp (Unix nanoseconds; noExpiry for never), and reports whether kb was in
// the map. It is the one way a value reaches the files. Room is made in
// the table, the arenas and the log before anything is written, so that a
// failure, a full disk say, leaves the map as it was, but for an expired
// key of kb removed.
//
// A live put that meets kb expired removes it first, with a delete of its
// own in the log, and then inserts kb anew, at the end of the iteration
// order. A put from the log never judges expiry: the log says what to do.
func (c *core) put(kb, vb []byte, exp int64, src source) (bool, error) {
	if err := c.checkSize(kb, vb); err != nil {
		return false, err
	}
	fp := layout.Fingerprint(c.hash(kb))
	t, i, found, err := c.slotFor(kb, fp)
	if err != nil {
		return false, err
	}
	if found && src == live && c.expiredSlot(t, i) {
		n, err := c.removeSlots(t, []uint64{i})
		if err != nil {
			return false, err
		}
		found = n == 0 // removed, slot i is a tombstone now: kb goes there
	}
	kbytes, vbytes := layout.RecordSize(len(kb)), valueSize(len(vb), exp)
	var tw uint32
	over := false // whether the value goes over the key's twin, tw (twin.go)
	if found {
		kbytes = 0
		if tw, over = c.twin(t, i, valueLenField(len(vb), exp)); over {
			vbytes = 0
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
		if err := c.logOp(putOp(kb, vb, exp)); err != nil {
			return false, err
		}
	}
	// From here on nothing can fail: room is reserved, and nothing since
	// the look at the twins wrote a header.
	if found {
		c.update(t, i, fp, vb, exp, tw, over)
	} else {
		c.insert(t, i, kb, fp, vb, exp)
	}
	c.afterWrite()
	if src == live {
		c.prepareNext()
	}
	return found, nil
}

// afterWrite does what a write does once it is done with the bytes it
// wrote, which may be views of the map: it moves the next slots of a
// growing table, and allocates the arenas ahead (see arena.ahead).
func (c *core) afterWrite() {
	c.step()
	_ = c.checkMapped(errors.Join(c.keys.ahead(), c.vals.ahead())) // the write is done: a failure fails the map
}

// putOp returns the log's operation for a put.
func putOp(kb, vb []byte, exp int64) wal.Op {
	if exp == noExpiry {
		return wal.Op{Kind: wal.OpPut, Key: kb, Value: vb}
	}
	return wal.Op{Kind: wal.OpPutExpiring, Key: kb, Value: vb, Expiry: exp}
}

// checkSize returns ErrTooLarge for a key or a value past the format's
// limits, saying which one it is and what the limit is.
func (c *core) checkSize(kb, vb []byte) error {
	switch {
	case len(kb) > layout.MaxKeyLen:
		return fmt.Errorf("putting into %s: a key of %d bytes is over the limit of %d bytes: %w", c.dir, len(kb), layout.MaxKeyLen, ErrTooLarge)
	case len(vb) > layout.MaxValueLen:
		return fmt.Errorf("putting into %s: a value of %d bytes is over the limit of %d bytes: %w", c.dir, len(vb), layout.MaxValueLen, ErrTooLarge)
	}
	return nil
}

// slotFor returns the table and slot holding the encoded key kb, whose
// fingerprint is fp, or the one where it goes, first growing the table if
// a new key would pass the maximum load (see full).
func (c *core) slotFor(kb []byte, fp uint32) (*table, uint64, bool, error) {
	t, i, found, err := c.probe(kb, fp)
	if found || err != nil || format.SlotKeyField(t.slot(i)) == layout.SlotDeleted || !c.full(1) {
		return t, i, found, err
	}
	if err := c.grow(1); err != nil {
		return nil, 0, false, err
	}
	return c.probe(kb, fp)
}

// remove deletes the encoded key kb and reports whether it was there. A
// live remove that meets kb expired removes it, and reports it was not
// there.
func (c *core) remove(kb []byte, src source) (bool, error) {
	fp := layout.Fingerprint(c.hash(kb))
	t, i, found, err := c.probe(kb, fp)
	if !found || err != nil {
		return false, err
	}
	expired := src == live && c.expiredSlot(t, i)
	if src == live {
		if err := c.logOp(wal.Op{Kind: wal.OpDelete, Key: kb}); err != nil {
			return false, err
		}
	}
	c.unset(t, i, fp, len(kb))
	c.step()
	if expired {
		c.expired++
	}
	return !expired, nil
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
		c.failed = fmt.Errorf("%s: reopen the map: %w", c.dir, err)
		return c.failed
	}
	return err
}

// insert stores the encoded key kb, whose fingerprint is fp, with the
// encoded value vb, to expire at exp, in slot i of t, free for it, once
// their room is reserved.
func (c *core) insert(t *table, i uint64, kb []byte, fp uint32, vb []byte, exp int64) {
	s := t.slot(i)
	voff, vlen := c.putValue(vb, exp)
	c.vals.live += valueSize(len(vb), exp)
	if format.SlotKeyField(s) == layout.SlotDeleted {
		c.hdr.Tombstones--
		if g := c.growing; g != nil && t == c.tab {
			g.oldTombs-- // a key that expired in the old table, put again
		}
	}
	koff := c.keys.put(kb)
	c.keys.live += layout.RecordSize(len(kb))
	format.WriteSlot(s, layout.Slot{Fingerprint: fp, Key: koff, Value: voff, ValueLen: vlen})
	c.hdr.Count++
}

// putValue appends the value record of a put, with its expiry unless exp
// is noExpiry, to the values arena, whose room was reserved, and returns
// its offset / 8 and the slot's value-length field for it. The empty
// value with no expiry takes no record: its offset is layout.SlotNoValue.
func (c *core) putValue(vb []byte, exp int64) (uint32, uint32) {
	if exp == noExpiry {
		if len(vb) == 0 {
			return layout.SlotNoValue, 0
		}
		return c.vals.put(vb), uint32(len(vb))
	}
	c.sweep.wake()
	return c.vals.putExpiring(exp, vb), valueLenField(len(vb), exp)
}

// valueLenField is the slot's value-length field for a value of n bytes,
// to expire at exp (see layout.SlotExpires).
func valueLenField(n int, exp int64) uint32 {
	if exp == noExpiry {
		return uint32(n)
	}
	return uint32(layout.ExpirySize+n) | layout.SlotExpires
}

// valueSize is the size of the value record of a put of n bytes, to
// expire at exp.
func valueSize(n int, exp int64) int64 {
	if exp == noExpiry {
		return valueRecordSize(n)
	}
	return layout.ExpiringRecordSize(n)
}

// unset marks slot i of t, holding a key of fingerprint fp and klen
// bytes, deleted.
func (c *core) unset(t *table, i uint64, fp uint32, klen int) {
	s := t.slot(i)
	size := slotValueBytes(layout.ReadSlot(s))
	if c.twins.mayHave(format.SlotValue(s)) {
		c.twins.drop(format.SlotKeyField(s), size) // the key takes its twin with it: never hand that to another
	}
	c.vals.live -= size
	c.keys.live -= layout.RecordSize(klen)
	if o := c.mirror(t, fp, format.SlotKeyField(s)); o != nil {
		format.SetSlotKey(o, layout.SlotDeleted)
	}
	format.SetSlotKey(s, layout.SlotDeleted)
	c.hdr.Count--
	c.hdr.Tombstones++
	if g := c.growing; g != nil && t == c.tab {
		g.oldTombs++
	}
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
	err := wal.Ops(ops, func(op wal.Op) error {
		var err error
		switch op.Kind {
		case wal.OpPut:
			_, err = c.put(op.Key, op.Value, noExpiry, fromLog)
		case wal.OpPutExpiring:
			_, err = c.put(op.Key, op.Value, op.Expiry, fromLog)
		default:
			_, err = c.remove(op.Key, fromLog)
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
		c.failed = fmt.Errorf("%s: batch cut short, reopen the map: %w", c.dir, err)
		return c.failed
	}
	c.strike()
	c.prepareNext()
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
