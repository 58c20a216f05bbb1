package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/diskmap-go/diskmap"
)

// The calls of sync.Map, DeleteFunc and Clear in the model test (see
// model_test.go): each answer is checked against the model, and the model
// changed as sync.Map's would be.

// callsOp does one of Swap, LoadOrStore, LoadAndDelete, CompareAndSwap,
// CompareAndDelete or DeleteFunc on the map, or a batch of the first five.
func (mr *modelRun[K, V]) callsOp() {
	k := mr.anyKey()
	want, present := mr.model[k]
	switch mr.r.IntN(8) {
	case 0:
		v := mr.kind.newVal(mr.r)
		mr.what = fmt.Sprintf("Swap(%v)", k)
		prev, loaded, err := mr.m.Swap(k, v)
		mr.noErr(err)
		if loaded != present || present && !mr.kind.eq(prev, want) {
			mr.fatalf("= %v, %v; model %v, %v", prev, loaded, want, present)
		}
		mr.put(k, v)
	case 1:
		v := mr.kind.newVal(mr.r)
		mr.what = fmt.Sprintf("LoadOrStore(%v)", k)
		actual, loaded, err := mr.m.LoadOrStore(k, v)
		mr.noErr(err)
		if !present {
			want = v
			mr.put(k, v)
		}
		if loaded != present || !mr.kind.eq(actual, want) {
			mr.fatalf("= %v, %v; want %v, %v", actual, loaded, want, present)
		}
	case 2:
		mr.what = fmt.Sprintf("LoadAndDelete(%v)", k)
		value, loaded, err := mr.m.LoadAndDelete(k)
		mr.noErr(err)
		if loaded != present || present && !mr.kind.eq(value, want) {
			mr.fatalf("= %v, %v; model %v, %v", value, loaded, want, present)
		}
		mr.remove(k)
	case 3:
		old, nv := mr.oldFor(k), mr.kind.newVal(mr.r)
		mr.what = fmt.Sprintf("CompareAndSwap(%v)", k)
		swapped, err := mr.m.CompareAndSwap(k, old, nv)
		mr.noErr(err)
		if match := mr.matches(k, old); swapped != match {
			mr.fatalf("= %v; the model holds %v (%v), old %v", swapped, want, present, old)
		}
		if swapped {
			mr.put(k, nv)
		}
	case 4:
		old := mr.oldFor(k)
		mr.what = fmt.Sprintf("CompareAndDelete(%v)", k)
		deleted, err := mr.m.CompareAndDelete(k, old)
		mr.noErr(err)
		if match := mr.matches(k, old); deleted != match {
			mr.fatalf("= %v; the model holds %v (%v), old %v", deleted, want, present, old)
		}
		if deleted {
			mr.remove(k)
		}
	case 5:
		mr.deleteFuncOp()
	default:
		mr.batchCallsOp()
	}
	mr.checkGet(k)
}

// oldFor returns the value k holds in the model half the time, and else a
// new one: the old value of a compare.
func (mr *modelRun[K, V]) oldFor(k K) V {
	if v, ok := mr.model[k]; ok && mr.r.IntN(2) == 0 {
		return v
	}
	return mr.kind.newVal(mr.r)
}

// matches reports whether k holds old in the model, compared by their
// encodings.
func (mr *modelRun[K, V]) matches(k K, old V) bool {
	v, ok := mr.model[k]
	return ok && bytes.Equal(mr.kind.enc(v), mr.kind.enc(old))
}

// deleteFuncOp removes with DeleteFunc the keys whose value's encoding is
// of a length drawn modulo 4, and checks that its function saw every key
// in insertion order with its value.
func (mr *modelRun[K, V]) deleteFuncOp() {
	rem := mr.r.IntN(4)
	mr.what = fmt.Sprintf("DeleteFunc of the values of length %d modulo 4", rem)
	picks := func(v V) bool { return len(mr.kind.enc(v))%4 == rem }
	var seen []K
	n, err := mr.m.DeleteFunc(func(k K, v V) bool {
		if !mr.kind.eq(v, mr.model[k]) {
			mr.fatalf("called with %v = %v, model %v", k, v, mr.model[k])
		}
		seen = append(seen, k)
		return picks(v)
	})
	mr.noErr(err)
	if !slices.Equal(seen, mr.order) {
		mr.fatalf("called on\n %v\nwant the keys in insertion order\n %v", seen, mr.order)
	}
	removed := 0
	for _, k := range slices.Clone(mr.order) {
		if picks(mr.model[k]) {
			mr.remove(k)
			removed++
		}
	}
	if n != removed {
		mr.fatalf("= %d, the model removes %d", n, removed)
	}
}

// batchCallsOp applies a batch of up to 6 of the calls of sync.Map, on keys
// present or not and some twice, checking each answer against the model
// with the batch's earlier calls in it. One batch in four is given up by
// its function, and must change nothing.
func (mr *modelRun[K, V]) batchCallsOp() {
	n, abort := 1+mr.r.IntN(6), mr.r.IntN(4) == 0
	mr.what = fmt.Sprintf("Batch of %d calls, given up %v", n, abort)
	var ops []modelBatchOp[K, V]
	after := func(k K) (V, bool) { // what k holds with ops applied
		for i := len(ops) - 1; i >= 0; i-- {
			if ops[i].k == k {
				return ops[i].v, !ops[i].del
			}
		}
		v, ok := mr.model[k]
		return v, ok
	}
	errAbort := errors.New("given up")
	err := mr.m.Batch(func(b *diskmap.Batch[K, V]) error {
		for range n {
			k := mr.anyKey()
			if len(ops) > 0 && mr.r.IntN(3) == 0 {
				k = ops[mr.r.IntN(len(ops))].k
			}
			op, err := mr.batchCall(b, k, after)
			if err != nil {
				return err
			}
			if op != nil {
				ops = append(ops, *op)
			}
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
		if o.del {
			mr.remove(o.k)
		} else {
			mr.put(o.k, o.v)
		}
	}
}

// batchCall makes one call of sync.Map on k in the batch b, checks its
// answer against what k holds in the batch (after), and returns the write
// it recorded, if any.
func (mr *modelRun[K, V]) batchCall(b *diskmap.Batch[K, V], k K, after func(K) (V, bool)) (*modelBatchOp[K, V], error) {
	want, present := after(k)
	matches := func(old V) bool { return present && bytes.Equal(mr.kind.enc(want), mr.kind.enc(old)) }
	wrong := func(call string, got ...any) error {
		return fmt.Errorf("Batch.%s(%v) = %v; %v holds %v (%v) in the batch", call, k, got, k, want, present)
	}
	switch mr.r.IntN(5) {
	case 0:
		v := mr.kind.newVal(mr.r)
		prev, loaded, err := b.Swap(k, v)
		if err == nil && (loaded != present || present && !mr.kind.eq(prev, want)) {
			err = wrong("Swap", prev, loaded)
		}
		return &modelBatchOp[K, V]{k: k, v: v}, err
	case 1:
		v := mr.kind.newVal(mr.r)
		actual, loaded, err := b.LoadOrStore(k, v)
		if present {
			v = want
		}
		if err == nil && (loaded != present || !mr.kind.eq(actual, v)) {
			err = wrong("LoadOrStore", actual, loaded)
		}
		if present {
			return nil, err
		}
		return &modelBatchOp[K, V]{k: k, v: v}, err
	case 2:
		value, loaded, err := b.LoadAndDelete(k)
		if err == nil && (loaded != present || present && !mr.kind.eq(value, want)) {
			err = wrong("LoadAndDelete", value, loaded)
		}
		return &modelBatchOp[K, V]{del: true, k: k}, err
	case 3:
		old, nv := want, mr.kind.newVal(mr.r)
		if !present || mr.r.IntN(2) == 0 {
			old = mr.kind.newVal(mr.r)
		}
		swapped, err := b.CompareAndSwap(k, old, nv)
		if err == nil && swapped != matches(old) {
			err = wrong("CompareAndSwap", swapped)
		}
		if !swapped {
			return nil, err
		}
		return &modelBatchOp[K, V]{k: k, v: nv}, err
	}
	old := want
	if !present || mr.r.IntN(2) == 0 {
		old = mr.kind.newVal(mr.r)
	}
	deleted, err := b.CompareAndDelete(k, old)
	if err == nil && deleted != matches(old) {
		err = wrong("CompareAndDelete", deleted)
	}
	if !deleted {
		return nil, err
	}
	return &modelBatchOp[K, V]{del: true, k: k}, err
}

// clearOp clears the map, and the model.
func (mr *modelRun[K, V]) clearOp() {
	mr.what = "Clear"
	mr.noErr(mr.m.Clear())
	clear(mr.model)
	clear(mr.expiry)
	clear(mr.expired)
	mr.order = mr.order[:0]
	mr.stored = 0 // expired keys too, which Stats.Expired does not count
}
