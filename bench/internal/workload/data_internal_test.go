package workload

import (
	"bytes"
	"testing"
)

// TestGatheredKeys checks that each phase's keys, laid end to end, are the
// keys of its order.
func TestGatheredKeys(t *testing.T) {
	d := Generate(1000, 3)
	for _, c := range []struct {
		name string
		keys []byte
		idx  []int32
	}{{"get-hit", d.hitKeys, d.order}, {"update", d.updKeys, d.upd}, {"delete", d.delKeys, d.del}} {
		if len(c.keys) != len(c.idx)*KeyLen {
			t.Fatalf("%s: %d bytes of keys for %d indices", c.name, len(c.keys), len(c.idx))
		}
		for j, i := range c.idx {
			if !bytes.Equal(at(c.keys, j), d.Key(int(i))) {
				t.Fatalf("%s: key %d is %q, want key %d, %q", c.name, j, at(c.keys, j), i, d.Key(int(i)))
			}
		}
	}
}
