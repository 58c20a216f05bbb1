package diskmap_test

import (
	"fmt"
	"maps"
	"slices"
)

// clear is a Clear in a power-loss scenario (see TestPowerLoss): it
// deletes every key, and is durable when it returns.
func (r *plRun) clear() {
	var cs []plChange
	for _, k := range slices.Sorted(maps.Keys(r.model)) {
		cs = append(cs, plChange{key: k, del: true})
	}
	r.run("Clear", cs, r.m.Clear)
}

// deleteFunc is a DeleteFunc in a power-loss scenario: it deletes the keys
// whose remainder by 5 is rem, as one batch. A key that has expired is not
// there for it.
func (r *plRun) deleteFunc(rem uint64) {
	var cs []plChange
	now := r.clock.Now()
	for _, k := range slices.Sorted(maps.Keys(r.model)) {
		if k%5 == rem && plLive(r.model[k], now) {
			cs = append(cs, plChange{key: k, del: true})
		}
	}
	r.run("DeleteFunc", cs, func() error {
		n, err := r.m.DeleteFunc(func(k uint64, _ []byte) bool { return k%5 == rem })
		if err == nil && n != len(cs) {
			err = fmt.Errorf("DeleteFunc removed %d keys, the model has %d", n, len(cs))
		}
		return err
	})
}
