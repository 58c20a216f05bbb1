package diskmap

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// Compact rewrites the map without its dead records (replaced values,
// deleted keys), its keys that have expired, and tombstones, keeping the
// iteration order. The new files are built beside the old ones and renamed
// into place, so a crash or a full disk during Compact leaves the map as it
// was, or compacted. Views taken before Compact are invalid after it: the
// new files are mapped at new addresses, and reading such a view faults
// (see the package documentation, Views).
//
// The new files need free disk space for the live records of both arenas
// and a table for the live keys. Where the system tells free space (Linux,
// macOS, FreeBSD, Windows), Compact checks it first and, short of it,
// returns an error matching syscall.ENOSPC that says how much it needs and
// how much is free, having written nothing.
func (m *Map[K, V]) Compact() error {
	if err := m.begin(); err != nil {
		return err
	}
	return m.compact()
}

// compact builds the new file set and installs it; see package layout,
// Compact, for the protocol.
func (c *core) compact() error {
	start := time.Now()
	before := [2]int64{c.keys.end, c.vals.end}
	var cp copied
	build := func(gen uint64) (err error) {
		if err = c.checkRoom(); err == nil {
			cp, err = c.buildCompacted(gen)
		}
		return err
	}
	err := c.replaceFiles("compacting", build, func() {
		c.expired += cp.visited - cp.kept
		c.sweep.passed(cp.expiring)
	})
	if err == nil {
		c.logInfo("diskmap: compacted", "took", time.Since(start), "keys", cp.kept, "expired", cp.visited-cp.kept,
			"keys_bytes_before", before[0], "keys_bytes_after", c.keys.end,
			"values_bytes_before", before[1], "values_bytes_after", c.vals.end)
	}
	return err
}

// replaceFiles has build write a new file set of generation gen in the
// *.compact files, synced and closed, and installs it by the protocol of
// Compact: the map is the old file set or the new one at every instant.
// what names the operation in errors; after runs once the new files are
// in place.
func (c *core) replaceFiles(what string, build func(gen uint64) error, after func()) error {
	var g [8]byte
	if _, err := rand.Read(g[:]); err != nil {
		return fmt.Errorf("diskmap: %s %s: %w", what, c.dir, err)
	}
	gen := binary.LittleEndian.Uint64(g[:])
	if err := c.finishCompaction(); err != nil { // clears leftovers
		return err
	}
	if err := c.syncStruck(); err != nil {
		return err
	}
	if g := c.growing; g != nil && g.install != nil {
		// It renames over buckets: let it finish first.
		if err := c.waitInstall(); err != nil {
			return err
		}
	}
	err := build(gen)
	if err == nil {
		c.filesRetired++
		if err = c.installCompacted(); c.failed != nil {
			return err // committed: the files left are needed to finish
		}
	}
	if err == nil {
		after()
	}
	if err != nil {
		for _, n := range []string{bucketsFile, keysFile, valuesFile} {
			_ = c.opts.files.Remove(c.path(n + compactExt))
		}
		return fmt.Errorf("%s %s: %w", what, c.dir, err)
	}
	// A table growing is abandoned, and one prepared for the next growth
	// let go: the compacted one has room for the keys. A buckets.next that
	// cannot be removed is of the old generation, and the next Open
	// removes it.
	_ = c.dropGrowth()
	_ = c.dropPrepared()
	c.auto.compacted()
	return nil
}

// compactRoom returns the disk space the new files of a compaction take:
// the live records of both arenas and a table for the live keys, in whole
// pages. They stand beside the old files until the compaction commits.
func (c *core) compactRoom() int64 {
	return roundPage(layout.ArenaHeaderSize+c.keys.live) + roundPage(layout.ArenaHeaderSize+c.vals.live) +
		tableBytes(log2For(int(c.hdr.Count), c.opts.MaxLoad))
}

// checkRoom returns an error matching syscall.ENOSPC, before anything is
// written, if the disk has less free space than the new files need. Where
// the free space cannot be read the check is skipped: a full disk then
// shows as the error of the allocation that fails, which leaves the map as
// it was too.
func (c *core) checkRoom() error {
	free, err := c.opts.files.FreeSpace(c.dir)
	if errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("diskmap: reading the free space: %w", err)
	}
	if need := c.compactRoom(); free < need {
		return fmt.Errorf("the new files need %d bytes of free disk space, and %d are free: %w", need, free, syscall.ENOSPC)
	}
	return nil
}

// buildCompacted writes the live records of the keys that have not
// expired, in iteration order, to new arenas and a new table, all synced,
// and closes them. It says what it copied.
func (c *core) buildCompacted(gen uint64) (cp copied, err error) {
	log2 := log2For(int(c.hdr.Count), c.opts.MaxLoad)
	err = c.buildFiles(gen, layout.ArenaHeaderSize+c.keys.live, layout.ArenaHeaderSize+c.vals.live, log2,
		func(nk, nv *arena, nt *table, h *layout.Header) error {
			var err error
			if cp, err = c.copyLive(nk, nv, nt); err != nil {
				return err
			}
			if cp.visited != c.hdr.Count {
				return &CorruptError{File: c.tab.path, Offset: int64(c.cur) * layout.HeaderCopyOffset, Field: "key count", Expected: cp.visited, Found: c.hdr.Count}
			}
			h.Count = cp.kept
			h.Compactions++
			return nil
		})
	return cp, err
}

// buildFiles creates the *.compact files of generation gen: arenas of
// keyBytes and valueBytes, a table of 2^log2 slots. fill writes the keys
// into them and sets what changes in their header, which starts as the
// map's own; then buildFiles writes the header and syncs and closes the
// files.
func (c *core) buildFiles(gen uint64, keyBytes, valueBytes int64, log2 uint8, fill func(nk, nv *arena, nt *table, h *layout.Header) error) (err error) {
	var nk, nv *arena
	var nt *table
	defer func() {
		for _, a := range []*arena{nk, nv} {
			if a != nil {
				err = errors.Join(err, a.close())
			}
		}
		if nt != nil {
			err = errors.Join(err, nt.close())
		}
	}()
	if nk, err = createArena(c.opts.files, c.path(keysFile+compactExt), c.opts.FilePerm, layout.KeysMagic, gen, keyBytes, nil); err != nil {
		return
	}
	if nv, err = createArena(c.opts.files, c.path(valuesFile+compactExt), c.opts.FilePerm, layout.ValuesMagic, gen, valueBytes, nil); err != nil {
		return
	}
	if err = c.syncDir(); err != nil {
		return
	}
	if nt, err = createTable(c.opts.files, c.path(bucketsFile+compactExt), c.opts.FilePerm, log2); err != nil {
		return
	}
	h := c.hdr
	if err = fill(nk, nv, nt, &h); err != nil {
		return
	}
	h.Checkpoint = c.lastSeq() // the new files hold every logged mutation
	h.Generation, h.Log2, h.Tombstones = gen, nt.log2, 0
	h.KeysEnd, h.KeysLive = uint64(nk.end), uint64(nk.live)
	h.ValuesEnd, h.ValuesLive = uint64(nv.end), uint64(nv.live)
	format.WriteMeta(nt.data, &h, 1)
	for _, flush := range []func() error{nk.flush, nv.flush, nt.flush} {
		if err = flush(); err != nil {
			return
		}
	}
	return nil
}

// copied counts what copyLive did: the live keys it visited, and those it
// kept, the ones that have not expired.
type copied struct {
	visited, kept uint64
	expiring      bool // a key kept has an expiry
}

// copyLive appends every live key that has not expired by now and its
// value to the new arenas, in the order of the keys arena, and places
// their slots in the new table.
func (c *core) copyLive(nk, nv *arena, nt *table) (n copied, err error) {
	now := c.writeNow()
	p := c.startProgress(OpCompact, int64(c.hdr.Count))
	defer p.end()
	err = c.walk(func(kp []byte, t *table, i uint64, s layout.Slot) error {
		p.at(int64(n.visited))
		if n.visited++; n.visited > c.hdr.Count {
			return &CorruptError{File: c.tab.path, Offset: int64(c.cur) * layout.HeaderCopyOffset, Field: "key count", Expected: "more", Found: c.hdr.Count}
		}
		vp, err := c.slotValue(s)
		if err != nil {
			return err
		}
		if s.Expires() {
			if expired, err := expiredRecord(t, i, vp, now); expired || err != nil {
				return err
			}
			n.expiring = true
		}
		n.kept++
		koff, err := nk.append(kp)
		if err != nil {
			return err
		}
		voff := uint32(layout.SlotNoValue)
		if len(vp) > 0 {
			if voff, err = nv.append(vp); err != nil {
				return err
			}
		}
		if _, err := nt.place(layout.Slot{Fingerprint: s.Fingerprint, Key: koff, Value: voff, ValueLen: uint32(len(vp)) | s.ValueLen&layout.SlotExpires}); err != nil {
			return err
		}
		nk.live += layout.RecordSize(len(kp))
		nv.live += valueRecordSize(len(vp))
		return nil
	})
	return n, err
}

// slotValue returns the value of slot s, read from its record's header: a
// compaction copies what the record holds.
func (c *core) slotValue(s layout.Slot) ([]byte, error) {
	if s.Value == layout.SlotNoValue {
		return nil, nil
	}
	vp, err := c.vals.record(s.Value)
	if err != nil {
		return nil, format.At(err, c.vals.path, 0)
	}
	return vp, nil
}

// expiredRecord reports whether vp, the payload of the expiring value
// record of slot i of t, has expired at now.
func expiredRecord(t *table, i uint64, vp []byte, now int64) (bool, error) {
	if len(vp) < layout.ExpirySize {
		return false, slotError(t, i, "value length", "at least 8 bytes, for the expiry", len(vp))
	}
	return layout.Expired(layout.Expiry(vp), now), nil
}

// installCompacted closes the old files and renames the new ones over them,
// keys first: that rename commits the compaction. Then it opens the map
// again. If closing the old files or the commit fails, the old files are
// opened again with the state kept in memory; past the commit there is no
// way back, and a failure leaves the map unusable until it is opened again.
func (c *core) installCompacted() error {
	private := c.tab.mode == mmap.Private
	keep := c.hdr
	kend, klive, vend, vlive := c.keys.end, c.keys.live, c.vals.end, c.vals.live
	c.bg.drain() // the files are unmapped here
	err := errors.Join(c.keys.close(), c.vals.close(), c.tab.close())
	if err == nil {
		err = c.rename(keysFile+compactExt, keysFile)
	}
	if err != nil {
		if oerr := c.openFiles(); oerr != nil || private {
			// With a log, the old table's file is the last checkpoint:
			// the next Open replays the log onto it.
			c.failed = errors.Join(err, oerr)
			return c.failed
		}
		keep.Seq = c.hdr.Seq
		c.hdr = keep
		c.keys.end, c.keys.live, c.vals.end, c.vals.live = kend, klive, vend, vlive
		return err
	}
	if err = c.finishCompaction(); err == nil {
		err = c.openFiles()
	}
	if err != nil {
		c.failed = fmt.Errorf("%s: compaction committed but not finished, reopen the map: %w", c.dir, err)
		return c.failed
	}
	if c.log != nil {
		c.log.Reset(c.hdr.Generation)
	}
	return nil
}

// finishCompaction completes or undoes a compaction that was cut short, and
// removes a table that was being grown: see package layout, Compact.
func (c *core) finishCompaction() error {
	remove := func(names ...string) error {
		for _, n := range names {
			if err := c.opts.files.Remove(c.path(n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("diskmap: removing %s: %w", c.path(n), err)
			}
		}
		return nil
	}
	if err := remove(bucketsFile + growSuffix); err != nil {
		return err
	}
	if !exists(c.path(bucketsFile + compactExt)) {
		return remove(keysFile+compactExt, valuesFile+compactExt)
	}
	if exists(c.path(keysFile + compactExt)) {
		// Not committed. buckets.compact goes first: while it is there
		// beside no keys.compact, the compaction counts as committed.
		if err := remove(bucketsFile + compactExt); err != nil {
			return err
		}
		if err := c.syncDir(); err != nil {
			return err
		}
		return remove(keysFile+compactExt, valuesFile+compactExt)
	}
	for _, n := range []string{valuesFile, bucketsFile} {
		if !exists(c.path(n + compactExt)) {
			continue
		}
		if err := c.rename(n+compactExt, n); err != nil {
			return err
		}
	}
	return c.syncDir()
}

// compactionCommitted reports whether a compaction was committed and not
// finished: buckets.compact stands beside no keys.compact. Until the
// renames are done, keys belongs to the new file set and the other files
// may belong to the old one.
func (c *core) compactionCommitted() bool {
	return exists(c.path(bucketsFile+compactExt)) && !exists(c.path(keysFile+compactExt))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
