package diskmap_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/internal/wal"
)

// Power loss, simulated.
//
// A crash of the process leaves the files as the page cache holds them
// (maptest.CrashCopy). A power loss leaves what the disk holds, which is
// older: each page of a file as the kernel last wrote it back, at any
// moment since the file was last synced, and a page that was being written
// when the power failed torn, its first sectors new and the rest old. The
// size of a file reaches the disk with a sync too, and a renamed file once
// its directory is synced.
//
// These tests run the maps on a file system that reports each fsync of a
// file and of the directory, and skips it: the disk is the model the tests
// keep. They record, for each file of a map, its
// contents when it was last synced, and every version of every 4 KiB page
// and every length it has had since, looking after each operation, in the
// middle of batches, and at each sync. A crash image takes each page as
// one of those versions (the newest, or any; now and then torn between
// two) and the file at one of those lengths. The log may also be cut short
// or have bytes garbled where it holds writes not yet synced. Images are
// built between operations and, now and then, at a sync inside one: in the
// middle of a Sync, a checkpoint, a table growth.
//
// Opening an image with the same Durability must succeed, Check must pass,
// and the contents must be what was acknowledged:
//
//   - In the WAL modes, the state after some prefix of the mutations no
//     shorter than the acknowledged one: up to the last returned Sync,
//     Checkpoint or Compact with DurabilityWAL, every mutation that returned
//     with DurabilityWALSync. Frames written after the last Sync may
//     survive, but a mutation is never half there (a batch is one) and never
//     there without those before it.
//   - In DurabilityOS, every key not written or deleted since the last Sync
//     as it was then, and every other key absent or with a value it had
//     since.
//
// Some keys are put with a time to live, and the map's clock (a fake one)
// moves on now and then: an image is opened at the time it is taken, and
// a key whose expiry has passed must be absent from it, the others there
// with their expiry. The model stores a key's expiry with its value
// (plStored), so that a state is one of values and expiries; states are
// compared as they are at the time of the image.
//
// DISKMAP_SEED replays a run: the workload and the choices are the same, but
// the hash seed a new map draws is not, so the pages differ somewhat.

const (
	plPage     = 4096    // the unit in which the kernel writes back a file
	plSector   = 512     // the unit that a torn page write keeps whole
	plUniverse = 400     // keys are drawn from [0, plUniverse)
	plProbeKey = 1 << 40 // a key outside it, written to a recovered map
	plHot      = 6       // hot keys, plUniverse to plUniverse+5, each with values of one length
)

// plHotLengths are the lengths of the hot keys' values: most of their
// updates are written in place, over the key's previous record, and some
// of those records straddle pages.
var plHotLengths = [plHot]int{8, 24, 100, 600, 1500, 3900}

// plNames are the files of a map directory that a power loss can leave
// in any state; the lock file holds nothing. buckets.next is there while
// the table grows.
var plNames = [...]string{"buckets", "keys", "values", "wal", "buckets.next"}

const (
	plWAL  = 3 // plNames[plWAL]
	plNext = 4 // plNames[plNext]
)

var plZeros [plPage]byte

// TestPowerLoss runs four scenarios in each mode, each a random workload
// with crash images built and opened along the way, tens per scenario.
func TestPowerLoss(t *testing.T) {
	t.Parallel()
	seed := maptest.Seed(t)
	syncs := newPLSyncs()
	var images atomic.Int64
	t.Cleanup(func() { t.Logf("%d crash images opened", images.Load()) })
	for _, d := range maptest.Modes {
		for sc := range 4 {
			t.Run(fmt.Sprintf("%v/%d", d, sc), func(t *testing.T) {
				t.Parallel()
				images.Add(int64(runPowerLoss(t, syncs, seed, d, sc)))
			})
		}
	}
}

// plOptions returns the options of scenario sc, how many keys it puts
// before the power may fail, and a word on it.
func plOptions(sc int) (diskmap.Options, int, string) {
	const never = 1 << 30
	switch sc % 4 {
	case 0:
		return diskmap.Options{Capacity: 1000, KeyBytes: 4096, ValueBytes: 8192, WALCheckpointBytes: never}, 120, "a fixed table"
	case 1:
		return diskmap.Options{Capacity: 16, KeyBytes: 4096, ValueBytes: 8192, WALCheckpointBytes: never}, 10, "a growing table"
	case 2:
		return diskmap.Options{Capacity: 1000, KeyBytes: 4096, ValueBytes: 8192, WALCheckpointBytes: 24 << 10}, 120, "a checkpoint per 24 KiB of log"
	}
	return diskmap.Options{Capacity: 300, WALCheckpointBytes: never}, 120, "arenas of the default size"
}

// runPowerLoss runs scenario sc in mode d and returns how many images it
// opened.
func runPowerLoss(t *testing.T, syncs *plSyncs, seed uint64, d diskmap.Durability, sc int) int {
	rng := rand.New(rand.NewPCG(seed, uint64(d)<<16|uint64(sc)))
	opts, setup, about := plOptions(sc)
	start := "after a checkpoint"
	clean := rng.IntN(2) == 0
	if clean {
		start = "after a clean reopen"
	}
	name := fmt.Sprintf("DISKMAP_SEED=%d, %v scenario %d (%s, %s)", seed, d, sc, about, start)
	r := newPLRun(t, syncs, name, rng, seed, d, opts, setup, clean)
	for range 250 {
		r.step()
		if rng.IntN(100) < 3 {
			r.crashImages(1 + rng.IntN(3))
		}
	}
	r.crashImages(3)
	if r.rewrites == 0 {
		t.Errorf("%s: no update was written in place", name)
	}
	return r.images
}

// plSyncs is the operating system's file system, telling the scenario
// whose map directory it is each time a file or the directory is synced.
type plSyncs struct {
	mmap.FS
	mu   sync.Mutex
	runs map[string]*plRun
}

// newPLSyncs returns a plSyncs for the maps of a test to run on, the maps
// of its images included (see newPLRun).
func newPLSyncs() *plSyncs {
	return &plSyncs{FS: mmap.OS{}, runs: map[string]*plRun{}}
}

func (s *plSyncs) watch(dir string, r *plRun) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r == nil {
		delete(s.runs, dir)
	} else {
		s.runs[dir] = r
	}
}

func (s *plSyncs) run(dir string) *plRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs[dir]
}

// Sync and SyncDir only report: the disk of these tests is the model they
// keep, and real syncs would only make them slow.
func (s *plSyncs) Sync(f *os.File) error {
	if r := s.run(filepath.Dir(f.Name())); r != nil {
		r.fileSynced(f)
	}
	return nil
}

func (s *plSyncs) SyncDir(dir string) error {
	if r := s.run(dir); r != nil {
		r.dirSynced()
	}
	return nil
}

// plFile follows one file of a map directory: its contents when it was last
// synced, and every version of each page and every length it has had since.
// Pages are plPage bytes, padded with zeros, and shared between versions.
type plFile struct {
	id   os.FileInfo      // the file synced, nil if there was none
	base [][]byte         // page -> its contents at the last sync, nil for zeros
	hist map[int][][]byte // page -> the versions since, oldest first
	lens []int            // the lengths since, the synced one first
	size int              // the length when last looked at
}

// newest returns page p as the file holds it now.
func (f *plFile) newest(p int) []byte {
	if h := f.hist[p]; len(h) > 0 {
		return h[len(h)-1]
	}
	if p < len(f.base) && f.base[p] != nil {
		return f.base[p]
	}
	return plZeros[:]
}

// saw records that the file holds b now. b may be a mapping of it: only the
// pages that changed are copied. With appendOnly, the file is written only
// at its end (the log): the pages past the first 32 that hold zeros now as
// before are not compared.
func (f *plFile) saw(b []byte, appendOnly bool) {
	if f.hist == nil {
		f.hist = map[int][][]byte{}
	}
	if !slices.Contains(f.lens, len(b)) {
		f.lens = append(f.lens, len(b))
	}
	f.size = len(b)
	zeros := 0
	for p := 0; p*plPage < len(b) && (!appendOnly || zeros < 32); p++ {
		pg := b[p*plPage : min(len(b), (p+1)*plPage)]
		if len(pg) < plPage {
			pg = slices.Concat(pg, plZeros[len(pg):])
		}
		old := f.newest(p)
		switch {
		case !bytes.Equal(pg, old):
			f.hist[p] = append(f.hist[p], bytes.Clone(pg))
			zeros = 0
		case bytes.Equal(pg, plZeros[:]):
			zeros++
		}
	}
}

// synced records that the file id, as last looked at, is on stable storage.
func (f *plFile) synced(id os.FileInfo) {
	base := make([][]byte, (f.size+plPage-1)/plPage)
	for p := range base {
		base[p] = f.newest(p)
	}
	f.id, f.base, f.hist, f.lens = id, base, map[int][][]byte{}, []int{f.size}
}

// versions returns the versions page p has had since the last sync, oldest
// first.
func (f *plFile) versions(p int) [][]byte {
	base := plZeros[:]
	if p < len(f.base) && f.base[p] != nil {
		base = f.base[p]
	}
	return append([][]byte{base}, f.hist[p]...)
}

// pending returns the offsets of the bytes written since the last sync,
// in order: where the newest contents differ from the synced ones.
func (f *plFile) pending() []int {
	var at []int
	for _, p := range slices.Sorted(maps.Keys(f.hist)) {
		old, cur := f.versions(p)[0], f.newest(p)
		for i := range cur {
			if old[i] != cur[i] && p*plPage+i < f.size {
				at = append(at, p*plPage+i)
			}
		}
	}
	return at
}

// syncedBytes returns the contents at the last sync.
func (f *plFile) syncedBytes() []byte {
	var b []byte
	for p := range f.base {
		b = append(b, f.versions(p)[0]...)
	}
	return b[:f.lens[0]]
}

// plImage is what a crash image may be made of.
type plImage struct {
	files  [len(plNames)]*plFile
	newest bool // take every page and length as it is now: no power loss at all
}

// build writes a crash image to dir and describes what it chose.
func (s plImage) build(rng *rand.Rand, dir string) (string, error) {
	pNew := []float64{0, 0.3, 0.7, 1}[rng.IntN(4)]
	pTear := []float64{0, 0.05, 0.25}[rng.IntN(3)]
	if s.newest {
		pNew, pTear = 1, 0
	}
	if err := plClearDir(dir); err != nil {
		return "", err
	}
	var desc []string
	for i, f := range s.files {
		n := f.lens[rng.IntN(len(f.lens))]
		if s.newest {
			n = f.size
		}
		var pending []int
		if i == plWAL && !s.newest {
			pending = f.pending()
		}
		var cut string
		if len(pending) > 0 && pending[0] < n && rng.IntN(4) == 0 {
			// The log is cut short where it was being written.
			first := pending[0]
			n = first + rng.IntN(n-first+1)
			cut = fmt.Sprintf(", cut at %d (writes since the last sync from %d)", n, first)
		}
		pages := make([][]byte, (n+plPage-1)/plPage)
		var changed, newest, torn int
		for p := range pages {
			vs := f.versions(p)
			pg := vs[0]
			if len(vs) > 1 {
				changed++
				switch {
				case rng.Float64() < pTear:
					lo := rng.IntN(len(vs) - 1)
					hi := lo + 1 + rng.IntN(len(vs)-1-lo)
					k := (1 + rng.IntN(plPage/plSector-1)) * plSector
					pg = slices.Concat(vs[hi][:k], vs[lo][k:])
					torn++
				case rng.Float64() < pNew:
					pg = vs[len(vs)-1]
				default:
					pg = vs[rng.IntN(len(vs))]
				}
				if bytes.Equal(pg, vs[len(vs)-1]) {
					newest++
				}
			}
			pages[p] = pg
		}
		d := fmt.Sprintf("%s %d bytes, %d of %d changed pages newest, %d torn%s", plNames[i], n, newest, changed, torn, cut)
		if len(pending) > 0 && rng.IntN(3) == 0 {
			// Or it has bytes garbled where it was being written.
			var at []int
			for range 1 + rng.IntN(3) {
				if off := pending[rng.IntN(len(pending))]; off < n {
					p := off / plPage
					pages[p] = bytes.Clone(pages[p])
					pages[p][off%plPage] ^= byte(1 + rng.IntN(255))
					at = append(at, off)
				}
			}
			d += fmt.Sprintf(", garbled at %v", at)
		}
		desc = append(desc, d)
		if i == plNext && n == 0 {
			continue // no table growing
		}
		if err := plWritePages(filepath.Join(dir, plNames[i]), pages, n); err != nil {
			return "", err
		}
	}
	return strings.Join(desc, "; "), nil
}

// plClearDir makes dir an empty directory, or one holding only files that
// an image overwrites.
func plClearDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names, err := os.ReadDir(dir)
	for _, e := range names {
		if !slices.Contains(plNames[:], e.Name()) && err == nil {
			err = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	return err
}

// plWritePages writes a file of n bytes made of pages to path, skipping
// pages of zeros.
func plWritePages(path string, pages [][]byte, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for p, pg := range pages {
		pg = pg[:min(plPage, n-p*plPage)]
		if !bytes.Equal(pg, plZeros[:len(pg)]) {
			if _, err = f.WriteAt(pg, int64(p*plPage)); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = f.Truncate(int64(n))
	}
	return errors.Join(err, f.Close())
}

// plRun is one scenario: a map, a model of it, and what its files have held.
type plRun struct {
	t     testing.TB
	name  string // the seed and the scenario: every failure starts with it
	rng   *rand.Rand
	seed  uint64
	d     diskmap.Durability
	opts  diskmap.Options // the map's, its files going through syncs
	syncs *plSyncs        // the files of the map and of its images go through it
	dir   string          // the map
	work  string          // where images are built
	m     *diskmap.Map[uint64, []byte]

	files  [len(plNames)]plFile
	op     string // the operation running, "" between operations
	failed bool   // an image failed: stop at the end of the operation

	clock *maptest.Clock

	model    map[uint64][]byte // values as plStored keeps them, with their expiry
	hash     uint64            // plEntry summed over the model
	states   []uint64          // the hash after each mutation; states[0] at the start
	changes  [][]plChange      // changes[i] made state i from state i-1
	ack      int               // the state a power loss must keep, or a later one in the WAL modes
	puts     int
	images   int
	rewrites int // updates written in place, over the key's twin
}

// plChange is one put or delete, with what the key held before it.
type plChange struct {
	key      uint64
	val, old []byte
	del, had bool
}

// newPLRun opens a map for scenario name, puts setup keys, and makes them
// durable with a checkpoint or, if clean, a clean close and a reopen. The
// files are followed from there.
func newPLRun(t testing.TB, syncs *plSyncs, name string, rng *rand.Rand, seed uint64, d diskmap.Durability, opts diskmap.Options, setup int, clean bool) *plRun {
	t.Helper()
	root := t.TempDir()
	opts.Durability = d
	r := &plRun{t: t, name: name, rng: rng, seed: seed, d: d, opts: *diskmap.WithFiles(&opts, syncs), syncs: syncs, clock: maptest.NewClock(),
		dir: filepath.Join(root, "map"), work: filepath.Join(root, "image"), model: map[uint64][]byte{}}
	r.opts.Clock = r.clock.Now
	r.open()
	t.Cleanup(func() {
		syncs.watch(r.dir, nil)
		maptest.CheckClose(t, r.m)
	})
	for range setup {
		k := rng.Uint64N(plUniverse)
		v := r.value(k)
		r.must(r.m.Put(k, v), "Put")
		r.change(plChange{key: k, val: v})
	}
	if clean {
		r.must(r.m.Close(), "Close")
		r.open()
	} else {
		r.must(r.m.Checkpoint(), "Checkpoint")
	}
	r.states, r.changes = []uint64{r.hash}, [][]plChange{nil}
	for i := range r.files {
		r.files[i].synced(r.lookAt(i))
	}
	syncs.watch(r.dir, r)
	return r
}

// open opens the map. Halfway through each batch, and halfway through an
// update in place (the new payload written over the key's previous record,
// the header not yet), now and then, it looks at the files: a page may
// reach the disk at any moment.
func (r *plRun) open() {
	m, err := diskmap.Open[uint64, []byte](r.dir, &r.opts)
	if err != nil {
		r.t.Fatalf("%s: Open: %v", r.name, err)
	}
	diskmap.SetFailpoint(m, func(name string) error {
		if name == "value-rewrite" {
			r.rewrites++
		}
		if (name == "batch-op" || name == "value-rewrite") && r.op != "" && r.rng.IntN(3) == 0 {
			r.look()
		}
		return nil
	})
	// A growing table moves a few slots a write, so that images are built
	// in the middle of growths, and installs in the writer, whose file
	// operations the images follow.
	diskmap.SetGrowStep(m, 1+r.rng.IntN(4), true)
	r.m = m
}

func (r *plRun) must(err error, op string) {
	r.t.Helper()
	if err != nil {
		r.t.Fatalf("%s: %s after %d mutations: %v", r.name, op, len(r.states)-1, err)
	}
}

// value returns a new value for key k: mostly tens of bytes, some hundreds,
// a few thousands, so that records straddle pages.
func (r *plRun) value(k uint64) []byte {
	n := 8 + r.rng.IntN(56)
	switch x := r.rng.IntN(20); {
	case x == 0:
		n = 1000 + r.rng.IntN(2500)
	case x < 6:
		n = 64 + r.rng.IntN(400)
	}
	return r.valueOf(k, n)
}

// valueOf returns a new value of about n bytes for key k, naming the key
// and the put; exactly n when n leaves room for that.
func (r *plRun) valueOf(k uint64, n int) []byte {
	r.puts++
	v := fmt.Appendf(make([]byte, 0, n+16), "k%d/%d:", k, r.puts)
	for len(v) < n {
		v = append(v, byte('a'+r.rng.IntN(26)))
	}
	return v
}

// look records what each file holds now, reading it through a mapping.
func (r *plRun) look() {
	for i := range r.files {
		r.lookAt(i)
	}
}

// lookAt records what file i holds now and returns which file it is, nil
// if there is none.
func (r *plRun) lookAt(i int) os.FileInfo {
	f, err := os.Open(filepath.Join(r.dir, plNames[i]))
	if errors.Is(err, fs.ErrNotExist) {
		r.files[i].saw(nil, false)
		return nil
	}
	var id os.FileInfo
	if err == nil {
		defer func() { _ = f.Close() }() // read only: closing loses nothing
		id, err = f.Stat()
	}
	var reg *mmap.Region
	if err == nil {
		reg, err = mmap.Map(f, int(id.Size()), mmap.ReadOnly)
	}
	if err != nil {
		r.t.Errorf("%s: %v", r.name, err)
		r.failed = true
		return nil
	}
	r.files[i].saw(reg.Bytes(), i == plWAL)
	if err := reg.Unmap(); err != nil {
		r.t.Errorf("%s: %v", r.name, err)
		r.failed = true
	}
	return id
}

// renamed reports whether a file was replaced since it was last synced, by
// a rename that its directory does not hold for sure yet.
func (r *plRun) renamed() bool {
	for i := range r.files {
		id, err := os.Stat(filepath.Join(r.dir, plNames[i]))
		if f := &r.files[i]; f.id != nil && (err != nil || !os.SameFile(f.id, id)) {
			return true
		}
	}
	return false
}

// fileSynced is told that f was synced. Before recording it, it may open an
// image of a power loss during that sync, inside the operation running.
func (r *plRun) fileSynced(f *os.File) {
	i := slices.Index(plNames[:], filepath.Base(f.Name()))
	if i < 0 || r.op == "" {
		return
	}
	r.look()
	id, err := os.Stat(f.Name())
	if fi, ferr := f.Stat(); err != nil || ferr != nil || !os.SameFile(fi, id) {
		return // a file replaced since: no longer the map's
	}
	p := 0.15
	if i == plWAL {
		p = 0.04
	}
	if !r.failed && r.rng.Float64() < p && !r.renamed() {
		r.tryImage(fmt.Sprintf("a power loss inside %s, as %s was synced", r.op, plNames[i]))
	}
	r.files[i].synced(id)
}

// dirSynced is told that the map directory was synced: files renamed into
// it are there for good, with the contents synced before the rename.
func (r *plRun) dirSynced() {
	if r.op == "" {
		return
	}
	for i := range r.files {
		switch id, f := r.lookAt(i), &r.files[i]; {
		case f.id == nil:
			f.id = id
		case id == nil:
			f.synced(nil) // renamed away or removed, for good
		case !os.SameFile(f.id, id):
			f.synced(id)
		}
	}
}

// step runs one random operation.
func (r *plRun) step() {
	k := r.rng.Uint64N(plUniverse)
	switch x := r.rng.IntN(100); {
	case x < 30:
		r.put(k)
	case x < 38:
		r.putTTL(k)
	case x < 55:
		r.hot()
	case x < 68:
		r.del(k)
	case x < 78:
		r.batch(2 + r.rng.IntN(5))
	case x < 90:
		r.run("Sync", nil, r.m.Sync)
	case x < 94:
		r.run("Checkpoint", nil, r.m.Checkpoint)
	case x < 96:
		r.run("Compact", nil, r.m.Compact)
	case x < 98:
		r.clock.Advance(time.Duration(r.rng.IntN(20)) * time.Millisecond)
	case x < 99:
		r.clear()
	default:
		r.deleteFunc(k % 5)
	}
}

func (r *plRun) put(k uint64) {
	v := r.value(k)
	r.run("Put", []plChange{{key: k, val: v}}, func() error { return r.m.Put(k, v) })
}

// putTTL puts k with a time to live of up to 100 ms.
func (r *plRun) putTTL(k uint64) {
	v, ttl := r.value(k), r.ttl()
	c := plChange{key: k, val: plStored(v, r.clock.Now().Add(ttl).UnixNano())}
	r.run("PutTTL", []plChange{c}, func() error { return r.m.PutTTL(k, v, ttl) })
}

func (r *plRun) ttl() time.Duration { return time.Duration(1+r.rng.IntN(100)) * time.Millisecond }

// hot writes new values of its length to a hot key, one to six in a row,
// through Put, PutTTL or an upsert of the entry API, now and then with a power
// loss between two, more often after one written in place: from the third
// on, each is written in place, over the key's previous record, unless a
// header was written since (in the WAL modes; in DurabilityOS the key's
// twin outlives a Sync, retired).
func (r *plRun) hot() {
	h := r.rng.IntN(plHot)
	k := uint64(plUniverse + h)
	for range 1 + r.rng.IntN(6) {
		rewrites := r.rewrites
		v := r.valueOf(k, plHotLengths[h])
		switch r.rng.IntN(3) {
		case 0:
			r.run("Put", []plChange{{key: k, val: v}}, func() error { return r.m.Put(k, v) })
		case 1:
			ttl := r.ttl()
			c := plChange{key: k, val: plStored(v, r.clock.Now().Add(ttl).UnixNano())}
			r.run("PutTTL", []plChange{c}, func() error { return r.m.PutTTL(k, v, ttl) })
		default:
			r.run("Entry", []plChange{{key: k, val: v}}, func() error {
				got, err := r.m.Entry(k).AndModify(func(old *[]byte) { *old = v }).OrInsert(v)
				if err == nil && !bytes.Equal(got, v) {
					err = fmt.Errorf("Entry(%d) upsert returned %s", k, plShow(got, true))
				}
				return err
			})
		}
		if r.rng.IntN(100) < 3 || r.rewrites > rewrites && r.rng.IntN(5) == 0 {
			r.crashImages(1)
		}
	}
}

// del deletes k. A key that has expired is removed, and was not there.
func (r *plRun) del(k uint64) {
	var cs []plChange
	v, had := r.model[k]
	if had {
		cs = []plChange{{key: k, del: true}}
	}
	there := had && plLive(v, r.clock.Now())
	r.run("Delete", cs, func() error {
		ok, err := r.m.Delete(k)
		if err == nil && ok != there {
			err = fmt.Errorf("Delete(%d) = %v, the model has it: %v", k, ok, there)
		}
		return err
	})
}

func (r *plRun) batch(n int) {
	var cs []plChange
	ttls := map[int]time.Duration{} // the puts with a time to live
	for i := range n {
		k := r.rng.Uint64N(plUniverse)
		switch x := r.rng.IntN(10); {
		case x < 5:
			cs = append(cs, plChange{key: k, val: r.value(k)})
		case x < 7:
			ttls[i] = r.ttl()
			v := r.value(k)
			cs = append(cs, plChange{key: k, val: plStored(v, r.clock.Now().Add(ttls[i]).UnixNano())})
		default:
			cs = append(cs, plChange{key: k, del: true})
		}
	}
	ops := slices.Clone(cs)
	r.run("Batch", cs, func() error {
		return r.m.Batch(func(b *diskmap.Batch[uint64, []byte]) error {
			for i, c := range ops {
				var err error
				switch ttl, ok := ttls[i]; {
				case c.del:
					_, err = b.Delete(c.key)
				case ok:
					err = b.PutTTL(c.key, plValue(c.val), ttl)
				default:
					err = b.Put(c.key, c.val)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// run runs the operation op, which makes the changes cs (nil if it changes
// nothing), and records what it acknowledged when it returned: with
// DurabilityWALSync every mutation, in every mode everything up to a Sync,
// Checkpoint or Compact, and up to a Clear, the Clear included.
func (r *plRun) run(op string, cs []plChange, fn func() error) {
	r.t.Helper()
	if cs != nil {
		for i := range cs {
			cs[i] = r.change(cs[i])
		}
		r.states = append(r.states, r.hash)
		r.changes = append(r.changes, cs)
	}
	r.op = op
	err := fn()
	r.op = ""
	r.must(err, op)
	if r.failed {
		r.t.FailNow()
	}
	if op == "Sync" || op == "Checkpoint" || op == "Compact" || op == "Clear" || r.d == diskmap.DurabilityWALSync {
		r.ack = len(r.states) - 1
	}
	r.look()
}

// change applies c to the model and returns it with what the key held.
func (r *plRun) change(c plChange) plChange {
	c.old, c.had = r.model[c.key]
	if c.had {
		r.hash -= plEntry(c.key, c.old)
	}
	if c.del {
		delete(r.model, c.key)
	} else {
		r.model[c.key] = c.val
		r.hash += plEntry(c.key, c.val)
	}
	return c
}

// crashImages opens n images of a power loss now, between operations.
func (r *plRun) crashImages(n int) {
	if r.renamed() {
		r.t.Fatalf("%s: after %d mutations, a file of the map was replaced by a rename that no sync of the directory made durable",
			r.name, len(r.states)-1)
	}
	for range n {
		r.tryImage("a power loss")
		if r.failed {
			r.t.FailNow()
		}
	}
}

// tryImage builds an image of the files as followed so far and opens it. A
// failure names the seed, the scenario, the image and what it was made of.
func (r *plRun) tryImage(what string) {
	r.images++
	rng := rand.New(rand.NewPCG(r.seed, uint64(r.images)))
	var s plImage
	for i := range r.files {
		s.files[i] = &r.files[i]
	}
	desc, err := s.build(rng, r.work)
	if err == nil {
		err = r.verify(r.work, rng.IntN(6) == 0)
	}
	if err != nil {
		r.failed = true
		r.t.Errorf("%s: image %d, %s, after %d mutations, %d acknowledged:\n%v\nthe image: %s",
			r.name, r.images, what, len(r.states)-1, r.ack, err, desc)
	}
}

// verify opens the image in dir as the next run of the program would and
// checks it against what was acknowledged. With reopen it also writes to
// the recovered map, closes it and opens it again.
func (r *plRun) verify(dir string, reopen bool) error {
	opts := diskmap.WithFiles(&diskmap.Options{Durability: r.d, Clock: r.clock.Now}, r.syncs)
	m, err := diskmap.Open[uint64, []byte](dir, opts)
	if err != nil {
		return fmt.Errorf("Open: %w", err)
	}
	got, err := plContents(m, r.clock)
	if err == nil && r.d == diskmap.DurabilityOS {
		err = r.checkSynced(got)
	} else if err == nil {
		err = r.checkPrefix(got)
	}
	if err != nil || !reopen {
		return errors.Join(err, m.Close())
	}
	return plReopen(m, dir, opts, got, r.clock)
}

// plContents checks m and returns what it holds, read two ways, each value
// with its expiry as plStored keeps them, at the time of clock.
func plContents(m *diskmap.Map[uint64, []byte], clock *maptest.Clock) (map[uint64][]byte, error) {
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("Check: %w", err)
	}
	got := map[uint64][]byte{}
	for k, v := range m.All() {
		if _, dup := got[k]; dup {
			return nil, fmt.Errorf("All yields key %d twice", k)
		}
		got[k] = v
	}
	if err := m.Err(); err != nil {
		return nil, fmt.Errorf("All: %w", err)
	}
	if m.Len() < len(got) {
		return nil, fmt.Errorf("Len %d, All yields %d keys", m.Len(), len(got))
	}
	for k, v := range got {
		if g, ok, err := m.Get(k); err != nil || !ok || !bytes.Equal(g, v) {
			return nil, fmt.Errorf("Get(%d) = %s, %v; All yields %s", k, plShow(g, ok), err, plShow(v, true))
		}
		ttl, ok, err := m.TTL(k)
		if err != nil || !ok {
			return nil, fmt.Errorf("TTL(%d) = %v, %v, %v; All yields it", k, ttl, ok, err)
		}
		if ttl > 0 {
			got[k] = plStored(v, clock.Now().Add(ttl).UnixNano())
		}
	}
	return got, nil
}

// plStored is how the model keeps a value v put with an expiry: v, a NUL
// and the expiry in decimal. Values hold no NUL.
func plStored(v []byte, exp int64) []byte { return fmt.Appendf(slices.Clip(v), "\x00%d", exp) }

// plValue returns the value of a stored value, without its expiry.
func plValue(s []byte) []byte {
	if i := bytes.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// plLive reports whether a stored value has not expired at now.
func plLive(s []byte, now time.Time) bool {
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return true
	}
	exp, err := strconv.ParseInt(string(s[i+1:]), 10, 64)
	return err == nil && now.UnixNano() < exp
}

// plAt returns the entries of m that have not expired at now.
func plAt(m map[uint64][]byte, now time.Time) map[uint64][]byte {
	live := map[uint64][]byte{}
	for k, v := range m {
		if plLive(v, now) {
			live[k] = v
		}
	}
	return live
}

// plReopen writes a key to the recovered map m, closes it, and checks that
// it opens again holding got and that key.
func plReopen(m *diskmap.Map[uint64, []byte], dir string, opts *diskmap.Options, got map[uint64][]byte, clock *maptest.Clock) (err error) {
	v := []byte("written after recovery")
	if err := m.Put(plProbeKey, v); err != nil {
		_ = m.Close()
		return fmt.Errorf("Put after recovery: %w", err)
	}
	if err := m.Close(); err != nil {
		return fmt.Errorf("Close after recovery: %w", err)
	}
	m, err = diskmap.Open[uint64, []byte](dir, opts)
	if err != nil {
		return fmt.Errorf("Open after recovery and a clean close: %w", err)
	}
	defer func() { err = errors.Join(err, m.Close()) }()
	again, err := plContents(m, clock)
	if err != nil {
		return fmt.Errorf("after recovery and a clean close: %w", err)
	}
	want := maps.Clone(got)
	want[plProbeKey] = v
	if d := plDiff(again, want); d != "" {
		return fmt.Errorf("after recovery, a put and a clean close: %s", d)
	}
	return nil
}

// checkPrefix checks contents recovered in a WAL mode: the state after the
// acknowledged mutation or a later one, as it is now.
func (r *plRun) checkPrefix(got map[uint64][]byte) error {
	h := plHashOf(got)
	states := r.statesAt(r.clock.Now())
	for i := len(states) - 1; i >= r.ack; i-- {
		if states[i] == h {
			return nil
		}
	}
	what := "a state the map never passed through"
	for i := r.ack - 1; i >= 0; i-- {
		if states[i] == h {
			what = fmt.Sprintf("the state after %d mutations, before the acknowledged one", i)
			break
		}
	}
	return fmt.Errorf("recovered %d keys: %s; want the state after %d mutations or more. Against the acknowledged state: %s",
		len(got), what, r.ack, plDiff(got, plAt(r.modelAt(r.ack), r.clock.Now())))
}

// statesAt returns the hash of each state, as it is at now: without the
// keys that have expired by then.
func (r *plRun) statesAt(now time.Time) []uint64 {
	entry := func(k uint64, v []byte) uint64 {
		if plLive(v, now) {
			return plEntry(k, v)
		}
		return 0
	}
	hashes := make([]uint64, len(r.states))
	var h uint64
	for k, v := range r.model {
		h += entry(k, v)
	}
	for i := len(r.states) - 1; i >= 0; i-- {
		hashes[i] = h
		for _, c := range slices.Backward(r.changes[i]) {
			if !c.del {
				h -= entry(c.key, c.val)
			}
			if c.had {
				h += entry(c.key, c.old)
			}
		}
	}
	return hashes
}

// checkSynced checks contents recovered in DurabilityOS: each key not
// written since the last Sync as it was then, each other absent or with a
// value it had since.
func (r *plRun) checkSynced(got map[uint64][]byte) error {
	synced := plAt(r.modelAt(r.ack), r.clock.Now())
	since := map[uint64][][]byte{} // keys changed since, with their values (nil: deleted)
	for _, cs := range r.changes[r.ack+1:] {
		for _, c := range cs {
			since[c.key] = append(since[c.key], c.val)
		}
	}
	var bad []string
	for _, k := range plSortedKeys(got, synced) {
		g, have := got[k]
		s, had := synced[k]
		vals, changed := since[k]
		switch {
		case !changed && (have != had || !bytes.Equal(g, s)):
			bad = append(bad, fmt.Sprintf("key %d, untouched since the last Sync: %s, synced %s", k, plShow(g, have), plShow(s, had)))
		case changed && have && (!had || !bytes.Equal(g, s)) && !slices.ContainsFunc(vals, func(v []byte) bool { return v != nil && bytes.Equal(v, g) }):
			bad = append(bad, fmt.Sprintf("key %d, written since the last Sync: %s, a value it never had since", k, plShow(g, have)))
		}
	}
	if len(bad) > 6 {
		bad = append(bad[:6], fmt.Sprintf("and %d more", len(bad)-6))
	}
	if bad != nil {
		return fmt.Errorf("recovered %d keys, %d synced after %d mutations: %s", len(got), len(synced), r.ack, strings.Join(bad, "; "))
	}
	return nil
}

// modelAt returns the model as it was after i mutations.
func (r *plRun) modelAt(i int) map[uint64][]byte {
	m := maps.Clone(r.model)
	for j := len(r.changes) - 1; j > i; j-- {
		for _, c := range slices.Backward(r.changes[j]) {
			if c.had {
				m[c.key] = c.old
			} else {
				delete(m, c.key)
			}
		}
	}
	return m
}

var plHashSeed = maphash.MakeSeed()

// plEntry hashes one key and value; a map's hash is the sum over its
// entries, so that a put or a delete updates it at once.
func plEntry(k uint64, v []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(plHashSeed)
	var kb [8]byte
	binary.LittleEndian.PutUint64(kb[:], k)
	h.Write(kb[:])
	h.Write(v)
	return h.Sum64()
}

func plHashOf(m map[uint64][]byte) uint64 {
	var s uint64
	for k, v := range m {
		s += plEntry(k, v)
	}
	return s
}

// plDiff describes how got differs from want, or returns "".
func plDiff(got, want map[uint64][]byte) string {
	var d []string
	for _, k := range plSortedKeys(got, want) {
		g, have := got[k]
		w, ok := want[k]
		if have != ok || !bytes.Equal(g, w) {
			d = append(d, fmt.Sprintf("key %d: %s, want %s", k, plShow(g, have), plShow(w, ok)))
		}
	}
	if len(d) > 6 {
		d = append(d[:6], fmt.Sprintf("and %d more", len(d)-6))
	}
	return strings.Join(d, "; ")
}

// plShow shows the start of a value: it names the key and the put that
// wrote it.
func plShow(v []byte, ok bool) string {
	if !ok {
		return "absent"
	}
	if i := bytes.IndexByte(v, ':'); i >= 0 {
		return fmt.Sprintf("%q (%d bytes)", v[:i], len(v))
	}
	return fmt.Sprintf("%.16q (%d bytes)", v, len(v))
}

func plSortedKeys(a, b map[uint64][]byte) []uint64 {
	ks := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// The checks can fail: an image that lost what a Sync made durable is
// caught, and the same image without the loss passes.
func TestPowerLossCheckCatchesLoss(t *testing.T) {
	t.Parallel()
	const seed = 1
	syncs := newPLSyncs()
	opts := diskmap.Options{Capacity: 1000, WALCheckpointBytes: 1 << 30}
	t.Run("garbled synced frame", func(t *testing.T) {
		r := newPLRun(t, syncs, t.Name(), rand.New(rand.NewPCG(seed, 1)), seed, diskmap.DurabilityWAL, opts, 20, false)
		for range 30 {
			r.put(r.rng.Uint64N(plUniverse))
		}
		r.run("Sync", nil, r.m.Sync)
		plMustBuildNewest(t, r)
		if err := r.verify(r.work, true); err != nil {
			t.Fatalf("the image as synced: %v", err)
		}
		plMustBuildNewest(t, r)
		plEdit(t, filepath.Join(r.work, "wal"), func(b []byte) { b[wal.FileHeaderSize+30] ^= 0xff }) // the first frame's payload
		err := r.verify(r.work, false)
		if err == nil || !strings.Contains(err.Error(), "want the state after 30 mutations") {
			t.Fatalf("a garbled synced frame: got %v, want the loss reported", err)
		}
	})
	t.Run("files from before the last Sync", func(t *testing.T) {
		r := newPLRun(t, syncs, t.Name(), rand.New(rand.NewPCG(seed, 2)), seed, diskmap.DurabilityOS, opts, 20, false)
		var start [len(plNames)][]byte
		for i := range r.files {
			start[i] = r.files[i].syncedBytes()
		}
		for range 30 {
			r.put(r.rng.Uint64N(plUniverse))
		}
		r.run("Sync", nil, r.m.Sync)
		plMustBuildNewest(t, r)
		if err := r.verify(r.work, true); err != nil {
			t.Fatalf("the image as synced: %v", err)
		}
		for i, b := range start {
			if err := os.WriteFile(filepath.Join(r.work, plNames[i]), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		err := r.verify(r.work, false)
		if err == nil || !strings.Contains(err.Error(), "untouched since the last Sync") {
			t.Fatalf("files from before the last Sync: got %v, want the loss reported", err)
		}
	})
}

// In DurabilityOS a batch is logged, applied, and struck from the log
// again. If the page holding its frame reached the disk before the frame was
// struck, the next Sync (or Checkpoint, or Compact) must make the striking
// durable too: else a power loss brings the batch back, and replaying it
// undoes what the Sync kept.
func TestPowerLossStaleBatchFrame(t *testing.T) {
	t.Parallel()
	const seed = 1
	syncs := newPLSyncs()
	for i, op := range []string{"Sync", "Checkpoint", "Compact"} {
		t.Run(op, func(t *testing.T) {
			r := newPLRun(t, syncs, t.Name(), rand.New(rand.NewPCG(seed, uint64(i))), seed, diskmap.DurabilityOS, diskmap.Options{Capacity: 1000}, 20, false)
			diskmap.SetFailpoint(r.m, func(name string) error {
				if name == "batch-op" {
					r.look() // the log's page as written back in the middle of the batch
				}
				return nil
			})
			const k = 7
			batched := []byte("k7/batch: put by the batch")
			r.run("Batch", []plChange{{key: k, val: batched}}, func() error {
				return r.m.Batch(func(b *diskmap.Batch[uint64, []byte]) error { return b.Put(k, batched) })
			})
			r.put(k)
			r.run(op, nil, map[string]func() error{"Sync": r.m.Sync, "Checkpoint": r.m.Checkpoint, "Compact": r.m.Compact}[op])
			// Every file as synced, but the log's pages as they were in the
			// middle of the batch, unless a sync has covered them since.
			plMustBuildNewest(t, r)
			wal := &r.files[plWAL]
			pages := make([][]byte, (wal.size+plPage-1)/plPage)
			for p := range pages {
				vs := wal.versions(p)
				pages[p] = vs[min(1, len(vs)-1)]
			}
			if err := plWritePages(filepath.Join(r.work, plNames[plWAL]), pages, wal.size); err != nil {
				t.Fatal(err)
			}
			if err := r.verify(r.work, false); err != nil {
				t.Fatalf("a power loss after %s, the log's page written back in the middle of a batch before it: %v", op, err)
			}
		})
	}
}

// plMustBuildNewest builds an image of r's files as they are now.
func plMustBuildNewest(t *testing.T, r *plRun) {
	t.Helper()
	s := plImage{newest: true}
	for i := range r.files {
		s.files[i] = &r.files[i]
	}
	if err := os.RemoveAll(r.work); err != nil {
		t.Fatal(err)
	}
	if _, err := s.build(rand.New(rand.NewPCG(r.seed, 0)), r.work); err != nil {
		t.Fatal(err)
	}
}

func plEdit(t *testing.T, path string, edit func([]byte)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
