// Package wal is the write-ahead log of a diskmap: the file wal beside the
// map's other files, its file header and frames, appending, group commit
// and replay.
//
// The format of the file, what replay accepts and where it stops, and the
// part the log plays in recovery are specified in package layout, under
// "Write-ahead log"; the diagrams are repeated above the code that encodes
// them. Every frame's checksum is salted with a random number drawn each
// time the log starts again (a new generation of the log), so that bytes
// left from an earlier generation, a user's value among them, never pass
// for a frame of the current one.
package wal
