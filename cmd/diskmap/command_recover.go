package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/layout"
)

var recoverCommand = &command{
	name: "recover",
	args: "DIR",
	summary: "open a map for writing once, which repairs it if it was not closed cleanly, and " +
		"print what its headers said before and what its statistics say after",
	example: "diskmap recover /var/lib/app/sessions",
	run:     runRecover,
}

// walFile is the write-ahead log of a diskmap.Map or of a shard.
const walFile = "wal"

// fileState is what a map's files say before it is opened, summed over
// the shards of a concurrent.Map.
type fileState struct {
	dirty, shards      int // shards not closed cleanly, of shards
	keys, tombs        uint64
	keyRecords         int64 // bytes of records in the keys arena, live and dead, by the header
	valueRecords       int64
	keyLive, valueLive int64
	wal                int64 // bytes of write-ahead log
}

func runRecover(c *call, args []string) error {
	args, err := c.parse(args, nil, 1)
	if err != nil {
		return err
	}
	dir := args[0]
	before, err := readState(dir)
	if err != nil {
		return err
	}
	t, err := c.open(dir, openOptions{})
	if err != nil {
		return err
	}
	after := t.state()
	if err := t.Close(); err != nil {
		return err
	}
	return t.printRecovery(c.stdout, before, after)
}

// readState reads the headers of the map in dir, or of each of its
// shards, and the sizes of their logs.
func readState(dir string) (fileState, error) {
	_, sharded, err := readNames(dir)
	if err != nil {
		return fileState{}, err
	}
	dirs := []string{dir}
	if sharded {
		mf, err := readManifest(filepath.Join(dir, manifestFile))
		if err != nil {
			return fileState{}, err
		}
		dirs = dirs[:0]
		for i := range mf.Shards {
			dirs = append(dirs, filepath.Join(dir, fmt.Sprintf("%s%04d", shardPrefix, i)))
		}
	}
	var st fileState
	for _, d := range dirs {
		h, err := readHeader(filepath.Join(d, bucketsFile))
		if err != nil {
			return fileState{}, err
		}
		st.add(&h, fileSize(filepath.Join(d, walFile)))
	}
	return st, nil
}

// add adds one header, and the size of its log, to st.
func (st *fileState) add(h *layout.Header, wal int64) {
	st.shards++
	if h.Dirty() {
		st.dirty++
	}
	st.keys += h.Count
	st.tombs += h.Tombstones
	st.keyRecords += int64(h.KeysEnd) - layout.ArenaHeaderSize
	st.valueRecords += int64(h.ValuesEnd) - layout.ArenaHeaderSize
	st.keyLive += int64(h.KeysLive)
	st.valueLive += int64(h.ValuesLive)
	st.wal += wal
}

// state returns what t's statistics say, as a fileState.
func (t *target) state() fileState {
	st, shards := t.stats()
	if len(shards) == 0 {
		shards = []diskmap.Stats{st}
	}
	s := fileState{shards: len(shards)}
	for i, sh := range shards {
		s.keys += uint64(sh.Len)
		s.tombs += uint64(sh.Tombstones)
		s.keyRecords += sh.Keys.Live + sh.Keys.Dead
		s.valueRecords += sh.Values.Live + sh.Values.Dead
		s.keyLive += sh.Keys.Live
		s.valueLive += sh.Values.Live
		s.wal += fileSize(filepath.Join(t.shardDir(i), walFile))
	}
	return s
}

// shardDir returns the directory of shard i, t's own for a diskmap.Map.
func (t *target) shardDir(i int) string {
	if !t.sharded {
		return t.dir
	}
	return filepath.Join(t.dir, fmt.Sprintf("%s%04d", shardPrefix, i))
}

// fileSize returns the size of the file at path, 0 if there is none.
func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// printRecovery says whether the map needed recovery, and compares the
// headers before with the statistics after.
func (t *target) printRecovery(w io.Writer, before, after fileState) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := &printer{w: tw}
	switch {
	case before.dirty == 0:
		p.printf("%s: %s, closed cleanly: there was nothing to recover\n", t.dir, t.kind())
	case t.sharded:
		p.printf("%s: %s, %d of %d shards not closed cleanly: the Open recovered them\n", t.dir, t.kind(), before.dirty, before.shards)
	default:
		p.printf("%s: %s, not closed cleanly: the Open recovered it\n", t.dir, t.kind())
	}
	p.println("The library does not report what a recovery did; what the headers said before, and what Stats says after:")
	rows := []struct {
		name          string
		before, after string
	}{
		{"keys", fmt.Sprint(before.keys), fmt.Sprint(after.keys)},
		{"tombstones", fmt.Sprint(before.tombs), fmt.Sprint(after.tombs)},
		{"key records", size(before.keyRecords), size(after.keyRecords)},
		{"live key bytes", size(before.keyLive), size(after.keyLive)},
		{"value records", size(before.valueRecords), size(after.valueRecords)},
		{"live value bytes", size(before.valueLive), size(after.valueLive)},
		{"write-ahead log", size(before.wal), size(after.wal)},
	}
	p.printf("\tbefore\tafter\n")
	for _, r := range rows {
		p.printf("%s\t%s\t%s\n", r.name, r.before, r.after)
	}
	if p.err != nil {
		return p.err
	}
	return tw.Flush()
}
