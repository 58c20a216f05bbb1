package concurrent

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// readManifest reads and decodes the manifest at path, opened through
// files (see package layout, Manifest). A missing file is an error
// matching fs.ErrNotExist.
func readManifest(files mmap.FS, path string) (layout.Manifest, error) {
	f, err := files.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return layout.Manifest{}, fmt.Errorf("concurrent: opening %s: %w", path, err)
	}
	defer func() { _ = f.Close() }() // read only: closing loses nothing
	b, err := io.ReadAll(io.LimitReader(f, layout.MaxManifestSize+1))
	if err != nil {
		return layout.Manifest{}, fmt.Errorf("concurrent: reading %s: %w", path, mmap.Cause(err))
	}
	mf, err := layout.DecodeManifest(b)
	if err != nil {
		return mf, format.At(err, path, 0)
	}
	return mf, nil
}

// writeManifest writes mf to path, through files: to a file beside it
// first, with permission bits perm less the umask, synced, then renamed
// over it, and the directory synced.
func writeManifest(files mmap.FS, path string, perm os.FileMode, mf *layout.Manifest) error {
	tmp := path + ".new"
	err := writeSynced(files, tmp, perm, mf.Encode())
	if err != nil {
		err = fmt.Errorf("concurrent: writing %s: %w", tmp, err)
	} else if err = files.Rename(tmp, path); err != nil {
		err = fmt.Errorf("concurrent: renaming %s to %s: %w", tmp, path, err)
	} else if err = files.SyncDir(filepath.Dir(path)); err != nil {
		err = fmt.Errorf("concurrent: syncing %s: %w", filepath.Dir(path), err)
	}
	if err != nil {
		_ = files.Remove(tmp)
		return err
	}
	return nil
}

// writeSynced creates the file path holding b, through files, with
// permission bits perm less the umask, and syncs it.
func writeSynced(files mmap.FS, path string, perm os.FileMode, b []byte) error {
	f, err := files.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = files.WriteAt(f, b, 0)
	if err == nil {
		err = files.Sync(f)
	}
	return errors.Join(err, mmap.Cause(f.Close()))
}

func hexa(v uint64) string { return fmt.Sprintf("%#x", v) }
