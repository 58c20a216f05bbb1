// Package layout is the diskmap file format: this specification, its
// constants, and the decoders a compatible reader needs (the header encoders
// are here too, beside the field offsets they share with the decoders). It
// does no I/O. Everything here is part of the on-disk format; a change to any
// size, offset or rule bumps Version.
//
// # Terminology
//
//   - map directory: a directory holding the files of one map.
//   - buckets: the file holding the header and the slot table.
//   - keys, values: the two arenas, files of records, appended to; an
//     update may write a value record over a dead one (Update in place).
//   - record: a length-prefixed, checksummed byte string in an arena,
//     starting at an 8-byte-aligned offset.
//   - slot: a 16-byte cell of the table, empty, deleted or pointing at a
//     key record and a value record (none for an empty value).
//   - hash: XXH64 of the key's encoded bytes, seeded with the header's seed.
//   - fingerprint: the top 32 bits of the hash, stored in the slot.
//   - home: the slot where a key's probe starts: the top log2(capacity) bits
//     of the hash, that is fingerprint >> (32 - log2(capacity)).
//   - generation: a random number shared by the three files of one file set,
//     and written in the log's header; a new one is drawn when the map is
//     created and at each compaction.
//   - log: the file wal, a file header followed by frames.
//   - frame: a numbered, checksummed record in the log of one or more
//     mutations, applied together or not at all.
//   - checkpoint: the point up to which the map files hold every logged
//     mutation; the header records the number of its last frame.
//   - log generation: the frames written after one writing of the log's
//     file header, all checksummed with the salt that header holds.
//   - salt: a random number drawn for each log generation and mixed into
//     the checksum of its every frame.
//   - expiry: the time from which a key is absent, stored with its value
//     as Unix time in nanoseconds (a signed 64-bit integer).
//   - now: the time by the writer's or reader's clock, in the same unit.
//     A key has expired when now >= its expiry.
//   - export stream: a map's keys, values and expiries as one stream of
//     checksummed records, independent of its files (see Export stream).
//   - sweep: the removal of expired keys that each write advances by a few
//     slots of the table.
//   - durable end: an arena's end as the last header written records it.
//   - twin: a dead value record that its key's next update may write over
//     (see Update in place).
//
// All integers are little-endian. Checksums are XXH64 with seed 0; a record
// checksum is the low 32 bits of XXH64 of the record's payload.
//
// # Files
//
//	buckets          header copies, then the slot table
//	keys             arena of key records, in first-insertion order
//	values           arena of value records
//	lock             empty; holds the advisory lock of the process using the map
//	wal              the write-ahead log, in the WAL modes and for batches
//	buckets.spare    in the WAL modes, the space of the next table (see Checkpoint)
//	buckets.next     the table a growing table moves into (see Grow)
//	buckets.grow     a table being rebuilt by a recovery (deleted at open if found)
//	*.compact        files of a compaction in progress (see Compact)
//
// A map is created only in a directory without buckets whose keys and
// values, if there, are arenas without records (a creation cut short), and
// whose wal and buckets.spare, if there, hold only zeros: they are created
// after buckets, so one without it is not the map's, and is not written.
// The bytes of buckets.spare mean nothing; it only holds disk space. A
// directory holding a file manifest or a directory shard-0000 is a sharded
// map's (see Sharded maps): no map is opened or created there. Any other
// file in a map directory is not the map's, and is left alone.
//
// # Header
//
// The first 4096 bytes of buckets (MetaSize) hold two copies of the header,
// at offsets 0 and 512 (HeaderCopyOffset). Each write goes to the copy not
// holding the highest sequence number, so a torn write leaves the other copy
// intact. A reader takes the valid copy (magic, version and checksum right)
// with the highest sequence number.
//
//	offset size field
//	     0    8 magic "diskmap\x00"
//	     8    4 version (2; 1 is read too, see Versions)
//	    12    4 flags: bit 0 set while the map is open for writing (dirty);
//	              bit 1 set with it when every mutation goes to the log
//	    16    8 sequence number of this header write
//	    24    8 hash seed
//	    32    8 generation of the file set
//	    40    1 log2 of the slot count (4..32)
//	    41    7 zero
//	    48    8 live keys
//	    56    8 deleted slots (tombstones)
//	    64    8 keys arena end: bytes in use, header included
//	    72    8 values arena end
//	    80    8 live bytes of key records
//	    88    8 live bytes of value records
//	    96    8 table resizes since creation
//	   104    8 compactions since creation
//	   112    8 write-ahead log sequence number of the last checkpoint
//	   120   32 key codec name, zero-padded
//	   152   32 value codec name, zero-padded
//	   184   64 zero
//	   248    8 checksum: XXH64 of bytes 0..247
//
// A copy is valid only if every field is in range, each checked on its own
// before any sum: no flag but bits 0 and 1; a sequence number and a
// checkpoint below 2^64-1 (the next would wrap); log2 in 4..32; live keys
// and tombstones each at most the slot count, and together too; each arena
// end at least 32, at most MaxArenaSize, a multiple of 8; each arena's live
// bytes a multiple of 8, at most its end less 32; both codec names
// non-empty.
//
// The counters (live keys, tombstones, ends, live bytes) are exact only in a
// header written by a clean close or a sync. While the dirty flag is set the
// table and arenas may hold more than the header says; see Recover.
//
// # Slot
//
// The table is an array of 2^log2 slots starting at offset 4096 of buckets;
// slot i is at 4096 + 16*i. The file is exactly that long.
//
//	offset size field
//	     0    4 fingerprint: top 32 bits of the key's hash
//	     4    4 key record offset / 8; 0 = empty, 1 = deleted
//	     8    4 value record offset / 8; 0 = the empty value, no record
//	    12    4 value length: bits 0..30 the value record's payload length,
//	              bit 31 (SlotExpires) set if the payload starts with an
//	              expiry
//
// The value length duplicates the value record's own prefix so that a lookup
// can hand out the value without reading its header; the record is the truth.
// A value is at most 2^30 bytes, so the payload, with an expiry, fits in
// the 31 bits. An empty value that never expires has no record: its value
// field is 0 (SlotNoValue), which no record can be at, and its length 0, so
// that a map of empty values (a set) has nothing in its values arena. An
// expiring value always has a record, which holds its expiry. Maps written
// before this rule hold empty values as records of a header alone; those
// are read like any record, and a compaction rewrites them as no record.
// Bytes 8..15 are written with one 8-byte store, so a value update, its
// expiry included, is one write. A writer fills fingerprint and value
// fields before the key field, so a slot is never seen as occupied before
// it is whole.
//
// # Arena
//
// keys and values start with a 32-byte header; records follow at offset 32.
//
//	offset size field
//	     0    8 magic "dmkeys\x00\x00" or "dmvals\x00\x00"
//	     8    4 version of the arena format (1, unchanged in format version 2)
//	    12    4 zero
//	    16    8 generation (equals the buckets header's)
//	    24    8 checksum: XXH64 of bytes 0..23
//
// A record starts at a multiple of 8, so a value is read in place, and fixed
// size values can be reinterpreted without copying:
//
//	offset size field
//	     0    4 payload length n
//	     4    4 checksum: low 32 bits of XXH64(payload)
//	     8    n payload
//	   8+n    - zero padding to a multiple of 8
//
// A writer writes the payload and padding first, then the header, bytes
// 0..7.
//
// A record is whole if it lies within the end and its checksum matches.
// An all-zero record header is never valid (the checksum of the empty
// payload is not zero), so zeroed space after the end reads as the end.
// A record is retired if its checksum field is the complement of its
// payload's checksum: a twin (see Update in place). A walk of an arena
// steps over these records that are not whole, as dead ones, and no slot
// may point at any of them:
//
//   - a retired record, anywhere;
//   - below the values arena's end as the header records it, every record
//     whose header is not zero, by its length: twins a crash left being
//     written over, several in a row perhaps;
//   - past it, or anywhere in the keys arena, a torn dead record: its
//     header is not zero and the record after it, at the offset its
//     length gives, is whole or retired. It is what a crash leaves of a
//     twin being written over.
//
// Any other record that is not whole ends the walk.
// Arena files are preallocated past their end; the bytes between the end and
// the file size are not part of the map.
//
// # Expiry
//
// A key put with a time to live has an expiry. Its value record, whose slot
// has bit 31 of the value length set, holds the expiry first and the value
// after it, both under the record's checksum:
//
//	offset size field
//	     0    4 payload length n: 8 + the value's length
//	     4    4 checksum: low 32 bits of XXH64(payload)
//	     8    8 expiry: Unix time in nanoseconds, signed
//	    16  n-8 value
//	   8+n    - zero padding to a multiple of 8
//
// The expiry is a signed 64-bit little-endian count of nanoseconds since
// the Unix epoch (Go's time.Time.UnixNano), absolute: it does not depend on
// when the map is read. A writer computes it as now + ttl, for a time to
// live ttl of at least 1 ns, and stores 2^63-1 where that sum overflows. A
// key is absent from the moment now >= expiry, by the clock of whoever
// reads or writes it (see Limitations). The value starts at offset 16 of
// the record, a multiple of 8, so a value read in place keeps the
// alignment of a plain record's.
//
// Bits 0..30 of the slot's value length are the payload length n, the
// expiry's 8 bytes included, as for a plain record they are the value's
// length; bit 31 is set for an expiring record and for no other, so a
// value may be up to MaxValueLen bytes either way. A slot without the bit
// points at a plain record, whose whole payload is the value: a key
// without an expiry costs nothing more, and a reader looks at an expiry
// only for a slot that has one, in the bytes just before the value it
// reads anyway. A slot with the bit whose record is shorter than 8 bytes
// is damaged, and so is a slot with the bit in a map of format version 1.
// A put of the key without a time to live writes a plain record: the key
// no longer expires. A put with a time to live writes an expiring record,
// with the new expiry. Compaction and recovery copy the bit with the
// record; the log carries the expiry of a put in an operation of its own
// (see Write-ahead log).
//
// # Probe
//
//  1. Hash the key; compute fingerprint and home.
//  2. Visit slots home, home+1, ... wrapping at the end of the table.
//  3. An empty slot ends the probe: the key is absent.
//  4. A deleted slot is skipped.
//  5. An occupied slot whose fingerprint matches has its key record read and
//     compared byte for byte; a match ends the probe.
//  6. For a reader, an expired key is absent, as if deleted: an occupied
//     slot whose fingerprint matches, whose value length has bit 31 set,
//     and whose value record holds an expiry that now has reached, is
//     skipped as a deleted one is, before its key record is read (a
//     reader may do so: whatever key it holds is absent). A slot whose
//     expiry cannot be read has its key compared as in step 5. The table
//     and arenas keep an expired key until a write removes it (Insert,
//     Delete, Sweep, Compact). A writer's probe finds it as any key.
//
// # Insert
//
//  1. Probe; remember the first deleted slot passed.
//  2. If the key is present and has expired, delete it (see Delete; in the
//     WAL modes with a delete of its own in the log), and go on as for a
//     key that is absent, into its slot: it is inserted anew.
//  3. If the key is present, write the new value record, appended or over
//     the key's twin (see Update in place), and store bytes 8..15 of its
//     slot (an update; the old record becomes dead).
//  4. Otherwise append the key record, then the value record, then fill the
//     first deleted slot passed, or the empty slot that ended the probe:
//     fingerprint and value fields, then the key field.
//  5. Insertion order is the order of the keys arena.
//
// An empty value that never expires appends no record, in step 3 or 4: its
// slot's value field is 0. The value record is an expiring one, and bit 31
// of the slot's value length is set, when the put has a time to live: its
// expiry is now plus that time.
//
// # Update in place
//
// An update never writes over the record its slot points at; it may write
// over one dead record: the key's twin, a record the key itself left. A
// writer keeps its keys' twins in memory only, by key, and forgets them
// all at every Open, table rebuild, compaction, automatic or not, and
// recovery. While a table grows (see Grow) a key's twin is the same for its
// slot in either table, each of which an update points at the new record.
// Every header written records the values arena's end as the durable end.
// Then the two kinds of table part ways:
//
//   - WAL modes: no record below the durable end is written again. Each
//     header forgets the twins, and only a record at or past the durable
//     end becomes one.
//   - DurabilityOS: the twins outlive a header. The update that makes a
//     record a twin retires it, writing the complement of its checksum over
//     its checksum field, so every twin is retired until an update writes
//     over it, which makes it whole again. A record below the durable end
//     may become a twin where its page is written anyway, since retiring
//     it writes its page: the record that an update over the key's twin
//     leaves, one on a page written since the last header, or one on
//     another page while those are at most an eighth of the pages written
//     since. So the writes of updates spread over a large arena, once each
//     between two Syncs, are what they would be without twins.
//
// Updating a key whose slot points at record c:
//
//  1. If the key has a twin t and the new value record has the length of
//     c's, and expires if c's does (the same value-length field, bit 31
//     included), write t's payload, then its header: the same length, a
//     new checksum. An empty value that never expires has no record and
//     no twin. Otherwise append the new record at the end of the arena.
//  2. Store bytes 8..15 of the slot: the new record's offset and length.
//  3. If c may be a twin (see above) and has the new value's length, c is
//     now the key's twin, and in DurabilityOS it is retired; else the key
//     has none.
//
// A twin belongs to its key alone: it is forgotten when the key is deleted
// or takes a value of another length. A key updated again and again with
// values of one length so goes back and forth between two records: in
// DurabilityOS the arena does not grow at all, and in the WAL modes it
// grows by at most two records a key from one checkpoint to the next, not
// by one an update.
//
// Why nothing is lost that must not be. In the WAL modes a record below
// the durable end is whole on disk when the header recording that end is
// written (the arenas are synced first), and no byte below that end is
// written again until the next header: a power loss, which may leave any
// page written since in its old state or its new one, finds each of those
// bytes the same in both, so no record a header made durable can be torn.
// In DurabilityOS the bytes below the durable end that are written again
// are twins': the record each key's slot pointed at when the header was
// written is whole, and every other record of a key that is live then, its
// twin, is retired, on disk before the header (the arenas are synced
// first). No record's length changes in place, so a walk below the durable
// end finds the records where they were appended, whatever a crash left
// of the twins written over since.
// Past the durable end:
//
//   - The record the slot points at is never written, and the slot is
//     pointed at the new record only once it is whole: a crash of the
//     process leaves each slot at a whole record holding its acknowledged
//     value, or the one being written.
//   - A record's length never changes in place, so whatever part of a
//     twin's header a crash leaves written, its length gives where the next
//     record starts. A crash during step 1 leaves t torn: its payload partly
//     or wholly new, its checksum old or partly new. It is a torn dead
//     record (see Arena): a walk steps over it, and if t is the last
//     record, nothing whole follows it, and the walk ends there, cutting
//     only t, which is dead.
//   - DurabilityOS, power loss: recovery walks from the durable end, the
//     header's; any mix of old and new pages agrees on where the records
//     start, since appends only add records and rewrites keep their
//     length. A slot may come back as it was at any moment since the last
//     Sync; the record it points at then held, since that Sync, only the
//     value the Sync made durable or values of its own key written since:
//     a twin's older value was retired by the update that made it a twin,
//     before the Sync. So recovery finds
//     there one of them, or a record that is not whole (torn, or still
//     retired), and drops the key, as a key written since the last Sync
//     may be; never another key's value, nor an older value of its own.
//     Where a power loss leaves two records in a row that are not whole
//     past the durable end, the walk ends at the first: what it cuts was
//     all written since the last Sync.
//   - WAL modes: the table in buckets is the last checkpoint's, and
//     recovery cuts the arenas back to the checkpoint's ends, the durable
//     end, zeroing what was past it: every twin written over since goes with
//     the rest. Replay then redoes each update from its frame, which holds
//     its own copy of the value, never a reference into an arena; replayed
//     updates write over twins of their own making, past the cut, and a
//     crash during replay is recovered the same way again. A batch in
//     DurabilityOS, logged before it is applied, is replayed so too, over
//     what the walk recovered.
//   - A map of format version 1 was written by code that never writes in
//     place, and one of version 2 by code that never retires a twin nor
//     writes below the durable end: below that end their arenas hold no
//     record that is not whole. Its first write writes a header of the
//     current version before anything else (see Versions), and older code
//     refuses that map; so a torn dead or a retired record is only ever
//     seen by code that steps over it.
//
// # Delete
//
// Probe; set the slot's key field to 1 (deleted). Both records become dead.
// Tombstones are used rather than backward-shift deletion because a delete
// then changes exactly one 4-byte field: after a crash, any mix of old and
// new table pages still leaves every other key reachable, which shifting
// entries between slots would not.
//
// A delete of a key that has expired removes it as any other, and reports
// it absent.
//
// # Sweep
//
// Expired keys that no write meets are removed by the sweep, so that a map
// whose keys expire does not grow without bound:
//
//  1. Each write (a put, a delete, a batch, a write through an entry, and
//     Compact), before its own change and before any compaction it makes,
//     looks at the next p slots of the table after a cursor kept in
//     memory, wrapping at the end, and deletes the keys among them that
//     have expired (in the WAL modes with one frame of deletes).
//  2. The pace p starts at 16. After a step in which a quarter or more of
//     the keys with an expiry that it met had expired, p doubles, up to
//     32; after one in which fewer than an eighth had, p halves, down to
//     two. A write reads about as many expiries as keep up with the keys
//     that expire, and few where they seldom do.
//  3. A lap is a pass of the cursor over the whole table. A table replaced
//     (grown, rebuilt at its size for its tombstones, rebuilt by recovery,
//     compacted, reopened) starts a new lap: its keys may have moved.
//  4. After a lap in which no slot had an expiry and no key was put with
//     one, or a compaction or RemoveExpired that left no key with an
//     expiry, the sweep rests until a key is put with an expiry. A map
//     opened sweeps one lap first.
//
// A key that expired is removed within one lap: within slots/2 writes
// at the slowest pace, slots/32 at the fastest. Where keys expire at the
// rate they are put, the sweep holds the expired keys not yet removed to
// about an eighth to a quarter of those with an expiry. The cursor and the
// pace are not part of the format: an Open starts them afresh.
//
// # Grow
//
// When live keys plus tombstones would pass the maximum load factor, the
// table grows into a new one: twice as large, or as large when most of the
// load is tombstones; a write also starts rebuilding it so, at its size,
// once tombstones fill more than Options.CompactAt of its slots. In the WAL
// modes buckets.spare is first grown to the new table's size, with its
// space allocated (see Checkpoint). The new table is the file
// buckets.next, created with its space allocated, at the new table's size
// (in DurabilityOS with a header in its copy 0: see below); if either
// cannot be had, the table does not grow and the write that needed it
// fails. A table of 2^16 slots or more has buckets.next made ahead, beside
// the writes, once its live keys and tombstones come within 1/16 of its
// maximum load or 8192 keys of it, whichever is more: until the growth
// begins the file holds zeros, and no header. Arenas are untouched. The
// new table fills a few slots of the old one at each write, not all at
// once:
//
//  1. Moving starts at an empty slot s of the old table and goes on in
//     table order, around the end, to the slot before s. Each write moves
//     at least 64 slots, and goes on until the last slot it moved is
//     empty: the slots moved so far, from s up to the cursor, are whole
//     clusters.
//  2. Moving an occupied slot places it in the new table at its home
//     there or after it, as a table built aside is filled; a deleted slot
//     is dropped. The old slot stays as it was.
//  3. A key's home and its slot lie in one cluster. So a key whose home in
//     the old table is among the moved slots is in the new table, if
//     anywhere; any other key is in the old table, if it was there when
//     the growth began, its probe there meeting no moved slot, or else in
//     the new one. Probe: in the old table from the key's old home, unless
//     that home was moved; then in the new table. Insert: a new key goes
//     into the new table, at the first deleted slot or the empty slot its
//     probe there passed. Delete: in the table holding the key.
//  4. In DurabilityOS, a write to a key the new table holds is also made
//     to the old table's slot that points at the same key record, if there
//     is one (the key was moved): its value fields are stored, or its key
//     field set to 1. So the old table holds each key it held when the
//     growth began as the new table holds it, or deleted.
//  5. Once every slot is moved, the new table alone is probed, and it is
//     put in place of buckets. In DurabilityOS its header copy 1 is
//     written (the header buckets last had, at the new size: its arena
//     ends are on stable storage), the file synced, renamed over buckets
//     and the directory synced; the writes go on beside this, by rule 4,
//     until the directory is synced. In the WAL modes the next checkpoint
//     writes the new table into buckets.next, whose space it has, and
//     renames it over buckets (see Checkpoint).
//
// While a table grows the header in buckets keeps the old table's log2;
// its live keys and tombstones count the keys of both tables and the
// tombstones of the old one's slots not yet moved and of the new one. A
// write that would pass the new table's maximum load first finishes the
// growth, and may start another. Close finishes a growth, so that a map
// closed cleanly has no buckets.next, and so does a checkpoint in
// DurabilityOS whose header would count more keys and tombstones than the
// old table has slots. Compact abandons a growth: its new file set holds a
// table for every live key, and buckets.next is removed after its commit.
//
// What buckets.next holds: in the WAL modes, nothing that is read again, as
// buckets holds the last checkpoint's table and the log every change
// since. In DurabilityOS, the slots moved and the keys inserted since the
// growth began, and in its header copy 0 (written when it was created, as
// copy 1 is before it replaces buckets) the generation of the file set and
// its size. After a crash, buckets and buckets.next together hold every
// key, newest in buckets.next. After a power loss, each key as of the last
// checkpoint is in one of them: a checkpoint syncs buckets.next too, and
// the directory once with it; a key in buckets when the growth began stays
// there until buckets.next, synced, replaces it; a change since the last
// checkpoint may be lost, as any may in DurabilityOS. Recovery reads both
// (see Recover).
//
// # Compact
//
// Compaction runs on Compact, and at the start of a write once an arena of
// at least Options.CompactMinBytes of records holds more than
// Options.CompactAt dead bytes (package diskmap says when exactly); the
// steps are the same. Before it writes anything it checks, where the
// system tells free space, that the disk has room for the three new files.
// Compaction writes a new file set with a new generation: keys.compact and
// values.compact hold the live records in insertion order, but for those
// of keys that have expired by the time it starts, and buckets.compact a
// table sized for the live keys. An expiring record is copied as it is,
// expiry and all. The directory is synced after the files are
// created, the files after they are written. Renaming keys.compact over keys
// is the commit point; values.compact and buckets.compact follow, in that
// order. On open, buckets.compact next to keys.compact means the compaction
// did not commit: the *.compact files are removed, buckets.compact first
// (and the directory synced), since buckets.compact without keys.compact
// means it did commit: then the remaining renames are finished. A reader,
// which renames nothing, refuses a map whose compaction committed and did
// not finish, until a writer has opened it.
//
// # Write-ahead log
//
// In the WAL modes (header flag bit 1) every mutation, and in DurabilityOS
// every batch, is written to the file wal as a frame before the map files
// change. The log starts with a file header:
//
//	offset size field
//	     0    8 magic "dmwal\x00\x00\x00"
//	     8    4 version of the log's header (1)
//	    12    4 zero
//	    16    8 generation of the file set (equals the buckets header's)
//	    24    8 salt of this log generation
//	    32    8 checksum: XXH64 of bytes 0..31
//
// Frames follow from offset 40, each at a multiple of 8:
//
//	offset size field
//	     0    4 payload length n
//	     4    4 zero
//	     8    8 sequence number
//	    16    8 checksum: XXH64 of the salt (8 bytes), then bytes 0..15,
//	              then the payload
//	    24    n payload: one or more operations, and nothing else
//	  24+n    - zero padding to a multiple of 8
//
// An operation is a put, a put with an expiry, or a delete of a key, in the
// encoded bytes the map stores:
//
//	put:              0x01, uvarint key length, key, uvarint value length, value
//	delete:           0x02, uvarint key length, key
//	put with expiry:  0x03, uvarint key length, key, expiry (8 bytes),
//	                  uvarint value length, value
//
// The expiry is the absolute time the put reckoned, as an expiring record
// stores it. Replaying an operation never judges expiry by the clock of
// the replay: a put with an expiry writes an expiring record, a put a
// plain one, each over whatever the key holds. Whatever a writer removed
// because it had expired (a put or a delete that met it, the sweep,
// RemoveExpired) it logged as a delete, before the operation that
// followed, so that replay does what the writer did.
//
// where a uvarint is an unsigned integer in groups of 7 bits, least
// significant first, the high bit of each byte set when another follows
// (as encoding/binary's PutUvarint writes it).
//
// A frame is the unit of atomicity: a batch is one frame. Sequence numbers
// rise by one from frame to frame over the life of the map, across
// checkpoints, generations and Opens; the only number used twice is that
// of a frame struck out (below).
//
// Writing:
//
//  1. The first frame after an Open, and the first after each checkpoint,
//     starts a new log generation: a salt is drawn from a cryptographic
//     random source, the file header is written at offset 0 with it, and
//     frames follow from offset 40, over whatever the file held before.
//     The salt is written nowhere else and nothing the map returns reveals
//     it, so no byte string anyone writes into a key or a value, and no
//     frame of an earlier generation, has the checksum of a frame of this
//     one.
//  2. A frame is written whole at the end of the generation before the
//     mutations it records are applied; the file is grown, with its space
//     allocated, before the map changes, so a full disk refuses the
//     mutation instead. A frame survives a crash of the process once
//     written, a power loss once the log is synced from offset 0 (the file
//     header with it): before each mutation returns in DurabilityWALSync,
//     at Sync in DurabilityWAL.
//  3. In DurabilityOS a batch is logged, applied, then struck out: the
//     24 bytes of its frame header are zeroed, and the next batch's frame
//     goes in its place, at offset 40 and with the same number, in the
//     same generation. The striking is synced before the next checkpoint.
//
// A checkpoint makes the arenas and the table durable, then durably writes
// the buckets header with the number of the last frame written (offset
// 112); only after that does the log start a new generation. A clean close
// is a checkpoint with the dirty flag cleared, after which the log is cut to
// nothing. See Checkpoint.
//
// Replay, for a map whose file set has generation G and whose header
// records checkpoint C:
//
//  1. No log, or an empty one: nothing is replayed.
//  2. A map of format version 1 has a log of that version (see Versions):
//     frames are read from offset 0, unsalted.
//  3. Otherwise the log must start with a whole file header: the magic and
//     a checksum that matches. Without one, nothing is replayed: the
//     header is written as a log generation starts, after a checkpoint,
//     and reaches the disk with the first sync of the log after it, so a
//     header that is not whole was being written when the power failed,
//     and no frame after it was synced, while the frames before it are at
//     or below C; or the log is one of format version 1, from before this
//     version first wrote the map's header, and holds none past C either.
//     A whole header of another version than 1 is refused (ErrVersion). A
//     header of another generation than G was left from an earlier file
//     set, by a compaction, which checkpoints every frame: nothing is
//     replayed. Otherwise frames are read from offset 40 with its salt.
//  4. A frame is whole if it fits in the file, its bytes 4..7 are zero, its
//     checksum matches and its payload parses as operations (in a log of
//     format version 1, puts and deletes only). Reading goes
//     on from frame to frame while each is whole and, after the first, is
//     numbered one more than the one before; the first frame numbered
//     above C must be numbered C+1. The first frame that fails any of these
//     ends the log. Frames numbered C or below are skipped; the others are
//     applied in order, each operation as Insert or Delete would, with new
//     records appended to the arenas.
//
// That is how a torn or garbled tail is cut off rather than refused, how
// frames left from before the last checkpoint are told from new ones (lower
// numbers), and, with the salt, how bytes of an earlier generation are never
// taken for frames (a different salt).
//
// # Checkpoint
//
// In DurabilityOS the table is a shared mapping of buckets: a checkpoint
// syncs the arenas, then the table, then writes the header. In the WAL
// modes the table is mapped copy-on-write and buckets is only ever
// replaced whole, so that it always holds a checkpoint's table, which the
// log is replayed onto:
//
//  1. Sync the arenas: the header records their ends.
//  2. Write the table, the header in its first copy, into buckets.spare,
//     cut or grown with allocation to the table's size, and sync it.
//  3. Exchange buckets.spare and buckets in one atomic step where the
//     system can (Linux: renameat2 with RENAME_EXCHANGE): the old table's
//     file, with its space, is the next spare. Elsewhere rename
//     buckets.spare over buckets, then allocate the next spare from the
//     space the old table freed.
//  4. Sync the directory: the checkpoint is durable.
//  5. The next frame starts a new log generation.
//
// A crash before step 4 leaves the old table in buckets, and the log holds
// every change since it; a spare holding anything is never read.
//
// While the table grows (see Grow), a checkpoint first moves the slots
// left, then writes the new table into buckets.next instead of the spare,
// syncs it and renames it over buckets (steps 2 to 4 with buckets.next for
// the spare): buckets.next was allocated when the growth began, so this
// needs no free space either, and the spare, grown then to the new size,
// stays the spare. In DurabilityOS a checkpoint while the table grows
// syncs buckets.next with the table (see Grow).
//
// Why the spare: writing a table aside takes the space of a whole table, 32
// MiB at a million keys, and a map on a full disk must still close, open
// and recover without losing anything. Holding that space beforehand, in a
// file of the map, means that a checkpoint never needs free space: a full
// disk refuses writes that need more room (a growing arena, log or table),
// never a Close, an Open or a recovery in the WAL modes. Writing the table
// in place instead would leave, after a power loss, a table mixing slots of
// two states, which no later step could untangle. The spare costs one
// table's worth of disk; a table grows only once the spare has grown with
// it.
//
// Without a spare after all (a map created in DurabilityOS or by format
// version 1, opened in a WAL mode on a full disk; or a spare that could not
// be allocated again), a checkpoint that finds no room for the table
// writes nothing, and the log stays the record of every change since the
// last checkpoint, whose table buckets still holds:
//
//   - A checkpoint asked for while the map stays open fails; the map goes
//     on as it was.
//   - Close syncs the log and leaves the map dirty; it returns no error.
//   - Open for writing recovers the map (see Recover) without writing a
//     table: the rebuilt and replayed table stays in memory, and new frames
//     follow the replayed ones in the same log generation, so that the log
//     goes on being the record since that checkpoint. A map of format
//     version 1, whose log cannot be continued, cannot be recovered so.
//   - A read-only Open refuses the dirty map until then (ErrReadOnly).
//
// The first checkpoint that finds room writes the table and a spare again.
//
// # Recover
//
// A header with the dirty flag was not closed cleanly. Opening it for writing:
//
//  1. Finish or undo a compaction (above); remove buckets.grow. Keep
//     buckets.next only if the header is not logged (flag bit 1 clear)
//     and buckets.next's header is valid, of the generation of the file
//     set, gives the file's size, and a table at least as large as the one
//     in buckets; else remove it: it holds nothing to keep (see Grow).
//  2. Without the WAL flag, for each arena, walk records from the header's
//     end while each record fits in the file and is whole or a torn dead
//     record (see Arena); the last of them ends the arena. With it, the
//     arenas end where the header says, at the checkpoint: a table in the
//     WAL modes is replaced only whole, by a checkpoint, so buckets holds
//     the checkpoint's table. Cut the file there, then allocate it back to
//     its old size, zeroed, so that the records replay appends need no new
//     room.
//  3. Rebuild the table aside from every slot whose key and value records
//     lie within the ends (or that has no value record, for the empty
//     value), are records of a walk from the start of the arena, are
//     whole (not torn dead records), whose key hashes to the slot's
//     fingerprint, and whose value record, if the slot says it has an
//     expiry, holds one: bit 31 of the value length is kept. Expired keys
//     are kept too; the sweep removes them. Where two slots hold equal
//     keys (possible only after a power loss), the first in table order
//     is kept. With buckets.next kept by step 1, the new table has its
//     size, and its slots come first, then those of buckets: a key in both
//     is kept as buckets.next holds it. Recount keys and live bytes. Sync
//     the new table and rename it over buckets, then remove buckets.next
//     and sync the directory; in the WAL modes, without buckets.next, the
//     table is rebuilt in memory instead, and reaches buckets with the
//     checkpoint of step 5.
//  4. Replay the log (see Write-ahead log) onto the table and the arenas.
//  5. Checkpoint, recording the number of the last frame replayed and
//     leaving the header dirty, and cut the log to nothing; in the WAL
//     modes without room for the table, go on from the log instead (see
//     Checkpoint). The next frame written is numbered one more.
//
// Each step only reads the old state, replaces it by a rename, or redoes
// what the log says, so an interrupted recovery can be run again. A map
// that was not closed cleanly is opened read-only only after that.
//
// # Versions
//
// Format version 2 added the log's file header and the salt, expiring
// records (bit 31 of a slot's value length, never set by version 1), the
// log's put with an expiry (0x03, never in a version-1 log), and updates in
// place: the values arena of a version-2 map may hold twins written over,
// and torn dead records, which a walk steps over (see Arena). Version 1
// maps open: their table and arenas are laid out the same, and hold no
// expiring records and no torn dead record. A version-1 log
// has no file header; its frames start at offset 0 and their checksum is
// XXH64 of bytes 0..15 and the payload, without a salt. It is replayed by
// the rule above from offset 0. A version 1 map stays version 1 while it is
// only read, and through the steps of a recovery but the last. The first
// header that says version 2 is written at the first mutation after an
// Open of the map closed cleanly, before anything is logged, or by the
// checkpoint that ends a recovery, once the version-1 log is replayed.
// From then on version-1 code refuses the map (ErrVersion), and a
// version-1 log left beside it holds no frame past the checkpoint; the
// first frame logged writes a file header over it. A recovery without
// room for its checkpoint cannot go on from a version-1 log (see
// Checkpoint), and fails.
//
// Format version 3 added retired twins (see Update in place): in
// DurabilityOS a twin is retired, outlives a Sync, and is written over
// below the durable end, so the values arena of a version-3 map may hold
// retired records anywhere and, below the end its header records, records
// that are not whole, several in a row, which a walk steps over (see
// Arena). Nothing else
// changed: a version-2 or version-1 map opens as it is, and its arenas hold
// no record below that end that is not whole. It stays of its version
// while it is only read; the first header that says version 3 is written
// as the first one that says version 2 is, at the first mutation or at the
// end of a recovery, before any twin is retired. From then on version-2
// code refuses the map (ErrVersion): its walk would end at the first two
// records in a row that are not whole.
//
// # Sharded maps
//
// A sharded map (package concurrent) is a directory of n shards, n a power
// of two from 1 to 1024 (MaxShards), each a map directory of its own, and a
// manifest that ties them together:
//
//	manifest      shard count, seed of the shard hash, codec names, shard seeds
//	manifest.new  a manifest being written; a leftover one is ignored
//	lock          empty; holds the advisory lock of the processes using the map
//	shard-0000/   shard 0: a map directory, as in Files above
//	shard-0001/   shard 1, and so on: four decimal digits, from 0 to n-1
//
// A key's shard is picked by its shard hash, XXH64 of the key's encoded
// bytes seeded with the manifest's seed: the low log2(n) bits of the shard
// hash are the shard's number (ShardOf). If the manifest has flag bit 1
// set, the shard hash is of the key's shard key instead: the part of its
// encoded bytes that a function given to Open picks (as a Redis Cluster
// hash tag does), so that keys with one shard key share a shard. The
// function is not recorded, only that there is one: a map must be opened
// with the function it was created with, and one with bit 1 set opened
// without a function, or one with bit 1 clear opened with one, is
// refused. Inside the shard, the key's home is
// the top bits of the shard's own hash, seeded with its shard seed, the hash
// seed in its buckets header, so the two choices are independent. Shard
// seeds differ from shard to shard and from map to map.
//
// The manifest is 128 bytes (ManifestHeaderSize) followed by n shard seeds
// of 8 bytes each. It has a version of its own, ManifestVersion, which
// changes independently of Version:
//
//	offset size field
//	     0    8 magic "dmshards"
//	     8    4 version (1)
//	    12    4 flags: bit 0 set while the map is being created,
//	               bit 1 set if the shard hash is of a shard key
//	    16    4 shard count n: a power of two, 1 to 1024
//	    20    4 zero
//	    24    8 seed of the shard hash
//	    32   32 key codec name, zero-padded
//	    64   32 value codec name, zero-padded
//	    96   24 zero
//	   120    8 checksum: XXH64, seed 0, of the whole file, these 8 bytes zero
//	   128   8n shard seed of shard i, i = 0..n-1 (zero while being created)
//
// A reader checks the size (128 to 8320 bytes), then the magic, the
// version, the checksum, and then the fields: no unknown flag, a shard count
// that is a power of two and matches the size, zero bytes where the format
// says zero, and both codec names present. Each shard's buckets header (the
// copy ReadMeta picks) must hold the shard seed recorded for it: a shard
// directory from another map, or from another shard of this one, is refused
// rather than read with keys that do not belong to it. Every shard must have
// the manifest's codec names.
//
// A manifest is never changed in place: a new one is written to
// manifest.new, synced, renamed over manifest, and the directory synced.
// Creating a sharded map:
//
//  1. In a directory with no manifest, no shard-* entry and no buckets file,
//     write a manifest with flag bit 0 set (and bit 1 if keys have a shard
//     key), the shard count, a random seed for the shard hash, the codec
//     names and zero shard seeds.
//  2. Create the n shards, each an empty map.
//  3. Write the manifest again with each shard's seed, flag bit 0 clear.
//
// A manifest with bit 0 set is a creation cut short: it is finished by
// running steps 2 and 3 again with the recorded count and seed, and its
// shards must still be empty. Each shard recovers by itself (Recover);
// nothing is atomic across shards.
//
// # Export stream
//
// An export stream (diskmap.Map.Export, Import) carries a map's contents
// from one map to another: its keys, values and expiries, and nothing of
// its files. It does not depend on the table's size, the arenas' dead
// records, the hash seeds, the durability mode or the number of shards. It
// has a version of its own, StreamVersion, which changes independently of
// Version. A stream is a header, then records, then an end record:
//
//	offset size field
//	     0    8 magic "dmexport"
//	     8    4 stream version (1)
//	    12    4 zero
//	    16   32 key codec name, zero-padded, as the buckets header holds it
//	    48   32 value codec name, zero-padded
//	    80    8 checksum: XXH64, seed 0, of bytes 0..79
//
// Each record, at the offset where the one before it ends (the first at
// 88), is numbered from 0:
//
//	offset   size field
//	     0      1 kind: 0x01
//	     1      1 flags: bit 0 set when the key expires; no other bit
//	     2      2 zero
//	     4      4 key length k, at most MaxKeyLen
//	     8      4 value length v, at most MaxValueLen
//	    12      8 expiry: Unix time in nanoseconds, signed, absolute;
//	              0 when bit 0 is clear
//	    20      k key, encoded by the key codec
//	  20+k      v value, encoded by the value codec, without the expiry
//	20+k+v      4 checksum: low 32 bits of XXH64, seeded with the
//	              record's number, of bytes 0..19+k+v
//
// After the last record comes the end record, numbered n, the count of
// records before it:
//
//	offset size field
//	     0    1 kind: 0x02
//	     1    3 zero
//	     4    8 record count n
//	    12    4 zero
//	    16    4 checksum: low 32 bits of XXH64, seeded with n, of bytes 0..15
//
// Nothing follows the end record; a reader reads no byte past it. Seeding
// each checksum with the record's number ties a record to its place: a
// record repeated, dropped or moved does not check, and a stream cut
// anywhere, even between records, lacks its end record. There is no
// padding: a stream is read front to back, never in place.
//
// Writing a stream:
//
//  1. Write the header with the map's codec names.
//  2. For each live key in insertion order (the order of the keys arena)
//     that has not expired by the writer's clock, read once when it starts,
//     write a record: the key's bytes, the value's (for an expiring record,
//     the bytes after the expiry) and, for an expiring key, its expiry.
//  3. Write the end record with the count.
//
// Reading a stream checks the header (magic, then version, then checksum,
// then fields), then each record as it comes: its kind, flags, zero field
// and lengths, then, once its key and value are read, its checksum; the end
// record's checksum and count. A reader reports the first record that does
// not check by its number and offset, and applies none of it nor any after
// it. Importing a stream into a map also requires its codec names to be the
// map's (or compatible ones, as Open judges them) and every key and value
// to decode with the map's codecs; a record whose expiry has passed by the
// importing map's clock is skipped. Records are put in order, so a key new
// to the map takes the stream's insertion order, and a key repeated keeps
// its last record.
//
// # Limitations
//
//   - A key is at most MaxKeyLen bytes and a value at most MaxValueLen.
//   - Each arena is at most MaxArenaSize bytes (offsets are stored / 8 in 32
//     bits): 32 GiB of keys and 32 GiB of values, counting dead records.
//   - The table has at most 2^32 slots.
//   - A 32-bit system has 2 to 4 GiB of address space, and the map maps
//     each arena twice (read-only and read-write) and the table once, all
//     of it: there an arena is at most 256 MiB and the table at most 2^24
//     slots (256 MiB), 1.25 GiB of mappings for the largest map, 1.5 GiB
//     while a second table is mapped beside it (as the table grows, or as
//     a checkpoint in the WAL modes writes it into buckets.spare), and up
//     to twice that during Compact, which maps the new files beside the
//     old. A write past these limits fails
//     before any file changes; a map with larger files, written on a 64-bit
//     system, is refused by Open as too large (not as corrupt).
//   - A map copied sparsely (cp --sparse=always, rsync -S, some restores)
//     has holes: pages with no disk blocks, where a write through a
//     mapping faults (SIGBUS) if the disk is full. On Linux, Open for
//     writing gives every file it maps blocks for its holes first, and on a
//     full disk fails with ENOSPC, changing nothing. A read-only Open
//     cannot allocate: a hole reads as zeros, except on a full tmpfs, where
//     reading one faults; open such a copy for writing once first. Other
//     systems do not fill holes.
//   - Recovering a map in DurabilityOS rebuilds its table beside the old
//     one, and needs room for it on the disk.
//   - Keys are compared by their encoded bytes: two values equal in Go but
//     encoded differently (0.0 and -0.0) are different keys.
//   - An expiry is judged by the clock of the process that reads or writes
//     the map. A clock that goes back brings back the keys that expired and
//     were not yet removed; clocks of two processes that disagree see keys
//     expire at different times.
package layout
