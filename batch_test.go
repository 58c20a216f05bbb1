package diskmap_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

func TestBatchAppliesAllOrNothing(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		if err := m.Put("gone", 1); err != nil {
			t.Fatal(err)
		}
		errStop := errors.New("changed my mind")
		err := m.Batch(func(b *diskmap.Batch[string, int]) error {
			if err := b.Put("a", 1); err != nil {
				return err
			}
			if _, err := b.Delete("gone"); err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(err, errStop) || m.Len() != 1 {
			t.Fatalf("a batch whose fn failed: err %v, Len %d", err, m.Len())
		}
		err = m.Batch(func(b *diskmap.Batch[string, int]) error {
			for i := range 100 {
				if err := b.Put(fmt.Sprint("k", i), i); err != nil {
					return err
				}
			}
			if was, err := b.Delete("gone"); !was || err != nil {
				return fmt.Errorf("Delete(gone) = %v, %v", was, err)
			}
			if was, _ := b.Delete("gone"); was {
				return errors.New("deleted twice")
			}
			if was, _ := b.Delete("k5"); !was {
				return errors.New("k5 was put in this batch")
			}
			if ok, _ := m.Contains("k1"); ok {
				return errors.New("the batch is visible before it is applied")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if m.Len() != 99 {
			t.Fatalf("Len %d, want 99", m.Len())
		}
		if v, ok, _ := m.Get("k42"); !ok || v != 42 {
			t.Fatalf("k42 = %d, %v", v, ok)
		}
	})
}

// A crash in the middle of applying a batch leaves files from which the
// next Open makes the whole batch, in every mode.
func TestBatchCutShortIsFinishedOnOpen(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		opts.Capacity = 8
		m := maptest.Open[string, string](t, dir, opts)
		for i := range 20 {
			if err := m.Put(fmt.Sprint("old", i), "x"); err != nil {
				t.Fatal(err)
			}
		}
		crash := errors.New("crash")
		calls := 0
		diskmap.SetFailpoint(m, func(name string) error {
			if name == "batch-op" {
				if calls++; calls == 30 {
					return crash
				}
			}
			return nil
		})
		err := m.Batch(func(b *diskmap.Batch[string, string]) error {
			for i := range 50 {
				if err := b.Put(fmt.Sprint("new", i), "y"); err != nil {
					return err
				}
			}
			for i := range 10 {
				if _, err := b.Delete(fmt.Sprint("old", i)); err != nil {
					return err
				}
			}
			return nil
		})
		if !errors.Is(err, crash) {
			t.Fatalf("Batch: %v", err)
		}
		if _, _, err := m.Get("old1"); !errors.Is(err, crash) {
			t.Fatalf("a map with a batch cut short must refuse use: %v", err)
		}
		crashed := filepath.Join(t.TempDir(), "crashed")
		maptest.CrashCopy(t, dir, crashed)
		if err := m.Close(); !errors.Is(err, crash) {
			t.Fatalf("Close of the failed map: %v", err)
		}
		c := maptest.Open[string, string](t, crashed, &diskmap.Options{Durability: opts.Durability})
		if c.Len() != 60 {
			t.Fatalf("Len after recovery %d, want 60 (the whole batch)", c.Len())
		}
		for i := range 10 {
			if ok, _ := c.Contains(fmt.Sprint("old", i)); ok {
				t.Fatalf("old%d survived the batch that deleted it", i)
			}
		}
	})
}

// A batch function may close the map, as the callbacks of ViewMany and of
// iterators may: Batch then applies nothing and returns ErrClosed (or the
// function's own error), in every mode. Batch on a closed map returns
// ErrClosed without calling its function.
func TestBatchClosedByItsFunction(t *testing.T) {
	t.Parallel()
	errStop := errors.New("stop")
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		for _, c := range []struct {
			name string
			fn   func(m *diskmap.Map[string, int], b *diskmap.Batch[string, int]) error
			want error
		}{
			{"close", func(m *diskmap.Map[string, int], b *diskmap.Batch[string, int]) error {
				return m.Close()
			}, diskmap.ErrClosed},
			{"put, delete, close", func(m *diskmap.Map[string, int], b *diskmap.Batch[string, int]) error {
				if err := b.Put("new", 1); err != nil {
					return err
				}
				if _, err := b.Delete("old0"); err != nil {
					return err
				}
				return m.Close()
			}, diskmap.ErrClosed},
			{"close, put, delete", func(m *diskmap.Map[string, int], b *diskmap.Batch[string, int]) error {
				if err := m.Close(); err != nil {
					return err
				}
				if err := b.Put("new", 1); err != nil {
					return err
				}
				if _, err := b.Delete("old0"); !errors.Is(err, diskmap.ErrClosed) {
					return fmt.Errorf("Delete after Close: %v, want ErrClosed", err)
				}
				return nil
			}, diskmap.ErrClosed},
			{"put, close, fail", func(m *diskmap.Map[string, int], b *diskmap.Batch[string, int]) error {
				if err := b.Put("new", 1); err != nil {
					return err
				}
				if err := m.Close(); err != nil {
					return err
				}
				return errStop
			}, errStop},
		} {
			t.Run(c.name, func(t *testing.T) {
				dir := t.TempDir()
				m := maptest.Open[string, int](t, dir, opts)
				for i := range 10 {
					if err := m.Put(fmt.Sprint("old", i), i); err != nil {
						t.Fatal(err)
					}
				}
				err := batchCatching(m, func(b *diskmap.Batch[string, int]) error { return c.fn(m, b) })
				if !errors.Is(err, c.want) {
					t.Fatalf("Batch: %v, want %v", err, c.want)
				}
				m = maptest.Open[string, int](t, dir, opts)
				if ok, _ := m.Contains("new"); ok || m.Len() != 10 {
					t.Fatalf("the batch was applied: Len %d, new there %v", m.Len(), ok)
				}
				if ok, _ := m.Contains("old0"); !ok {
					t.Fatal("the batch's delete was applied")
				}
				if err := m.Close(); err != nil {
					t.Fatal(err)
				}
				called := false
				err = batchCatching(m, func(b *diskmap.Batch[string, int]) error { called = true; return nil })
				if !errors.Is(err, diskmap.ErrClosed) || called {
					t.Fatalf("Batch on a closed map: %v, function called %v; want ErrClosed, not called", err, called)
				}
			})
		}
	})
}

// batchCatching is m.Batch(fn) with a panic turned into an error.
func batchCatching(m *diskmap.Map[string, int], fn func(b *diskmap.Batch[string, int]) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("Batch panicked: %v", p)
		}
	}()
	return m.Batch(fn)
}
