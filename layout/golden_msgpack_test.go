package layout_test

import (
	"errors"
	"fmt"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/layout"
)

// testdata/golden-v1-msgpack holds maps written when every Msgpack codec
// was named "msgpack", whatever its type: users, from "u000" to "u049" to
// values of goldenUser's fields, every fifth renamed, and set, the keys
// "k000" to "k049" with struct{} values. Every later version must open them
// with the codecs Open picks, and read the same contents.
const goldenMsgpackDir = "testdata/golden-v1-msgpack"

// goldenUser has the fields of the values in the users map, under another
// type name than the one that wrote them.
type goldenUser struct {
	Name string
	Age  int
	Tags []string
}

// goldenUserFor returns the value of the user map's key i.
func goldenUserFor(i int) goldenUser {
	u := goldenUser{Name: fmt.Sprintf("user %d", i), Age: 20 + i}
	if i%3 == 0 {
		u.Tags = []string{"admin", fmt.Sprint(i)}
	}
	if i%5 == 0 {
		u.Name += " (renamed)"
	}
	return u
}

// copyMsgpackGolden copies the golden map name to a new directory and
// returns it.
func copyMsgpackGolden(t *testing.T, name string) string {
	t.Helper()
	return maptest.CopyOf(t, filepath.Join(goldenMsgpackDir, name))
}

// valueCodec returns the value codec name in the header of the map in dir.
func valueCodec(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "buckets"))
	must(t, err)
	h, _, err := layout.ReadMeta(b[:layout.MetaSize])
	must(t, err)
	return h.ValueCodec
}

// TestGoldenMsgpackUsers opens the users map with Msgpack[goldenUser], whose
// name is not "msgpack", reads it, writes to it, and finds the header's
// name unchanged.
func TestGoldenMsgpackUsers(t *testing.T) {
	dir := copyMsgpackGolden(t, "users")
	if got := valueCodec(t, dir); got != "msgpack" {
		t.Fatalf("the golden map's value codec is %q, want msgpack", got)
	}
	for _, ro := range []bool{true, false} {
		m, err := diskmap.Open[string, goldenUser](dir, &diskmap.Options{ReadOnly: ro})
		must(t, err)
		checkUsers(t, m, 50)
		if !ro {
			must(t, m.Put("u050", goldenUserFor(50)))
		}
		must(t, m.Check())
		must(t, m.Close())
	}
	if got := valueCodec(t, dir); got != "msgpack" {
		t.Fatalf("after a write the header names %q, want msgpack still", got)
	}
	m, err := diskmap.Open[string, goldenUser](dir, nil)
	must(t, err)
	defer func() { must(t, m.Close()) }()
	checkUsers(t, m, 51)
}

// checkUsers checks that m holds users 0 to n-1.
func checkUsers(t *testing.T, m *diskmap.Map[string, goldenUser], n int) {
	t.Helper()
	if m.Len() != n {
		t.Fatalf("Len = %d, want %d", m.Len(), n)
	}
	for i := range n {
		k := fmt.Sprintf("u%03d", i)
		if v, ok, err := m.Get(k); err != nil || !ok || !reflect.DeepEqual(v, goldenUserFor(i)) {
			t.Fatalf("Get(%s) = %+v, %v, %v, want %+v", k, v, ok, err, goldenUserFor(i))
		}
	}
}

// TestGoldenMsgpackConfusion: a map named "msgpack" cannot say which type
// wrote it, so it opens as a map of any type, and values decode to zero
// fields. A map made now refuses the wrong type.
func TestGoldenMsgpackConfusion(t *testing.T) {
	type other struct{ Nickname string }
	dir := copyMsgpackGolden(t, "users")
	m, err := diskmap.Open[string, other](dir, &diskmap.Options{ReadOnly: true})
	must(t, err)
	v, ok, err := m.Get("u001")
	must(t, m.Close())
	if err != nil || !ok || v != (other{}) {
		t.Fatalf("Get = %+v, %v, %v, want a zero value: the legacy name cannot tell types apart", v, ok, err)
	}

	dir = filepath.Join(t.TempDir(), "new")
	n, err := diskmap.Open[string, goldenUser](dir, nil)
	must(t, err)
	must(t, n.Put("u001", goldenUserFor(1)))
	must(t, n.Close())
	if got, want := valueCodec(t, dir), (codec.Msgpack[goldenUser]{}).Name(); got != want {
		t.Fatalf("a new map's value codec is %q, want %q", got, want)
	}
	if _, err := diskmap.Open[string, other](dir, nil); !errors.Is(err, diskmap.ErrCodecMismatch) {
		t.Fatalf("Open of a map of goldenUser as other: %v, want ErrCodecMismatch", err)
	}
}

// TestGoldenMsgpackSet opens the set map with the codec Open picks for
// struct{}, adds a key, and reads every key back.
func TestGoldenMsgpackSet(t *testing.T) {
	dir := copyMsgpackGolden(t, "set")
	for round := range 2 {
		m, err := diskmap.Open[string, struct{}](dir, nil)
		must(t, err)
		if m.Len() != 50+round {
			t.Fatalf("round %d: Len = %d, want %d", round, m.Len(), 50+round)
		}
		for i := range 50 + round {
			k := fmt.Sprintf("k%03d", i)
			if _, ok, err := m.Get(k); err != nil || !ok {
				t.Fatalf("round %d: Get(%s) = %v, %v", round, k, ok, err)
			}
		}
		must(t, m.Put("k050", struct{}{}))
		must(t, m.Check())
		must(t, m.Close())
	}
}
