package raftmap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/hashicorp/raft"
)

// restoringName is the file that marks a restore under way in a node's
// directory: while it is there, the map may hold part of a snapshot, and
// the next Open restores the latest snapshot again before serving.
const restoringName = "restoring"

// fsm is the state machine raft drives: the node's map, and each group's
// applied index. raft calls Apply, Snapshot and Restore from one goroutine.
type fsm struct {
	m     *concurrent.Map[[]byte, []byte]
	dir   string      // the node's directory
	perm  os.FileMode // of the files the node creates (Config.filePerm)
	clock func() time.Time

	// applied holds each group's applied index: the index of the last
	// command that wrote to it. Only the FSM goroutine touches it, and
	// Open before raft starts.
	applied [groups]uint64
	last    atomic.Uint64         // the index of the last entry every group it touched has applied (Stats.Applied)
	present atomic.Int64          // the groups whose applied index is in the map
	failed  atomic.Pointer[error] // the error that stopped the map following the log

	onApply   func(index uint64, group int, skipped bool) // Config.onApply
	onRestore func()                                      // Config.onRestore
}

// result is what Apply returns to the node that proposed the command.
type result struct {
	deleted bool  // for a command of one delete: whether the key was there
	err     error // a command the map refused (ErrTooLarge), or ErrFailed
}

// Apply applies the command of log entry l, group by group: the part of
// each group whose applied index is below l.Index is written with the
// group's new applied index in one batch of the group's shard; the other
// groups have applied it before, and are left alone.
func (f *fsm) Apply(l *raft.Log) any {
	if err := f.failure(); err != nil {
		return result{err: err}
	}
	ops, err := decodeCommand(l.Data)
	if err != nil {
		return result{err: fmt.Errorf("log index %d: %w", l.Index, err)}
	}
	var res result
	for _, part := range byGroup(ops) {
		g := groupOf(part[0].key)
		if l.Index <= f.applied[g] {
			f.applyHook(l.Index, g, true)
			continue
		}
		deleted, err := f.applyGroup(l.Index, g, part)
		if err != nil && res.err == nil {
			res.err = err
		}
		res.deleted = res.deleted || deleted
	}
	if f.failure() == nil { // a command the map refused is applied too: as nothing
		f.advance(l.Index)
	}
	return res
}

// byGroup splits ops into the parts of each group, in the order of their
// first op, each in the command's order.
func byGroup(ops []op) [][]op {
	at := make(map[int]int)
	var parts [][]op
	for _, o := range ops {
		g := groupOf(o.key)
		i, ok := at[g]
		if !ok {
			i = len(parts)
			at[g] = i
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], o)
	}
	return parts
}

// applyGroup writes ops, all of group g, and g's applied index, in one
// batch. A command the map refuses (a key or value too large) records the
// index alone, so that it is not tried again; any other error stops the
// map following the log.
func (f *fsm) applyGroup(index uint64, g int, ops []op) (bool, error) {
	deleted, err := f.writeGroup(index, g, ops)
	if err == nil {
		return deleted, nil
	}
	if errors.Is(err, diskmap.ErrTooLarge) {
		if _, ierr := f.writeGroup(index, g, nil); ierr == nil {
			return false, err
		}
	}
	return false, f.fail(fmt.Errorf("log index %d: %w", index, err))
}

// writeGroup writes ops and the applied index of g in one batch.
func (f *fsm) writeGroup(index uint64, g int, ops []op) (bool, error) {
	deleted := false
	ak := appliedKey(g)
	err := f.m.BatchOn(ak, func(b *diskmap.Batch[[]byte, []byte]) error {
		now := f.clock().UnixNano()
		for _, o := range ops {
			was, err := write(b, o, now)
			if err != nil {
				return err
			}
			deleted = deleted || was
		}
		return b.Put(ak, binary.LittleEndian.AppendUint64(nil, index))
	})
	if err != nil {
		return false, err
	}
	f.setApplied(g, index)
	f.applyHook(index, g, false)
	return deleted, nil
}

// write records o in b; now is the batch's time. A put whose expiry has
// passed deletes the key: that is what the map holds once it expires.
func write(b *diskmap.Batch[[]byte, []byte], o op, now int64) (bool, error) {
	sk := storedKey(nil, o.key)
	switch {
	case o.kind == opDelete:
		return b.Delete(sk)
	case o.expiry == 0:
		return false, b.Put(sk, o.value)
	case o.expiry <= now:
		_, err := b.Delete(sk)
		return false, err
	default:
		return false, b.PutTTL(sk, o.value, time.Duration(o.expiry-now))
	}
}

// applyHook calls the test hook onApply, if set.
func (f *fsm) applyHook(index uint64, g int, skipped bool) {
	if f.onApply != nil {
		f.onApply(index, g, skipped)
	}
}

// setApplied records that group g has applied index.
func (f *fsm) setApplied(g int, index uint64) {
	if f.applied[g] == 0 {
		f.present.Add(1)
	}
	f.applied[g] = index
}

// advance records that every group has applied the entries up to index,
// once the last group an entry touches has applied it.
func (f *fsm) advance(index uint64) {
	if index > f.last.Load() {
		f.last.Store(index)
	}
}

// loadApplied reads every group's applied index from the map.
func (f *fsm) loadApplied() error {
	f.last.Store(0)
	f.present.Store(0)
	for g := range groups {
		v, ok, err := f.m.Get(appliedKey(g))
		if err != nil {
			return err
		}
		f.applied[g] = 0
		if !ok {
			continue
		}
		index, err := decodeApplied(v)
		if err != nil {
			return fmt.Errorf("%s, group %d: %w", filepath.Join(f.dir, mapName), g, err)
		}
		f.setApplied(g, index)
		f.advance(index)
	}
	return nil
}

// groupsApplied returns the number of keys of applied indexes in the map.
func (f *fsm) groupsApplied() int { return int(f.present.Load()) }

// fail records err as the reason the map stopped following the log, and
// returns it wrapped in ErrFailed.
func (f *fsm) fail(err error) error {
	err = fmt.Errorf("%w: %w", ErrFailed, err)
	f.failed.CompareAndSwap(nil, &err)
	return *f.failed.Load()
}

// failure returns the error that stopped the map following the log, or
// nil.
func (f *fsm) failure() error {
	if p := f.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// Snapshot syncs the map, so that what it has applied survives a crash
// once raft drops the log up to the snapshot, and returns a snapshot that
// exports it. The export runs beside later Applies, each shard as of its
// turn: a group may be exported with commands past the snapshot's index
// applied, which the restoring node, skipping them by the group's applied
// index, does not apply again.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	if err := f.failure(); err != nil {
		return nil, err
	}
	if err := f.m.Sync(); err != nil {
		return nil, err
	}
	return &snapshot{m: f.m}, nil
}

// Restore replaces the map with the export stream rc: it marks the restore
// in the directory, clears the map, imports the stream, syncs the map,
// reads the groups' applied indexes and removes the mark.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer func() { _ = rc.Close() }()
	marker := filepath.Join(f.dir, restoringName)
	if err := writeSynced(marker, nil, f.perm); err != nil {
		return err
	}
	err := f.m.Clear()
	if err == nil {
		_, err = f.m.Import(rc)
	}
	if err == nil {
		err = f.m.Sync()
	}
	if err == nil {
		err = f.loadApplied()
	}
	if err == nil {
		err = os.Remove(marker)
	}
	if err == nil {
		err = syncDir(f.dir)
	}
	if err != nil {
		return f.fail(fmt.Errorf("restoring a snapshot into %s: %w", f.dir, err))
	}
	f.failed.Store(nil)
	if f.onRestore != nil {
		f.onRestore()
	}
	return nil
}

// snapshot is a snapshot of the map, exported when raft persists it.
type snapshot struct {
	m *concurrent.Map[[]byte, []byte]
}

// Persist writes the map's export stream to sink.
func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := s.m.Export(sink); err != nil {
		_ = sink.Cancel()
		return err
	}
	return sink.Close()
}

// Release does nothing: the snapshot holds nothing of its own.
func (s *snapshot) Release() {}
