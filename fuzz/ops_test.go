package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/wal"
)

// Bounds on one FuzzOps input.
const (
	maxOps     = 64               // operations decoded from one input
	maxReopens = 4                // reopens and crashes, together
	opsLimit   = 10 * time.Second // a run longer than this is a hang
)

var (
	maxLoads    = []float64{0.75, 0.5, 0.95, 0.3}
	checkpoints = []int64{0, 256, 4096, 64 << 10} // 0: the default
	arenaSizes  = []int64{0, 40, 256, 4096}       // 0: the default
)

// FuzzOps applies the operations decoded from the input to a map and to a
// Go map, and fails at the first answer on which they disagree. The map
// reads a fake clock that the input moves on; the model knows the expiry of
// each key put with a time to live, and drops the key when the clock
// reaches it. A key dropped so may still be stored in the map, and counted
// by Len, until a write removes it: the model keeps those aside (expired).
//
// The input is three bytes of options, then operations:
//
//	byte 0: durability (b%3) and the number of keys (1 + b/3%32)
//	byte 1: capacity (b&15, 0 for the default), MaxLoad (b>>4&3),
//	        WALCheckpointBytes (b>>6)
//	byte 2: KeyBytes and ValueBytes (b&3); bit 2: writes compact the map
//	        by themselves often (CompactAt 0.05, CompactMinBytes 4 KiB)
//	then:   an opcode byte, and the operands that opcode reads (opsRun.op)
func FuzzOps(f *testing.F) {
	for _, seed := range opsSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		base := t.TempDir()
		r := newOpsRun(base, &input{data})
		guard(t, opsLimit, r.run)
	})
}

// Opcodes of FuzzOps: the opcode byte modulo 20 picks the operation, the
// byte divided by 20 a variant. Puts take 0 to 5, deletes 6 to 8 and gets
// 9 and 10, so that they are drawn more often.
const (
	opPut         = 0  // key, value length; +200: key, victim, a value of log frames (framesValue)
	opPutTTL      = 5  // key, value length, time to live in ms less 1; +20: through an Entry
	opDelete      = 6  // key
	opGet         = 9  // key
	opEntryModify = 11 // key, value length: AndModify then OrInsert
	opEntryDelete = 12 // key
	opEntryInsert = 13 // key, value length; +20: then Set, with a length
	opBatch       = 14 // +20*(n-1): n puts, puts with a time to live or deletes; +80: abandoned
	opCompact     = 15 // +20: RemoveExpired instead; +20*3 to +20*11: the calls of calls_test.go
	opSync        = 16 // +20: Checkpoint instead; +80: move the clock on by a byte of ms instead
	opReopen      = 17 // +20*i: as maptest.Modes[i%3]; +80: read-only first
	opCrash       = 18 // +20*i: recover as maptest.Modes[i%3]
	opIterate     = 19 // 4 bytes: what to do at each key (iterate)
	opStaleEntry  = 39 // two keys, value length
)

// opsSeeds are hand-written inputs that reach every operation.
var opsSeeds = [][]byte{
	{},
	// DurabilityOS, 8 keys, a 16-slot table at load 0.5 and 40-byte
	// arenas: the puts grow both.
	{0 + 3*7, 0x11, 1,
		opPut, 1, 10, opPut, 2, 20, opPut, 3, 30, opPut, 4, 40, opPut, 5, 200, opPut, 6, 0, opPut, 7, 255,
		opDelete, 3, opGet, 3, opGet, 4, opCompact, opGet, 7},
	// DurabilityWAL, 5 keys, a checkpoint every 256 bytes of log; entries.
	{1 + 3*4, 0x41, 2,
		opPut, 0, 50, opPut, 1, 60, opEntryModify, 0, 7, opEntryModify, 2, 8,
		opEntryInsert, 3, 9, opEntryInsert + 20, 1, 10, 11, opEntryDelete, 0, opGet, 0,
		opBatch + 20, 1, 3, 30, 0, 1, opSync + 20, opGet, 1},
	// DurabilityWALSync: batches, an abandoned one, a compaction, a reopen
	// that looks read-only first.
	{2 + 3*6, 0x02, 3,
		opBatch + 40, 1, 0, 10, 1, 1, 20, 0, 0, opPut, 2, 20, opBatch + 80, 1, 2, 5,
		opEntryDelete, 1, opCompact, opReopen + 80 + 20, opGet, 2, opDelete, 0},
	// Crashes that change the durability, with iteration and a stale entry.
	{0 + 3*10, 0x23, 1,
		opPut, 1, 100, opPut, 2, 100, opPut, 3, 100, opCrash + 20, opPut, 9, 1,
		opEntryModify, 2, 5, opCrash + 40, opIterate, 0x1b, 0x5e, 0xa5, 0x05, opGet, 2, opCrash,
		opStaleEntry, 5, 1, 8, opPut, 4, 230, opCrash + 20,
		opIterate, 0x00, 0x00, 0x00, 0x07, opIterate, 0x12, 0x34, 0x56, 0x78},
	// Values made of log frames, put before and after checkpoints (a
	// checkpoint every 256 bytes of log), then crashes in each WAL mode.
	{1 + 3*4, 0x41, 2,
		opPut, 0, 10, opPut + 200, 1, 0, opSync + 20, opPut, 2, 5, opPut + 200, 3, 2, opPut, 4, 5, opCrash,
		opPut + 200, 0, 4, opSync + 20, opPut, 1, 1, opCrash + 40, opPut + 200, 2, 3, opCrash + 20, opGet, 3},
	// Keys that expire, in DurabilityWAL: put again after they expired, in
	// a batch, swept, removed, compacted, through a crash.
	{1 + 3*8, 0x11, 1,
		opPutTTL, 1, 10, 9, opPutTTL, 2, 20, 49, opPut, 3, 5, opPutTTL + 20, 4, 6, 99, opSync + 80, 10,
		opGet, 1, opPutTTL, 1, 7, 200, opBatch + 20, 5, 2, 8, 0, 3, opSync + 80, 40, opPut, 5, 1, opCompact + 20,
		opPutTTL, 6, 3, 30, opSync + 80, 31, opPutTTL, 7, 3, 250, opCrash, opSync + 80, 255, opPut, 0, 1, opCompact},
	// Keys that expire, in DurabilityWAL, with values of 1 to 3 KiB and
	// writes that compact the map by themselves: the clock moves on, and
	// the compactions drop the keys expired by then.
	{1 + 3*8, 0x11, 2 | 4,
		opPutTTL, 1, 225, 9, opPutTTL, 2, 226, 49, opPut, 3, 224, opPutTTL, 4, 225, 99, opSync + 80, 10,
		opPut, 3, 225, opPutTTL, 5, 226, 200, opSync + 80, 60, opPut, 3, 224, opPut, 6, 226, opPut, 3, 225,
		opPutTTL, 1, 225, 5, opSync + 80, 120, opPut, 3, 226, opPut, 6, 225, opPut, 3, 224, opGet, 1, opGet, 5},
	// Many keys in a tiny table with default arenas: growth after deletes,
	// a sync, a reopen in each mode.
	{1 + 3*31, 0xd4, 0,
		opPut, 0, 1, opPut, 1, 2, opPut, 2, 3, opPut, 3, 4, opPut, 4, 5, opPut, 5, 6, opDelete, 1, opDelete, 2,
		opPut, 6, 7, opPut, 7, 8, opPut, 8, 9, opPut, 9, 10, opPut, 10, 11, opPut, 11, 12, opSync,
		opReopen, opPut, 12, 13, opReopen + 20, opPut, 13, 14, opReopen + 40, opDelete, 0},
}

// opsRun is one FuzzOps input being applied to a map and to its model.
type opsRun struct {
	in      *input
	base    string // directory holding the map directories
	dirs    int    // map directories made so far
	dir     string // the map's directory
	opts    diskmap.Options
	m       *diskmap.Map[string, []byte]
	keys    int               // size of the key space
	model   map[string][]byte // what the map must hold
	order   []string          // the model's keys in insertion order
	clock   *maptest.Clock
	expiry  map[string]time.Time // of the keys of the model put with a time to live
	expired map[string]bool      // keys that expired, that no write met since
	step    int                  // operations so far; values depend on it
	reopens int                  // reopens and crashes so far
	trace   []string             // what was done, for the failure message

	keySet   *diskmap.Set[string] // a set beside the map, opened by its first call
	setModel []string             // what keySet must hold, in insertion order
}

func newOpsRun(base string, in *input) *opsRun {
	b0, b1, b2 := in.byte(), in.byte(), in.byte()
	r := &opsRun{in: in, base: base, model: map[string][]byte{}, clock: maptest.NewClock(),
		expiry: map[string]time.Time{}, expired: map[string]bool{}}
	r.keys = 1 + int(b0/3%32)
	r.opts = diskmap.Options{
		Durability:         maptest.Modes[b0%3],
		Capacity:           int(b1 & 15),
		MaxLoad:            maxLoads[b1>>4&3],
		WALCheckpointBytes: checkpoints[b1>>6],
		KeyBytes:           arenaSizes[b2&3],
		ValueBytes:         arenaSizes[b2&3],
		Clock:              r.clock.Now,
	}
	if b2&4 != 0 {
		r.opts.CompactAt, r.opts.CompactMinBytes = 0.05, 4<<10
	}
	r.logf("options %+v, %d keys", r.opts, r.keys)
	return r
}

func (r *opsRun) logf(format string, args ...any) {
	r.trace = append(r.trace, fmt.Sprintf(format, args...))
}

// failf fails the input with the operations applied so far.
func (r *opsRun) failf(format string, args ...any) {
	failf("%s\noperations:\n\t%s", fmt.Sprintf(format, args...), strings.Join(r.trace, "\n\t"))
}

func (r *opsRun) noErr(what string, err error) {
	if err != nil {
		r.failf("%s: %v", what, err)
	}
}

// newDir returns the path of a map directory not used yet.
func (r *opsRun) newDir() string {
	r.dirs++
	return filepath.Join(r.base, fmt.Sprintf("map%d", r.dirs))
}

func (r *opsRun) run() {
	r.dir = r.newDir()
	r.open()
	for n := 0; n < maxOps && !r.in.empty(); n++ {
		r.step++
		m, auto := r.m, r.m.Stats().AutoCompactions
		r.op(r.in.byte())
		if r.m == m && r.m.Stats().AutoCompactions > auto {
			r.noneExpired("a write that compacted the map") // as Compact, it dropped them
		} else {
			r.checkLen("Len()", r.m.Len())
		}
	}
	r.verifyAll()
	r.noErr("Close", r.m.Close())
	r.logf("reopen at the end")
	r.open()
	r.verifyAll()
	r.noErr("Close", r.m.Close())
	r.verifySet()
}

// op applies the operation with opcode c: c%20 picks the operation, c/20
// a variant of it.
func (r *opsRun) op(c byte) {
	variant := c / 20
	switch c % 20 {
	case opPutTTL:
		r.putTTL(r.key(), r.value(), time.Duration(1+int(r.in.byte()))*time.Millisecond, variant%2 == 1)
	case opPut, opPut + 1, opPut + 2, opPut + 3, opPut + 4:
		if variant >= 10 {
			k := r.key()
			r.put(k, r.framesValue(r.key()))
		} else {
			r.put(r.key(), r.value())
		}
	case opDelete, opDelete + 1, opDelete + 2:
		r.delete(r.key())
	case opGet, opGet + 1:
		k := r.key()
		r.logf("get %s", k)
		r.checkKey(k)
	case opEntryModify:
		r.entryModify(r.key(), r.value())
	case opEntryDelete:
		r.entryDelete(r.key())
	case opEntryInsert:
		r.entryInsert(r.key(), variant%2 == 1)
	case opBatch:
		r.batch(1+int(variant%4), variant/4%2 == 1)
	case opCompact:
		if variant == 1 {
			r.removeExpired()
		} else {
			r.call(variant)
		}
	case opSync:
		if variant >= 4 {
			r.tick(time.Duration(r.in.byte()) * time.Millisecond)
		} else {
			r.sync(variant%2 == 1)
		}
	case opReopen:
		r.reopen(variant)
	case opCrash:
		r.crash(variant)
	case opIterate:
		if variant%2 == 0 {
			r.iterate()
		} else {
			r.staleEntry(r.key(), r.key())
		}
	}
}

// key reads a key of the key space from the input.
func (r *opsRun) key() string { return keyName(int(r.in.byte()) % r.keys) }

// keyName returns key i of the key space. Keys differ in length.
func keyName(i int) string { return fmt.Sprintf("k%d%s", i, strings.Repeat("+", i%6)) }

// value reads a length from the input and returns a value of that length
// whose bytes depend on the step: 0 to 223 bytes, or 1 to 32 KiB.
func (r *opsRun) value() []byte {
	n := int(r.in.byte())
	if n >= 224 {
		n = (n - 223) << 10
	}
	v := make([]byte, n)
	for i := range v {
		v[i] = byte(r.step*13 + i)
	}
	return v
}

// framesValue returns a value made of well-formed log frames, such as a
// writer of values could build without the log's salt: unsalted, as
// format version 1 wrote them, and with the log's encoder and a guessed
// salt; numbered to come next or soon after; at each offset modulo 8.
// Each deletes victim and puts a key outside the key space. Wherever
// replay reads the log, none of them may be applied: the model would
// catch the victim gone or the foreign key there.
func (r *opsRun) framesValue(victim string) []byte {
	r.logf("a value of frames deleting %s", victim)
	ops := wal.AppendPut(wal.AppendDelete(nil, []byte(victim)), []byte("foreign"), []byte("x"))
	var v []byte
	for i := range uint64(8) {
		seq := r.m.LastSeq() + 1 + i%4
		f := maptest.FrameV1(seq, ops)
		if i < 4 {
			f = make([]byte, wal.FrameSize(len(ops)))
			wal.PutFrame(f, 0, seq, ops)
		}
		for len(v)%8 != int(i) {
			v = append(v, 'z')
		}
		v = append(v, f...)
	}
	return v
}

func (r *opsRun) has(k string) bool {
	_, ok := r.model[k]
	return ok
}

// set, setTTL and remove change the model: set stores a key that never
// expires, setTTL one that expires ttl from now. Each is a write that
// removes k if it expired.
func (r *opsRun) set(k string, v []byte) {
	if !r.has(k) {
		r.order = append(r.order, k)
	}
	r.model[k] = v
	delete(r.expiry, k)
	delete(r.expired, k)
}

func (r *opsRun) setTTL(k string, v []byte, ttl time.Duration) {
	r.set(k, v)
	r.expiry[k] = r.clock.Now().Add(ttl)
}

func (r *opsRun) remove(k string) {
	delete(r.expired, k)
	if r.has(k) {
		delete(r.model, k)
		delete(r.expiry, k)
		r.order = slices.DeleteFunc(r.order, func(o string) bool { return o == k })
	}
}

// tick moves the clock on by d: the keys it reaches the expiry of leave the
// model.
func (r *opsRun) tick(d time.Duration) {
	r.logf("clock +%v", d)
	r.clock.Advance(d)
	now := r.clock.Now()
	for k, at := range r.expiry {
		if !now.Before(at) {
			r.remove(k)
			r.expired[k] = true
		}
	}
	for i := range r.keys {
		r.checkKey(keyName(i))
	}
}

// checkLen checks a count of keys stored, Len or Stats().Len: the keys of
// the model, and perhaps some that expired and were not removed yet.
func (r *opsRun) checkLen(what string, n int) {
	if n < len(r.model) || n > len(r.model)+len(r.expired) {
		r.failf("%s = %d, want %d and up to %d expired", what, n, len(r.model), len(r.expired))
	}
}

// noneExpired records that the map holds no expired key, as after
// RemoveExpired or Compact: Len is exact.
func (r *opsRun) noneExpired(what string) {
	clear(r.expired)
	if got := r.m.Len(); got != len(r.model) {
		r.failf("Len() after %s = %d, want %d", what, got, len(r.model))
	}
}

func (r *opsRun) open() {
	m, err := diskmap.Open[string, []byte](r.dir, &r.opts)
	r.noErr("Open "+r.opts.Durability.String(), err)
	r.m = m
}

func (r *opsRun) put(k string, v []byte) {
	r.logf("put %s (%d bytes)", k, len(v))
	r.noErr("Put", r.m.Put(k, v))
	r.set(k, v)
	r.checkKey(k)
}

// putTTL puts k with a time to live, through Map.PutTTL or, with entry,
// Entry.SetTTL.
func (r *opsRun) putTTL(k string, v []byte, ttl time.Duration, entry bool) {
	r.logf("put %s (%d bytes) to live %v, through an entry %v", k, len(v), ttl, entry)
	if entry {
		e := r.m.Entry(k)
		if e.Found() != r.has(k) {
			r.failf("Entry(%s).Found() = %v, want %v", k, e.Found(), r.has(k))
		}
		r.noErr("Entry.SetTTL", e.SetTTL(v, ttl))
	} else {
		r.noErr("PutTTL", r.m.PutTTL(k, v, ttl))
	}
	r.setTTL(k, v, ttl)
	r.checkKey(k)
}

func (r *opsRun) removeExpired() {
	r.logf("remove expired")
	n, err := r.m.RemoveExpired()
	r.noErr("RemoveExpired", err)
	if n > len(r.expired) {
		r.failf("RemoveExpired() = %d, but %d keys expired", n, len(r.expired))
	}
	r.noneExpired("RemoveExpired")
	r.checkStats()
}

func (r *opsRun) delete(k string) {
	r.logf("delete %s", k)
	was, err := r.m.Delete(k)
	r.noErr("Delete", err)
	if _, ok := r.model[k]; was != ok {
		r.failf("Delete(%s) = %v, want %v", k, was, ok)
	}
	r.remove(k)
	r.checkKey(k)
}

// checkKey checks Get, View and Contains of k against the model.
func (r *opsRun) checkKey(k string) {
	want, ok := r.model[k]
	got, found, err := r.m.Get(k)
	if err != nil || found != ok || !bytes.Equal(got, want) {
		r.failf("Get(%s) = %d bytes, %v, %v; want %d bytes, %v", k, len(got), found, err, len(want), ok)
	}
	view, found, err := r.m.View(k)
	if err != nil || found != ok || !bytes.Equal(view, want) {
		r.failf("View(%s) = %d bytes, %v, %v; want %d bytes, %v", k, len(view), found, err, len(want), ok)
	}
	if found, err := r.m.Contains(k); err != nil || found != ok {
		r.failf("Contains(%s) = %v, %v; want %v", k, found, err, ok)
	}
	var ttl time.Duration
	if at, expires := r.expiry[k]; expires {
		ttl = at.Sub(r.clock.Now())
	}
	if d, found, err := r.m.TTL(k); err != nil || found != ok || d != ttl {
		r.failf("TTL(%s) = %v, %v, %v; want %v, %v", k, d, found, err, ttl, ok)
	}
}

// entryModify is an upsert: AndModify appends a byte to the value of a key
// that is there, OrInsert stores v under one that is not.
func (r *opsRun) entryModify(k string, v []byte) {
	r.logf("entry %s: AndModify, OrInsert (%d bytes)", k, len(v))
	suffix := byte(r.step)
	got, err := r.m.Entry(k).AndModify(func(p *[]byte) { *p = append(*p, suffix) }).OrInsert(v)
	r.noErr("Entry.AndModify.OrInsert", err)
	if old, ok := r.model[k]; ok {
		r.set(k, append(slices.Clip(old), suffix))
	} else {
		r.set(k, v)
	}
	if !bytes.Equal(got, r.model[k]) {
		r.failf("Entry(%s).AndModify.OrInsert = %d bytes, want %d", k, len(got), len(r.model[k]))
	}
	r.checkKey(k)
}

func (r *opsRun) entryDelete(k string) {
	r.logf("entry %s: Delete", k)
	e := r.m.Entry(k)
	if _, ok := r.model[k]; e.Found() != ok {
		r.failf("Entry(%s).Found() = %v, want %v", k, e.Found(), ok)
	}
	r.noErr("Entry.Delete", e.Delete())
	r.remove(k)
	if v, err := e.Value(); e.Found() || err != nil || len(v) != 0 {
		r.failf("after Entry(%s).Delete: Found %v, Value %d bytes, %v", k, e.Found(), len(v), err)
	}
	r.checkKey(k)
}

// entryInsert calls OrInsertWith, then with set also Set and Value: an
// entry stays usable after its own writes, even one that grew the table.
func (r *opsRun) entryInsert(k string, set bool) {
	v := r.value()
	r.logf("entry %s: OrInsertWith (%d bytes), Set %v", k, len(v), set)
	e := r.m.Entry(k)
	_, present := r.model[k]
	if e.Found() != present {
		r.failf("Entry(%s).Found() = %v, want %v", k, e.Found(), present)
	}
	called := false
	got, err := e.OrInsertWith(func() []byte { called = true; return v })
	r.noErr("Entry.OrInsertWith", err)
	if called == present {
		r.failf("Entry(%s).OrInsertWith called f: %v, key present: %v", k, called, present)
	}
	if !present {
		r.set(k, v)
	}
	if !bytes.Equal(got, r.model[k]) {
		r.failf("Entry(%s).OrInsertWith = %d bytes, want %d", k, len(got), len(r.model[k]))
	}
	if set {
		r.step++
		v2 := r.value()
		r.noErr("Entry.Set", e.Set(v2))
		r.set(k, v2)
		if got, err := e.Value(); err != nil || !bytes.Equal(got, v2) {
			r.failf("Entry(%s).Value after Set = %d bytes, %v; want %d bytes", k, len(got), err, len(v2))
		}
	}
	r.checkKey(k)
}

// staleEntry changes the map behind an entry's back: the entry must refuse
// to write.
func (r *opsRun) staleEntry(k1, k2 string) {
	v := r.value()
	r.logf("stale entry %s, put %s (%d bytes)", k1, k2, len(v))
	e := r.m.Entry(k1)
	r.noErr("Put", r.m.Put(k2, v))
	r.set(k2, v)
	if err := e.Set([]byte("stale")); !errors.Is(err, diskmap.ErrStale) {
		r.failf("Entry(%s).Set after Put(%s) = %v, want ErrStale", k1, k2, err)
	}
	r.checkKey(k1)
	r.checkKey(k2)
}

// batchOp is one put, put with a time to live, or delete of a batch.
type batchOp struct {
	put bool
	k   string
	v   []byte
	ttl time.Duration // of a put with a time to live
}

func (o batchOp) String() string {
	switch {
	case o.put && o.ttl > 0:
		return fmt.Sprintf("put %s (%d bytes) to live %v", o.k, len(o.v), o.ttl)
	case o.put:
		return fmt.Sprintf("put %s (%d bytes)", o.k, len(o.v))
	}
	return "delete " + o.k
}

// batch applies n puts and deletes as one batch, or abandons it.
func (r *opsRun) batch(n int, abandon bool) {
	ops := make([]batchOp, n)
	for i := range ops {
		b := r.in.byte()
		ops[i] = batchOp{put: b%3 != 0, k: r.key()}
		if ops[i].put {
			ops[i].v = r.value()
		}
		if b%6 == 5 {
			ops[i].ttl = time.Duration(1+b/6) * time.Millisecond
		}
	}
	r.logf("batch %v, abandoned %v", ops, abandon)
	errAbandon := errors.New("fuzz: batch abandoned")
	err := r.m.Batch(func(b *diskmap.Batch[string, []byte]) error {
		inBatch := map[string]bool{} // keys the batch touched, and whether they stay
		for _, o := range ops {
			if o.put && o.ttl > 0 {
				r.noErr("Batch.PutTTL", b.PutTTL(o.k, o.v, o.ttl))
				inBatch[o.k] = true
			} else if o.put {
				r.noErr("Batch.Put", b.Put(o.k, o.v))
				inBatch[o.k] = true
			} else {
				was, err := b.Delete(o.k)
				r.noErr("Batch.Delete", err)
				want, touched := inBatch[o.k]
				if !touched {
					_, want = r.model[o.k]
				}
				if was != want {
					r.failf("Batch.Delete(%s) = %v, want %v", o.k, was, want)
				}
				inBatch[o.k] = false
			}
			r.checkKey(o.k) // reads do not see the batch
		}
		if abandon {
			return errAbandon
		}
		return nil
	})
	if abandon {
		if !errors.Is(err, errAbandon) {
			r.failf("abandoned Batch = %v, want the function's error", err)
		}
	} else {
		r.noErr("Batch", err)
		for _, o := range ops {
			if o.put && o.ttl > 0 {
				r.setTTL(o.k, o.v, o.ttl)
			} else if o.put {
				r.set(o.k, o.v)
			} else {
				r.remove(o.k)
			}
		}
	}
	for _, o := range ops {
		r.checkKey(o.k)
	}
}

func (r *opsRun) compact() {
	r.logf("compact")
	r.noErr("Compact", r.m.Compact())
	r.noneExpired("Compact")
	st := r.m.Stats()
	if st.Tombstones != 0 || st.Keys.Dead != 0 || st.Values.Dead != 0 {
		r.failf("Stats after Compact: %+v, want no tombstones or dead bytes", st)
	}
	r.checkStats()
}

func (r *opsRun) sync(checkpoint bool) {
	if checkpoint {
		r.logf("checkpoint")
		r.noErr("Checkpoint", r.m.Checkpoint())
	} else {
		r.logf("sync")
		r.noErr("Sync", r.m.Sync())
	}
}

// reopen closes the map and opens it again, maybe with another durability,
// and with bit 2 of variant set first looks at it read-only.
func (r *opsRun) reopen(variant byte) {
	if r.reopens++; r.reopens > maxReopens {
		r.sync(false)
		return
	}
	d := maptest.Modes[variant%3]
	r.logf("reopen as %v, read-only first: %v", d, variant&4 != 0)
	r.noErr("Close", r.m.Close())
	if err := r.m.Close(); !errors.Is(err, diskmap.ErrClosed) {
		r.failf("second Close = %v, want ErrClosed", err)
	}
	if variant&4 != 0 {
		ro := r.opts
		ro.ReadOnly = true
		m, err := diskmap.Open[string, []byte](r.dir, &ro)
		r.noErr("Open read-only", err)
		r.m = m
		r.verifyAll()
		if err := m.Put("k0", nil); !errors.Is(err, diskmap.ErrReadOnly) {
			r.failf("Put on a read-only map = %v, want ErrReadOnly", err)
		}
		r.noErr("Close read-only", m.Close())
	}
	r.opts.Durability = d
	r.open()
	r.verifyAll()
}

// crash copies the files of the open map, as a crash of the process would
// leave them, and goes on with the copy, maybe in another durability. The
// original is closed.
func (r *opsRun) crash(variant byte) {
	if r.reopens++; r.reopens > maxReopens {
		r.sync(false)
		return
	}
	d := maptest.Modes[variant%3]
	r.logf("crash, recover as %v", d)
	crashed := r.newDir()
	r.noErr("copying the map", maptest.CopyMapFiles(r.dir, crashed))
	old := r.m
	r.dir, r.opts.Durability = crashed, d
	r.open()
	r.noErr("Close of the map copied", old.Close())
	r.verifyAll()
}

// Actions of iterate, three bits per key visited.
const (
	iterLeave    = iota // nothing
	iterLeave2          // nothing
	iterDelete          // delete the key visited
	iterReplace         // replace its value
	iterDeleteOn        // delete the last key not reached yet
	iterInsert          // insert a key that is not in the map
	iterReinsert        // delete the key visited and insert it again
	iterCompact         // compact the map, which ends the iteration
)

// iterate ranges over All and changes the map at each key as the input
// says (iterLeave and on). It models the keys arena: All must visit the
// live key records in arena order with their current values, each as the
// walk reaches it: not those deleted first, and new ones at the end, again
// for a key deleted and inserted again (the rules in iter.go). A Compact
// ends the iteration with ErrStale.
func (r *opsRun) iterate() {
	var actions uint32
	for range 4 {
		actions = actions<<8 | uint32(r.in.byte())
	}
	r.logf("iterate with changes %#08x", actions)
	records := slices.Clone(r.order) // the key of each record, in arena order
	live := map[string]int{}         // the record of each key in the map
	for i, k := range records {
		live[k] = i
	}
	isLive := func(i int) bool { j, ok := live[records[i]]; return ok && j == i }
	next, visits, compacted, broke := 0, 0, false, false
	for k, v := range r.m.All() {
		for next < len(records) && !isLive(next) {
			next++
		}
		switch {
		case compacted:
			r.failf("All yielded %s after Compact", k)
		case next == len(records):
			r.failf("All yielded %s after the last live key", k)
		case records[next] != k:
			r.failf("All yielded %s, want %s", k, records[next])
		case !bytes.Equal(v, r.model[k]):
			r.failf("All yielded %s with %d bytes, want %d", k, len(v), len(r.model[k]))
		}
		next++
		switch actions >> (3 * (visits % 10)) & 7 {
		case iterDelete:
			r.iterDelete(k, live)
		case iterReplace:
			nv := fmt.Appendf(nil, "replaced at step %d", r.step)
			r.noErr("Put during All", r.m.Put(k, nv))
			r.set(k, nv)
		case iterDeleteOn:
			for i := len(records) - 1; i >= next; i-- {
				if isLive(i) {
					r.iterDelete(records[i], live)
					break
				}
			}
		case iterInsert:
			for i := range r.keys {
				if nk := keyName(i); !r.has(nk) {
					records = r.iterInsert(nk, records, live)
					break
				}
			}
		case iterReinsert:
			r.iterDelete(k, live)
			records = r.iterInsert(k, records, live)
		case iterCompact:
			r.noErr("Compact during All", r.m.Compact())
			clear(r.expired)
			compacted = true
		}
		if visits++; visits > 4*r.keys+4 {
			broke = true
			break
		}
	}
	err := r.m.Err()
	switch {
	case compacted:
		if !errors.Is(err, diskmap.ErrStale) {
			r.failf("All after a Compact: Err() = %v, want ErrStale", err)
		}
	case err != nil:
		r.failf("All: %v", err)
	case broke:
	default:
		for ; next < len(records); next++ {
			if isLive(next) {
				r.failf("All ended before %s", records[next])
			}
		}
	}
}

// iterDelete deletes k during an iteration.
func (r *opsRun) iterDelete(k string, live map[string]int) {
	_, err := r.m.Delete(k)
	r.noErr("Delete during All", err)
	r.remove(k)
	delete(live, k)
}

// iterInsert inserts k during an iteration: a new record at the end.
func (r *opsRun) iterInsert(k string, records []string, live map[string]int) []string {
	v := fmt.Appendf(nil, "inserted at step %d", r.step)
	r.noErr("Put during All", r.m.Put(k, v))
	r.set(k, v)
	live[k] = len(records)
	return append(records, k)
}

// verifyAll checks the whole map against the model: Check, every key of
// the key space, All in insertion order, Len and Stats.
func (r *opsRun) verifyAll() {
	r.noErr("Check", r.m.Check())
	for i := range r.keys {
		r.checkKey(keyName(i))
	}
	var order []string
	for k, v := range r.m.All() {
		if want, ok := r.model[k]; !ok || !bytes.Equal(v, want) {
			r.failf("All yielded %s (%d bytes); model has %d bytes, %v", k, len(v), len(want), ok)
		}
		order = append(order, k)
	}
	r.noErr("All", r.m.Err())
	if !slices.Equal(order, r.order) {
		r.failf("All visited %q, want %q", order, r.order)
	}
	r.checkStats()
}

// checkStats checks the counters of Stats against the model and the
// options.
func (r *opsRun) checkStats() {
	st := r.m.Stats()
	r.checkLen("Stats().Len", st.Len)
	switch {
	case st.Keys.Live < 0 || st.Keys.Dead < 0 || st.Values.Live < 0 || st.Values.Dead < 0:
		r.failf("Stats() has negative byte counts: %+v", st)
	case st.LoadFactor > r.opts.MaxLoad:
		r.failf("Stats().LoadFactor = %v, past MaxLoad %v: %+v", st.LoadFactor, r.opts.MaxLoad, st)
	}
}
