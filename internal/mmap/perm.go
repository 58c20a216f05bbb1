package mmap

import (
	"fmt"
	"os"
)

// DefaultFilePerm is the permission bits of the files of a new map whose
// options name none: read and write for the owner, read for the others.
const DefaultFilePerm os.FileMode = 0o644

// CheckFilePerm returns an error for permission bits that a map's files
// cannot have: any bit outside 0o777 (a file type, setuid, sticky), or
// no read and write for the owner, without which the map could not open
// its own files again. The error carries no package prefix: the caller's
// wrap says which package and field it is.
func CheckFilePerm(perm os.FileMode) error {
	switch {
	case perm&^os.ModePerm != 0:
		return fmt.Errorf("%O has bits outside the permission bits 0o777", uint32(perm))
	case perm&0o600 != 0o600:
		return fmt.Errorf("%O does not let the owner read and write: want 0o600 at least", uint32(perm))
	}
	return nil
}

// DirPerm returns the permission bits of a directory that holds files of
// permission perm: perm with the execute (search) bit added beside each
// read bit, for user, group and other, so that whoever may read the
// files may reach them, and without write for group and other, so that
// only the owner may create, rename or remove names in it (whoever can
// could plant a symbolic link where the map creates a file): 0o600 gives
// 0o700, 0o640 and 0o660 give 0o750, 0o644 and 0o666 give 0o755.
func DirPerm(perm os.FileMode) os.FileMode {
	perm &= os.ModePerm
	return (perm | (perm&0o444)>>2) &^ 0o022
}

// PermOf returns the permission bits of the file or directory at path,
// following symbolic links.
func PermOf(path string) (os.FileMode, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Mode().Perm(), nil
}
