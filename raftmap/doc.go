// Package raftmap is a diskmap replicated by raft (hashicorp/raft): every
// node of a cluster holds the same concurrent.Map, which applies the
// commands of the raft log.
//
//	n, err := raftmap.Open[string, string](raftmap.Config{
//		ID: "n1", Dir: "data/n1", Bind: "127.0.0.1:7001", Bootstrap: true,
//	})
//	err = n.Put(ctx, "apples", "3")                    // on the leader
//	v, ok, err := n.Get(ctx, "apples", raftmap.Stale)  // on any node
//	err = leader.Join(ctx, "n2", "127.0.0.1:7002")
//
// # Terminology
//
//   - command: the data of one raft log entry, the writes of one Put,
//     PutTTL, Delete or Batch (see command.go for its bytes).
//   - group: one of 1024 sets of keys, picked by FNV-1a of a key's encoded
//     bytes. A group lies in one shard of the map (its two bytes are the
//     map's Options.ShardKey).
//   - applied index: the raft index of the last command that wrote to a
//     group, stored in the map under the group's own key.
//
// # Writes
//
// Put, PutTTL, Delete and Batch run on the leader; on another node they
// return a *NotLeaderError that names the leader, to send the write to.
// The leader encodes the keys and values with the node's codecs, appends
// the command to the log, and returns once it is committed and applied on
// the leader. A Batch is raftmap's own (Put, PutTTL, Delete): a
// diskmap.Batch belongs to one map and answers reads as it is filled,
// where a command must be decided before any replica applies it.
//
// A write that returns a *NotLeaderError was not proposed: no replica
// applies it, and it may be sent to the leader as it is. Any other error
// (ctx's, ErrClosed from a Close meanwhile, a leadership lost while
// committing) leaves the write's fate open: it may be committed yet, and
// appear on every replica, or never.
//
// # Applying the log, and restarts
//
// Each node applies a command group by group: the command's writes to a
// group and the group's new applied index are one batch of the group's
// shard (concurrent.Map.BatchOn), so the two are atomic, after a crash too.
// A group whose applied index is already at or past the command's skips
// it. So a node may be given the log again from any point and applies
// nothing twice: raft is started with NoSnapshotRestoreOnStart, the map
// survives restarts by itself, and raft's replay of the log after the last
// snapshot is skipped up to where each group stands. A command touching
// several groups is atomic on each group, not across them: a reader may
// see one group's part before another's.
//
// Snapshots (raft's FileSnapshotStore) sync the map first, so that what it
// applied before the snapshot survives a crash once raft drops that part
// of the log, then write the map's export stream (concurrent.Map.Export),
// the portable format. The export goes shard by shard while later
// commands apply, so a group may carry commands past the snapshot's
// index; the node that restores it skips them by their applied index.
// Restore marks itself in the directory (the file restoring), clears the
// map, imports the stream and syncs; an Open that finds the mark restores
// the latest snapshot again before it serves.
//
// # Reads
//
// Get and View take a Consistency: Stale reads this node's map, on any
// node, and View hands fn the map's bytes without a copy; Leader confirms
// the leadership first (VerifyLeader); Linearizable appends a barrier to
// the log and waits for the leader's map to apply it, so the read sees
// every write committed before it began. A read index (VerifyLeader, then
// waiting for the commit index of the read's start to be applied) was not
// chosen: hashicorp/raft reports neither when a new leader has committed
// an entry of its own term, before which its commit index may be behind,
// nor when the state machine has applied an index that is not a command.
//
// # Expiry
//
// PutTTL's expiry is an absolute time, decided by the leader's clock
// (Config.Clock) and carried in the command; every replica's map expires
// the key at that time by its own clock, which the same Config.Clock
// drives, and a replica that applies the command after that time deletes
// the key instead. Clocks of different machines must agree for replicas to
// agree on the instant.
//
// # The log store
//
// The raft log and stable store are hashicorp/raft-wal's: a log of
// segment files with one fsync per append, and head truncation by whole
// segments. raft-boltdb/v2 (v2.3.1) was the other candidate; it imports
// go-metrics/compat, which the go-metrics hashicorp/raft v1.8.0 requires
// no longer has, so the two do not build together, and raft-wal's
// appends cost one fsync to bolt's two.
//
// # Directory
//
// Config.Dir holds the raftmap file (the node ID, the codec names and the
// group count, checksummed), map/ (the concurrent.Map), raft/ (raft-wal)
// and snapshots/. Open refuses a directory that holds files and no
// raftmap file (ErrForeignDir), another node's (ErrOtherNode), one made
// with other codecs (ErrCodecMismatch), a damaged one (ErrCorrupt), and
// one whose map has applied an index past both the raft log's last index
// and its latest snapshot's (ErrMismatch).
//
// # Failures
//
// A committed command that the map cannot apply for a reason of its own
// (a full disk, a damaged file) stops the node's map following the log:
// every call then returns ErrFailed with the cause. Close the node, repair
// the cause and Open it again; it replays what it missed. A key or value
// past the format's limits is refused before it is proposed.
//
// # Limitations
//
//   - Writes and the reads that need the leader are not forwarded: the
//     caller sends them to the node a *NotLeaderError names.
//   - A Batch is atomic per group, not across groups.
//   - The cluster trusts its network: raft's TCP transport has no TLS nor
//     authentication.
package raftmap
