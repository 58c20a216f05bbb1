package diskmap

// SetHashBits makes every hash of m keep only the bits in and, then set the
// bits in or, so that tests can force collisions: SetHashBits(m, 0, ^0)
// sends every key to the last slot and wraps its probes around the table.
// A map must be reopened with the same setting.
func SetHashBits[K, V any](m *Map[K, V], and, or uint64) {
	m.hashAnd, m.hashOr = and, or
}

// SetFailpoint makes m call fn at each named point of its code, and fail
// with fn's error there: "batch-op" after each operation of a batch.
func SetFailpoint[K, V any](m *Map[K, V], fn func(name string) error) {
	m.failpoint = fn
}
