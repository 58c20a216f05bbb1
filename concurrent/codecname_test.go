package concurrent_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

// legacyUser has the fields of the values in testdata/v1-msgpack, a map of
// two shards written when every Msgpack codec was named "msgpack": keys
// "u000" to "u019".
type legacyUser struct {
	Name string
	Age  int
	Tags []string
}

func legacyUserFor(i int) legacyUser {
	u := legacyUser{Name: fmt.Sprintf("user %d", i), Age: 20 + i}
	if i%3 == 0 {
		u.Tags = []string{"admin", fmt.Sprint(i)}
	}
	return u
}

// TestGoldenMsgpack opens testdata/v1-msgpack with Msgpack[legacyUser],
// whose name is not "msgpack", to read and to write.
func TestGoldenMsgpack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "v1-msgpack")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "v1-msgpack"))); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{true, false} {
		m, err := concurrent.Open[string, legacyUser](dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: ro}})
		if err != nil {
			t.Fatalf("Open (read-only %v): %v", ro, err)
		}
		for i := range 20 {
			k := fmt.Sprintf("u%03d", i)
			if v, ok, err := m.Get(k); err != nil || !ok || !reflect.DeepEqual(v, legacyUserFor(i)) {
				t.Fatalf("Get(%s) = %+v, %v, %v, want %+v", k, v, ok, err, legacyUserFor(i))
			}
		}
		if !ro {
			if err := m.Put("u020", legacyUserFor(20)); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMsgpackTypeMismatch: a sharded map of one struct type does not open
// as a map of another.
func TestMsgpackTypeMismatch(t *testing.T) {
	type other struct{ Nickname string }
	dir := t.TempDir()
	m, err := concurrent.Open[string, legacyUser](dir, shards(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put("u001", legacyUserFor(1)); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := concurrent.Open[string, other](dir, nil); !errors.Is(err, diskmap.ErrCodecMismatch) {
		t.Fatalf("Open as another type: %v, want ErrCodecMismatch", err)
	}
}
