// Package fuzz holds the native Go fuzz targets of diskmap. It has no code
// of its own: the targets are in its tests.
//
//   - FuzzOps decodes the input into a sequence of operations (Put, Delete,
//     Get, View, Contains, entries, batches, Compact, Sync, Checkpoint,
//     the calls of sync.Map on the map and in batches, DeleteFunc, Clear,
//     a Set beside the map, iteration with changes, reopening, and a crash
//     of the process simulated by copying the files of the open map and
//     going on with the copy) and applies them to a map and to a Go map,
//     which must agree at every step. The first bytes choose the durability, the number of
//     keys, the table's capacity and load factor, the arena sizes and the
//     checkpoint size; small tables and arenas make the map grow.
//   - FuzzOpenDamaged takes a small valid map, closed cleanly or copied
//     while open (a dirty header, and a log in the WAL modes), writes the
//     input's bytes over any part of any of its files, truncates, removes
//     or re-checksums them, sets any header field to any value (extreme
//     ones are easy to reach) with the checksum made right, so that
//     Open's checks of each field are fuzzed and not only the checksum's,
//     and opens it. Open must return an error, or a map that answers every
//     read, counts no fewer than zero keys, whose Check passes or reports
//     the damage, and whose answers agree with each other when Check
//     passes. A panic, a fault (SIGBUS, SIGSEGV) or a hang fails.
//   - FuzzStreamDecode reads the input as an export stream (package layout,
//     Export stream). The reader must return records and then the end, or
//     an error matching ErrCorrupt or ErrVersion, never panic or hang; the
//     records it returned, written again, must give back the input up to
//     where it stopped.
//   - FuzzZstdDecode decodes the input with codec/zstd's codecs, without
//     a dictionary and with one. Decode must return a value, which then
//     encodes and decodes back to itself, or an error matching
//     codec.ErrInvalid, never panic or hang.
//   - FuzzSealedDecode opens the input as a value of codec.Sealed under a
//     fixed key. It must give an error matching codec.ErrInvalid, or a
//     value that seals and opens again, never panic or hang.
//
// Without -fuzz, go test runs the seed corpora (the f.Add seeds and the
// files in testdata/fuzz/<Target>) as ordinary tests, in a second or two:
//
//	go test ./fuzz
//
// To fuzz, one target at a time:
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzOps$' -fuzztime 5m
//	go test ./fuzz -run '^$' -fuzz '^FuzzOpenDamaged$' -fuzztime 5m
//	go test ./fuzz -run '^$' -fuzz '^FuzzStreamDecode$' -fuzztime 5m
//	go test ./fuzz -run '^$' -fuzz '^FuzzZstdDecode$' -fuzztime 5m
//	go test ./fuzz -run '^$' -fuzz '^FuzzSealedDecode$' -fuzztime 5m
//
// The maps live in temporary directories; pointing TMPDIR at a tmpfs such
// as /dev/shm makes the synced modes much faster. CI runs each target for
// a short fixed time (-fuzztime 15s) after the test suite. An input that
// fails is written to testdata/fuzz/<Target>/ by go test; keep it there,
// with the fix, as a regression test.
package fuzz
