package raftmap

import (
	"errors"
	"io"
	"os"
	"time"

	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// Config configures Open. ID, Dir and Bind are required; the other fields
// have defaults that work on a laptop.
type Config struct {
	// ID names the node in the cluster, for all time. It is recorded in
	// Dir: a directory opened with another ID is refused (ErrOtherNode).
	ID string

	// Dir holds everything the node keeps: the raftmap file, the map
	// (map/), the raft log (raft/) and snapshots (snapshots/).
	Dir string

	// Bind is the TCP address raft listens on, such as "127.0.0.1:7001",
	// or "127.0.0.1:0" for a port the system picks (see Node.Addr).
	Bind string

	// Advertise is the address other nodes reach this one at, if it is not
	// Bind's (a Bind of 0.0.0.0). Default: the address Bind listens on.
	Advertise string

	// Bootstrap makes Open start a new cluster of this node and Peers, if
	// the directory has no raft state yet; it is ignored otherwise. Give it
	// to one node, which then Joins the others, or to every node with the
	// same Peers.
	Bootstrap bool

	// Peers are the other voters of a cluster that Bootstrap starts.
	Peers []Peer

	// Map configures the node's map (see concurrent.Options); ShardKey is
	// the node's own and must be nil. Its Map.FilePerm is also that of the
	// node's meta file, and, with an execute bit beside each read bit and
	// no write for group or other, of Dir where Open creates it and of the
	// raft log's directory: the raft log's segments and the snapshots,
	// which hold the map's data too, are created by raft-wal and raft with
	// their own permissions, and Dir's permissions are what keep
	// them private.
	Map concurrent.Options

	// Raft configures raft. Open copies it and sets LocalID and
	// NoSnapshotRestoreOnStart (the map survives restarts by itself).
	// Default raft.DefaultConfig with its log level at warnings.
	Raft *raft.Config

	// Clock is the time by which the leader decides when a key put with
	// PutTTL expires, and by which every replica's map expires it; it
	// replaces Map.Map.Clock. Default Map.Map.Clock, or time.Now.
	Clock func() time.Time

	// LogSegmentBytes is the size of each file of the raft log.
	// Default 64 MiB.
	LogSegmentBytes int

	// Snapshots is how many snapshots to keep. Default 2.
	Snapshots int

	// Logger receives raft's and the log store's messages. Default: to
	// standard error, at Raft.LogLevel.
	Logger hclog.Logger

	// Timeout bounds a call whose ctx has no deadline, and raft's network
	// operations. Default 10 s.
	Timeout time.Duration

	// onApply, when a test sets it, is called for each part of a command
	// the map is given, with its index and group, and whether the group
	// had applied it already and skipped it.
	onApply func(index uint64, group int, skipped bool)

	// onRestore, when a test sets it, is called after each snapshot
	// restored into the map.
	onRestore func()

	// stream, when a test sets it, makes the network raft uses, listening
	// on Bind, in place of raft's TCP transport: one the test can cut.
	stream func(bind string) (raft.StreamLayer, error)
}

// Peer is a member of a cluster: its ID and raft address.
type Peer struct {
	ID, Addr string
}

// Codecs configures OpenWith: the codecs of keys and values, recorded in
// the directory by name.
type Codecs[K, V any] struct {
	Key   codec.Codec[K]
	Value codec.Codec[V]
}

// filePerm is the permission bits of the files the node creates itself
// (its meta file, and the marks of a restore) and, with an execute bit
// beside each read bit, of its directories: the map's FilePerm, 0o644 if
// it names none.
func (c Config) filePerm() os.FileMode {
	if c.Map.Map.FilePerm != 0 {
		return c.Map.Map.FilePerm
	}
	return 0o644
}

// withDefaults returns a copy of c with its defaults filled in.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.ID == "":
		return c, errors.New("raftmap: Config.ID is empty")
	case c.Dir == "":
		return c, errors.New("raftmap: Config.Dir is empty")
	case c.Bind == "":
		return c, errors.New("raftmap: Config.Bind is empty")
	case c.Map.ShardKey != nil:
		return c, errors.New("raftmap: Config.Map.ShardKey must be nil: the node picks its own")
	}
	rc := raft.DefaultConfig()
	rc.LogLevel = "WARN"
	if c.Raft != nil {
		rc = new(raft.Config)
		*rc = *c.Raft
	}
	rc.LocalID = raft.ServerID(c.ID)
	rc.NoSnapshotRestoreOnStart = true
	c.Raft = rc
	if c.Clock == nil {
		c.Clock = c.Map.Map.Clock
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	c.Map.Map.Clock = c.Clock
	if c.Snapshots == 0 {
		c.Snapshots = 2
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = hclog.New(&hclog.LoggerOptions{Name: "raftmap " + c.ID, Level: hclog.LevelFromString(rc.LogLevel), Output: logOutput(rc)})
	}
	rc.Logger = c.Logger
	return c, nil
}

// logOutput returns where raft's config sends logs: LogOutput, or
// standard error.
func logOutput(rc *raft.Config) io.Writer {
	if rc.LogOutput != nil {
		return rc.LogOutput
	}
	return os.Stderr
}
