package layout

import (
	"errors"
	"fmt"
)

var (
	// ErrCorrupt is matched by every error that reports damaged or foreign
	// bytes in a map file.
	ErrCorrupt = errors.New("diskmap: corrupt map file")

	// ErrVersion is returned for a file written in a format version this
	// package does not read.
	ErrVersion = errors.New("diskmap: unsupported format version")
)

// CorruptError says where a map file is damaged and how. It matches
// ErrCorrupt under errors.Is.
type CorruptError struct {
	File     string // path of the file, or its base name when no path is known
	Offset   int64  // byte offset in File of the damaged field
	Field    string // what was read there, such as "header checksum"
	Expected any    // what a valid file holds there, or nil when any other value would do
	Found    any    // what was found
}

// Error says which file is damaged, where, and how.
func (e *CorruptError) Error() string {
	msg := fmt.Sprintf("diskmap: %s: corrupt %s at offset %d", e.File, e.Field, e.Offset)
	if e.Expected != nil {
		msg += fmt.Sprintf(": expected %v, found %v", e.Expected, e.Found)
	} else if e.Found != nil {
		msg += fmt.Sprintf(": found %v", e.Found)
	}
	return msg
}

// Is reports whether target is ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// corrupt returns a CorruptError for a field of a structure whose file and
// position the caller fills in.
func corrupt(off int64, field string, expected, found any) *CorruptError {
	return &CorruptError{Offset: off, Field: field, Expected: expected, Found: found}
}

// VersionError reports a format version this package does not read. It
// matches ErrVersion under errors.Is.
type VersionError struct {
	File  string // path of the file
	Found uint32 // the version in the file
	// Reads is the only version read of the file's kind: ManifestVersion
	// for a manifest, ArenaVersion for an arena, the log's file version for
	// a log. It is zero for a buckets file, read from MinVersion to Version.
	Reads uint32
}

// Error names the file, the version found and those this build reads.
func (e *VersionError) Error() string {
	reads := fmt.Sprintf("versions %d to %d", MinVersion, Version)
	if e.Reads != 0 {
		reads = fmt.Sprintf("version %d", e.Reads)
	}
	return fmt.Sprintf("diskmap: %s: format version %d, this build reads %s", e.File, e.Found, reads)
}

// Is reports whether target is ErrVersion.
func (e *VersionError) Is(target error) bool { return target == ErrVersion }

func hex(v uint64) string { return fmt.Sprintf("%#x", v) }

func quoted(b []byte) string { return fmt.Sprintf("%q", b) }
