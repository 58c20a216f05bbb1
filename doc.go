// Package diskmap is a persistent hash map that lives in memory-mapped
// files. A Map[K, V] behaves like a Go map, survives restarts and crashes of
// the process, reads values in place without copying, and stays fast at
// tens of millions of keys.
//
//	m, err := diskmap.Open[string, uint64]("counts", nil)
//	if err != nil { ... }
//	defer m.Close()
//	err = m.Put("apples", 3)
//	n, ok, err := m.Get("apples")
//
// # Files
//
// A map is a directory holding three files: buckets, a header and an
// open-addressing table of 16-byte slots probed linearly; and keys and
// values, two arenas of length-prefixed, checksummed records, each
// starting at a multiple of 8 bytes. Package layout specifies the format.
// The table doubles past Options.MaxLoad, into a new file beside it that a
// few dozen of its slots move into at each write, so that no write waits
// for the whole table to be rebuilt; arenas hold up to an eighth of their
// size allocated ahead of their records (at least 64 KiB, at most 1 GiB),
// so that a map fills its disk to within one such step. On 64-bit Unix
// systems the map's background goroutine keeps that room allocated, at
// most 4 MiB at a time, so that a write waits for an allocation only when
// its record does not fit in what was allocated before; the
// mapping of a file that outgrows the address space set aside for it is
// mapped anew and the old one unmapped in the background, so that no
// write waits for a large allocation or for tearing down a large mapping.
// New records are appended, except that a key updated again since the last checkpoint (in
// DurabilityOS, the last Sync) with a value of the same length writes it
// over its own previous record, dead: a key updated over and over between
// two checkpoints holds two records, not one an update (while the table
// grows, updates append). Other replaced and deleted records stay in the
// arenas as dead bytes until a compaction rewrites them away: Compact, or
// a write that finds more than Options.CompactAt of an arena dead and
// compacts the map first (see Map.Put), so that the arenas stay within
// about twice their live bytes by default.
//
// Keys and values become bytes through codecs (package codec): Open picks
// them from K and V with codec.For, OpenWith takes them. The codec names are
// stored in the header, and opening with others fails with ErrCodecMismatch
// (codec.Compatible says which names read which). A codec.Msgpack name holds
// its type's, so a map of one struct type does not open as a map of another.
//
// # Keys that expire
//
// PutTTL stores a key with a time to live (Batch.PutTTL and Entry.SetTTL
// too): it expires at the time of the put plus that duration, by the map's
// clock (Options.Clock, time.Now by default), and TTL says how long it has
// left. The expiry is stored with the value as an absolute time, so it
// survives Close, crashes, recovery and Compact; a plain Put of the key
// removes it. From the moment a key expires it is absent for every read:
// Get, View, Contains, GetMany, ViewMany, Entry, TTL and iteration. It stays
// in the files until a write removes it:
//
//   - a Put, PutTTL, Delete, Batch or Entry write of that key (a put inserts
//     it anew, at the end of the iteration order);
//   - the sweep: each write also looks at the next few slots of the table
//     (2 to 32, more while it finds expired keys there, fewer while it
//     does not) and removes the expired keys there, so that expired keys
//     nobody reads again are gone within one pass over the table;
//   - RemoveExpired, which removes all of them at once, and every
//     compaction, Compact or one a write makes by itself (Options.CompactAt),
//     which drops their records.
//
// Len and Stats.Len count the keys stored, expired ones not yet removed
// among them; after RemoveExpired or a compaction they count only live
// keys. Stats.Expired counts the expired keys removed since Open, by all
// of the above. Keys without an expiry cost nothing more: their records and
// slots are as before. Reads are concurrent, so a read never removes
// anything; it passes over the slot of an expired key on its expiry alone,
// without reading the key. The clock is read by readers too, from their
// goroutines, and must not go back: a key expired and not yet removed would
// be there again.
//
// # Views
//
// View returns a value's encoded bytes where they lie in the mapping. They
// are valid until the next change to the map (Put, Delete, Compact, a write
// through an Entry) or Close, whichever comes first: a change may grow a
// file and move its mapping, compact the map, or write a key's new value
// over the bytes of an earlier one. A view may still be passed to the
// write that ends it. Values are read through a read-only mapping of
// the values file, so writing into a view crashes the program with a fault
// instead of changing the file. ViewAs hands out a value of a codec.Fixed
// type the same way, as a *T into the mapping, under the same rules.
//
// Reading a view past its end is a bug, and the map makes it a loud one:
// while a map is open, no address a view of it may hold is mapped again
// with other bytes. A mapping the map leaves behind is not unmapped but
// retired: its range stays reserved and inaccessible, and the next
// mapping goes elsewhere. What reading a view kept too long does depends
// on what ended it:
//
//   - A write (Put, Delete, a write through an Entry, a Batch) that moves
//     no mapping, and a growth of the table, which holds no values: the
//     view still points into the mapped values file, where its record
//     was, and reads what the file holds there now, which is no longer
//     promised to be the value.
//   - A write that grows the values file: its mapping grows in place, the
//     view still good, while the address space set aside after it has
//     room (on a 64-bit Unix system, address space is set aside for at
//     least four times the file; on a 32-bit one, an eighth more, or
//     1 MiB). Past that room, and at every growth on Windows, the mapping
//     moves, and reading the view faults: at once on Windows; on Unix
//     once the map's background goroutine has retired the old mapping,
//     which it starts on at once (tearing down its page tables, a few
//     milliseconds where much of it was read); until then the view reads
//     the values file, as after a write that moves no mapping. Close and
//     Compact wait for it.
//   - Compact, and a write that compacts the map first (Options.CompactAt):
//     the new files are mapped at new addresses, and reading the view
//     faults, however the new files compare with the old.
//   - Close: reading the view faults, also once the map is opened again.
//
// A fault is a SIGSEGV on Unix and an access violation on Windows: the Go
// runtime ends the program with "unexpected fault address", or, in a
// goroutine that called debug.SetPanicOnFault(true), panics with a
// runtime.Error whose Addr method gives the address.
//
// Retired ranges cost address space, not memory. On Unix each arena's
// mappings follow each other through a span of address space reserved for
// them, and the retired ranges merge, so that a map holds a handful of the
// kernel's mappings however often it compacts. At Close, or when a span
// is full, its retired ranges are handed to the process, which keeps them
// reserved, up to 1 TiB in 1,024 ranges on a 64-bit system and 128 MiB in
// 256 on a 32-bit one, and past that gives the oldest back to the system,
// which may map anything there later: only then may a view that old read
// other bytes. Windows has no way to map a file into reserved address
// space short of the placeholder calls of Windows 10 1803: there a
// retired range is reserved again right after it is unmapped, and another
// thread that maps memory in that instant could take it.
//
// # Many lookups
//
// In a map much larger than the CPU caches, a lookup waits for two reads
// from memory, one after the other: the slot, then the key and value
// records it points to. ViewMany and GetMany look keys up in groups and
// read the slots, then the records, of a whole group together, so that the
// group waits about as long as one lookup does. Reading many keys, they are
// the fast way.
//
// # Iteration
//
// All, Keys and Values visit the keys in first-insertion order, the order
// of the keys arena, with decoded copies of keys and values. The body of
// the loop may change the map; these rules hold while an iteration runs:
//
//  1. Replacing the value of any key, the current one included, is safe; a
//     key not yet reached is visited with its new value.
//  2. Deleting any key, the current one included, is safe; a deleted key not
//     yet reached is not visited.
//  3. A key inserted during the iteration is visited, at the end, as it is
//     last in insertion order. A key deleted and inserted again moves to the
//     end, and so may be visited twice.
//  4. Table growth caused by inserts does not disturb the iteration.
//  5. Compact, Clear or Close ends the iteration; Err then returns
//     ErrStale.
//
// An iteration that meets a damaged record, or a record its codec cannot
// decode, stops before yielding it; Err returns the error that ended it.
//
// # Concurrency
//
// A Map is not safe for concurrent mutation. With no writer active, any
// number of goroutines may call Get, GetMany, Contains, View, ViewMany, TTL, Export,
// Len, Stats and Check and iterate at once: the read paths share no scratch space. Package
// concurrent shards keys over several maps behind read-write locks for
// concurrent writers.
//
// Open locks the directory: one writer at a time, in any process; a second
// Open for writing fails with ErrLocked, at once or once
// Options.LockTimeout has passed, as a *LockedError that says who holds
// the map. Options.ReadOnly opens share the directory with each other, but
// not with a writer.
//
// # Operating a map
//
// Options.Logger records what changes the files as a whole: recoveries and
// compactions at Info level, table growths and checkpoints at Debug level,
// never a single read or write. Options.Progress is told how Compact,
// Check, Backup, Export, Import and a recovery go on. Stats.Recovery says what the last Open
// recovered.
//
// # Memory and the garbage collector
//
// A map's keys and values live in its mappings, outside the Go heap: the
// garbage collector neither scans them nor counts them, and the page cache,
// not the heap, holds them. So the heap of a program built on a map stays
// small, and with GOGC's default of 100 a collection starts each time the
// heap grows by its own small size: a program whose reads copy values
// (Get, GetMany, iteration) collects often, and the collections show in the
// tail of its read latency. Three ways out, best first: read without
// garbage, with View, ViewMany or ViewAs (in place) or with GetAppend into
// a buffer the reader reuses; set GOMEMLIMIT to what the program may use
// of the heap and raise GOGC (or set GOGC=off with a GOMEMLIMIT), so that
// collections wait for real heap growth; or keep a large, long-lived heap
// of the program's own. GOMEMLIMIT counts the Go runtime's memory only:
// the mapped files are not in it, and the operating system pages them in
// and out as memory allows, whatever the limit says.
//
// # Durability
//
// Options.Durability picks one of three modes:
//
//   - DurabilityOS (the default): writes go to mapped memory and the
//     operating system writes the pages back when it pleases. A crash of
//     the process loses nothing that was acknowledged: the pages belong to
//     the kernel, not to the process. A power loss may lose what was
//     written since the last Sync or Close.
//   - DurabilityWAL: every mutation is also appended to a write-ahead log,
//     the file wal, through a mapping. The table is mapped copy-on-write and
//     reaches its file only at checkpoints. After a crash of the process
//     nothing acknowledged is lost; after a power loss the map comes back as
//     it was after some prefix of its mutations that includes everything
//     before the last returned Sync.
//   - DurabilityWALSync: as DurabilityWAL, with the log fsynced before each
//     mutation returns. Writers that wait at once share fsyncs (see
//     WaitSynced).
//
// A checkpoint syncs the map files, records the last logged mutation in the
// header and empties the log; it runs when the log passes
// Options.WALCheckpointBytes, when the table grows, at Compact, at Close and
// on Checkpoint. Each write puts records in the arenas before the slot that
// points at them, and tables and compacted files are built aside and
// renamed into place; in the WAL modes a checkpoint builds its table in
// space the map holds for it (the file buckets.spare), so that a map on a
// full disk still closes and opens. The header records whether the map was closed
// cleanly; a map that was not is recovered when it is next opened for
// writing: the arenas are cut after their last whole record (or, with a
// log, back to the checkpoint), the table is rebuilt from the slots whose
// records are whole, and the log is replayed. Opening a map that was closed
// cleanly reads only its header: no replay, no scan.
//
// # Backup and export
//
// Backup writes a copy of an open map into a new or empty directory: a map
// directory, closed cleanly, that Open opens. Export writes the keys, values
// and expiries as an export stream (see package layout, Export stream),
// which Import puts into any map of the same codecs, a concurrent.Map's
// included. Export is a read; Backup and Import are writes, and follow the
// rules of Concurrency.
//
// # Errors
//
// Errors can be matched with errors.Is against the Err variables. Damaged or
// foreign files give a *CorruptError, matching ErrCorrupt, that names the
// file and the offset. A message says "diskmap: " once, where the error
// began; the operations and files that led to it stand in front (see
// ErrClosed for the rule). A failure of the system names its file once,
// with what the map was doing to it, then the system's cause: "diskmap:
// syncing /data/m/keys: input/output error" (errors.Is still matches the
// cause: fs.ErrNotExist, syscall.ENOSPC). Check walks every slot and
// record of a map and reports what is inconsistent.
//
// # Limits
//
// Keys are at most layout.MaxKeyLen (1 MiB) and values layout.MaxValueLen
// (1 GiB) encoded bytes; each arena holds at most layout.MaxArenaSize
// (32 GiB) including dead records; the table has at most 2^32 slots. On a
// 32-bit system, whose address space must hold every mapping, an arena
// holds at most 256 MiB and the table 2^24 slots. Beyond them writes return
// ErrTooLarge and change nothing; Open returns it for a map whose files are
// larger than this system maps.
package diskmap
