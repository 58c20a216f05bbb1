package raftmap

import (
	"errors"
	"fmt"

	"github.com/diskmap-go/diskmap"
)

// Errors of Open for a directory that is not this node's, or whose map and
// raft state do not belong together. Each is wrapped with the file or
// directory it is about; match them with errors.Is.
var (
	// ErrForeignDir is returned by Open for a directory that holds files
	// but no raftmap file: not a node's directory.
	ErrForeignDir = errors.New("raftmap: not a node's directory")

	// ErrOtherNode is returned by Open for a directory that holds another
	// node's data: its raftmap file names another node ID.
	ErrOtherNode = errors.New("raftmap: directory of another node")

	// ErrCorrupt is returned by Open for a damaged raftmap file, a missing
	// map, or a restore left unfinished with no snapshot to finish it.
	ErrCorrupt = errors.New("raftmap: corrupt node directory")

	// ErrMismatch is returned by Open when the map and the raft state in
	// the directory cannot belong together: the map has applied an index
	// past the raft log's last index and its last snapshot's.
	ErrMismatch = errors.New("raftmap: map and raft state do not match")

	// ErrClosed is returned by every call of a closed Node.
	ErrClosed = errors.New("raftmap: node is closed")

	// ErrFailed is returned, wrapped with the cause, by every call of a
	// Node whose map failed to apply a committed command (a full disk, a
	// damaged file): its map no longer follows the log. Close it, repair,
	// and Open it again, which replays what it missed.
	ErrFailed = errors.New("raftmap: map failed to apply the log")
)

// ErrCodecMismatch is diskmap's: Open returns it, wrapped, for codecs other
// than the directory was created with.
var ErrCodecMismatch = diskmap.ErrCodecMismatch

// NotLeaderError is returned by writes, and by reads that need the leader,
// on a node that is not the leader. It names the leader this node knows,
// empty when it knows none (during an election).
type NotLeaderError struct {
	LeaderID   string
	LeaderAddr string
}

// Error says which node leads.
func (e *NotLeaderError) Error() string {
	if e.LeaderID == "" {
		return "raftmap: not the leader, and no leader known"
	}
	return fmt.Sprintf("raftmap: not the leader; the leader is %s at %s", e.LeaderID, e.LeaderAddr)
}
