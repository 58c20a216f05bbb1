package diskmap

import (
	"errors"
	"fmt"

	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// Sync makes every change made so far survive a power loss. In
// DurabilityOS it writes the mapped pages of the three files, then the
// header, to stable storage; until then the operating system writes them
// back when it pleases. In the WAL modes it fsyncs the log, and nothing
// else: it stays cheap.
func (m *Map[K, V]) Sync() error {
	if err := m.usable(); err != nil {
		return err
	}
	switch {
	case m.readOnly || !m.hdr.Dirty():
		return nil
	case m.logged():
		return m.log.WaitSynced(m.log.Last())
	}
	return m.checkpoint(true)
}

// WaitSynced returns once every mutation logged up to sequence number seq
// (see LastSeq), in the WAL modes, is on stable storage: it fsyncs the log,
// or joins an fsync in flight and then the next. Unlike the other methods
// it may be called from any goroutine at any time, without the lock that
// serialises the map's writers: a writer logs under the lock with DurabilityWAL, takes LastSeq,
// releases the lock, then waits, and writers that wait at once share one
// fsync. In DurabilityOS, and on a read-only map, it returns nil at once.
//
// After Close it returns nil for mutations that were synced, and ErrClosed
// for any that were not.
func (m *Map[K, V]) WaitSynced(seq uint64) error {
	if !m.logged() || m.readOnly {
		return nil // m.log may be set by a Batch meanwhile: do not read it
	}
	err := m.log.WaitSynced(seq)
	if errors.Is(err, wal.ErrClosed) {
		return ErrClosed // the log's own sentinel never leaves the package
	}
	return err
}

// LastSeq returns the sequence number of the last mutation written to the
// log (see WaitSynced), 0 in DurabilityOS.
func (m *Map[K, V]) LastSeq() uint64 {
	if !m.logged() || m.log == nil {
		return 0
	}
	return m.log.Last()
}

// logged reports whether every mutation goes to the write-ahead log.
func (c *core) logged() bool { return c.opts.Durability != DurabilityOS }

// openLog opens the write-ahead log in the WAL modes.
func (c *core) openLog() error {
	if !c.logged() || c.readOnly || c.log != nil {
		return nil // c.log is set when recovery resumed the log
	}
	return c.ensureLog()
}

// ensureLog opens the log if it is not open: at Open in the WAL modes, at
// the first Batch in DurabilityOS.
func (c *core) ensureLog() error {
	if c.log != nil {
		return nil
	}
	l, err := wal.Open(c.opts.files, c.path(walFile), c.opts.FilePerm, c.hdr.Generation, c.hdr.Checkpoint)
	if err != nil {
		return err
	}
	c.log = l
	return nil
}

// logOp appends one operation to the log, as a frame of its own, in the
// WAL modes.
func (c *core) logOp(op wal.Op) error {
	if !c.logged() {
		return nil
	}
	c.walbuf = appendOp(c.walbuf[:0], op)
	_, err := c.log.Append(c.walbuf)
	return err
}

// appendOp appends op to a payload of operations.
func appendOp(p []byte, op wal.Op) []byte {
	switch op.Kind {
	case wal.OpPut:
		return wal.AppendPut(p, op.Key, op.Value)
	case wal.OpPutExpiring:
		return wal.AppendPutExpiring(p, op.Key, op.Expiry, op.Value)
	}
	return wal.AppendDelete(p, op.Key)
}

// logFrame appends a frame of operations to the log, in every mode,
// opening the log if need be.
func (c *core) logFrame(ops []byte) error {
	if err := c.ensureLog(); err != nil {
		return err
	}
	_, err := c.log.Append(ops)
	return err
}

// strike strikes the last frame from the log again in DurabilityOS, where
// the log holds a batch only while it is applied; the next checkpoint
// syncs that (syncStruck).
func (c *core) strike() {
	if !c.logged() {
		c.log.Discard()
		c.struck = true
	}
}

// syncStruck makes durable the striking of batches from the log, before a
// checkpoint records state newer than them.
func (c *core) syncStruck() error {
	if !c.struck {
		return nil
	}
	if err := c.log.SyncFile(); err != nil {
		return err
	}
	c.struck = false
	return nil
}

// waitDurable returns when the last mutation is durable, in
// DurabilityWALSync; at once otherwise.
func (c *core) waitDurable() error {
	if c.opts.Durability != DurabilityWALSync || c.log == nil {
		return nil
	}
	return c.log.WaitSynced(c.log.Last())
}

// lastSeq returns the sequence number of the last logged mutation.
func (c *core) lastSeq() uint64 {
	if c.log == nil {
		return c.hdr.Checkpoint
	}
	return c.log.Last()
}

// replay applies one frame of the log, as recovery replays it.
func (c *core) replay(_ uint64, payload []byte) error {
	return c.applyFrame(payload, room{}, fromLog)
}

// keepLog is what a checkpoint in the WAL modes does when it cannot have
// the space of a table: it loses nothing, since buckets holds the last
// checkpoint's table and the log every mutation since. Staying open, it
// returns the error, and the map goes on as it was. At Close it syncs the
// log and leaves the map dirty, for the next Open to replay the log, and
// returns nil.
func (c *core) keepLog(stayOpen bool, cause error) error {
	err := fmt.Errorf("no room to checkpoint %s; the log keeps every change: %w", c.dir, cause)
	if stayOpen || c.log == nil {
		return err
	}
	if serr := c.log.SyncFile(); serr != nil {
		return errors.Join(err, serr)
	}
	c.logKept = true
	return nil
}

// resumeLog ends a recovery that has no room to checkpoint: the map goes
// on as replayed, in its private table mapping over the last checkpoint's
// files, and the log, continued where replay ended, stays the record of
// every change since that checkpoint, whose number the header still
// holds. A map of format version 1, whose log cannot be continued, cannot
// be recovered so.
func (c *core) resumeLog(tail wal.Tail, checkpoint uint64, version uint32, cause error) error {
	err := fmt.Errorf("no room to checkpoint %s after recovery: %w", c.dir, cause)
	if version < layout.LogHeaderVersion {
		return err
	}
	c.hdr.Checkpoint = checkpoint
	if tail.Last == checkpoint {
		return nil // nothing past the checkpoint: the log may start again
	}
	l, lerr := wal.Resume(c.opts.files, c.path(walFile), c.opts.FilePerm, tail)
	if lerr != nil {
		return errors.Join(err, lerr)
	}
	c.log = l
	return nil
}
