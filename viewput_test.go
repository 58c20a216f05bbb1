package diskmap_test

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// A view of a value may be stored again, under another key, as it is: the
// write must not read it through a mapping that growing the values file
// took away. The map is reopened first, so that the file's size is not a
// power of two and its growth does not line up with its reservation.
func TestPutOwnView(t *testing.T) {
	t.Parallel()
	const writes = 60 // of 1 MiB, past 4 times the size the map reopens with
	kinds := map[string]func(m *diskmap.Map[string, []byte], k string, v []byte) error{
		"Put":       func(m *diskmap.Map[string, []byte], k string, v []byte) error { return m.Put(k, v) },
		"Entry.Set": func(m *diskmap.Map[string, []byte], k string, v []byte) error { return m.Entry(k).Set(v) },
	}
	for _, d := range maptest.Modes {
		for name, write := range kinds {
			t.Run(d.String()+"/"+name, func(t *testing.T) {
				dir := t.TempDir()
				opts := &diskmap.Options{Durability: d}
				src := bytes.Repeat([]byte("the value stored again "), 1<<20/23)
				m := maptest.Open[string, []byte](t, dir, opts)
				for i := range 17 {
					if err := m.Put(fmt.Sprint("first ", i), src); err != nil {
						t.Fatal(err)
					}
				}
				if err := m.Close(); err != nil {
					t.Fatal(err)
				}

				m = maptest.Open[string, []byte](t, dir, opts)
				start := m.Stats().Values.Size
				if err := m.Put("src", src); err != nil {
					t.Fatal(err)
				}
				// Past the file's size times 4, its mapping's reservation
				// (twice the size, in powers of two) cannot cover it.
				for i := range writes {
					v, ok, err := m.View("src")
					if err != nil || !ok {
						t.Fatalf("View(src) = %v, %v", ok, err)
					}
					if err := writeNoFault(t, func() error { return write(m, fmt.Sprint("dst ", i), v) }); err != nil {
						t.Fatalf("write %d of the view: %v", i, err)
					}
				}
				if s := m.Stats().Values.Size; s < 4*start {
					t.Fatalf("the values file grew from %d to only %d bytes: too little to test", start, s)
				}
				for i := range writes {
					if got, _, err := m.Get(fmt.Sprint("dst ", i)); err != nil || !bytes.Equal(got, src) {
						t.Fatalf("Get(dst %d) = %d bytes, %v; want the %d bytes of src", i, len(got), err, len(src))
					}
				}
			})
		}
	}
}

// writeNoFault runs write, failing the test instead of crashing the
// program if it faults on a memory address.
func writeNoFault(t *testing.T, write func() error) (err error) {
	t.Helper()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(interface{ Addr() uintptr }); ok {
				t.Fatalf("the write faulted at %#x: %v", f.Addr(), r)
			}
			panic(r)
		}
	}()
	return write()
}
