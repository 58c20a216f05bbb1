package mmap

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// EmptyDir creates dir, with permission bits perm less the umask (and its
// missing parents with the same), or checks that it is empty, and reports
// whether it created it: where a backup goes. A directory that holds
// anything gives an error matching fs.ErrExist; one that exists keeps its
// permissions. Its errors name neither dir nor the package: the caller
// says where and what for.
func EmptyDir(dir string, perm os.FileMode) (bool, error) {
	_, err := os.Stat(dir)
	made := errors.Is(err, fs.ErrNotExist)
	if err := os.MkdirAll(dir, perm); err != nil {
		return false, fmt.Errorf("creating it: %w", Cause(err))
	}
	f, err := os.Open(dir)
	if err != nil {
		return false, fmt.Errorf("reading it: %w", Cause(err))
	}
	names, err := f.Readdirnames(1)
	_ = f.Close() // read only: closing loses nothing
	switch {
	case err == nil:
		return false, fmt.Errorf("it holds %s: want an empty directory: %w", names[0], fs.ErrExist)
	case err != io.EOF:
		return false, fmt.Errorf("reading it: %w", Cause(err))
	}
	return made, nil
}
