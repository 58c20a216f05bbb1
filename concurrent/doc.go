// Package concurrent is the diskmap for many goroutines. A Map[K, V] spreads
// its keys over shards, each a diskmap.Map in a directory of its own behind
// a sync.RWMutex of its own, so that goroutines busy with different shards
// never wait for each other.
//
//	m, err := concurrent.Open[string, uint64]("counts", nil)
//	if err != nil { ... }
//	defer m.Close()
//	err = m.Put("apples", 3)
//	n, ok, err := m.Get("apples")
//	err = m.Update("hits", func(e *diskmap.Entry[string, uint64]) error {
//		_, err := e.AndModify(func(n *uint64) { *n++ }).OrInsert(1)
//		return err
//	})
//
// # Terminology
//
//   - shard: one of the diskmap.Maps a Map is made of, and its lock.
//   - shard hash: XXH64 of a key's encoded bytes, seeded with the seed in
//     the manifest. Its low log2(shard count) bits pick the key's shard.
//   - shard seed: the hash seed in the header of a shard's buckets file
//     (package layout). It differs from shard to shard and from map to map,
//     and names a shard directory.
//   - shard key: the part of a key's encoded bytes that Options.ShardKey
//     picks, hashed instead of the whole key when the map has one.
//   - callback: the fn of Update, View, ViewMany or BatchOn, which runs
//     with its shard locked.
//   - batch: up to 256 items that an iteration reads from a shard under
//     one hold of the shard's read lock.
//
// # Calls
//
// A Map has the calls of a diskmap.Map, with the same meanings, each on
// the shard of its key or shard after shard:
//
//   - on one key's shard: Get, GetAppend, Contains, View, TTL (reads);
//     Put, PutTTL, Delete, Update, Swap, LoadOrStore, LoadAndDelete,
//     CompareAndSwap, CompareAndDelete, and BatchOn, a batch of the keys
//     of one shard, where diskmap.Map has Batch (writes);
//   - grouped by shard: GetMany, ViewMany and PutMany;
//   - shard after shard: All, Keys, Values and Err; Len, Stats and Check;
//     DeleteFunc, RemoveExpired, Clear and Compact; Sync, Checkpoint,
//     LastSeq and WaitSynced (see Durability); Close.
//
// Set is a Map of struct{} values, as diskmap.Set is: Add, Has, Remove,
// All, Err, Len, Clear, Compact, Sync, Stats, Check and Close.
//
// Bad input gets diskmap.Map's answers:
//
//   - After Close, every call returns diskmap.ErrClosed, but Len and
//     Stats, which give 0 keys, LastSeq, and WaitSynced, which returns nil
//     for writes Close synced.
//   - A key or value past the format's limits makes Put, PutTTL, PutMany,
//     Update's writes, the puts of BatchOn, Swap and LoadOrStore return
//     diskmap.ErrTooLarge, naming the shard and changing nothing; reads
//     find no such key.
//   - On a map opened with ReadOnly every write returns
//     diskmap.ErrReadOnly: those above, DeleteFunc, RemoveExpired, Clear and
//     Compact. Sync, Checkpoint and WaitSynced have nothing to do and
//     return nil, and LastSeq is 0.
//
// # Sharding
//
// Inside a shard, a key's slot is picked by the top bits of the shard's own
// hash, seeded with the shard seed. The shard is picked by the low bits of
// the shard hash, seeded otherwise: the two choices are independent, shards
// hold the same number of keys to within a few percent, and each shard's
// table fills as evenly as a whole map's. A key whose codec hands out its
// bytes (codec.Borrower) or packs it (codec.Packer) is encoded into no
// buffer, so Get, View and Contains of string, []byte and numeric keys
// allocate nothing.
//
// With Options.ShardKey, the shard hash is of each key's shard key, a part
// of its encoding, instead: keys with one shard key share a shard, and a
// batch of them (BatchOn) is atomic. Whether a map has one is recorded in
// its manifest.
//
// The shard count is a power of two, fixed when the map is created (see
// Options.Shards) and recorded in the manifest with the seed of the shard
// hash: a map opened again, with any options, sends each key to the shard
// it was stored in.
//
// # Files
//
// A Map's directory holds a manifest (the shard count, the seed of the
// shard hash, the codec names and each shard's seed), a lock file and one
// diskmap.Map directory per shard: shard-0000, shard-0001 and so on.
// Package layout specifies them under Sharded maps: the directory, the
// manifest's bytes, how a reader checks it, and the rule that picks a
// key's shard.
//
// # Open
//
//  1. Lock the file lock, creating the directory if need be: exclusively
//     to write, shared to read (Options.Map.ReadOnly). If another Map, in
//     this process or another, holds a conflicting lock, fail with
//     diskmap.ErrLocked.
//  2. Read the manifest. If there is none and the map is opened to write,
//     create it: check that the directory holds no shard-* entry and no
//     diskmap.Map (a buckets file); draw a seed for the shard hash; write a
//     manifest with the creating flag, the shard count, the codec names and
//     zero shard seeds.
//  3. If the manifest is complete, check each shard before opening any: its
//     directory exists and its buckets header holds the recorded shard
//     seed. If a shard was not closed cleanly, also open every shard
//     read-only and close it again, which checks its files the way Open
//     does before recovering, so that damage in one shard is found before
//     the recovery of another writes anything. Until these checks pass,
//     nothing is written.
//  4. Open each shard's diskmap.Map with Options.Map, which locks the shard
//     directory too and recovers the shard if it was not closed cleanly.
//     While the map is being created, shards that do not exist are created.
//  5. If the map is being created, check that every shard is empty, and
//     write the manifest again with the shard seeds, without the flag.
//
// A manifest is written to manifest.new, synced, renamed over manifest, and
// the directory synced. A creation cut short leaves the creating flag set;
// the next Open for writing finishes it, with the recorded count and seed.
// An Open that fails closes what it opened and removes what it created.
//
// # Locks
//
// Reads (Get, GetAppend, Contains, View, TTL, per shard GetMany, ViewMany,
// LastSeq, Stats and Check, and each batch of an iteration) hold a shard's
// lock shared; writes (Put, PutTTL, Delete, Update, BatchOn, the calls of
// sync.Map, each batch of PutMany, and per shard Compact, RemoveExpired, DeleteFunc,
// Clear, Sync, Checkpoint and Close) hold it exclusively. WaitSynced waits
// for a shard's fsync with no lock held. A method that touches several
// shards takes their locks one after another, never
// two at once. Hence:
//
//   - Goroutines working on different shards never wait for each other.
//     Table growth and compaction of a shard hold that shard's lock only:
//     Compact compacts the shards one after another, and a write that
//     compacts its shard by itself (Options.Map.CompactAt) holds that
//     shard alone, so the longest a write waits is about one compaction
//     of one shard (measured: see the README, Figures).
//   - A writer waiting for a shard's lock keeps new readers of that shard
//     waiting, as sync.RWMutex does so that writers are not starved; the
//     readers of every other shard go on.
//   - Len takes no lock at all.
//
// # Callbacks
//
// The fn of Update and of BatchOn runs under the write lock of its key's
// shard, and the fn of View, and of ViewMany, under the read lock. It must not call the map, nor wait for a
// goroutine that does: the locks are sync.RWMutexes, which are not
// reentrant, so a write to fn's own shard waits for ever for the lock fn's
// caller holds, and so may a read of it (a read lock waits behind a writer
// that is waiting), or a call on another shard whose holder waits for
// fn's. Work through the entry or the bytes fn is given, copy what fn
// needs to keep, and make other calls after it returns.
//
// # Iteration
//
// All, Keys and Values visit the shards one after another, in shard order,
// and each shard's keys in the shard's insertion order. They read a shard in
// batches of up to 256 keys, each under the shard's read lock, and run the
// loop body with no lock held, so that the loop body may call any method of
// the map. While an iteration runs, whether the writes come from other
// goroutines or from the loop body:
//
//  1. A batch is read at one moment: its keys and values are those of the
//     shard at that moment. The loop body gets copies; a value may have
//     changed since its batch was read.
//  2. Between the batches of the shard being visited, diskmap's iteration
//     rules hold: a value replaced before its key is reached is seen with
//     its new value; a key deleted before it is reached is not seen; a key
//     inserted is seen, at the shard's end; a key deleted and inserted again
//     may be seen twice.
//  3. Writes to the shards already visited are not seen. Writes to the
//     shards not yet reached are, as they stand when they are read.
//  4. So an iteration is not a snapshot: of two writes made one after the
//     other to keys of different shards, it may see either without the
//     other. A key present and unchanged from the start of the iteration
//     to its end is seen exactly once.
//  5. If the shard being visited is compacted (by Compact) or closed
//     between two of its batches, the iteration ends, and Err returns
//     diskmap.ErrStale. Compaction of the other shards does not disturb it.
//     A write does not compact by itself a shard that an iteration is
//     visiting: as in diskmap, an iteration in progress puts that off.
//  6. An error ends the iteration, and is kept for Err.
//
// # Durability
//
// Each shard is a diskmap.Map opened with Options.Map, so its durability
// mode, and what diskmap guarantees in that mode, hold shard by shard; Sync
// syncs every shard. Nothing is atomic across shards: after a crash each
// shard is recovered by itself. A batch (BatchOn) is one frame of its
// shard's log, all or nothing after a crash as diskmap.Map.Batch is, and
// so it may touch the keys of its shard only; keys that must change
// together are given one shard key (Options.ShardKey). Each shard has its own log, so writers to
// different shards never wait on one fsync. With DurabilityWALSync a
// writer logs under its shard's lock, releases it, and only then waits for
// the fsync, which writers to the same shard share (group commit: 8
// writers on one shard measured 6x the synced writes per second of one).
//
// With DurabilityWAL, a writer that wants its writes durable without
// syncing after each one calls LastSeq after them and WaitSynced with the
// token it returns, as with a diskmap.Map. The token is not the sequence
// number of one write, since each shard numbers its own log: it is the sum
// of the shards' numbers, and WaitSynced waits for every shard's log up to
// what it holds when WaitSynced is called, which covers the writes made
// before LastSeq and may cover later ones. Checkpoint checkpoints every
// shard.
//
// # Backup and export
//
// Backup, Export and Import go shard by shard, each shard under its own
// lock only while it is captured (written for Backup, read for Export):
// the other shards keep serving. A backup or an export is consistent for
// each shard, as of its turn, and not across shards: a write to a shard
// not yet captured shows in it. For a copy of the whole map at one moment,
// stop the writers first. The export stream is diskmap's (package layout,
// Export stream): a concurrent.Map's imports into a diskmap.Map and back.
//
// # Errors
//
// A Map returns diskmap's errors, matched with errors.Is: ErrClosed after
// Close, ErrLocked from an Open that finds the map in use, ErrCodecMismatch
// for other codecs than the manifest names, ErrVersion for a manifest of
// another version, and ErrCorrupt, matched by a *diskmap.CorruptError that
// names the file, for a damaged or truncated manifest, a shard directory
// that is missing or belongs elsewhere, or a damaged shard. Two errors are
// this package's own: ErrCrossShard, from a batch of BatchOn given a key
// of another shard, and ErrShardKey, from an Open with an Options.ShardKey
// of a map created without one, or the reverse.
//
// Messages follow diskmap's rule (see diskmap.ErrClosed): the error that
// began one names its package once, "concurrent: " for the errors made
// here (a damaged manifest, a shard directory that is not the map's),
// "diskmap: " for those of the shards' maps and the sentinels this
// package shares with them; each wrap puts the operation and the file in
// front, with no prefix of its own:
//
//	locking /data/m: diskmap: map is in use by another writer
//
// # Limitations
//
//   - At most MaxShards (1024) shards; each holds a few open files and
//     mappings of its own.
//   - One shard is the unit of atomicity: Update is atomic for its key,
//     BatchOn for the keys of one shard, and nothing spans two shards. A
//     batch of keys of several shards is refused (ErrCrossShard): there is
//     no Batch that picks its shard from the keys fn gives it, since fn
//     writes into the batch of one shard's map as it runs.
//   - Err belongs to the map, not to one iteration.
package concurrent
