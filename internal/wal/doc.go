// Package wal is the write-ahead log of a diskmap: the file wal beside the
// map's other files, its frame format, appending, group commit and replay.
// Like package layout, the format below is part of the on-disk format.
//
// # Frames
//
// The log is a sequence of frames from offset 0, each starting at a multiple
// of 8. All integers are little-endian.
//
//	offset size field
//	     0    4 payload length n
//	     4    4 zero
//	     8    8 sequence number
//	    16    8 checksum: XXH64 (seed 0) of bytes 0..15, then the payload
//	    24    n payload: one or more operations
//	  24+n    - zero padding to a multiple of 8
//
// Sequence numbers rise by one from frame to frame and never repeat in the
// life of a map. A frame is written whole before the mutations it records
// are acknowledged, so one frame is the unit of atomicity: a batch of
// operations is one frame.
//
// # Operations
//
//	put:    0x01, uvarint key length, key, uvarint value length, value
//	delete: 0x02, uvarint key length, key
//
// Keys and values are the encoded bytes the map stores.
//
// # Checkpoints and replay
//
// A checkpoint makes the map files durable and records, in the map header,
// the sequence number of the last frame they include; then the log starts
// again from offset 0. Replay reads frames from offset 0 while each is
// whole (it fits, its checksum matches, its operations parse) and its
// sequence number is one more than the previous frame's; the first frame
// that is not ends the log. That is how a torn or garbled tail is cut off
// rather than refused, and how frames left over from before the last
// checkpoint (lower sequence numbers) are told apart from new ones. Frames
// with a sequence number at or below the checkpoint's are skipped; the rest
// are applied in order.
package wal
