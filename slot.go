package diskmap

import (
	"fmt"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// slotRecords checks the records an occupied slot i of t points at:
// records of the arenas' chains (ks, vs), whole, within the ends, the key
// hashing to the slot's fingerprint, and, if the slot says the value
// starts with an expiry, room for one. It returns the key and the value
// record's true payload length. Check and recovery both judge slots by it.
func (c *core) slotRecords(t *table, i uint64, s layout.Slot, ks, vs recordSet) ([]byte, uint32, error) {
	if !ks.has(s.Key) {
		return nil, 0, slotError(t, i, "key record", "a record of the keys arena", uint64(s.Key)*layout.Align)
	}
	if s.Value != layout.SlotNoValue && !vs.has(s.Value) {
		return nil, 0, slotError(t, i, "value record", "a record of the values arena", uint64(s.Value)*layout.Align)
	}
	kp, err := layout.CheckRecord(c.keys.data, int64(s.Key)*layout.Align, c.keys.end)
	if err != nil {
		return nil, 0, slotError(t, i, "key record", "a whole record in keys", format.At(err, c.keys.path, 0))
	}
	if fp := layout.Fingerprint(c.hash(kp)); fp != s.Fingerprint {
		return nil, 0, slotError(t, i, "fingerprint", hexa(uint64(fp)), hexa(uint64(s.Fingerprint)))
	}
	if s.Value == layout.SlotNoValue {
		if s.ValueLen != 0 {
			return nil, 0, slotError(t, i, "value length", "0 for the empty value, which has no record", hexa(uint64(s.ValueLen)))
		}
		return kp, 0, nil
	}
	vp, err := layout.CheckRecord(c.vals.data, int64(s.Value)*layout.Align, c.vals.end)
	if err != nil {
		return nil, 0, slotError(t, i, "value record", "a whole record in values", format.At(err, c.vals.path, 0))
	}
	if s.Expires() && len(vp) < layout.ExpirySize {
		return nil, 0, slotError(t, i, "value record", "an expiry of 8 bytes and the value", fmt.Sprintf("%d bytes", len(vp)))
	}
	return kp, uint32(len(vp)), nil
}

// valueRecordSize returns the bytes of the values arena that a value of n
// bytes takes when it is written: a record, or nothing for the empty value,
// which has none (layout.SlotNoValue).
func valueRecordSize(n int) int64 {
	if n == 0 {
		return 0
	}
	return layout.RecordSize(n)
}

// slotValueBytes returns the bytes of the values arena that the value of
// slot s takes: its record, or nothing at layout.SlotNoValue. An empty
// value written before that rule has a record of its own.
func slotValueBytes(s layout.Slot) int64 {
	if s.Value == layout.SlotNoValue {
		return 0
	}
	return layout.RecordSize(int(s.ValueLen &^ layout.SlotExpires))
}

// slotError reports what is wrong with slot i of t.
func slotError(t *table, i uint64, field string, want, got any) error {
	return &CorruptError{File: t.path, Offset: layout.SlotOffset(i), Field: "slot " + field, Expected: want, Found: got}
}
