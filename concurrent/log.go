package concurrent

import (
	"errors"

	"github.com/diskmap-go/diskmap"
)

// Sequence numbers across shards. Each shard numbers the writes of its own
// log (see diskmap.Map.LastSeq); no single number orders the writes of
// different shards. So LastSeq returns a token rather than the number of
// one write, and WaitSynced waits for the shards as they stand when it is
// called, which covers every write made before the token was taken.

// LastSeq returns a token for every write made to the map so far, for
// WaitSynced: the sum of the shards' last sequence numbers, which grows
// with each write logged in any shard. It is 0 when no shard has logged a
// write (in DurabilityOS always, and on a read-only map), and not the
// sequence number of any one write. It reads each shard's under its read
// lock, one after another.
func (m *Map[K, V]) LastSeq() uint64 {
	var sum uint64
	for i := range m.shards {
		sum += m.shards[i].lastSeq()
	}
	return sum
}

// WaitSynced returns once every write made before the LastSeq call that
// returned seq is on stable storage, in the WAL modes. It takes no write
// lock: one shard after another, it reads the shard's last sequence number
// now and waits for the shard's log to be synced up to it (see
// diskmap.Map.WaitSynced), so it waits for the writes made before it was
// called, those after LastSeq among them, and writers that wait at once
// share each shard's fsyncs. A seq of 0 is returned at once, as is any in
// DurabilityOS and on a read-only map. It stops at the first shard that
// fails. After Close it returns nil, as Close synced every shard, unless a
// shard's Close failed before its log was synced, for which it returns
// diskmap.ErrClosed.
func (m *Map[K, V]) WaitSynced(seq uint64) error {
	if seq == 0 {
		return nil
	}
	for i := range m.shards {
		s := &m.shards[i]
		if err := s.m.WaitSynced(s.lastSeq()); err != nil {
			return err
		}
	}
	return nil
}

// lastSeq returns the sequence number of the shard's last logged write,
// read under its read lock.
func (s *shard[K, V]) lastSeq() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m.LastSeq()
}

// Checkpoint checkpoints every shard (see diskmap.Map.Checkpoint), one
// after another, each under its own write lock: its map files and header
// are written to stable storage and, in the WAL modes, its log emptied. It
// checkpoints them all even if one fails, and returns the errors joined.
// On a read-only map it does nothing.
func (m *Map[K, V]) Checkpoint() error {
	if m.closed.Load() {
		return diskmap.ErrClosed
	}
	var errs []error
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		errs = append(errs, s.m.Checkpoint())
		s.mu.Unlock()
	}
	return errors.Join(errs...)
}
