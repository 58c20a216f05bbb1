package diskmap_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// TestConcurrentReaders follows the concurrency contract of Map: while no
// other method runs, any number of goroutines may read at once. Each round
// runs readers of every kind together, and checks what each sees; between
// rounds, with the readers gone, the writer changes the map.
func TestConcurrentReaders(t *testing.T) {
	t.Parallel()
	const (
		keys    = 400
		readers = 8
		rounds  = 4
	)
	m := maptest.Open[string, string](t, t.TempDir(), &diskmap.Options{Capacity: 64})
	want := map[string]string{}
	var order []string
	put := func(k, v string) {
		if _, ok := want[k]; !ok {
			order = append(order, k)
		}
		want[k] = v
		if err := m.Put(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for i := range keys {
		put(fmt.Sprint("key", i), fmt.Sprint("value", i))
	}

	for round := range rounds {
		var wg sync.WaitGroup
		for g := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := checkReader(m, want, order, uint64(round*readers+g)); err != nil {
					t.Errorf("round %d, reader %d: %v", round, g, err)
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}

		// The writer's turn: update, delete, insert, and sometimes compact,
		// which maps new files.
		r := rand.New(rand.NewPCG(uint64(round), 7))
		for range keys / 4 {
			k := fmt.Sprint("key", r.IntN(2*keys))
			switch r.IntN(3) {
			case 0:
				if _, err := m.Delete(k); err != nil {
					t.Fatal(err)
				}
				if _, ok := want[k]; ok {
					delete(want, k)
					for i, o := range order {
						if o == k {
							order = append(order[:i:i], order[i+1:]...)
							break
						}
					}
				}
			default:
				put(k, fmt.Sprintf("value%d-round%d", r.IntN(1000), round))
			}
		}
		if round%2 == 1 {
			if err := m.Compact(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// checkReader reads m in every way a reader may and compares with want and
// order, which no one changes while it runs.
func checkReader(m *diskmap.Map[string, string], want map[string]string, order []string, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range 2000 {
		k := fmt.Sprint("key", r.IntN(800))
		wv, wok := want[k]
		switch i % 3 {
		case 0:
			v, found, err := m.Get(k)
			if err != nil || found != wok || v != wv {
				return fmt.Errorf("Get(%q) = %q, %v, %v; want %q, %v", k, v, found, err, wv, wok)
			}
		case 1:
			b, found, err := m.View(k)
			if err != nil || found != wok || !bytes.Equal(b, []byte(wv)) {
				return fmt.Errorf("View(%q) = %q, %v, %v; want %q, %v", k, b, found, err, wv, wok)
			}
		case 2:
			found, err := m.Contains(k)
			if err != nil || found != wok {
				return fmt.Errorf("Contains(%q) = %v, %v; want %v", k, found, err, wok)
			}
		}
	}
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = fmt.Sprint("key", r.IntN(800))
	}
	err := m.ViewMany(keys, func(i int, b []byte, found bool) error {
		if wv, wok := want[keys[i]]; found != wok || !bytes.Equal(b, []byte(wv)) {
			return fmt.Errorf("ViewMany: %q = %q, %v; want %q, %v", keys[i], b, found, wv, wok)
		}
		return nil
	})
	if err != nil {
		return err
	}
	n := 0
	for k, v := range m.All() {
		if n >= len(order) || k != order[n] || v != want[k] {
			return fmt.Errorf("All: item %d is %q=%q", n, k, v)
		}
		n++
	}
	if n != len(order) {
		return fmt.Errorf("All: %d items, want %d", n, len(order))
	}
	if err := m.Err(); err != nil {
		return fmt.Errorf("Err after All: %v", err)
	}
	if st := m.Stats(); st.Len != len(want) || m.Len() != len(want) {
		return fmt.Errorf("Stats().Len %d, Len %d, want %d", st.Len, m.Len(), len(want))
	}
	if err := m.Check(); err != nil {
		return fmt.Errorf("Check: %v", err)
	}
	return nil
}
