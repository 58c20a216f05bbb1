package concurrent_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// The calls of sync.Map, DeleteFunc and Clear answer as a Go map would,
// over keys of every shard, and what they leave survives a reopen.
func TestCallsModel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, shards(4))
	model := map[string]string{}
	r := rand.New(rand.NewPCG(7, 8))
	check := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
	for step := range 3000 {
		k := strconv.Itoa(r.IntN(60))
		v := strconv.Itoa(step)
		old, had := model[k]
		switch r.IntN(9) {
		case 0:
			p, loaded, err := m.Swap(k, v)
			check("Swap "+k, []any{p, loaded, err}, []any{old, had, nil})
			model[k] = v
		case 1:
			a, loaded, err := m.LoadOrStore(k, v)
			want := v
			if had {
				want = old
			} else {
				model[k] = v
			}
			check("LoadOrStore "+k, []any{a, loaded, err}, []any{want, had, nil})
		case 2:
			got, loaded, err := m.LoadAndDelete(k)
			check("LoadAndDelete "+k, []any{got, loaded, err}, []any{old, had, nil})
			delete(model, k)
		case 3, 4:
			guess := old
			if r.IntN(3) == 0 {
				guess = "not " + old
			}
			swapped, err := m.CompareAndSwap(k, guess, v)
			want := had && guess == old
			check("CompareAndSwap "+k, []any{swapped, err}, []any{want, nil})
			if want {
				model[k] = v
			}
		case 5:
			guess := old
			if r.IntN(3) == 0 {
				guess = "not " + old
			}
			deleted, err := m.CompareAndDelete(k, guess)
			want := had && guess == old
			check("CompareAndDelete "+k, []any{deleted, err}, []any{want, nil})
			if want {
				delete(model, k)
			}
		case 6:
			if err := m.Put(k, v); err != nil {
				t.Fatal(err)
			}
			model[k] = v
		case 7:
			if r.IntN(10) > 0 {
				continue
			}
			mod := strconv.Itoa(r.IntN(3))
			del := func(k, _ string) bool { return k[len(k)-1:] < mod }
			want := 0
			for k := range model {
				if del(k, "") {
					delete(model, k)
					want++
				}
			}
			n, err := m.DeleteFunc(del)
			check("DeleteFunc", []any{n, err}, []any{want, nil})
		default:
			if r.IntN(100) > 0 {
				continue
			}
			if err := m.Clear(); err != nil {
				t.Fatal(err)
			}
			clear(model)
		}
		if step%500 == 499 {
			maptest.CloseChecked(t, m)
			m = maptest.OpenSharded[string, string](t, dir, shards(4))
		}
	}
	got := map[string]string{}
	for k, v := range m.All() {
		got[k] = v
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
	check("the map", got, model)
	check("Len", m.Len(), len(model))
}

// CompareAndSwap is atomic for its key: goroutines that each add to a
// counter with a CompareAndSwap loop lose no increment.
func TestCompareAndSwapLosesNoUpdate(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, uint64](t, t.TempDir(), shards(4))
	const goroutines, adds = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range adds {
				for {
					old, _, err := m.LoadOrStore("n", 0)
					if err != nil {
						errs <- err
						return
					}
					ok, err := m.CompareAndSwap("n", old, old+1)
					if err != nil {
						errs <- err
						return
					}
					if ok {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, _, err := m.Get("n"); err != nil || n != goroutines*adds {
		t.Fatalf("Get = %d, %v; want %d", n, err, goroutines*adds)
	}
}

// Clear ends an iteration in progress, and every call answers ErrClosed
// once the map is closed.
func TestCallsClearAndClosed(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
	for i := range 600 {
		if err := m.Put(fmt.Sprint("k", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	cleared := false
	for range m.Keys() {
		if !cleared {
			if err := m.Clear(); err != nil {
				t.Fatal(err)
			}
			cleared = true
		}
	}
	if err := m.Err(); !errors.Is(err, diskmap.ErrStale) {
		t.Fatalf("Err after a Clear during the iteration = %v, want ErrStale", err)
	}
	if m.Len() != 0 {
		t.Fatalf("Len after Clear = %d", m.Len())
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Swap":             second(m.Swap("k", "v")),
		"LoadOrStore":      second(m.LoadOrStore("k", "v")),
		"LoadAndDelete":    second(m.LoadAndDelete("k")),
		"CompareAndSwap":   func() error { _, err := m.CompareAndSwap("k", "v", "w"); return err }(),
		"CompareAndDelete": func() error { _, err := m.CompareAndDelete("k", "v"); return err }(),
		"Clear":            m.Clear(),
		"DeleteFunc":       func() error { _, err := m.DeleteFunc(func(string, string) bool { return true }); return err }(),
	} {
		if !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf("%s on a closed map: %v, want ErrClosed", name, err)
		}
	}
}

// second returns the error of a call of sync.Map.
func second[V any](_ V, _ bool, err error) error { return err }
