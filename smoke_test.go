package diskmap_test

import (
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap"
)

func TestSmoke(t *testing.T) {
	dir := t.TempDir()
	m, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5000 {
		if err := m.Put(fmt.Sprint("k", i), fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5000 {
		v, ok, err := m.Get(fmt.Sprint("k", i))
		if err != nil || !ok || v != fmt.Sprint("v", i) {
			t.Fatal(i, v, ok, err)
		}
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", m.Stats())
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m, err = diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k, v := range m.All() {
		if k[1:] != v[1:] { t.Fatal(k, v) }
		n++
	}
	if n != 5000 || m.Err() != nil { t.Fatal(n, m.Err()) }
	if err := m.Compact(); err != nil { t.Fatal(err) }
	if err := m.Check(); err != nil { t.Fatal(err) }
	t.Logf("%+v", m.Stats())
	m.Close()
}
