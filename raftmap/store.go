package raftmap

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
)

// The entries of a node's directory, beside the raftmap file and, during a
// restore, the restoring file.
const (
	mapName  = "map"  // the concurrent.Map
	raftName = "raft" // the raft log and stable store (raft-wal)
	// the snapshot store adds snapshots/ (raft.FileSnapshotStore)
)

// store is what a node opens in its directory, in order.
type store struct {
	fsm       *fsm
	logs      *wal.WAL
	logMeta   *metadb.BoltMetaDB // the log's meta store
	snaps     *raft.FileSnapshotStore
	trans     *raft.NetworkTransport
	restoring bool // a restore was cut short: raft must restore on start
}

// open opens the map, the log, the snapshot store and the transport. A
// directory that is not fresh must hold the map already.
func (st *store) open(cfg Config, fresh bool) error {
	mapDir := filepath.Join(cfg.Dir, mapName)
	if _, err := os.Stat(mapDir); !fresh && errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w: the map is missing", mapDir, ErrCorrupt)
	}
	mo := cfg.Map
	mo.ShardKey = shardKey
	m, err := concurrent.OpenWith[[]byte, []byte](mapDir, bytesCodec, bytesCodec, &mo)
	if err != nil {
		return err
	}
	st.fsm = &fsm{m: m, dir: cfg.Dir, perm: cfg.filePerm(), clock: cfg.Clock, onApply: cfg.onApply, onRestore: cfg.onRestore}
	if err := st.fsm.loadApplied(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, restoringName)); err == nil {
		st.restoring = true
	}
	return st.openRaft(cfg)
}

// openRaft opens the log, the snapshot store and the transport.
func (st *store) openRaft(cfg Config) error {
	logDir := filepath.Join(cfg.Dir, raftName)
	if err := os.MkdirAll(logDir, dirPerm(cfg.filePerm())); err != nil {
		return fmt.Errorf("raftmap: %w", err)
	}
	segment := cfg.LogSegmentBytes
	if segment <= 0 {
		segment = wal.DefaultSegmentSize
	}
	// The log's Close leaves its meta store open, and its lock held: the
	// node keeps the store to close it.
	st.logMeta = &metadb.BoltMetaDB{}
	logs, err := wal.Open(logDir, wal.WithLogger(cfg.Logger.Named("wal")), wal.WithSegmentSize(segment), wal.WithMetaStore(st.logMeta))
	if err != nil {
		return fmt.Errorf("opening the raft log in %s: %w", logDir, err)
	}
	st.logs = logs
	st.snaps, err = raft.NewFileSnapshotStoreWithLogger(cfg.Dir, cfg.Snapshots, cfg.Logger.Named("snapshots"))
	if err != nil {
		return fmt.Errorf("opening the snapshot store in %s: %w", cfg.Dir, err)
	}
	var advertise net.Addr
	if cfg.Advertise != "" {
		if advertise, err = net.ResolveTCPAddr("tcp", cfg.Advertise); err != nil {
			return fmt.Errorf("raftmap: Config.Advertise: %w", err)
		}
	}
	if err := st.openTransport(cfg, advertise); err != nil {
		return fmt.Errorf("raftmap: listening on %s: %w", cfg.Bind, err)
	}
	return nil
}

// openTransport listens on cfg.Bind: with raft's TCP transport, or on the
// network a test gave. Pipelined replication is off (MaxRPCsInFlight 1):
// raft v1.8.0's pipeline can wedge Shutdown when the peer stops answering
// while appends are in flight (the replication goroutine waits to hand an
// append to a decoder that waits for it).
func (st *store) openTransport(cfg Config, advertise net.Addr) error {
	tc := &raft.NetworkTransportConfig{MaxPool: 3, MaxRPCsInFlight: 1, Timeout: cfg.Timeout, Logger: cfg.Logger.Named("transport")}
	if cfg.stream == nil {
		var err error
		st.trans, err = raft.NewTCPTransportWithConfig(cfg.Bind, advertise, tc)
		return err
	}
	s, err := cfg.stream(cfg.Bind)
	if err != nil {
		return err
	}
	tc.Stream = s
	st.trans = raft.NewNetworkTransportWithConfig(tc)
	return nil
}

// check refuses a map that has applied an index the raft state does not
// reach, and a restore cut short with no snapshot to finish it from.
func (st *store) check(dir string) error {
	last, err := st.logs.LastIndex()
	if err != nil {
		return fmt.Errorf("reading the raft log: %w", err)
	}
	snaps, err := st.snaps.List()
	if err != nil {
		return fmt.Errorf("listing snapshots: %w", err)
	}
	if len(snaps) > 0 {
		last = max(last, snaps[0].Index)
	}
	if st.restoring && len(snaps) == 0 {
		return fmt.Errorf("%s: %w: a restore was cut short and there is no snapshot", filepath.Join(dir, restoringName), ErrCorrupt)
	}
	if applied := st.fsm.last.Load(); applied > last && !st.restoring {
		return fmt.Errorf("%s: %w: the map has applied index %d, the raft log and snapshots end at %d",
			dir, ErrMismatch, applied, last)
	}
	return nil
}

// closeLog closes the log and its meta store, if open.
func (st *store) closeLog() error {
	var errs []error
	if st.logs != nil {
		errs = append(errs, st.logs.Close())
	}
	if st.logMeta != nil {
		errs = append(errs, st.logMeta.Close())
	}
	return errors.Join(errs...)
}

// close closes what open opened.
func (st *store) close() error {
	var errs []error
	if st.trans != nil {
		errs = append(errs, st.trans.Close())
	}
	errs = append(errs, st.closeLog())
	if st.fsm != nil {
		errs = append(errs, st.fsm.m.Close())
	}
	return errors.Join(errs...)
}
