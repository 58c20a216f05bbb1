package diskmap

import (
	"fmt"
	"iter"

	"github.com/diskmap-go/diskmap/layout"
)

// All returns an iterator over the keys and values, in first-insertion
// order: the order of the keys arena. Keys and values are decoded copies.
// The loop may change the map; these rules hold while it runs:
//
//  1. Replacing the value of any key, the current one included, is safe; a
//     key not yet reached is visited with its new value.
//  2. Deleting any key, the current one included, is safe; a deleted key not
//     yet reached is not visited.
//  3. A key inserted during the iteration is visited, at the end, as it is
//     last in insertion order. A key deleted and inserted again moves to the
//     end, and so may be visited twice.
//  4. Table growth caused by inserts does not disturb the iteration.
//  5. Compact, Clear or Close ends the iteration; Err then returns
//     ErrStale.
//  6. Writes do not compact the map by themselves (Options.CompactAt) while
//     an iteration is in progress: the first write after the last one ends
//     does. An iteration ends when its loop does, or, pulled with
//     iter.Pull, when it is stopped or exhausted.
//  7. A key that has expired when the iteration reaches it is not visited.
//
// An iteration that meets a damaged record, or a record its codec cannot
// decode, stops before yielding it and keeps the error for Err.
func (m *Map[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		m.iterate(func(kp, vp []byte) (bool, error) {
			k, err := m.decodeKey(kp)
			if err != nil {
				return false, err
			}
			v, err := m.decode(kp, vp)
			if err != nil {
				return false, err
			}
			return yield(k, v), nil
		})
	}
}

// Keys returns an iterator over the keys, in first-insertion order. Changes
// to the map while it runs follow the rules of All; an error ends
// it, for Err to report.
func (m *Map[K, V]) Keys() iter.Seq[K] {
	return func(yield func(K) bool) {
		m.iterate(func(kp, _ []byte) (bool, error) {
			k, err := m.decodeKey(kp)
			if err != nil {
				return false, err
			}
			return yield(k), nil
		})
	}
}

// Values returns an iterator over the values, in the first-insertion order
// of their keys. Changes to the map while it runs follow the rules
// of All; an error ends it, for Err to report.
func (m *Map[K, V]) Values() iter.Seq[V] {
	return func(yield func(V) bool) {
		m.iterate(func(kp, vp []byte) (bool, error) {
			v, err := m.decode(kp, vp)
			if err != nil {
				return false, err
			}
			return yield(v), nil
		})
	}
}

// Err returns the first error that ended an iteration (All, Keys, Values)
// since the last call of Err, and forgets it. An iteration that ends early
// because the loop broke out of it is not an error. The error belongs to
// the map, not to one iteration: when several goroutines iterate at once,
// call Err once they have all finished.
//
//	for k, v := range m.All() { ... }
//	if err := m.Err(); err != nil { ... }
func (m *Map[K, V]) Err() error {
	m.iterMu.Lock()
	defer m.iterMu.Unlock()
	err := m.iterErr
	m.iterErr = nil
	return err
}

// iterate runs visit on each live key that has not expired, with its key
// and value in place, until it returns false or an error; errors, and
// Compact or Close during the iteration (rule 5 of All), are kept for Err.
func (m *Map[K, V]) iterate(visit func(kp, vp []byte) (bool, error)) {
	if err := m.usable(); err != nil {
		m.keepErr(err)
		return
	}
	m.iterating.Add(1)
	defer m.iterating.Add(-1)
	gen := m.filesRetired
	err := m.walk(func(kp []byte, t *table, i uint64, s layout.Slot) error {
		vp, found, err := m.value(t, i, s)
		if !found || err != nil {
			return err // not found: expired
		}
		more, err := visit(kp, vp)
		switch {
		case err != nil:
			return err
		case !more:
			return errStop
		case m.filesRetired != gen:
			return ErrStale
		}
		return nil
	})
	if err != nil && err != errStop {
		m.keepErr(err)
	}
}

// errStop ends a walk when the loop body breaks out; it never leaves the
// package.
var errStop = fmt.Errorf("diskmap: iteration stopped")

func (m *Map[K, V]) keepErr(err error) {
	m.iterMu.Lock()
	defer m.iterMu.Unlock()
	if m.iterErr == nil {
		m.iterErr = err
	}
}

func (m *Map[K, V]) decodeKey(kp []byte) (K, error) {
	k, err := m.kc.Codec().Decode(kp)
	if err != nil {
		return k, fmt.Errorf("diskmap: %s: decoding key: %w", m.keys.path, err)
	}
	return k, nil
}
