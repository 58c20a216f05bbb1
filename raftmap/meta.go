package raftmap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// The file raftmap in a node's directory says whose it is:
//
//	+-----------+-----------+----------+----------+-------------+-------------+----------+
//	| magic 8   | version 4 | groups 4 | node ID  | key codec   | value codec | crc32c 4 |
//	+-----------+-----------+----------+----------+-------------+-------------+----------+
//
// Integers are little-endian; each string is a 2-byte length and its
// bytes; the checksum (Castagnoli) covers every byte before it. It is
// written before anything else in an empty directory, to raftmap.new,
// synced, and renamed.
const (
	metaName    = "raftmap"
	metaMagic   = "raftmap\x00"
	metaVersion = 1
)

// meta is the content of the file raftmap.
type meta struct {
	groups                   uint32
	id, keyCodec, valueCodec string
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encode returns the file's bytes.
func (m *meta) encode() []byte {
	b := []byte(metaMagic)
	b = binary.LittleEndian.AppendUint32(b, metaVersion)
	b = binary.LittleEndian.AppendUint32(b, m.groups)
	for _, s := range []string{m.id, m.keyCodec, m.valueCodec} {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
		b = append(b, s...)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeMeta parses the bytes of the file at path.
func decodeMeta(path string, b []byte) (meta, error) {
	var m meta
	if len(b) < len(metaMagic)+12 || !bytes.Equal(b[:len(metaMagic)], []byte(metaMagic)) {
		return m, fmt.Errorf("%s: %w: not a raftmap node's file", path, ErrCorrupt)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return m, fmt.Errorf("%s: %w: checksum mismatch", path, ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint32(body[8:]); v != metaVersion {
		return m, fmt.Errorf("%s: %w: version %d, want %d", path, ErrCorrupt, v, metaVersion)
	}
	m.groups = binary.LittleEndian.Uint32(body[12:])
	rest := body[16:]
	for _, s := range []*string{&m.id, &m.keyCodec, &m.valueCodec} {
		if len(rest) < 2 || int(binary.LittleEndian.Uint16(rest))+2 > len(rest) {
			return m, fmt.Errorf("%s: %w: truncated", path, ErrCorrupt)
		}
		n := int(binary.LittleEndian.Uint16(rest))
		*s, rest = string(rest[2:2+n]), rest[2+n:]
	}
	return m, nil
}

// dirPerm returns the permission bits of a directory holding files of
// permission perm, as the map's own directories get them: an execute bit
// beside each read bit, and no write for group or other.
func dirPerm(perm os.FileMode) os.FileMode {
	perm &= os.ModePerm
	return (perm | (perm&0o444)>>2) &^ 0o022
}

// claimDir checks that dir is the directory of node want (same ID and
// codecs), or makes it one if it is empty or missing. It reports whether
// the directory was new.
func claimDir(dir string, want meta, perm os.FileMode) (bool, error) {
	path := filepath.Join(dir, metaName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return true, createDir(dir, want, perm)
	}
	if err != nil {
		return false, fmt.Errorf("raftmap: %w", err)
	}
	got, err := decodeMeta(path, b)
	if err != nil {
		return false, err
	}
	return false, got.check(path, want)
}

// check compares the recorded meta with the one a node is opened with.
func (m *meta) check(path string, want meta) error {
	switch {
	case m.id != want.id:
		return fmt.Errorf("%s: %w: it holds node %q, not %q", path, ErrOtherNode, m.id, want.id)
	case m.groups != want.groups:
		return fmt.Errorf("%s: %w: %d groups, want %d", path, ErrCorrupt, m.groups, want.groups)
	case m.keyCodec != want.keyCodec || m.valueCodec != want.valueCodec:
		return fmt.Errorf("%s: %w: created with codecs %q and %q, opened with %q and %q",
			path, ErrCodecMismatch, m.keyCodec, m.valueCodec, want.keyCodec, want.valueCodec)
	}
	return nil
}

// createDir writes the meta file into dir, which must be empty or missing,
// creating dir with the directory bits of perm (see dirPerm).
func createDir(dir string, m meta, perm os.FileMode) error {
	if err := os.MkdirAll(dir, dirPerm(perm)); err != nil {
		return fmt.Errorf("raftmap: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("raftmap: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s: %w: it holds %s and no %s file", dir, ErrForeignDir, entries[0].Name(), metaName)
	}
	return writeSynced(filepath.Join(dir, metaName), m.encode(), perm)
}

// writeSynced writes b to path through path.new, created with perm, synced
// and renamed, and syncs the directory.
func writeSynced(path string, b []byte, perm os.FileMode) error {
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return fmt.Errorf("raftmap: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		return fmt.Errorf("raftmap: writing %s: %w", path, err)
	}
	return nil
}

// syncDir syncs the directory dir, so that a rename or removal in it lasts.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // a directory cannot be opened for a sync there
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
