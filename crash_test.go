//go:build unix

package diskmap_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// The tests in this file kill a process that is writing a map, with
// SIGKILL, at random points, and check that the next Open recovers every
// write the process had acknowledged. The test binary is the writer: it runs
// itself again with the environment below, which selects the child test
// and tells it what to do.
//
// A process kill loses no write that reached a shared mapping, since its
// pages stay in the page cache; a private mapping (the table, in the WAL
// modes) dies with the process, and the log must bring it back. What these
// tests check is that the files are consistent at every instant and that
// recovery finds what is there. Losing unsynced data to a power cut is not
// tested here.

// Environment of a child process.
const (
	childEnv      = "DISKMAP_TEST_CHILD" // the child's mode
	childDirEnv   = "DISKMAP_TEST_CHILD_DIR"
	childSeedEnv  = "DISKMAP_TEST_CHILD_SEED"
	childRoundEnv = "DISKMAP_TEST_CHILD_ROUND"
	childDurEnv   = "DISKMAP_TEST_CHILD_DURABILITY"
	childKillEnv  = "DISKMAP_TEST_CHILD_KILL_AT" // see killFS
	// childRewriteEnv makes the child kill itself halfway through its
	// n-th update in place: the new payload written over the key's twin,
	// the header not yet.
	childRewriteEnv = "DISKMAP_TEST_CHILD_KILL_REWRITE"
)

// crashDurabilities are the modes the crash tests run in.
var crashDurabilities = maptest.Modes

// crashOptions returns the options a child in mode opens the map with in
// durability d; a small log makes checkpoints frequent in the WAL modes.
// The map reads crashClock.
func crashOptions(mode *crashMode, d diskmap.Durability) *diskmap.Options {
	o := mode.opts
	o.Durability = d
	o.WALCheckpointBytes = cmp.Or(mode.walBytes, 32<<10)
	o.Clock = crashClock.Now
	return &o
}

// crashClock is the clock of the maps of the crash tests. A child, alone
// in its process, sets it to crashTime(round, i) before its operation i,
// and the parent reckons expiries by the same times; the parent, whose
// tests run in parallel, never moves it, and opens a map after a kill with
// a clock of its own, standing at the time of the operation in flight.
var crashClock = maptest.NewClock()

// crashTime is the time of operation i of round: the rounds 1000 s apart,
// the operations 1 ms apart.
func crashTime(round, i int) int64 {
	return maptest.ClockStart.Add(time.Duration(round)*1000*time.Second + time.Duration(i)*time.Millisecond).UnixNano()
}

// crashTTL returns a time to live: a few operations, a round or two, or
// longer than any test.
func crashTTL(r *rand.Rand) time.Duration {
	switch r.IntN(3) {
	case 0:
		return time.Duration(1+r.IntN(30)) * time.Millisecond
	case 1:
		return time.Duration(500+r.IntN(2000)) * time.Second
	}
	return 1e7 * time.Second
}

// childCommand returns a command running the test named test of this test
// binary as a child in mode; ctx kills it.
func childCommand(ctx context.Context, test, mode, dir string, seed uint64, round int) *exec.Cmd {
	return maptest.ChildCommand(ctx, test,
		childEnv+"="+mode,
		childDirEnv+"="+dir,
		childSeedEnv+"="+strconv.FormatUint(seed, 10),
		childRoundEnv+"="+strconv.Itoa(round))
}

// memDir returns a new directory for the test in /dev/shm, a tmpfs on
// Linux, where fsync costs nothing; a process kill leaves the same files
// there as on a disk, since both keep them in the page cache. Without
// /dev/shm it returns t.TempDir().
func memDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "diskmap-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	return dir
}

// crashOp is one operation of a child: Put, PutTTL, Delete, Get, a Batch
// of puts and deletes, Compact, Sync, Checkpoint, Clear, or a DeleteFunc
// of the keys that start with key.
type crashOp struct {
	kind  byte // 'P', 'T', 'D', 'G', 'B', 'C', 'S', 'K', 'Z' or 'F'
	key   string
	val   string        // of a Put or PutTTL
	ttl   time.Duration // of a PutTTL
	batch []crashOp     // of a Batch: puts and deletes
}

func (o crashOp) String() string {
	switch o.kind {
	case 'P':
		return fmt.Sprintf("P %s %d %x", o.key, len(o.val), valueHash(o.val))
	case 'T':
		return fmt.Sprintf("T %s %d %x %v", o.key, len(o.val), valueHash(o.val), o.ttl)
	case 'D', 'G', 'F':
		return fmt.Sprintf("%c %s", o.kind, o.key)
	case 'B':
		ops := make([]string, len(o.batch))
		for i, b := range o.batch {
			ops[i] = b.String()
		}
		return "B [" + strings.Join(ops, "; ") + "]"
	}
	return string(o.kind)
}

func valueHash(v string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(v)) // a hash.Hash never fails
	return h.Sum64()
}

// crashValue returns a value of n bytes that names the round and operation
// that wrote it.
func crashValue(round, i, n int) string {
	b := fmt.Appendf(nil, "%d.%d:", round, i)
	for len(b) < n {
		b = append(b, byte('a'+(len(b)+i)%26))
	}
	return string(b[:n])
}

// crashMode is one kind of child: its options, how it picks its operations
// and when the parent kills it.
type crashMode struct {
	name  string
	kills int // how many times the child is killed, one child each: half as many in the WAL modes
	// fresh, if set, starts a new map every fresh kills, to keep the map
	// small.
	fresh int
	opts  diskmap.Options
	// walBytes is Options.WALCheckpointBytes; 0 means 32 KiB.
	walBytes int64
	// setup, if set, makes the map before the first child runs.
	setup func(t *testing.T, dir string, opts *diskmap.Options) *crashModel
	// next returns operation i of a child in round, drawing only from r, so
	// that the parent draws the same sequence. prev is operation i-1.
	next func(r *rand.Rand, round, i int, prev crashOp) crashOp
	// kill says when the parent kills the child.
	kill func(r *rand.Rand) killPlan
	// script, if set, replaces next: the child runs the operations it
	// returns, prints "done" and the number of file operations it made,
	// and then, with endKill, kills itself, else exits.
	script  func(round int) []crashOp
	endKill bool
	// inPlace says that some of the mode's kill plans kill the child
	// halfway through an update in place: at least one kill must land
	// there.
	inPlace bool
	// hintGrows makes the child print "grow" before each Put that it
	// expects, from Stats, to grow the table, and wait for a line on its
	// standard input before the Put, so that the parent, which answers at
	// once, can time a kill from the start of the Put.
	hintGrows bool
	// growStep, if set, is how many old slots a write of the child moves
	// while its table grows (see diskmap.SetGrowStep): a small one makes
	// kills land in the middle of growths.
	growStep int
	// values, if set, returns the codec of the map's values, which the
	// child and the parent both open it with; nil means codec.For[string].
	values func() (codec.Codec[string], error)
}

// openCrashMap opens the map of mode in dir, with mode's value codec.
func openCrashMap(mode *crashMode, dir string, opts *diskmap.Options) (*diskmap.Map[string, string], error) {
	vc := codec.For[string]()
	if mode.values != nil {
		var err error
		if vc, err = mode.values(); err != nil {
			return nil, err
		}
	}
	return diskmap.OpenWith(dir, codec.For[string](), vc, opts)
}

// killPlan says when to kill a child: after acks acknowledgements (-1:
// while it opens the map) or, if grows is set, at its grows-th "grow" line
// if that comes first; then after delay. With rewrite set, the child kills
// itself halfway through its rewrite-th update in place, if that comes
// first.
type killPlan struct {
	acks, grows, rewrite int
	delay                time.Duration
}

var crashModes = map[string]*crashMode{
	// mix is a map under a mix of writes: new and replaced keys of one to
	// a few thousand bytes, deletes, reads and now and then a compaction,
	// with a small first table so that the table and the arenas grow.
	"mix": {
		name:     "mix",
		kills:    26,
		opts:     diskmap.Options{Capacity: 16, KeyBytes: 1024, ValueBytes: 1024},
		growStep: 3,
		next: func(r *rand.Rand, round, i int, _ crashOp) crashOp {
			switch p := r.IntN(100); {
			case p < 42:
				return mixWrite(r, round, i, 'P')
			case p < 50:
				return mixWrite(r, round, i, 'T')
			case p < 68:
				return mixWrite(r, round, i, 'D')
			case p < 90:
				return crashOp{kind: 'G', key: mixKey(r)}
			case p < 96:
				op := crashOp{kind: 'B'}
				for range 1 + r.IntN(6) {
					kind := byte('P')
					switch r.IntN(8) {
					case 0, 1:
						kind = 'D'
					case 2:
						kind = 'T'
					}
					op.batch = append(op.batch, mixWrite(r, round, i, kind))
				}
				return op
			case p < 98:
				return crashOp{kind: 'C'}
			case p < 99:
				return crashOp{kind: 'S'}
			}
			return crashOp{kind: 'K'}
		},
		kill: func(r *rand.Rand) killPlan {
			if r.IntN(8) == 0 {
				return killPlan{acks: -1, delay: time.Duration(r.IntN(3000)) * time.Microsecond}
			}
			return killPlan{acks: r.IntN(400), delay: time.Duration(r.IntN(3000)) * time.Microsecond}
		},
	},
	// compact is a child compacting a map of a few thousand keys in a
	// loop, with a few writes between compactions so that each has dead
	// records to drop.
	"compact": {
		name:  "compact",
		kills: 8,
		setup: compactSetup,
		next: func(r *rand.Rand, round, i int, _ crashOp) crashOp {
			switch p := r.IntN(100); {
			case p < 30:
				return crashOp{kind: 'C'}
			case p < 75:
				return crashOp{kind: 'P', key: compactKey(r.IntN(2000)), val: crashValue(round, i, 50+r.IntN(450))}
			case p < 85:
				return crashOp{kind: 'T', key: compactKey(r.IntN(2000)), val: crashValue(round, i, 50+r.IntN(450)), ttl: crashTTL(r)}
			}
			return crashOp{kind: 'D', key: compactKey(r.IntN(2000))}
		},
		kill: func(r *rand.Rand) killPlan {
			return killPlan{acks: 1 + r.IntN(6), delay: time.Duration(r.IntN(25000)) * time.Microsecond}
		},
	},
	// autocompact is compact with no Compact of its own: the writes compact
	// the map by themselves, every few dozen.
	"autocompact": {
		name:  "autocompact",
		kills: 8,
		opts:  diskmap.Options{CompactAt: 0.02, CompactMinBytes: 4 << 10},
		setup: compactSetup,
		next: func(r *rand.Rand, round, i int, _ crashOp) crashOp {
			if r.IntN(100) < 85 {
				return crashOp{kind: 'P', key: compactKey(r.IntN(2000)), val: crashValue(round, i, 50+r.IntN(450))}
			}
			return crashOp{kind: 'D', key: compactKey(r.IntN(2000))}
		},
		kill: func(r *rand.Rand) killPlan {
			return killPlan{acks: 1 + r.IntN(200), delay: time.Duration(r.IntN(5000)) * time.Microsecond}
		},
	},
	// grow is a child inserting new keys, and deleting some of them, into
	// a map made with the smallest table: the table is rebuilt every few
	// operations, larger or, for the tombstones, as large.
	"grow": {
		name:  "grow",
		kills: 10,
		fresh: 8,
		opts:  diskmap.Options{Capacity: 1},
		next: func(r *rand.Rand, round, i int, prev crashOp) crashOp {
			switch p := r.IntN(100); {
			case p < 55:
				return crashOp{kind: 'P', key: fmt.Sprintf("g%d.%d", round, i), val: crashValue(round, i, r.IntN(40))}
			case p < 95 && prev.kind == 'P':
				return crashOp{kind: 'D', key: prev.key}
			}
			return crashOp{kind: 'G', key: fmt.Sprintf("g%d.%d", round, r.IntN(i+1))}
		},
		kill: func(r *rand.Rand) killPlan {
			return killPlan{grows: 1 + r.IntN(2), acks: 2000, delay: time.Duration(r.IntN(600)) * time.Microsecond}
		},
		hintGrows: true,
		growStep:  1,
	},
}

func compactKey(i int) string { return fmt.Sprintf("c%d", i) }

// compactSetup makes the map of the compact modes: 2000 keys of 100 to 400
// bytes.
func compactSetup(t *testing.T, dir string, opts *diskmap.Options) *crashModel {
	m, err := diskmap.Open[string, string](dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	model := newCrashModel()
	for i := range 2000 {
		op := crashOp{kind: 'P', key: compactKey(i), val: crashValue(-1, i, 100+i%300)}
		if err := m.Put(op.key, op.val); err != nil {
			t.Fatal(err)
		}
		model.apply(op)
	}
	maptest.CloseChecked(t, m)
	return model
}

func init() {
	// hot is a map of a few keys updated again and again between Syncs,
	// each with values of one length, so that most updates are written in
	// place, over the key's previous record; now and then a key gets a
	// value of another length or is deleted, or the map is compacted.
	// Half the children kill themselves halfway through an update in
	// place, the others are killed at a random moment.
	crashModes["hot"] = &crashMode{
		name:    "hot",
		kills:   20,
		inPlace: true,
		opts:    diskmap.Options{Capacity: 64, KeyBytes: 1024, ValueBytes: 1024},
		next: func(r *rand.Rand, round, i int, _ crashOp) crashOp {
			k := r.IntN(12)
			key := fmt.Sprintf("hot%d", k)
			switch p := r.IntN(100); {
			case p < 78:
				return crashOp{kind: 'P', key: key, val: crashValue(round, i, hotLength(k))}
			case p < 82:
				return crashOp{kind: 'P', key: key, val: crashValue(round, i, r.IntN(200))}
			case p < 84:
				return crashOp{kind: 'D', key: key}
			case p < 92:
				return crashOp{kind: 'G', key: key}
			case p < 98:
				return crashOp{kind: 'S'}
			case p < 99:
				return crashOp{kind: 'K'}
			}
			return crashOp{kind: 'C'}
		},
		kill: func(r *rand.Rand) killPlan {
			if r.IntN(2) == 0 {
				return killPlan{acks: 5000, rewrite: 1 + r.IntN(400)} // acks: if it never gets there
			}
			return killPlan{acks: r.IntN(800), delay: time.Duration(r.IntN(2000)) * time.Microsecond}
		},
	}
}

// hotLength is the length of the values of hot key k: 16 bytes to 8 KiB,
// so that some records straddle pages and take a while to write.
func hotLength(k int) int { return 16 << (k % 10) }

func init() {
	// points runs pointsScript on a map made by pointsSetup; the parent
	// kills it at each file operation in turn (see TestCrashPoints).
	crashModes["points"] = &crashMode{
		name:     "points",
		opts:     diskmap.Options{Capacity: 16, KeyBytes: 1024, ValueBytes: 1024},
		walBytes: 4 << 10,
		script:   func(int) []crashOp { return pointsScript() },
		growStep: 1,
	}
	// autopoints replaces the keys of pointsSetup's map until its writes
	// compact it by themselves (see TestCrashPointsAutoCompact).
	crashModes["autopoints"] = &crashMode{
		name:     "autopoints",
		opts:     diskmap.Options{Capacity: 16, KeyBytes: 1024, ValueBytes: 1024, CompactAt: 0.5, CompactMinBytes: 1},
		walBytes: 4 << 10,
		script:   func(int) []crashOp { return autoPointsScript() },
	}
	// open opens the map, recovering it, and kills itself.
	crashModes["open"] = &crashMode{name: "open", script: func(int) []crashOp { return nil }, endKill: true}
	// session writes keys of its own and replaces some of the sessions
	// before, then kills itself (see TestCrashAfterDurabilityChange).
	crashModes["session"] = &crashMode{name: "session", script: sessionScript, endKill: true}
}

func pointsKey(i int) string { return fmt.Sprintf("base%d", i) }

// pointsSetup makes, in dir, the map that the points and session children
// start from, and closes it cleanly.
func pointsSetup(t *testing.T, dir string) *crashModel {
	t.Helper()
	m, err := diskmap.Open[string, string](dir, crashOptions(crashModes["points"], diskmap.DurabilityOS))
	if err != nil {
		t.Fatal(err)
	}
	model := newCrashModel()
	for i := range 20 {
		op := crashOp{kind: 'P', key: pointsKey(i), val: crashValue(-1, i, 10+i*30)}
		if _, err := doCrashOp(m, op); err != nil {
			t.Fatal(err)
		}
		model.apply(op)
	}
	maptest.CloseChecked(t, m)
	return model
}

// pointsScript is every kind of write, in an order that makes the table
// grow, the arenas grow, and the log pass its checkpoint size, with keys
// that expire, are swept and are put again after they expired, ending with
// a compaction and Close.
func pointsScript() []crashOp {
	var ops []crashOp
	put := func(k string, n int) { ops = append(ops, crashOp{kind: 'P', key: k, val: crashValue(0, len(ops), n)}) }
	putTTL := func(k string, n int, ttl time.Duration) {
		ops = append(ops, crashOp{kind: 'T', key: k, val: crashValue(0, len(ops), n), ttl: ttl})
	}
	del := func(k string) { ops = append(ops, crashOp{kind: 'D', key: k}) }
	for i := range 6 { // operations are 1 ms apart: these expire 2 and 40 operations on
		putTTL(fmt.Sprintf("ttl%d", i), 10+i*50, time.Duration(2+38*(i%2))*time.Millisecond)
	}
	for i := range 24 {
		put(fmt.Sprintf("new%d", i), i*397%3000)
	}
	put("ttl0", 20) // expired: new again
	putTTL("ttl1", 30, time.Hour)
	for i := 0; i < 20; i += 3 {
		put(pointsKey(i), 100+i)
	}
	for i := 1; i < 20; i += 5 {
		del(pointsKey(i))
	}
	ops = append(ops, crashOp{kind: 'B', batch: []crashOp{
		{kind: 'P', key: "batch0", val: "b0"}, {kind: 'D', key: pointsKey(2)},
		{kind: 'P', key: pointsKey(4), val: "b4"}, {kind: 'D', key: "new3"},
		{kind: 'T', key: "ttl2", val: "b-ttl2", ttl: time.Minute}, {kind: 'T', key: "batch1", val: "b1", ttl: 3 * time.Millisecond}}})
	ops = append(ops, crashOp{kind: 'K'})
	for i := 24; i < 30; i++ {
		put(fmt.Sprintf("new%d", i), i*10)
	}
	ops = append(ops, crashOp{kind: 'C'})
	put("after compaction", 10)
	del("new5")
	ops = append(ops, crashOp{kind: 'S'})
	put(pointsKey(0), 7)
	ops = append(ops, crashOp{kind: 'X'})
	return ops
}

// autoPointsScript replaces the keys of pointsSetup's map, first with
// smaller values, three times, then deletes one, puts a new one and closes
// the map: with autopoints' options, some of the writes compact it first.
func autoPointsScript() []crashOp {
	var ops []crashOp
	for r := range 3 {
		for i := range 20 {
			ops = append(ops, crashOp{kind: 'P', key: pointsKey(i), val: crashValue(r, i, 40+7*r+i)})
		}
	}
	return append(ops, crashOp{kind: 'D', key: pointsKey(3)}, crashOp{kind: 'P', key: "new", val: "v"}, crashOp{kind: 'X'})
}

// sessionScript writes ten keys of session round, replaces a key of the
// sessions before and of the first map, deletes one, and writes a batch.
func sessionScript(round int) []crashOp {
	var ops []crashOp
	for i := range 10 {
		ops = append(ops, crashOp{kind: 'P', key: fmt.Sprintf("s%d.%d", round, i), val: crashValue(round, i, 20+i*100)})
	}
	ops = append(ops,
		crashOp{kind: 'P', key: pointsKey(round), val: crashValue(round, 10, 50)},
		crashOp{kind: 'P', key: fmt.Sprintf("s%d.1", round-1), val: crashValue(round, 11, 5)},
		crashOp{kind: 'D', key: fmt.Sprintf("s%d.2", round-1)},
		crashOp{kind: 'B', batch: []crashOp{
			{kind: 'P', key: fmt.Sprintf("s%d.batch", round), val: "b"},
			{kind: 'D', key: fmt.Sprintf("s%d.3", round)}}})
	return ops
}

// mixKey returns one of the 1500 keys of the mix mode, of varied lengths.
func mixKey(r *rand.Rand) string {
	id := r.IntN(1500)
	return fmt.Sprintf("m%d%s", id, strings.Repeat("-", id%23))
}

// mixWrite returns a Put (kind 'P') or a PutTTL ('T') of a value of up to
// 25 KiB, mostly small, or a Delete ('D'), of a key of the mix mode.
func mixWrite(r *rand.Rand, round, i int, kind byte) crashOp {
	key := mixKey(r)
	if kind == 'D' {
		return crashOp{kind: 'D', key: key}
	}
	n := r.IntN(64)
	switch q := r.IntN(100); {
	case q < 4:
		n = 1024 + r.IntN(24<<10)
	case q < 30:
		n = 64 + r.IntN(1024)
	}
	op := crashOp{kind: 'P', key: key, val: crashValue(round, i, n)}
	if kind == 'T' {
		op.kind, op.ttl = 'T', crashTTL(r)
	}
	return op
}

// crashModel is what a map should hold: values, expiries, and the
// insertion order, at time now. A key whose expiry now has reached is
// absent, though the model keeps it until a write of it.
type crashModel struct {
	vals map[string]string
	seq  map[string]int   // when each key was inserted
	exp  map[string]int64 // the expiry of each key put with a time to live
	next int
	now  int64 // crashTime of the operation being applied
}

func newCrashModel() *crashModel {
	return &crashModel{vals: map[string]string{}, seq: map[string]int{}, exp: map[string]int64{}}
}

func (m *crashModel) clone() *crashModel {
	c := newCrashModel()
	c.next, c.now = m.next, m.now
	for k, v := range m.vals {
		c.vals[k] = v
		c.seq[k] = m.seq[k]
	}
	for k, e := range m.exp {
		c.exp[k] = e
	}
	return c
}

// live returns the value of k, if k is there at now.
func (m *crashModel) live(k string) (string, bool) {
	v, ok := m.vals[k]
	if e, expires := m.exp[k]; ok && expires && m.now >= e {
		return "", false
	}
	return v, ok
}

// expired counts the keys that have expired by now: the map may still hold
// them.
func (m *crashModel) expired() int {
	n := 0
	for k := range m.vals {
		if _, ok := m.live(k); !ok {
			n++
		}
	}
	return n
}

func (m *crashModel) apply(op crashOp) {
	switch op.kind {
	case 'P', 'T':
		if _, ok := m.live(op.key); !ok {
			m.seq[op.key] = m.next
			m.next++
		}
		m.vals[op.key] = op.val
		delete(m.exp, op.key)
		if op.kind == 'T' {
			m.exp[op.key] = m.now + int64(op.ttl)
		}
	case 'D':
		delete(m.vals, op.key)
		delete(m.seq, op.key)
		delete(m.exp, op.key)
	case 'B':
		for _, b := range op.batch {
			m.apply(b)
		}
	case 'Z':
		clear(m.vals)
		clear(m.seq)
	case 'F':
		for k := range m.vals {
			if strings.HasPrefix(k, op.key) {
				delete(m.vals, k)
				delete(m.seq, k)
			}
		}
	}
}

// result returns what a child reports for op, done on a map holding m.
func (m *crashModel) result(op crashOp) string {
	switch op.kind {
	case 'D':
		_, ok := m.live(op.key)
		return strconv.FormatBool(ok)
	case 'G':
		v, ok := m.live(op.key)
		if !ok {
			return "-"
		}
		return fmt.Sprintf("%x", valueHash(v))
	case 'F':
		n := 0
		for k := range m.vals {
			if strings.HasPrefix(k, op.key) {
				n++
			}
		}
		return strconv.Itoa(n)
	}
	return "ok"
}

// ordered returns the keys there at now in insertion order.
func (m *crashModel) ordered() []string {
	keys := make([]string, 0, len(m.vals))
	for k := range m.vals {
		if _, ok := m.live(k); ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return m.seq[a] - m.seq[b] })
	return keys
}

// doCrashOp runs op on m and returns the result the child reports.
func doCrashOp(m *diskmap.Map[string, string], op crashOp) (string, error) {
	switch op.kind {
	case 'P':
		return "ok", m.Put(op.key, op.val)
	case 'T':
		return "ok", m.PutTTL(op.key, op.val, op.ttl)
	case 'D':
		found, err := m.Delete(op.key)
		return strconv.FormatBool(found), err
	case 'G':
		v, found, err := m.Get(op.key)
		if !found {
			return "-", err
		}
		return fmt.Sprintf("%x", valueHash(v)), err
	case 'B':
		return "ok", m.Batch(func(b *diskmap.Batch[string, string]) error {
			for _, op := range op.batch {
				var err error
				switch op.kind {
				case 'P':
					err = b.Put(op.key, op.val)
				case 'T':
					err = b.PutTTL(op.key, op.val, op.ttl)
				default:
					_, err = b.Delete(op.key)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	case 'C':
		return "ok", m.Compact()
	case 'Z':
		return "ok", m.Clear()
	case 'F':
		n, err := m.DeleteFunc(func(k, _ string) bool { return strings.HasPrefix(k, op.key) })
		return strconv.Itoa(n), err
	case 'S':
		return "ok", m.Sync()
	case 'X':
		return "ok", m.Close()
	}
	return "ok", m.Checkpoint()
}

// killFS passes every file operation of the map to the operating system,
// and notes each in kinds, one letter each: o open, w write (h: to the
// header page of buckets), r rename, x exchange, d remove, t truncate,
// a allocate, s sync, y sync of the directory. Just before operation number at (from
// 1), if at is set, the process kills itself with SIGKILL. Operations added
// to mmap.FS later go through unnoted.
type killFS struct {
	mmap.FS
	mu    sync.Mutex // the install of a grown table calls from a goroutine of its own
	n, at int
	kinds []byte
}

func (f *killFS) step(kind byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kinds = append(f.kinds, kind)
	if f.n++; f.n == f.at {
		f.kill()
	}
}

// seen returns the operations noted so far.
func (f *killFS) seen() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.kinds)
}

func (f *killFS) kill() {
	if err := syscall.Kill(os.Getpid(), syscall.SIGKILL); err != nil {
		fmt.Printf("error SIGKILL: %v\n", err)
		os.Exit(3)
	}
	for {
		time.Sleep(time.Hour)
	}
}

func (f *killFS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	f.step('o')
	return f.FS.OpenFile(name, flag, perm)
}
func (f *killFS) Rename(oldpath, newpath string) error {
	f.step('r')
	return f.FS.Rename(oldpath, newpath)
}
func (f *killFS) Exchange(a, b string) error            { f.step('x'); return f.FS.Exchange(a, b) }
func (f *killFS) Remove(name string) error              { f.step('d'); return f.FS.Remove(name) }
func (f *killFS) Truncate(x *os.File, size int64) error { f.step('t'); return f.FS.Truncate(x, size) }
func (f *killFS) Allocate(x *os.File, size int64) error { f.step('a'); return f.FS.Allocate(x, size) }
func (f *killFS) Extend(x *os.File, size int64) error   { f.step('a'); return f.FS.Extend(x, size) }
func (f *killFS) Sync(x *os.File) error                 { f.step('s'); return f.FS.Sync(x) }
func (f *killFS) SyncDir(dir string) error              { f.step('y'); return f.FS.SyncDir(dir) }
func (f *killFS) WriteAt(x *os.File, b []byte, off int64) (int, error) {
	if filepath.Base(x.Name()) == "buckets" && off < layout.MetaSize {
		f.step('h')
	} else {
		f.step('w')
	}
	return f.FS.WriteAt(x, b, off)
}

// TestCrashChild is the writer that TestCrash kills: it opens the map and
// runs the operations of its mode, printing "opening" and "open" around
// Open and then one line per operation done: its number, the operation and
// its result. It stops by itself, with an error line, only on an error or
// after 30 s.
func TestCrashChild(t *testing.T) {
	t.Parallel()
	mode, ok := crashModes[os.Getenv(childEnv)]
	if !ok {
		t.Skip("runs only as the child process of TestCrash")
	}
	dir := os.Getenv(childDirEnv)
	seed, err1 := strconv.ParseUint(os.Getenv(childSeedEnv), 10, 64)
	round, err2 := strconv.Atoi(os.Getenv(childRoundEnv))
	d, err3 := strconv.Atoi(os.Getenv(childDurEnv))
	var err4, err5 error
	fs := &killFS{FS: mmap.OS{}}
	if s := os.Getenv(childKillEnv); s != "" {
		fs.at, err4 = strconv.Atoi(s)
	}
	rewriteAt := 0
	if s := os.Getenv(childRewriteEnv); s != "" {
		rewriteAt, err5 = strconv.Atoi(s)
	}
	out := os.Stdout // unbuffered: each line is one write
	in := bufio.NewReader(os.Stdin)
	// say prints one line for the parent; with no parent left to read it
	// there is nothing more to do.
	say := func(format string, args ...any) {
		if _, err := fmt.Fprintf(out, format+"\n", args...); err != nil {
			os.Exit(4)
		}
	}
	fail := func(format string, args ...any) {
		say("error "+format, args...)
		os.Exit(3)
	}
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		fail("bad environment: %v", err)
	}
	say("opening")
	m, err := openCrashMap(mode, dir, diskmap.WithFiles(crashOptions(mode, diskmap.Durability(d)), fs))
	if err != nil {
		fail("Open: %v", err)
	}
	if mode.growStep > 0 {
		diskmap.SetGrowStep(m, mode.growStep, false)
	}
	say("open")
	if rewriteAt > 0 {
		rewrites := 0
		diskmap.SetFailpoint(m, func(name string) error {
			if name == "value-rewrite" {
				if rewrites++; rewrites == rewriteAt {
					fs.kill()
				}
			}
			return nil
		})
	}
	if mode.script != nil {
		for i, op := range mode.script(round) {
			crashClock.Set(time.Unix(0, crashTime(round, i)))
			res, err := doCrashOp(m, op)
			if err != nil {
				fail("%d %s: %v", i, op, err)
			}
			say("%d %s %s", i, op, res)
		}
		say("done %s", fs.seen())
		if mode.endKill {
			fs.kill()
		}
		os.Exit(0)
	}
	r := rand.New(rand.NewPCG(seed, uint64(round)))
	var prev crashOp
	for i, deadline := 0, time.Now().Add(30*time.Second); time.Now().Before(deadline); i++ {
		op := mode.next(r, round, i, prev)
		if mode.hintGrows && op.kind == 'P' && willGrow(m, op.key, mode.opts.MaxLoad) {
			say("grow")
			if _, err := in.ReadString('\n'); err != nil {
				fail("reading the answer to grow: %v", err)
			}
		}
		crashClock.Set(time.Unix(0, crashTime(round, i)))
		res, err := doCrashOp(m, op)
		if err != nil {
			fail("%d %s: %v", i, op, err)
		}
		say("%d %s %s", i, op, res)
		prev = op
	}
	fail("not killed after 30 s")
}

// willGrow reports whether putting key into m would grow its table: key is
// new and one more used slot would pass the maximum load.
func willGrow(m *diskmap.Map[string, string], key string, maxLoad float64) bool {
	if maxLoad == 0 {
		maxLoad = 0.75
	}
	if ok, _ := m.Contains(key); ok {
		return false
	}
	s := m.Stats()
	return float64(s.Len+s.Tombstones+1) > maxLoad*float64(s.Capacity)
}

// crashStats counts where the kills of a test landed.
type crashStats struct {
	kills, duringOpen, atGrow, atRewrite, acks, inFlightApplied int
	leftGrow, leftNext, leftCompact                             int // kills that left buckets.grow, buckets.next, *.compact
}

// TestCrash kills a writer of the map 26 times in DurabilityOS, 13 times in
// each WAL mode, and 13 times more changing the mode at random from one
// Open to the next; each time at a random point, each time in the same
// directory, so that most kills hit a map that was itself recovered by the
// child. After each kill the map must open, pass Check and hold exactly
// what the acknowledged operations wrote, with or without the one
// operation that was running (a batch: all of it or none).
func TestCrash(t *testing.T) { runCrashModes(t, crashModes["mix"], true) }

// TestCrashDuringCompact kills a child that compacts in a loop.
func TestCrashDuringCompact(t *testing.T) { runCrashModes(t, crashModes["compact"], false) }

// TestCrashDuringAutoCompact kills a child whose writes compact the map by
// themselves every few dozen.
func TestCrashDuringAutoCompact(t *testing.T) {
	runCrashModes(t, crashModes["autocompact"], false)
}

// TestCrashDuringGrow kills a child whose table grows every few writes.
func TestCrashDuringGrow(t *testing.T) { runCrashModes(t, crashModes["grow"], false) }

// TestCrashHotKeys kills a child that updates a few keys again and again,
// most updates written in place, half the time halfway through one.
func TestCrashHotKeys(t *testing.T) { runCrashModes(t, crashModes["hot"], true) }

// runCrashModes runs mode in each durability and, if changing is set, with
// a durability drawn for each Open.
func runCrashModes(t *testing.T, mode *crashMode, changing bool) {
	for _, d := range crashDurabilities {
		kills := mode.kills // at least 20 per mode in TestCrash
		t.Run(d.String(), func(t *testing.T) {
			runCrashMode(t, mode, kills, func(*rand.Rand) diskmap.Durability { return d })
		})
	}
	if changing {
		t.Run("changing", func(t *testing.T) {
			runCrashMode(t, mode, mode.kills/2, func(r *rand.Rand) diskmap.Durability {
				return crashDurabilities[r.IntN(len(crashDurabilities))]
			})
		})
	}
}

// runCrashMode kills children in mode, each of which opens the map in the
// durability that pick returns.
func runCrashMode(t *testing.T, mode *crashMode, kills int, pick func(*rand.Rand) diskmap.Durability) {
	seed := maptest.Seed(t)
	if maptest.Long() {
		kills *= 8
	}
	var dir string
	var model *crashModel
	r := rand.New(rand.NewPCG(seed, 0))
	var st crashStats
	start := time.Now()
	for round := 1; round <= kills; round++ {
		if round == 1 || mode.fresh > 0 && round%mode.fresh == 1 {
			dir = filepath.Join(memDir(t), "map")
			model = newCrashModel()
			if mode.setup != nil {
				model = mode.setup(t, dir, crashOptions(mode, pick(r)))
			}
		}
		inFlight := killChild(t, mode, pick(r), dir, seed, round, model, r, &st)
		if t.Failed() {
			t.Fatalf("round %d of seed %d failed", round, seed)
		}
		// Most rounds check a copy, leaving the map as the kill left it for
		// the next child to recover; some check the map itself, leaving it
		// closed cleanly.
		if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) && len(model.vals) == 0 {
			continue // killed before its first Open made the directory: no map yet
		}
		checkDir := dir
		if r.IntN(4) != 0 {
			checkDir = filepath.Join(memDir(t), "copy")
			maptest.CloneDir(t, dir, checkDir)
		}
		before := model
		model = checkRecovered(t, mode, checkDir, crashOptions(mode, pick(r)), model, inFlight)
		if model != before {
			st.inFlightApplied++
		}
		if t.Failed() {
			t.Fatalf("round %d of seed %d failed", round, seed)
		}
	}
	if mode.inPlace && st.atRewrite == 0 {
		t.Errorf("none of %d kills landed halfway through an update in place", st.kills)
	}
	t.Logf("%d kills in %v: %d while opening, %d just after a \"grow\" line, %d halfway through an update in place, "+
		"%d acknowledged operations, in-flight operation applied %d times, kills leaving buckets.grow %d, buckets.next %d, *.compact %d; %d keys at the end",
		st.kills, time.Since(start).Round(time.Millisecond), st.duringOpen, st.atGrow, st.atRewrite, st.acks, st.inFlightApplied,
		st.leftGrow, st.leftNext, st.leftCompact, len(model.vals))
}

// killChild runs a child for round, checks each line it prints against
// model, which it updates, kills it when mode.kill says, and returns the
// operation that was running when it died, or nil if none had started.
// It leaves model at the time of that operation.
func killChild(t *testing.T, mode *crashMode, d diskmap.Durability, dir string, seed uint64, round int, model *crashModel, r *rand.Rand, st *crashStats) *crashOp {
	t.Helper()
	plan := mode.kill(r)
	cmd := childCommand(context.Background(), "TestCrashChild", mode.name, dir, seed, round)
	cmd.Env = append(cmd.Env, childDurEnv+"="+strconv.Itoa(int(d)))
	if plan.rewrite > 0 {
		cmd.Env = append(cmd.Env, childRewriteEnv+"="+strconv.Itoa(plan.rewrite))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	killed := false
	kill := func(delay time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if !killed {
			time.Sleep(delay)
			_ = cmd.Process.Signal(syscall.SIGKILL) // fails only if it has ended already
			killed = true
		}
	}
	watchdog := time.AfterFunc(30*time.Second, func() { kill(0) })
	defer watchdog.Stop()

	grows := 0
	gen := rand.New(rand.NewPCG(seed, uint64(round)))
	var prev crashOp
	next := mode.next(gen, round, 0, prev)
	opened, n := false, 0
	lines := bufio.NewReader(pipe)
	var bad string
	for {
		line, err := lines.ReadString('\n')
		if err != nil {
			break
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case bad != "":
			// Read on to the end so that the child can be waited for.
		case line == "opening":
			if plan.acks < 0 {
				kill(plan.delay / 3)
			}
		case line == "open":
			opened = true
			if plan.acks == 0 && plan.grows == 0 {
				kill(plan.delay)
			}
		case line == "grow":
			_, _ = io.WriteString(stdin, "go\n") // a child that is gone ends its output too
			if grows++; grows == plan.grows {
				kill(plan.delay)
				st.atGrow++
			}
		default:
			model.now = crashTime(round, n)
			want := fmt.Sprintf("%d %s %s", n, next, model.result(next))
			if line != want {
				bad = fmt.Sprintf("child printed %.200q\nwant %.200q", line, want)
				kill(0)
				continue
			}
			model.apply(next)
			n++
			prev = next
			next = mode.next(gen, round, n, prev)
			if n >= plan.acks && plan.acks >= 0 {
				kill(plan.delay)
			}
		}
	}
	_ = cmd.Wait() // killed: the checks below say whether that was the plan
	model.now = crashTime(round, n)
	mu.Lock()
	defer mu.Unlock()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && !killed && plan.rewrite > 0 &&
		ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		killed = true // by itself, halfway through an update in place
		st.atRewrite++
	}
	switch {
	case bad != "":
		t.Fatalf("round %d: %s\nstderr:\n%s", round, bad, stderr.Bytes())
	case !killed:
		t.Fatalf("round %d: the child ended by itself\nstderr:\n%s", round, stderr.Bytes())
	case bytes.Contains(stderr.Bytes(), []byte("DATA RACE")):
		t.Fatalf("round %d: the child met a data race:\n%s", round, stderr.Bytes())
	}
	st.kills++
	st.acks += n
	if !opened {
		st.duringOpen++
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets.grow")); err == nil {
		st.leftGrow++
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets.next")); err == nil {
		st.leftNext++
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.compact")); len(m) > 0 {
		st.leftCompact++
	}
	if !opened {
		return nil
	}
	return &next
}

// checkRecovered opens the map of mode in dir, checks it, and compares it
// with model, then with model plus the operation in flight: it must equal
// one of them, which it returns. Every value is read, and so decoded by
// mode's codec.
//
// The map is opened at the model's time, when the operation in flight ran.
func checkRecovered(t *testing.T, mode *crashMode, dir string, opts *diskmap.Options, model *crashModel, inFlight *crashOp) *crashModel {
	t.Helper()
	o, at := *opts, time.Unix(0, model.now)
	o.Clock = func() time.Time { return at }
	m, err := openCrashMap(mode, dir, &o)
	if err != nil {
		t.Fatalf("Open after the kill: %v", err)
	}
	defer maptest.CheckClose(t, m)
	if err := m.Check(); err != nil {
		t.Fatalf("Check after the kill: %v", err)
	}
	for _, pattern := range []string{"*.grow", "*.next", "*.compact"} {
		if left, _ := filepath.Glob(filepath.Join(dir, pattern)); len(left) > 0 {
			t.Errorf("Open left %v", left)
		}
	}
	diff := diffMap(m, model)
	if diff == "" {
		return model
	}
	if inFlight != nil {
		after := model.clone()
		after.apply(*inFlight)
		if diffMap(m, after) == "" {
			return after
		}
	}
	t.Fatalf("after the kill the map is not what was acknowledged (in flight: %.200v): %s", inFlight, diff)
	return nil
}

// diffMap returns "" if m holds exactly what model says, in its order, and
// else what differs.
func diffMap(m *diskmap.Map[string, string], model *crashModel) string {
	want := model.ordered()
	var got []string
	vals := map[string]string{}
	for k, v := range m.All() {
		got = append(got, k)
		vals[k] = v
	}
	if err := m.Err(); err != nil {
		return fmt.Sprintf("All: %v", err)
	}
	var diffs []string
	for _, k := range want {
		if v, ok := vals[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%q missing", k))
		} else if v != model.vals[k] {
			diffs = append(diffs, fmt.Sprintf("%q is %.40q (%d bytes), want %.40q (%d bytes)", k, v, len(v), model.vals[k], len(model.vals[k])))
		} else if d := diffTTL(m, model, k); d != "" {
			diffs = append(diffs, d)
		}
	}
	for _, k := range got {
		if _, ok := model.live(k); !ok {
			diffs = append(diffs, fmt.Sprintf("%q is there, and should not be", k))
		}
	}
	if len(diffs) == 0 && !slices.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				diffs = append(diffs, fmt.Sprintf("insertion order: key %d is %q, want %q", i, got[i], want[i]))
				break
			}
		}
	}
	if n := m.Len(); len(diffs) == 0 && (n < len(want) || n > len(want)+model.expired()) {
		diffs = append(diffs, fmt.Sprintf("Len = %d, want %d and up to %d expired", n, len(want), model.expired()))
	}
	if len(diffs) == 0 {
		for _, k := range want {
			v, ok, err := m.Get(k)
			if err != nil || !ok || v != model.vals[k] {
				diffs = append(diffs, fmt.Sprintf("Get(%q) = %.40q, %v, %v", k, v, ok, err))
				break
			}
		}
	}
	if len(diffs) > 5 {
		diffs = append(diffs[:5], fmt.Sprintf("and %d more", len(diffs)-5))
	}
	return strings.Join(diffs, "; ")
}

// TestCrashDuringCreate opens directories in each state that a process
// killed while Open was creating the map leaves behind: the arenas are
// made first, each created empty and then given its header and its
// space, then the table aside in buckets.grow, renamed to buckets last.
// Without buckets there is no map yet, so Open must create one.
func TestCrashDuringCreate(t *testing.T) {
	t.Parallel()
	header := func(magic [8]byte, size int) []byte {
		b := make([]byte, size)
		layout.ArenaHeader{Magic: magic, Generation: 42}.Encode(b)
		return b
	}
	const allocated = 64 << 10
	for _, c := range []struct {
		name  string
		files map[string][]byte
	}{
		{"keys created", map[string][]byte{"keys": nil}},
		{"keys header written", map[string][]byte{"keys": header(layout.KeysMagic, layout.ArenaHeaderSize)}},
		{"keys allocated", map[string][]byte{"keys": header(layout.KeysMagic, allocated)}},
		{"values created", map[string][]byte{"keys": header(layout.KeysMagic, allocated), "values": nil}},
		{"values allocated", map[string][]byte{
			"keys": header(layout.KeysMagic, allocated), "values": header(layout.ValuesMagic, allocated)}},
		{"table created", map[string][]byte{
			"keys": header(layout.KeysMagic, allocated), "values": header(layout.ValuesMagic, allocated),
			"buckets.grow": nil}},
		{"table allocated", map[string][]byte{
			"keys": header(layout.KeysMagic, allocated), "values": header(layout.ValuesMagic, allocated),
			"buckets.grow": make([]byte, layout.MetaSize+1024*layout.SlotSize)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := memDir(t)
			for name, b := range c.files {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "lock"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := diskmap.Open[string, string](dir, nil)
			if err != nil {
				t.Fatalf("Open after a creation cut short: %v", err)
			}
			if n := m.Len(); n != 0 {
				t.Errorf("Len = %d, want 0", n)
			}
			if err := m.Put("k", "v"); err != nil {
				t.Fatal(err)
			}
			maptest.CloseChecked(t, m)
			m = maptest.Open[string, string](t, dir, nil)
			if v, ok, err := m.Get("k"); err != nil || !ok || v != "v" {
				t.Fatalf(`Get("k") after reopening = %q, %v, %v`, v, ok, err)
			}
		})
	}
}

// TestCrashUndoingCompaction opens a map beside the files of a compaction
// that was cut short, in each state that a process killed during Compact,
// and then killed again while the next Open cleaned up after it, can leave.
// Before the commit (keys.compact renamed to keys) the map is the old one;
// after it, the new one; either way it holds the same keys, and Open must
// neither lose them nor put a table that was never committed in place. A
// read-only Open first reads the old map before the commit and refuses
// the directory with ErrReadOnly after it.
func TestCrashUndoingCompaction(t *testing.T) {
	t.Parallel()
	base := memDir(t)
	old := filepath.Join(base, "old")
	want := maptest.WriteSample(t, old, 11)
	compacted := filepath.Join(base, "compacted")
	maptest.CloneDir(t, old, compacted)
	m := maptest.Open[string, string](t, compacted, nil)
	if err := m.Compact(); err != nil {
		t.Fatal(err)
	}
	maptest.CloseChecked(t, m)
	read := func(dir, name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	newKeys, newValues, newBuckets := read(compacted, "keys"), read(compacted, "values"), read(compacted, "buckets")
	unwritten := make([]byte, len(newBuckets)) // created, header not yet written

	for _, c := range []struct {
		name      string
		files     map[string][]byte // written over the old map's files
		committed bool
	}{
		{"killed while building the table", map[string][]byte{
			"keys.compact": newKeys, "values.compact": newValues, "buckets.compact": unwritten}, false},
		{"killed before the commit", map[string][]byte{
			"keys.compact": newKeys, "values.compact": newValues, "buckets.compact": newBuckets}, false},
		// An undo removes buckets.compact first: while it stands beside no
		// keys.compact, the compaction counts as committed.
		{"undo killed after removing buckets.compact", map[string][]byte{
			"keys.compact": newKeys, "values.compact": newValues}, false},
		{"undo killed after removing buckets.compact and keys.compact", map[string][]byte{
			"values.compact": newValues}, false},
		{"killed after the commit", map[string][]byte{
			"keys": newKeys, "values.compact": newValues, "buckets.compact": newBuckets}, true},
		{"killed after renaming values", map[string][]byte{
			"keys": newKeys, "values": newValues, "buckets.compact": newBuckets}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(memDir(t), "map")
			maptest.CloneDir(t, old, dir)
			for name, b := range c.files {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r, err := diskmap.Open[string, string](dir, &diskmap.Options{ReadOnly: true})
			switch {
			case c.committed && !errors.Is(err, diskmap.ErrReadOnly):
				t.Fatalf("read-only Open after the commit: %v, want ErrReadOnly", err)
			case !c.committed && err != nil:
				t.Fatalf("read-only Open before the commit: %v", err)
			case !c.committed:
				maptest.RequireContents(t, r, want)
				maptest.CloseChecked(t, r)
			}
			m, err := diskmap.Open[string, string](dir, nil)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { maptest.CloseChecked(t, m) })
			if err := m.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			maptest.RequireContents(t, m, want)
			if left, _ := filepath.Glob(filepath.Join(dir, "*.compact")); len(left) > 0 {
				t.Errorf("Open left %v", left)
			}
		})
	}
}

// TestCrashReadOnlyAfterCompactionCommit copies the directory of a map
// whose Compact stopped after its commit (keys.compact renamed over keys)
// and before values.compact or buckets.compact was renamed: what a writer
// killed there leaves. A read-only Open, which renames nothing, must
// refuse it with ErrReadOnly, as it refuses a map not closed cleanly; a
// writable Open then finishes the compaction, with every key right.
func TestCrashReadOnlyAfterCompactionCommit(t *testing.T) {
	t.Parallel()
	for _, d := range maptest.Modes {
		for _, stuck := range []string{"values.compact", "buckets.compact"} {
			t.Run(fmt.Sprintf("%v/%s not renamed", d, stuck), func(t *testing.T) {
				live := t.TempDir()
				opts := *maptest.SampleOptions
				opts.Durability = d
				fs := &maptest.RenameFails{FS: mmap.OS{}, From: stuck}
				m := maptest.Open[string, string](t, live, diskmap.WithFiles(&opts, fs))
				want := maptest.FillSample(t, m, 13)
				err := m.Compact()
				if err == nil {
					t.Fatal("Compact succeeded with a rename refused")
				}
				dir := filepath.Join(t.TempDir(), "map")
				maptest.CloneDir(t, live, dir)
				if cerr := m.Close(); !errors.Is(cerr, err) {
					t.Fatalf("Close after the failed Compact: %v, want %v", cerr, err)
				}
				for name, want := range map[string]bool{"keys.compact": false, "buckets.compact": true} {
					if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != want {
						t.Fatalf("after the commit, %s is there: %v, want %v", name, err == nil, want)
					}
				}

				ro := opts
				ro.ReadOnly = true
				r, err := diskmap.Open[string, string](dir, &ro)
				if err == nil {
					_ = r.Close() // the test fails either way
				}
				if !errors.Is(err, diskmap.ErrReadOnly) || !strings.Contains(err.Error(), dir) {
					t.Fatalf("read-only Open: %v\nwant ErrReadOnly naming %s", err, dir)
				}
				w := maptest.Open[string, string](t, dir, &opts)
				if err := w.Check(); err != nil {
					t.Fatalf("Check: %v", err)
				}
				maptest.RequireContents(t, w, want)
				if left, _ := filepath.Glob(filepath.Join(dir, "*.compact")); len(left) > 0 {
					t.Errorf("Open left %v", left)
				}
				maptest.CloseChecked(t, w)
				r = maptest.Open[string, string](t, dir, &ro)
				maptest.RequireContents(t, r, want)
			})
		}
	}
}

// scriptRun is what a script child did before it died.
type scriptRun struct {
	opened, done bool
	acks         int
	fileOps      string   // the kinds of file operation it made, once done
	inFlight     *crashOp // the operation running when it died, if any
}

// runScript runs a child of a script mode in durability d on dir, killing
// itself before its file operation at (0: never), checks each line it
// prints against model, which it updates, and returns what it did.
func runScript(t *testing.T, mode *crashMode, d diskmap.Durability, dir string, round, at int, model *crashModel) scriptRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := childCommand(ctx, "TestCrashChild", mode.name, dir, 0, round)
	cmd.Env = append(cmd.Env, childDurEnv+"="+strconv.Itoa(int(d)), childKillEnv+"="+strconv.Itoa(at))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s child in %v, killed at file operation %d: %s (exit: %v)\nstdout:\n%s\nstderr:\n%s",
			mode.name, d, at, fmt.Sprintf(format, args...), err, stdout.Bytes(), stderr.Bytes())
	}
	if ctx.Err() != nil {
		fail("did not end in 30 s")
	}
	var run scriptRun
	script := mode.script(round)
	for _, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		switch {
		case line == "" || line == "opening":
		case line == "open":
			run.opened = true
		case line == "done" || strings.HasPrefix(line, "done "):
			run.done = true
			run.fileOps = strings.TrimPrefix(line, "done ")
		case strings.HasPrefix(line, "error"):
			fail("the child failed")
		case run.acks >= len(script):
			fail("line %q after the script", line)
		default:
			op := script[run.acks]
			model.now = crashTime(round, run.acks)
			if want := fmt.Sprintf("%d %s %s", run.acks, op, model.result(op)); line != want {
				fail("printed %.200q, want %.200q", line, want)
			}
			model.apply(op)
			run.acks++
		}
	}
	if bytes.Contains(stderr.Bytes(), []byte("DATA RACE")) {
		fail("data race")
	}
	model.now = crashTime(round, run.acks) // the time of the operation in flight
	if run.opened && run.acks < len(script) {
		run.inFlight = &script[run.acks]
	}
	return run
}

// TestCrashPoints runs a script of every kind of write in a child that
// kills itself just before its n-th file operation (open, write, sync,
// rename, remove, truncate, allocate), in each durability mode: before
// every write to the header, rename, remove and truncate, and before some
// of the others. After each kill the map must open, pass Check and hold
// what the acknowledged writes wrote, with or without the one in flight.
// After every fourth kill a second child opens the map and kills itself
// during its recovery, and the map must still come back the same.
// DISKMAP_LONG=1 tries every n.
func TestCrashPoints(t *testing.T) {
	t.Parallel()
	runCrashPoints(t, crashModes["points"], 20, nil)
}

// TestCrashPointsAutoCompact is TestCrashPoints with a script whose
// writes compact the map by themselves, killed before every one of its
// file operations.
func TestCrashPointsAutoCompact(t *testing.T) {
	t.Parallel()
	runCrashPoints(t, crashModes["autopoints"], 1<<20, func(t *testing.T, dir string) {
		m := maptest.Open[string, string](t, dir, &diskmap.Options{ReadOnly: true})
		if s := m.Stats(); s.Compacted < 2 {
			t.Fatalf("the script compacted the map %d times: too few to test", s.Compacted)
		}
	})
}

// runCrashPoints runs the script of mode, killed before up to limit of its
// file operations (all with DISKMAP_LONG=1), as TestCrashPoints says.
// done, if set, checks the map in dir after a run that was not killed.
func runCrashPoints(t *testing.T, mode *crashMode, limit int, done func(t *testing.T, dir string)) {
	seed := maptest.Seed(t)
	opener := crashModes["open"]
	for _, d := range crashDurabilities {
		t.Run(d.String(), func(t *testing.T) {
			base := filepath.Join(memDir(t), "base")
			model0 := pointsSetup(t, base)
			dir := filepath.Join(memDir(t), "count")
			maptest.CloneDir(t, base, dir)
			run := runScript(t, mode, d, dir, 0, 0, model0.clone())
			if !run.done {
				t.Fatalf("the script did not finish without a kill: %+v", run)
			}
			if done != nil {
				done(t, dir)
			}
			limit := min(limit, len(run.fileOps))
			if maptest.Long() {
				limit = len(run.fileOps)
			}
			points := crashPoints(run.fileOps, limit, seed)
			t.Logf("%d file operations, killed before %d of them", len(run.fileOps), len(points))
			r := rand.New(rand.NewPCG(seed, uint64(d)))
			for i, at := range points {
				dir := filepath.Join(memDir(t), fmt.Sprint("at", at))
				maptest.CloneDir(t, base, dir)
				model := model0.clone()
				run := runScript(t, mode, d, dir, 0, at, model)
				copyDir := filepath.Join(memDir(t), fmt.Sprint("copy", at))
				maptest.CloneDir(t, dir, copyDir)
				model = checkRecovered(t, mode, copyDir, crashOptions(mode, d), model, run.inFlight)
				if i%4 == 0 {
					runScript(t, opener, d, dir, 0, 1+r.IntN(12), newCrashModel())
					checkRecovered(t, mode, dir, crashOptions(mode, d), model, nil)
				}
			}
		})
	}
}

// crashPoints returns up to limit file operations, numbered from 1, to
// kill a child before, given their kinds: first those that change the
// files most (writes to the header, renames, exchanges, removes,
// truncates), then other writes, then the rest, each class spread evenly
// from an offset drawn from seed, so that runs with other seeds try others.
func crashPoints(kinds string, limit int, seed uint64) []int {
	var points []int
	for _, class := range []string{"hrxdt", "w", "oasy"} {
		var these []int
		for i := range len(kinds) {
			if strings.IndexByte(class, kinds[i]) >= 0 {
				these = append(these, i+1)
			}
		}
		room := limit - len(points)
		if room <= 0 || len(these) == 0 {
			continue
		}
		step := max(1, (len(these)+room-1)/room)
		for j := int(seed % uint64(step)); j < len(these); j += step {
			points = append(points, these[j])
		}
	}
	slices.Sort(points)
	return points
}

// TestCrashAfterDurabilityChange kills a writer at the end of each session
// of a sequence, each session opening the map, and recovering it, in
// another durability mode. The map must keep what every session wrote.
func TestCrashAfterDurabilityChange(t *testing.T) {
	t.Parallel()
	dOS, dWAL, dSync := diskmap.DurabilityOS, diskmap.DurabilityWAL, diskmap.DurabilityWALSync
	mode := crashModes["session"]
	for _, seq := range [][]diskmap.Durability{
		{dWAL, dOS}, {dSync, dOS}, {dOS, dWAL}, {dOS, dSync}, {dWAL, dSync}, {dSync, dWAL},
		{dWAL, dOS, dWAL}, {dOS, dWAL, dOS},
	} {
		name := fmt.Sprint(seq)
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(memDir(t), "map")
			model := pointsSetup(t, dir)
			for i, d := range seq {
				if run := runScript(t, mode, d, dir, i+1, 0, model); !run.done {
					t.Fatalf("session %d in %v did not finish: %+v", i+1, d, run)
				}
			}
			for _, d := range crashDurabilities {
				check := filepath.Join(memDir(t), "check")
				maptest.CloneDir(t, dir, check)
				checkRecovered(t, mode, check, crashOptions(mode, d), model, nil)
			}
		})
	}
}

// diffTTL returns "" if the time k has left in m is what model says, at
// model.now, and else what differs.
func diffTTL(m *diskmap.Map[string, string], model *crashModel, k string) string {
	var want time.Duration
	if e, ok := model.exp[k]; ok {
		want = time.Duration(e - model.now)
	}
	if d, ok, err := m.TTL(k); d != want || !ok || err != nil {
		return fmt.Sprintf("TTL(%q) = %v, %v, %v; want %v", k, d, ok, err, want)
	}
	return ""
}
