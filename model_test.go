package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// modelSeed seeds every model run; a failure names the step it failed at,
// so a run can be replayed exactly.
const modelSeed = 20240611

// A model test runs a weighted random mix of operations on a map and on a
// builtin map with a slice of keys in insertion order, and checks that they
// agree at every step, and on Len and the iteration order at the end of
// each phase. Each phase leans towards growth or shrinkage. The mix runs
// in every durability mode, and has batches, checkpoints and reopens in it.
//
// The map reads a fake clock, which the model knows too, with the expiry
// of each key put with a time to live: a key is in the model until the
// clock reaches its expiry. Then it is gone from the model, but may still
// be stored in the map, and counted by Len, until a write removes it: the
// model keeps such keys aside (expired) so that it knows how far Len may
// be from the keys it holds, and counts the keys stored, which Len must
// equal once the keys that Stats.Expired says were removed are taken off.

// hashSetting is a pair of SetHashBits arguments; and = ^0, or = 0 is normal
// hashing.
type hashSetting struct {
	name    string
	and, or uint64
}

var modelHashes = []hashSetting{
	{"normal", ^uint64(0), 0},
	{"one hash", 0, ^uint64(0)},          // every key on the last slot: long probes, wrap-around
	{"16 hashes", 0xF000000000000000, 0}, // 16 fingerprints, 16 homes
}

// modelPhase is one stretch of operations with fixed weights.
type modelPhase struct {
	name string
	ops  int
	w    modelWeights
}

// modelWeights are the weights of the operations, in any unit.
type modelWeights struct {
	putNew, putOld, putSame, del, get, contains, view, entry, batch, sync, checkpoint, compact, reopen int
	calls, clear                                                                                       int // the calls of sync.Map and DeleteFunc (callsOp); Clear
	// putTTL puts a key, new or not, with a time to live; tick moves the
	// clock on; removeExpired calls RemoveExpired; ttl checks TTL.
	putTTL, tick, removeExpired, ttl int
}

func (w modelWeights) total() int {
	return w.putNew + w.putOld + w.putSame + w.del + w.get + w.contains + w.view + w.entry + w.batch + w.sync + w.checkpoint + w.compact + w.reopen +
		w.calls + w.clear + w.putTTL + w.tick + w.removeExpired + w.ttl
}

// modelKind says how to make and compare the keys and values of one
// instantiation of the model.
type modelKind[K comparable, V any] struct {
	newKey func(r *rand.Rand) K
	newVal func(r *rand.Rand) V
	like   func(r *rand.Rand, v V) V            // a new value encoded as long as v: an update in place
	modify func(v *V)                           // what AndModify does to a value
	eq     func(a, b V) bool                    // equality of values
	enc    func(v V) []byte                     // a value's encoding, what View returns
	opts   *diskmap.Options                     // for every open, but the durability
	phases func(n int) []modelPhase             // the phases for a run of about n keys
	end    func(t *testing.T, st diskmap.Stats) // if set, checks the Stats at the end of a run
	// growStep, if set, is how many old slots a write moves while the
	// table grows (see diskmap.SetGrowStep), and a run checks the map
	// every checkEvery steps, whether or not a growth is under way.
	growStep, checkEvery int
	// dropsAtLeast is the fewest automatic compactions that must meet
	// expired keys in a run, to drop them: so that the test of what they
	// do with them is not vacuous.
	dropsAtLeast int
}

// modelRun is the state of one run: the map under test and the model.
type modelRun[K comparable, V any] struct {
	t     *testing.T
	r     *rand.Rand
	kind  modelKind[K, V]
	hash  hashSetting
	opts  *diskmap.Options // the kind's, in the run's durability
	dir   string
	m     *diskmap.Map[K, V]
	model map[K]V
	order []K // keys in insertion order
	step  int
	what  string // the operation at this step, for failure messages
	grown int    // steps that found the table growing

	clock   *maptest.Clock
	expiry  map[K]time.Time // of the keys of the model put with a time to live
	expired map[K]bool      // keys that expired and that no write met since
	stored  int             // the keys the map stores: Len
	removed uint64          // Stats.Expired when last read
	swept   int             // expired keys removed in all, by Stats.Expired
	drops   int             // automatic compactions that met expired keys
	// hot is the key last put with a value as long as before, which the
	// next such put takes again half the time: a key updated again and
	// again, written in place. rewrites counts the updates in place.
	hot      K
	rewrites int
}

func (mr *modelRun[K, V]) fatalf(format string, args ...any) {
	mr.t.Helper()
	mr.t.Fatalf("step %d (%s): %s", mr.step, mr.what, fmt.Sprintf(format, args...))
}

func (mr *modelRun[K, V]) noErr(err error) {
	mr.t.Helper()
	if err != nil {
		mr.fatalf("%v", err)
	}
}

func (mr *modelRun[K, V]) open() {
	mr.m = maptest.Open[K, V](mr.t, mr.dir, maptest.WithClock(mr.opts, mr.clock))
	mr.removed = 0
	diskmap.SetHashBits(mr.m, mr.hash.and, mr.hash.or)
	diskmap.SetFailpoint(mr.m, func(name string) error {
		if name == "value-rewrite" {
			mr.rewrites++
		}
		return nil
	})
	if mr.kind.growStep > 0 {
		diskmap.SetGrowStep(mr.m, mr.kind.growStep, false)
	}
}

// putSame puts a value as long as the one before into a key, the hot one
// half the time, through Put or an upsert of the entry API; a key that
// expires is put with PutTTL half the time, so that it keeps expiring.
func (mr *modelRun[K, V]) putSame() {
	k, ok := mr.existing()
	if _, hot := mr.model[mr.hot]; hot && mr.r.IntN(2) == 0 {
		k, ok = mr.hot, true
	}
	if !ok {
		return
	}
	mr.hot = k
	v := mr.kind.like(mr.r, mr.model[k])
	_, expires := mr.expiry[k]
	switch {
	case expires && mr.r.IntN(2) == 0:
		ttl := time.Duration(1+mr.r.IntN(200)) * time.Millisecond
		mr.what = fmt.Sprintf("PutTTL existing %v %v, as long as before", k, ttl)
		mr.noErr(mr.m.PutTTL(k, v, ttl))
		mr.putTTL(k, v, ttl)
		return
	case mr.r.IntN(2) == 0:
		mr.what = fmt.Sprintf("Put existing %v, as long as before", k)
		mr.noErr(mr.m.Put(k, v))
	default:
		mr.what = fmt.Sprintf("Entry(%v).AndModify, as long as before", k)
		got, err := mr.m.Entry(k).AndModify(func(old *V) { *old = v }).OrInsert(v)
		mr.noErr(err)
		if !mr.kind.eq(got, v) {
			mr.fatalf("the upsert returned %v, want %v", got, v)
		}
	}
	mr.put(k, v)
}

// existing returns a key of the model at random; ok is false if it is empty.
func (mr *modelRun[K, V]) existing() (k K, ok bool) {
	if len(mr.order) == 0 {
		return k, false
	}
	return mr.order[mr.r.IntN(len(mr.order))], true
}

// fresh returns a key not in the model, often one that was there before.
func (mr *modelRun[K, V]) fresh() K {
	for range 10000 {
		k := mr.kind.newKey(mr.r)
		if _, ok := mr.model[k]; !ok {
			return k
		}
	}
	mr.fatalf("no fresh key among %d", len(mr.model))
	panic("unreachable")
}

// anyKey returns a key that is in the model half of the time.
func (mr *modelRun[K, V]) anyKey() K {
	if k, ok := mr.existing(); ok && mr.r.IntN(2) == 0 {
		return k
	}
	return mr.fresh()
}

// put records in the model that k now holds v, and never expires.
func (mr *modelRun[K, V]) put(k K, v V) {
	if _, ok := mr.model[k]; !ok {
		mr.order = append(mr.order, k)
		mr.stored++ // an expired k the map still held is counted removed
	}
	mr.model[k] = v
	delete(mr.expiry, k)
	delete(mr.expired, k) // the write met it
}

// putTTL records in the model that k now holds v, until ttl from now.
func (mr *modelRun[K, V]) putTTL(k K, v V, ttl time.Duration) {
	mr.put(k, v)
	mr.expiry[k] = mr.clock.Now().Add(ttl)
}

// remove records in the model that k is gone.
func (mr *modelRun[K, V]) remove(k K) {
	delete(mr.expired, k) // the write met it
	if _, ok := mr.model[k]; ok {
		mr.stored--
		mr.drop(k)
	}
}

// drop takes k, which is in the model, out of it.
func (mr *modelRun[K, V]) drop(k K) {
	delete(mr.model, k)
	delete(mr.expiry, k)
	i := slices.Index(mr.order, k)
	mr.order = slices.Delete(mr.order, i, i+1)
}

// tick moves the clock on by d, and the keys that expire with it out of
// the model.
func (mr *modelRun[K, V]) tick(d time.Duration) {
	mr.clock.Advance(d)
	now := mr.clock.Now()
	for k, at := range mr.expiry {
		if !now.Before(at) {
			mr.drop(k) // still stored, until a write removes it
			mr.expired[k] = true
		}
	}
}

// checkLen checks Len: the keys of the model, and perhaps some that
// expired and are not removed yet; exactly the keys stored, less those
// that Stats.Expired counts removed since the last look.
func (mr *modelRun[K, V]) checkLen(what string) {
	mr.t.Helper()
	removed := mr.m.Stats().Expired
	mr.stored -= int(removed - mr.removed)
	mr.swept += int(removed - mr.removed)
	mr.removed = removed
	got := mr.m.Len()
	if got < len(mr.model) || got > len(mr.model)+len(mr.expired) {
		mr.fatalf("%s = %d, model has %d keys and %d expired", what, got, len(mr.model), len(mr.expired))
	}
	if got != mr.stored {
		mr.fatalf("%s = %d, want %d: the keys stored, less %d expired ones that Stats.Expired says were removed", what, got, mr.stored, removed)
	}
}

// noneExpired records that the map holds no expired key: after
// RemoveExpired or a compaction, Len is exact.
func (mr *modelRun[K, V]) noneExpired() {
	mr.t.Helper()
	mr.checkLen("Len")
	clear(mr.expired)
	if got := mr.m.Len(); got != len(mr.model) {
		mr.fatalf("Len = %d, model has %d and no expired key", got, len(mr.model))
	}
}

func (mr *modelRun[K, V]) run(phases []modelPhase) {
	mr.open()
	for _, ph := range phases {
		for range ph.ops {
			mr.step++
			auto := mr.m.Stats().AutoCompactions
			mr.op(ph.w)
			if mr.m.Stats().AutoCompactions > auto {
				if len(mr.expired) > 0 {
					mr.drops++
				}
				mr.noneExpired() // the compaction dropped them, at the time of this step
			} else {
				mr.checkLen("Len")
			}
			if diskmap.Growing(mr.m) {
				mr.grown++
			}
			if mr.kind.checkEvery > 0 && mr.step%mr.kind.checkEvery == 0 {
				mr.noErr(mr.m.Check())
			}
		}
		mr.what = "end of phase " + ph.name
		mr.checkAll()
	}
	mr.what = "final reopen"
	mr.reopen()
	mr.checkAll()
	st := mr.m.Stats()
	mr.t.Logf("%d steps, %d of them with the table growing; at the end %d keys, %d slots, %d resizes, %d compactions, %d updates written in place; %d expired keys removed",
		mr.step, mr.grown, st.Len, st.Capacity, st.Resizes, st.Compacted, mr.rewrites, mr.swept)
	if mr.rewrites == 0 {
		mr.t.Errorf("no update was written in place in %d steps", mr.step)
	}
	if mr.kind.growStep > 0 && mr.grown < mr.step/50 {
		mr.t.Errorf("the table grew during %d of %d steps: too few to test", mr.grown, mr.step)
	}
	if mr.kind.end != nil {
		mr.kind.end(mr.t, st)
	}
	if mr.drops < mr.kind.dropsAtLeast {
		mr.t.Errorf("%d automatic compactions met expired keys, want at least %d", mr.drops, mr.kind.dropsAtLeast)
	}
}

// op does one operation chosen by the modelWeights.
func (mr *modelRun[K, V]) op(w modelWeights) {
	n := mr.r.IntN(w.total())
	pick := func(weight int) bool {
		if n < weight {
			return true
		}
		n -= weight
		return false
	}
	switch {
	case pick(w.putNew):
		k, v := mr.fresh(), mr.kind.newVal(mr.r)
		mr.what = fmt.Sprintf("Put new %v", k)
		mr.noErr(mr.m.Put(k, v))
		mr.put(k, v)
	case pick(w.putOld):
		k, ok := mr.existing()
		if !ok {
			return
		}
		v := mr.kind.newVal(mr.r)
		mr.what = fmt.Sprintf("Put existing %v", k)
		mr.noErr(mr.m.Put(k, v))
		mr.put(k, v)
	case pick(w.putSame):
		mr.putSame()
	case pick(w.del):
		k := mr.anyKey()
		mr.what = fmt.Sprintf("Delete %v", k)
		found, err := mr.m.Delete(k)
		mr.noErr(err)
		if _, want := mr.model[k]; found != want {
			mr.fatalf("Delete found %v, model %v", found, want)
		}
		mr.remove(k)
	case pick(w.get):
		k := mr.anyKey()
		mr.what = fmt.Sprintf("Get %v", k)
		mr.checkGet(k)
	case pick(w.contains):
		k := mr.anyKey()
		mr.what = fmt.Sprintf("Contains %v", k)
		ok, err := mr.m.Contains(k)
		mr.noErr(err)
		if _, want := mr.model[k]; ok != want {
			mr.fatalf("Contains = %v, model %v", ok, want)
		}
	case pick(w.view):
		k := mr.anyKey()
		mr.what = fmt.Sprintf("View %v", k)
		b, found, err := mr.m.View(k)
		mr.noErr(err)
		want, ok := mr.model[k]
		if found != ok || ok && !bytes.Equal(b, mr.kind.enc(want)) {
			mr.fatalf("View = %q, %v; model %q, %v", b, found, mr.kind.enc(want), ok)
		}
	case pick(w.entry):
		mr.entryOp()
	case pick(w.batch):
		mr.batchOp()
	case pick(w.sync):
		mr.what = "Sync"
		mr.noErr(mr.m.Sync())
	case pick(w.checkpoint):
		mr.what = "Checkpoint"
		mr.noErr(mr.m.Checkpoint())
	case pick(w.compact):
		mr.what = "Compact"
		mr.noErr(mr.m.Compact())
		mr.noneExpired()
	case pick(w.reopen):
		mr.what = "Close and reopen"
		mr.reopen()
	case pick(w.calls):
		mr.callsOp()
	case pick(w.clear):
		mr.clearOp()
	default:
		mr.expiryOp(w, n)
	}
}

// expiryOp does the operation of the expiry weights that n picks.
func (mr *modelRun[K, V]) expiryOp(w modelWeights, n int) {
	switch {
	case n < w.putTTL:
		k, v := mr.anyKey(), mr.kind.newVal(mr.r)
		ttl := time.Duration(1+mr.r.IntN(200)) * time.Millisecond
		mr.what = fmt.Sprintf("PutTTL %v %v", k, ttl)
		if mr.r.IntN(4) == 0 {
			mr.noErr(mr.m.Batch(func(b *diskmap.Batch[K, V]) error { return b.PutTTL(k, v, ttl) }))
		} else {
			mr.noErr(mr.m.PutTTL(k, v, ttl))
		}
		mr.putTTL(k, v, ttl)
	case n < w.putTTL+w.tick:
		d := time.Duration(mr.r.IntN(50)) * time.Millisecond
		mr.what = fmt.Sprintf("clock +%v", d)
		mr.tick(d)
	case n < w.putTTL+w.tick+w.removeExpired:
		mr.what = "RemoveExpired"
		n, err := mr.m.RemoveExpired()
		mr.noErr(err)
		if n > len(mr.expired) {
			mr.fatalf("RemoveExpired = %d, but only %d keys expired", n, len(mr.expired))
		}
		mr.noneExpired()
	default:
		k := mr.anyKey()
		mr.what = fmt.Sprintf("TTL %v", k)
		mr.checkTTL(k)
	}
}

// checkTTL compares TTL of k with the model.
func (mr *modelRun[K, V]) checkTTL(k K) {
	mr.t.Helper()
	d, found, err := mr.m.TTL(k)
	mr.noErr(err)
	_, ok := mr.model[k]
	var want time.Duration
	if at, expires := mr.expiry[k]; expires {
		want = at.Sub(mr.clock.Now())
	}
	if found != ok || d != want {
		mr.fatalf("TTL(%v) = %v, %v; model %v, %v", k, d, found, want, ok)
	}
}

func (mr *modelRun[K, V]) checkGet(k K) {
	mr.t.Helper()
	v, found, err := mr.m.Get(k)
	mr.noErr(err)
	want, ok := mr.model[k]
	if found != ok || ok && !mr.kind.eq(v, want) {
		mr.fatalf("Get(%v) = %v, %v; model %v, %v", k, v, found, want, ok)
	}
}

// entryOp does one of the Entry patterns on a key that may be present.
func (mr *modelRun[K, V]) entryOp() {
	k := mr.anyKey()
	e := mr.m.Entry(k)
	want, present := mr.model[k]
	if e.Found() != present || e.Key() != k {
		mr.fatalf("Entry(%v): Found %v Key %v; model %v", k, e.Found(), e.Key(), present)
	}
	switch mr.r.IntN(5) {
	case 0:
		mr.what = fmt.Sprintf("Entry(%v).AndModify.OrInsert", k)
		ins := mr.kind.newVal(mr.r)
		got, err := e.AndModify(mr.kind.modify).OrInsert(ins)
		mr.noErr(err)
		if present {
			mr.kind.modify(&want)
		} else {
			want = ins
		}
		if !mr.kind.eq(got, want) {
			mr.fatalf("got %v, want %v", got, want)
		}
		mr.put(k, want)
	case 1:
		mr.what = fmt.Sprintf("Entry(%v).OrInsertWith", k)
		ins, called := mr.kind.newVal(mr.r), false
		got, err := e.OrInsertWith(func() V { called = true; return ins })
		mr.noErr(err)
		if called == present {
			mr.fatalf("f called %v with the key present %v", called, present)
		}
		if !present {
			want = ins
			mr.put(k, want) // a key there is not written: it keeps its expiry
		}
		if !mr.kind.eq(got, want) {
			mr.fatalf("got %v, want %v", got, want)
		}
	case 2:
		mr.what = fmt.Sprintf("Entry(%v).Set, Value", k)
		v := mr.kind.newVal(mr.r)
		mr.noErr(e.Set(v))
		mr.put(k, v)
		got, err := e.Value()
		mr.noErr(err)
		if !e.Found() || !mr.kind.eq(got, v) {
			mr.fatalf("after Set: Found %v, Value %v; want %v", e.Found(), got, v)
		}
	case 3:
		mr.what = fmt.Sprintf("Entry(%v).Delete, Set", k)
		mr.noErr(e.Delete())
		mr.remove(k)
		if e.Found() {
			mr.fatalf("Found after Delete")
		}
		if mr.r.IntN(2) == 0 {
			v := mr.kind.newVal(mr.r)
			mr.noErr(e.Set(v))
			mr.put(k, v)
		}
	default:
		mr.what = fmt.Sprintf("Entry(%v).Value", k)
		got, err := e.Value()
		mr.noErr(err)
		var zero V
		if !present {
			want = zero
		}
		if present && !mr.kind.eq(got, want) || !present && !mr.kind.eq(got, zero) {
			mr.fatalf("Value %v, model %v, %v", got, want, present)
		}
	}
	mr.checkGet(k)
}

// A modelBatchOp is one operation of a batch: a put of v, or a delete.
type modelBatchOp[K, V any] struct {
	del bool
	k   K
	v   V
	ttl time.Duration // of a put with a time to live
}

// batchOp applies a batch of up to 8 puts and deletes, of keys present or
// not and some twice, and checks what each Delete reports against the model
// with the batch's earlier operations in it. One batch in four is given up
// by its function, and must change nothing.
func (mr *modelRun[K, V]) batchOp() {
	n, abort := 1+mr.r.IntN(8), mr.r.IntN(4) == 0
	mr.what = fmt.Sprintf("Batch of %d, given up %v", n, abort)
	var ops []modelBatchOp[K, V]
	pending := map[K]bool{} // keys the batch touched: present after it?
	errAbort := errors.New("given up")
	err := mr.m.Batch(func(b *diskmap.Batch[K, V]) error {
		for range n {
			k := mr.anyKey()
			if len(ops) > 0 && mr.r.IntN(4) == 0 {
				k = ops[mr.r.IntN(len(ops))].k
			}
			if mr.r.IntN(3) == 0 {
				was, err := b.Delete(k)
				if err != nil {
					return err
				}
				want, touched := pending[k]
				if _, inModel := mr.model[k]; !touched {
					want = inModel
				}
				if was != want {
					return fmt.Errorf("Batch.Delete(%v) = %v, want %v", k, was, want)
				}
				ops, pending[k] = append(ops, modelBatchOp[K, V]{del: true, k: k}), false
				continue
			}
			o := modelBatchOp[K, V]{k: k, v: mr.kind.newVal(mr.r)}
			var err error
			if mr.r.IntN(4) == 0 {
				o.ttl = time.Duration(1+mr.r.IntN(200)) * time.Millisecond
				err = b.PutTTL(k, o.v, o.ttl)
			} else {
				err = b.Put(k, o.v)
			}
			if err != nil {
				return err
			}
			ops, pending[k] = append(ops, o), true
		}
		if abort {
			return errAbort
		}
		return nil
	})
	if abort {
		if !errors.Is(err, errAbort) {
			mr.fatalf("Batch = %v, want %v", err, errAbort)
		}
		return
	}
	mr.noErr(err)
	for _, o := range ops {
		switch {
		case o.del:
			mr.remove(o.k)
		case o.ttl > 0:
			mr.putTTL(o.k, o.v, o.ttl)
		default:
			mr.put(o.k, o.v)
		}
	}
}

func (mr *modelRun[K, V]) reopen() {
	mr.t.Helper()
	mr.noErr(mr.m.Check())
	mr.noErr(mr.m.Close())
	mr.open()
	mr.checkLen("Len after reopen")
}

// checkAll compares everything: Len, every key, the order of All, Keys and
// Values, and Check.
func (mr *modelRun[K, V]) checkAll() {
	mr.t.Helper()
	mr.checkLen("Len")
	var keys []K
	var vals []V
	for k, v := range mr.m.All() {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	mr.noErr(mr.m.Err())
	if !slices.Equal(keys, mr.order) {
		mr.fatalf("All order:\n got %v\nwant %v", keys, mr.order)
	}
	for i, k := range keys {
		if !mr.kind.eq(vals[i], mr.model[k]) {
			mr.fatalf("All: %v = %v, model %v", k, vals[i], mr.model[k])
		}
		mr.checkTTL(k)
	}
	if got := slices.Collect(mr.m.Keys()); !slices.Equal(got, keys) {
		mr.fatalf("Keys and All disagree")
	}
	if got := slices.Collect(mr.m.Values()); !slices.EqualFunc(got, vals, mr.kind.eq) {
		mr.fatalf("Values and All disagree")
	}
	mr.noErr(mr.m.Err())
	mr.noErr(mr.m.Check())
	st := mr.m.Stats()
	if st.Len != mr.m.Len() || st.Keys.Dead < 0 || st.Values.Dead < 0 {
		mr.fatalf("Stats %+v", st)
	}
}

// modelPhases grows a map to about n keys, churns it, shrinks it, and grows
// it again.
func modelPhases(n int) []modelPhase {
	return []modelPhase{
		{"grow", 2 * n, modelWeights{putNew: 30, putOld: 10, putSame: 10, del: 5, get: 10, contains: 5, view: 5, entry: 10, batch: 5, sync: 1, checkpoint: 1, reopen: 1, calls: 10}},
		{"churn", 3 * n, modelWeights{putNew: 15, putOld: 15, putSame: 20, del: 15, get: 15, contains: 8, view: 8, entry: 15, batch: 8, sync: 1, checkpoint: 1, compact: 1, reopen: 1, calls: 15}},
		{"shrink", 2 * n, modelWeights{putNew: 5, putOld: 5, putSame: 10, del: 30, get: 10, contains: 5, view: 5, entry: 10, batch: 5, sync: 1, checkpoint: 1, compact: 1, reopen: 1, calls: 10, clear: 1}},
		{"regrow", 2 * n, modelWeights{putNew: 30, putOld: 10, putSame: 10, del: 10, get: 10, contains: 5, view: 5, entry: 10, batch: 5, sync: 1, checkpoint: 1, compact: 1, reopen: 1, calls: 10}},
	}
}

// runModel runs the model in every mode with each of modelHashes, for
// about n keys; with -short, and in the modes that write a log, for
// fewer.
func runModel[K comparable, V any](t *testing.T, kind modelKind[K, V], n int) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		o := *kind.opts
		o.Durability = opts.Durability
		for i, h := range modelHashes {
			t.Run(h.name, func(t *testing.T) {
				seed := uint64(modelSeed + i)
				t.Logf("seed %d", seed)
				size := n
				if h.name != "normal" {
					size /= 2 // every probe passes many keys: keep it small
				}
				if testing.Short() || o.Durability != diskmap.DurabilityOS {
					size /= 4
				}
				mr := &modelRun[K, V]{
					t: t, r: rand.New(rand.NewPCG(seed, seed)), kind: kind, hash: h,
					opts: &o, dir: t.TempDir(), model: map[K]V{},
					clock: maptest.NewClock(), expiry: map[K]time.Time{}, expired: map[K]bool{},
				}
				mr.run(kind.phases(size))
			})
		}
	})
}

func TestModelU64Bytes(t *testing.T) {
	t.Parallel()
	const n = 800
	runModel(t, u64BytesKind(n), n)
}

// u64BytesKind is the kind of TestModelU64Bytes, for a run of about n keys.
func u64BytesKind(n int) modelKind[uint64, []byte] {
	return modelKind[uint64, []byte]{
		// Keys from a range twice the size of the map, so that deleted
		// keys come back.
		newKey: func(r *rand.Rand) uint64 { return r.Uint64N(2*uint64(n)) * 0x9E3779B97F4A7C15 },
		newVal: func(r *rand.Rand) []byte {
			v := make([]byte, r.IntN(4)*r.IntN(40)) // often empty, up to 117 bytes
			for i := range v {
				v[i] = byte(r.Uint32())
			}
			return v
		},
		like: func(r *rand.Rand, v []byte) []byte {
			w := make([]byte, len(v))
			for i := range w {
				w[i] = byte(r.Uint32())
			}
			return w
		},
		modify: func(v *[]byte) { *v = append(*v, byte(len(*v))) },
		eq:     bytes.Equal,
		enc:    func(v []byte) []byte { return v },
		opts:   &diskmap.Options{Capacity: 16, KeyBytes: 512, ValueBytes: 512},
		phases: modelPhases,
	}
}

// TestModelGrowing is TestModelU64Bytes with a table that grows by one or
// a few old slots at a write, so that most operations, reopens, checkpoints
// and compactions among them, meet a table growing into another, its
// clusters moved one at a time; the map is checked every 40 steps.
func TestModelGrowing(t *testing.T) {
	t.Parallel()
	const n = 800
	for _, step := range []int{1, 5} {
		t.Run(fmt.Sprintf("step %d", step), func(t *testing.T) {
			t.Parallel()
			kind := u64BytesKind(n)
			kind.growStep, kind.checkEvery = step, 40
			runModel(t, kind, n)
		})
	}
}

// TestModelAutoCompact is TestModelU64Bytes with no Compact or Clear of its
// own and a small CompactAt and CompactMinBytes: the writes compact the map
// by themselves, often, and every key stays as the model says.
func TestModelAutoCompact(t *testing.T) {
	const n = 800
	kind := u64BytesKind(n)
	kind.opts = &diskmap.Options{Capacity: 16, KeyBytes: 512, ValueBytes: 512, CompactAt: 0.05, CompactMinBytes: 2 << 10}
	kind.phases = func(n int) []modelPhase {
		phases := modelPhases(n)
		for i := range phases {
			phases[i].w.compact, phases[i].w.clear = 0, 0 // Clear rewrites the files too
		}
		return phases
	}
	kind.end = func(t *testing.T, st diskmap.Stats) {
		if st.Compacted < 10 {
			t.Errorf("%d compactions, all automatic: too few to test", st.Compacted)
		}
	}
	runModel(t, kind, n)
}

func TestModelStringString(t *testing.T) {
	t.Parallel()
	const n = 800
	runModel(t, modelKind[string, string]{
		newKey: func(r *rand.Rand) string {
			// The empty key, short keys, and long ones that share a
			// prefix.
			i := r.IntN(2 * n)
			switch i % 3 {
			case 0:
				return fmt.Sprint(i / 3)
			case 1:
				return fmt.Sprintf("a-rather-long-shared-prefix/%d", i)
			}
			if i == 2 {
				return ""
			}
			return strings.Repeat("x", i%41) + fmt.Sprint(i)
		},
		newVal: func(r *rand.Rand) string { return fmt.Sprintf("%0*d", r.IntN(30), r.IntN(1000)) },
		like:   func(r *rand.Rand, v string) string { return strings.Repeat(string(rune('0'+r.IntN(10))), len(v)) },
		modify: func(v *string) { *v += "+" },
		eq:     func(a, b string) bool { return a == b },
		enc:    func(v string) []byte { return []byte(v) },
		opts:   &diskmap.Options{Capacity: 16, MaxLoad: 0.9},
		phases: modelPhases,
	}, n)
}

// ttlPhases mixes keys that expire with keys that do not, with the clock
// moving on in small steps: keys expire while the map grows, churns,
// compacts and reopens, are put again after they expired, and are swept.
func ttlPhases(n int) []modelPhase {
	return []modelPhase{
		{"grow with expiries", 2 * n, modelWeights{putNew: 15, putOld: 5, putSame: 15, del: 5, get: 10, contains: 5, view: 5, entry: 10,
			batch: 5, sync: 1, checkpoint: 1, reopen: 1, putTTL: 30, tick: 10, ttl: 5}},
		{"churn with expiries", 3 * n, modelWeights{putNew: 10, putOld: 10, putSame: 15, del: 10, get: 10, contains: 5, view: 5, entry: 10,
			batch: 5, checkpoint: 1, compact: 1, reopen: 1, putTTL: 20, tick: 10, removeExpired: 1, ttl: 5}},
		{"expire", 2 * n, modelWeights{putNew: 5, putOld: 5, putSame: 15, del: 5, get: 10, contains: 5, view: 5, entry: 5,
			batch: 3, checkpoint: 1, compact: 1, reopen: 1, putTTL: 5, tick: 20, ttl: 5}},
		{"regrow with expiries", 2 * n, modelWeights{putNew: 20, putOld: 10, putSame: 15, del: 5, get: 10, contains: 5, view: 5, entry: 10,
			batch: 5, checkpoint: 1, compact: 1, reopen: 1, putTTL: 20, tick: 10, removeExpired: 1, ttl: 5}},
	}
}

// ttlKind is the kind of TestModelTTL, for a run of about n keys.
func ttlKind(n int) modelKind[uint64, []byte] {
	return modelKind[uint64, []byte]{
		newKey: func(r *rand.Rand) uint64 { return r.Uint64N(2*uint64(n)) * 0x9E3779B97F4A7C15 },
		newVal: func(r *rand.Rand) []byte { return fmt.Appendf(nil, "%0*d", r.IntN(20), r.IntN(1000)) },
		like:   func(r *rand.Rand, v []byte) []byte { return fmt.Appendf(nil, "%0*d", len(v), r.IntN(10)) },
		modify: func(v *[]byte) { *v = append(*v, '+') },
		eq:     bytes.Equal,
		enc:    func(v []byte) []byte { return v },
		opts:   &diskmap.Options{Capacity: 16, KeyBytes: 512, ValueBytes: 512},
		phases: ttlPhases,
	}
}

func TestModelTTL(t *testing.T) {
	t.Parallel()
	const n = 600
	runModel(t, ttlKind(n), n)
}

// TestModelTTLAutoCompact is TestModelTTL with no Compact of its own and a
// small CompactAt and CompactMinBytes: the writes compact the map by
// themselves, often, and each such compaction drops every expired key, as
// Compact does, and counts it in Stats.Expired (see run).
func TestModelTTLAutoCompact(t *testing.T) {
	const n = 600
	kind := ttlKind(n)
	kind.opts = &diskmap.Options{Capacity: 16, KeyBytes: 512, ValueBytes: 512, CompactAt: 0.05, CompactMinBytes: 2 << 10}
	kind.dropsAtLeast = 1
	kind.phases = func(n int) []modelPhase {
		phases := ttlPhases(n)
		for i := range phases {
			phases[i].w.compact, phases[i].w.removeExpired = 0, 0
		}
		return phases
	}
	runModel(t, kind, n)
}
