package concurrent

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/mmap"
)

// Backup writes a copy of the map into dir, a new directory or an empty
// one (else an error matching fs.ErrExist), while the map stays open: a
// sharded map directory that Open opens and Check passes, of the manifest
// and a backup of each shard (see diskmap.Map.Backup), and no lock.
//
// The shards are captured one after another, each under its own write
// lock, held only while that shard is copied: the other shards keep
// serving reads and writes meanwhile. So the copy is consistent shard by
// shard, each shard as of its turn, but not across shards: a write to a
// shard not yet captured, made while another is, is in the copy, and one
// to a shard captured already is not. Stop the writers for a copy of the
// whole map at one moment.
//
// Each file of the copy gets the permission bits of the file it copies,
// and each directory Backup creates those of the directory it copies,
// less the umask; a directory dir that exists keeps its own.
//
// The manifest is written last: a Backup cut short by a crash leaves shard
// directories without a manifest, which Open refuses rather than take for
// a map. A Backup that fails removes what it wrote.
func (m *Map[K, V]) Backup(dir string) error {
	if m.closed.Load() {
		return diskmap.ErrClosed
	}
	if err := m.backup(dir); err != nil {
		return fmt.Errorf("backing up %s to %s: %w", m.dir, dir, err)
	}
	return nil
}

// backup writes the copy into dir.
func (m *Map[K, V]) backup(dir string) (err error) {
	made, err := backupDir(dir, m.permOf(m.dir, mmap.DirPerm(m.perm)))
	if err != nil {
		return err
	}
	var written []string
	defer func() {
		if err != nil {
			for _, p := range written {
				_ = os.RemoveAll(p)
			}
			if made {
				_ = os.Remove(dir)
			}
		}
	}()
	for i := range m.shards {
		to := filepath.Join(dir, filepath.Base(m.shardDir(i)))
		written = append(written, to)
		if err := m.backupShard(i, to); err != nil {
			return err
		}
	}
	mf, err := readManifest(m.files, m.path(manifestFile))
	if err != nil {
		return err
	}
	written = append(written, filepath.Join(dir, manifestFile))
	if err := writeManifest(m.files, filepath.Join(dir, manifestFile), m.permOf(m.path(manifestFile), m.perm), &mf); err != nil {
		return err
	}
	if made {
		if err := m.files.SyncDir(filepath.Dir(dir)); err != nil {
			return fmt.Errorf("concurrent: syncing %s: %w", filepath.Dir(dir), err)
		}
	}
	return nil
}

// backupShard backs shard i up into to, under the shard's write lock.
func (m *Map[K, V]) backupShard(i int, to string) error {
	s := &m.shards[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.m.Backup(to); err != nil {
		return err
	}
	if m.captured != nil {
		m.captured(i)
	}
	return nil
}

// permOf returns the permission bits of the file or directory at path, for
// its copy in a backup, or where they cannot be read, def.
func (m *Map[K, V]) permOf(path string, def os.FileMode) os.FileMode {
	if perm, err := mmap.PermOf(path); err == nil {
		return perm
	}
	return def
}

// backupDir creates dir, with permission bits perm, or checks that it is
// empty, and reports whether it created it (see mmap.EmptyDir).
func backupDir(dir string, perm os.FileMode) (bool, error) {
	made, err := mmap.EmptyDir(dir, perm)
	if err != nil {
		return false, fmt.Errorf("concurrent: %w", err)
	}
	return made, nil
}
