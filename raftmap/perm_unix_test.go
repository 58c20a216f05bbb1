//go:build unix

package raftmap_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/diskmap-go/diskmap/raftmap"
)

// TestFilePerm: a node whose map's FilePerm is 0o600 creates its
// directory, its raft log's directory and the map's 0o700 and its meta
// file 0o600, so that the raft log and the snapshots, whose permissions
// raft-wal and raft choose, lie where only the owner can reach them.
func TestFilePerm(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	cl := newCluster(t, 1, func(_ int, c *raftmap.Config) { c.Map.Map.FilePerm = 0o600 })
	if err := cl.leader().Put(ctx(t), "k", "v"); err != nil {
		t.Fatal(err)
	}
	dir := cl.cfgs[0].Dir
	for path, want := range map[string]os.FileMode{
		dir:                                   0o700,
		filepath.Join(dir, "raft"):            0o700,
		filepath.Join(dir, "map"):             0o700,
		filepath.Join(dir, "raftmap"):         0o600,
		filepath.Join(dir, "map", "manifest"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has permissions %O, want %O", path, got, want)
		}
	}
}
