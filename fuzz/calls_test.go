package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/diskmap-go/diskmap"
)

// The calls of sync.Map, DeleteFunc, Clear and a Set in FuzzOps: variants
// 3 to 11 of opCompact (0 to 2 compact, as before they were added, so that
// the corpus keeps its meaning; 12 compacts too).
const (
	callSwap             = 3  // key, value length
	callLoadOrStore      = 4  // key, value length
	callLoadAndDelete    = 5  // key
	callCompareAndSwap   = 6  // key, old (oldValue), value length
	callCompareAndDelete = 7  // key, old (oldValue)
	callDeleteFunc       = 8  // modulus and remainder of the predicate (deleteFunc)
	callBatch            = 9  // n-1 and abandoned (b%8, b&8), then n calls: kind (b%5), key, operands
	callClear            = 10 //
	callSet              = 11 // Add, Has or Remove (b%3) of a key, on a Set beside the map
)

func init() {
	opsSeeds = append(opsSeeds,
		// DurabilityWAL, 6 keys: each call on keys there and not, a
		// batch of calls, DeleteFunc, Clear, and a set; then a crash.
		[]byte{1 + 3*5, 0x41, 2,
			opPut, 0, 10, opPut, 1, 20, opPut, 2, 0,
			call(callSwap), 0, 5, call(callSwap), 3, 6,
			call(callLoadOrStore), 1, 7, call(callLoadOrStore), 4, 8,
			call(callLoadAndDelete), 2, call(callLoadAndDelete), 2,
			call(callCompareAndSwap), 0, 0, 9, call(callCompareAndSwap), 1, 1, 3, 9,
			call(callCompareAndDelete), 3, 0, call(callCompareAndDelete), 4, 1, 2,
			// Five calls: swap k0, load or store k1, load and delete k1,
			// compare k0 with what the swap put and swap, compare it with
			// that and delete. Then two calls, abandoned.
			call(callBatch), 4, 0, 0, 3, 1, 1, 7, 2, 1, 3, 0, 3, 5, 4, 0, 5,
			call(callBatch), 8 + 1, 0, 5, 5, 2, 0,
			call(callDeleteFunc), 2, 1, opCrash + 40,
			call(callSet), 0, 1, call(callSet), 0, 1, call(callSet), 1, 1, call(callSet), 2, 1, call(callSet), 0, 2,
			call(callClear), opPut, 5, 3, opReopen, call(callDeleteFunc), 0, 0},
	)
}

// call returns the opcode of a call.
func call(variant byte) byte { return opCompact + 20*variant }

// call applies the call that variant names.
func (r *opsRun) call(variant byte) {
	switch variant {
	case callSwap:
		r.swap(r.key(), r.value())
	case callLoadOrStore:
		r.loadOrStore(r.key(), r.value())
	case callLoadAndDelete:
		r.loadAndDelete(r.key())
	case callCompareAndSwap:
		k := r.key()
		r.compareAndSwap(k, r.oldValue(k), r.value())
	case callCompareAndDelete:
		k := r.key()
		r.compareAndDelete(k, r.oldValue(k))
	case callDeleteFunc:
		r.deleteFunc(r.in.byte(), r.in.byte())
	case callBatch:
		b := r.in.byte()
		r.batchCalls(1+int(b%8), b&8 != 0)
	case callClear:
		r.logf("clear")
		r.noErr("Clear", r.m.Clear())
		r.model, r.order = map[string][]byte{}, nil
		clear(r.expiry)
		clear(r.expired)
		r.verifyAll()
	case callSet:
		r.setOp(r.in.byte(), r.key())
	default:
		r.compact()
	}
}

// oldValue reads a byte and returns, for an even one, the value k holds
// (nil if none), and else a value of the length the next byte gives: the
// old value of a compare.
func (r *opsRun) oldValue(k string) []byte {
	if r.in.byte()%2 == 0 {
		return r.model[k]
	}
	return r.value()
}

// holds reports whether k is in the model with the value old.
func (r *opsRun) holds(k string, old []byte) bool {
	v, ok := r.model[k]
	return ok && bytes.Equal(v, old)
}

func (r *opsRun) swap(k string, v []byte) {
	r.logf("swap %s (%d bytes)", k, len(v))
	want, had := r.model[k]
	prev, loaded, err := r.m.Swap(k, v)
	if err != nil || loaded != had || !bytes.Equal(prev, want) {
		r.failf("Swap(%s) = %d bytes, %v, %v; want %d bytes, %v", k, len(prev), loaded, err, len(want), had)
	}
	r.set(k, v)
	r.checkKey(k)
}

func (r *opsRun) loadOrStore(k string, v []byte) {
	r.logf("load or store %s (%d bytes)", k, len(v))
	want, had := r.model[k]
	if !had {
		want = v
	}
	actual, loaded, err := r.m.LoadOrStore(k, v)
	if err != nil || loaded != had || !bytes.Equal(actual, want) {
		r.failf("LoadOrStore(%s) = %d bytes, %v, %v; want %d bytes, %v", k, len(actual), loaded, err, len(want), had)
	}
	r.set(k, want)
	r.checkKey(k)
}

func (r *opsRun) loadAndDelete(k string) {
	r.logf("load and delete %s", k)
	want, had := r.model[k]
	value, loaded, err := r.m.LoadAndDelete(k)
	if err != nil || loaded != had || !bytes.Equal(value, want) {
		r.failf("LoadAndDelete(%s) = %d bytes, %v, %v; want %d bytes, %v", k, len(value), loaded, err, len(want), had)
	}
	r.remove(k)
	r.checkKey(k)
}

func (r *opsRun) compareAndSwap(k string, old, v []byte) {
	r.logf("compare %s with %d bytes and swap (%d bytes)", k, len(old), len(v))
	want := r.holds(k, old)
	swapped, err := r.m.CompareAndSwap(k, old, v)
	if err != nil || swapped != want {
		r.failf("CompareAndSwap(%s) = %v, %v; want %v", k, swapped, err, want)
	}
	if swapped {
		r.set(k, v)
	}
	r.checkKey(k)
}

func (r *opsRun) compareAndDelete(k string, old []byte) {
	r.logf("compare %s with %d bytes and delete", k, len(old))
	want := r.holds(k, old)
	deleted, err := r.m.CompareAndDelete(k, old)
	if err != nil || deleted != want {
		r.failf("CompareAndDelete(%s) = %v, %v; want %v", k, deleted, err, want)
	}
	if deleted {
		r.remove(k)
	}
	r.checkKey(k)
}

// deleteFunc removes the keys for which the length of the key and of its
// value, added, is rem modulo 1 + mod%4. The function must see every key,
// in insertion order, with its value.
func (r *opsRun) deleteFunc(mod, rem byte) {
	m := 1 + int(mod%4)
	picks := func(k string, v []byte) bool { return (len(k)+len(v))%m == int(rem)%m }
	r.logf("delete the keys of key and value length %d modulo %d", int(rem)%m, m)
	var seen []string
	n, err := r.m.DeleteFunc(func(k string, v []byte) bool {
		if !bytes.Equal(v, r.model[k]) {
			r.failf("DeleteFunc's function got %s with %d bytes, want %d", k, len(v), len(r.model[k]))
		}
		seen = append(seen, k)
		return picks(k, v)
	})
	if !slices.Equal(seen, r.order) {
		r.failf("DeleteFunc's function saw %q, want %q", seen, r.order)
	}
	removed := 0
	for _, k := range slices.Clone(r.order) {
		if picks(k, r.model[k]) {
			r.remove(k)
			removed++
		}
	}
	if err != nil || n != removed {
		r.failf("DeleteFunc = %d, %v; want %d", n, err, removed)
	}
	r.verifyAll()
}

// A batchCall is one call of sync.Map in a batch, with its operands and
// what it wrote.
type batchCall struct {
	kind   byte // 0 Swap, 1 LoadOrStore, 2 LoadAndDelete, 3 CompareAndSwap, 4 CompareAndDelete
	k      string
	old, v []byte
}

// batchCalls applies n calls as one batch, or abandons it. Each call's
// answer must be what the key holds with the batch's earlier calls in it.
func (r *opsRun) batchCalls(n int, abandon bool) {
	calls := make([]batchCall, n)
	for i := range calls {
		c := batchCall{kind: r.in.byte() % 5, k: r.key()}
		switch c.kind {
		case 0, 1:
			c.v = r.value()
		case 3:
			c.old, c.v = r.value(), r.value()
		case 4:
			c.old = r.value()
		}
		calls[i] = c
	}
	r.logf("batch of calls %+v, abandoned %v", calls, abandon)
	holds := map[string][]byte{} // what each key holds in the batch: nil for none
	for k, v := range r.model {
		holds[k] = v
	}
	errAbandon := errors.New("fuzz: batch abandoned")
	err := r.m.Batch(func(b *diskmap.Batch[string, []byte]) error {
		for _, c := range calls {
			if err := c.apply(b, holds); err != nil {
				r.failf("%v", err)
			}
			r.checkKey(c.k) // reads do not see the batch
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
		for _, c := range calls {
			r.applyCall(c)
		}
	}
	r.verifyAll()
}

// apply makes the call c on b and checks its answer against holds, what
// each key holds in the batch, which it updates.
func (c batchCall) apply(b *diskmap.Batch[string, []byte], holds map[string][]byte) error {
	cur, had := holds[c.k]
	var got, want string
	switch c.kind {
	case 0:
		prev, loaded, err := b.Swap(c.k, c.v)
		got, want = answer(prev, loaded, err), answer(cur, had, nil)
		holds[c.k] = c.v
	case 1:
		actual, loaded, err := b.LoadOrStore(c.k, c.v)
		got, want = answer(actual, loaded, err), answer(cur, true, nil)
		if !had {
			want, holds[c.k] = answer(c.v, false, nil), c.v
		}
	case 2:
		value, loaded, err := b.LoadAndDelete(c.k)
		got, want = answer(value, loaded, err), answer(cur, had, nil)
		delete(holds, c.k)
	case 3:
		swapped, err := b.CompareAndSwap(c.k, c.old, c.v)
		match := had && bytes.Equal(cur, c.old)
		got, want = fmt.Sprint(swapped, err), fmt.Sprint(match, nil)
		if match {
			holds[c.k] = c.v
		}
	default:
		deleted, err := b.CompareAndDelete(c.k, c.old)
		match := had && bytes.Equal(cur, c.old)
		got, want = fmt.Sprint(deleted, err), fmt.Sprint(match, nil)
		if match {
			delete(holds, c.k)
		}
	}
	if got != want {
		return fmt.Errorf("Batch call %+v = %s, want %s", c, got, want)
	}
	return nil
}

// answer sums up a value, whether it was loaded and an error.
func answer(v []byte, loaded bool, err error) string {
	return fmt.Sprintf("%d bytes %x, %v, %v", len(v), v, loaded, err)
}

// applyCall changes the model as the call c did in a batch that was
// applied.
func (r *opsRun) applyCall(c batchCall) {
	want, had := r.model[c.k]
	switch {
	case c.kind == 0, c.kind == 1 && !had, c.kind == 3 && had && bytes.Equal(want, c.old):
		r.set(c.k, c.v)
	case c.kind == 2, c.kind == 4 && had && bytes.Equal(want, c.old):
		r.remove(c.k)
	}
}

// setOp adds, looks up or removes k in the run's Set, opened beside the
// map at its first use, and checks the answer against the set's model.
func (r *opsRun) setOp(what byte, k string) {
	if r.keySet == nil {
		s, err := diskmap.OpenSet[string](filepath.Join(r.base, "set"), &r.opts)
		r.noErr("OpenSet", err)
		r.keySet = s
	}
	had := slices.Contains(r.setModel, k)
	var got bool
	var err error
	switch what % 3 {
	case 0:
		r.logf("set: add %s", k)
		got, err = r.keySet.Add(k)
		got = !got // added: it was not there
		if !had {
			r.setModel = append(r.setModel, k)
		}
	case 1:
		r.logf("set: has %s", k)
		got, err = r.keySet.Has(k)
	default:
		r.logf("set: remove %s", k)
		got, err = r.keySet.Remove(k)
		r.setModel = slices.DeleteFunc(r.setModel, func(o string) bool { return o == k })
	}
	if err != nil || got != had {
		r.failf("set call %d on %s = %v, %v; the set had it: %v", what%3, k, got, err, had)
	}
}

// verifySet checks the run's Set, if it has one, against its model, then
// closes it, opens it again and checks it once more.
func (r *opsRun) verifySet() {
	if r.keySet == nil {
		return
	}
	for range 2 {
		r.noErr("Set.Check", r.keySet.Check())
		got := slices.Collect(r.keySet.All())
		r.noErr("Set.All", r.keySet.Err())
		if !slices.Equal(got, r.setModel) || r.keySet.Len() != len(r.setModel) {
			r.failf("the set holds %q (Len %d), want %q", got, r.keySet.Len(), r.setModel)
		}
		if st := r.keySet.Stats(); st.Values.Live != 0 || st.Values.Dead != 0 {
			r.failf("the set's values arena holds records: %+v", st.Values)
		}
		r.noErr("Set.Close", r.keySet.Close())
		s, err := diskmap.OpenSet[string](filepath.Join(r.base, "set"), &r.opts)
		r.noErr("OpenSet", err)
		r.keySet = s
	}
	r.noErr("Set.Close", r.keySet.Close())
}
