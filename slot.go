package diskmap

import (
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// slotRecords checks the records an occupied slot i of t points at: records of
// the arenas' chains (ks, vs), whole, within the ends, and the key hashing
// to the slot's fingerprint. It returns the key and the value's true
// length. Check and recovery both judge slots by it.
func (c *core) slotRecords(t *table, i uint64, s layout.Slot, ks, vs recordSet) ([]byte, uint32, error) {
	if !ks.has(s.Key) {
		return nil, 0, slotError(t, i, "key record", "a record of the keys arena", uint64(s.Key)*layout.Align)
	}
	if !vs.has(s.Value) {
		return nil, 0, slotError(t, i, "value record", "a record of the values arena", uint64(s.Value)*layout.Align)
	}
	kp, err := layout.CheckRecord(c.keys.data, int64(s.Key)*layout.Align, c.keys.end)
	if err != nil {
		return nil, 0, slotError(t, i, "key record", "a whole record in keys", format.At(err, c.keys.path, 0))
	}
	if fp := layout.Fingerprint(c.hash(kp)); fp != s.Fingerprint {
		return nil, 0, slotError(t, i, "fingerprint", hexa(uint64(fp)), hexa(uint64(s.Fingerprint)))
	}
	vp, err := layout.CheckRecord(c.vals.data, int64(s.Value)*layout.Align, c.vals.end)
	if err != nil {
		return nil, 0, slotError(t, i, "value record", "a whole record in values", format.At(err, c.vals.path, 0))
	}
	return kp, uint32(len(vp)), nil
}

// slotError reports what is wrong with slot i of t.
func slotError(t *table, i uint64, field string, want, got any) error {
	return &CorruptError{File: t.path, Offset: layout.SlotOffset(i), Field: "slot " + field, Expected: want, Found: got}
}
