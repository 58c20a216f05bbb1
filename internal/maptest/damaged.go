package maptest

import "github.com/diskmap-go/diskmap"

// ReadAll calls every read method of m on each of keys, and every
// iterator, and drops the answers: m is a damaged map, whose answers may
// be errors, but whose reads must neither panic nor fault.
func ReadAll[V any](m *diskmap.Map[string, V], keys []string) {
	for _, k := range keys {
		_, _, _ = m.Get(k)
		_, _, _ = m.View(k)
		_, _ = m.Contains(k)
		_, _ = m.Entry(k).Value()
	}
	_ = m.ViewMany(keys, func(int, []byte, bool) error { return nil })
	_, _, _ = m.GetMany(keys)
	for range m.All() {
	}
	_ = m.Err()
	for range m.Keys() {
	}
	_ = m.Err()
	for range m.Values() {
	}
	_ = m.Err()
	_ = m.Len()
	_ = m.Stats()
}
