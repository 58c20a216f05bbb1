package diskmap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// Backup writes a copy of the map as it is at the call into dir, a new
// directory or an empty one (else an error matching fs.ErrExist), while
// the map stays open. The copy is a map directory that Open opens and
// Check passes, closed cleanly: its three files, buckets, keys and values,
// and no lock, log or spare table. Each arena is copied up to its end, so
// the copy holds no preallocated space; on Linux the files are cloned
// (FICLONE) where the file system shares blocks between files, else
// copied.
//
// A map whose table is growing finishes the growth first (see package
// layout, Grow), and a map with changes since its last checkpoint is
// checkpointed (see Checkpoint), so its files hold every change; the copy's header then
// says it was closed cleanly. Backup is not a read: like a write, it must
// not run beside other calls of the map (package concurrent takes each
// shard's write lock in turn).
//
// Each file of the copy gets the permission bits of the file it copies,
// and dir, if Backup creates it, those of the map's directory, less the
// umask: a copy of a map kept to its owner is kept to its owner too. A
// directory that exists keeps its own.
//
// The copy's files are synced, then its directory. Its buckets file is
// written last, under the name buckets.grow, and renamed: a Backup cut
// short by a crash leaves no buckets file, and Open refuses such a
// directory (its keys and values hold records) rather than take it for a
// map. A Backup that fails removes what it wrote.
func (m *Map[K, V]) Backup(dir string) error {
	if err := m.usable(); err != nil {
		return err
	}
	if err := m.backup(dir); err != nil {
		return fmt.Errorf("backing up %s to %s: %w", m.dir, dir, err)
	}
	return nil
}

// backup writes the copy into dir.
func (c *core) backup(dir string) (err error) {
	made, err := backupDir(dir, c.backupDirPerm())
	if err != nil {
		return err
	}
	var written []string
	defer func() {
		if err != nil {
			for _, p := range written {
				_ = c.opts.files.Remove(p)
			}
			if made {
				_ = os.Remove(dir)
			}
		}
	}()
	if !c.readOnly {
		// A growing table holds keys in buckets.next that buckets does
		// not: the growth ends first, so that buckets holds them all.
		if err := c.endGrowth(); err != nil {
			return err
		}
	}
	if !c.readOnly && c.hdr.Dirty() {
		if err := c.checkpoint(true); err != nil {
			return err
		}
	}
	tableSize := tableBytes(c.tab.log2)
	p := c.startProgress(OpBackup, c.keys.end+c.vals.end+tableSize)
	var copied int64
	for _, a := range []*arena{c.keys, c.vals} {
		to := filepath.Join(dir, filepath.Base(a.path))
		written = append(written, to)
		if err := c.copyFile(a.path, to, a.end, nil); err != nil {
			return err
		}
		copied += a.end
		p.at(copied)
	}
	tmp := filepath.Join(dir, bucketsFile+growSuffix)
	written = append(written, tmp)
	if err := c.copyFile(c.path(bucketsFile), tmp, tableSize, c.writeBackupHeader); err != nil {
		return err
	}
	p.end()
	if err := c.opts.files.Rename(tmp, filepath.Join(dir, bucketsFile)); err != nil {
		return fmt.Errorf("diskmap: renaming %s: %w", tmp, err)
	}
	written = append(written[:len(written)-1], filepath.Join(dir, bucketsFile))
	return c.syncBackupDirs(dir, made)
}

// backupDirPerm returns the permission bits for the directory of a copy:
// those of the map's directory, or where it cannot be read, those that
// Open gives a directory it creates.
func (c *core) backupDirPerm() os.FileMode {
	if perm, err := mmap.PermOf(c.dir); err == nil {
		return perm
	}
	return mmap.DirPerm(c.opts.FilePerm)
}

// backupDir creates dir, with permission bits perm, or checks that it is
// empty, and reports whether it created it (see mmap.EmptyDir).
func backupDir(dir string, perm os.FileMode) (bool, error) {
	made, err := mmap.EmptyDir(dir, perm)
	if err != nil {
		return false, fmt.Errorf("diskmap: %w", err)
	}
	return made, nil
}

// syncBackupDirs makes the names in dir durable, and dir's own name if
// Backup created it.
func (c *core) syncBackupDirs(dir string, made bool) error {
	dirs := []string{dir}
	if made {
		dirs = append(dirs, filepath.Dir(dir))
	}
	for _, d := range dirs {
		if err := c.opts.files.SyncDir(d); err != nil {
			return fmt.Errorf("diskmap: syncing %s: %w", d, err)
		}
	}
	return nil
}

// copyFile makes the new file to hold the first n bytes of the file from,
// with its permission bits, cloned where the file system can, else copied;
// then calls edit, if any, on it and syncs it.
func (c *core) copyFile(from, to string, n int64, edit func(f *os.File) error) error {
	src, err := c.opts.files.OpenFile(from, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("diskmap: opening %s: %w", from, err)
	}
	defer func() { _ = src.Close() }() // read only: closing loses nothing
	fi, err := src.Stat()
	if err != nil {
		return fmt.Errorf("diskmap: opening %s: %w", from, mmap.Cause(err))
	}
	dst, err := c.opts.files.OpenFile(to, os.O_RDWR|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return fmt.Errorf("diskmap: creating %s: %w", to, err)
	}
	err = c.fillCopy(dst, src, n)
	if err == nil && edit != nil {
		err = edit(dst)
	}
	if err == nil {
		if err = c.opts.files.Sync(dst); err != nil {
			err = fmt.Errorf("diskmap: syncing %s: %w", to, err)
		}
	}
	return errors.Join(err, closeFile(dst, to))
}

// fillCopy makes dst, new and empty, hold the first n bytes of src: a
// clone of src cut to n bytes, or where the file system cannot clone, a
// copy.
func (c *core) fillCopy(dst, src *os.File, n int64) error {
	err := c.opts.files.Clone(dst, src)
	switch {
	case err == nil:
		if err := c.opts.files.Truncate(dst, n); err != nil {
			return fmt.Errorf("diskmap: truncating %s: %w", dst.Name(), err)
		}
		return nil
	case !errors.Is(err, errors.ErrUnsupported):
		return fmt.Errorf("diskmap: cloning %s into %s: %w", src.Name(), dst.Name(), err)
	}
	if err := c.opts.files.CopyRange(dst, src, n); err != nil {
		return fmt.Errorf("diskmap: copying %s into %s: %w", src.Name(), dst.Name(), err)
	}
	return nil
}

// writeBackupHeader writes into f, the copy of the buckets file, a header
// newer than the one in use, with the arenas' ends and without the dirty
// and log flags: the copy is a map closed cleanly, whose files hold every
// change (the map was checkpointed, or is clean).
func (c *core) writeBackupHeader(f *os.File) error {
	h := c.hdr
	c.fillCounters(&h)
	h.Flags &^= layout.FlagDirty | layout.FlagWAL
	meta := make([]byte, layout.MetaSize)
	next := format.WriteMeta(meta, &h, c.cur)
	at := int64(next * layout.HeaderCopyOffset)
	if _, err := c.opts.files.WriteAt(f, meta[at:at+layout.HeaderSize], at); err != nil {
		return fmt.Errorf("diskmap: writing %s: %w", f.Name(), err)
	}
	return nil
}
