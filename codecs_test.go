package diskmap_test

import (
	"errors"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
)

// Two struct types that Msgpack must not confuse, and a third with the
// fields of the first under another name.
type (
	account struct {
		Owner   string
		Balance int64
	}
	profile struct {
		Nickname string
		Age      int
	}
	renamedAccount struct {
		Owner   string
		Balance int64
	}
)

// accountFullName is account's full name, as Msgpack names it.
const accountFullName = "github.com/diskmap-go/diskmap_test.account"

// writeAccounts makes a map of account values in a new directory.
func writeAccounts(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "accounts")
	m := maptest.Open[string, account](t, dir, nil)
	if err := m.Put("ada", account{Owner: "Ada", Balance: 36}); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMsgpackTypeMismatch: a map of one struct type does not open as a map
// of another, where every value would decode to zero fields, nor of a type
// of the same fields under another name.
func TestMsgpackTypeMismatch(t *testing.T) {
	dir := writeAccounts(t)
	if m, err := diskmap.Open[string, profile](dir, nil); !errors.Is(err, diskmap.ErrCodecMismatch) {
		if err == nil {
			v, _, _ := m.Get("ada")
			t.Errorf("the map of account opened as profile, reading %+v", v)
			_ = m.Close()
		}
		t.Fatalf("Open as profile: %v, want ErrCodecMismatch", err)
	}
	if _, err := diskmap.Open[string, renamedAccount](dir, nil); !errors.Is(err, diskmap.ErrCodecMismatch) {
		t.Fatalf("Open as renamedAccount: %v, want ErrCodecMismatch", err)
	}
	m := maptest.Open[string, account](t, dir, nil)
	if v, ok, err := m.Get("ada"); err != nil || !ok || v != (account{Owner: "Ada", Balance: 36}) {
		t.Fatalf("Get = %+v, %v, %v", v, ok, err)
	}
}

// TestMsgpackNamedRename reads the map of account as renamedAccount, with
// the codec named after account.
func TestMsgpackNamedRename(t *testing.T) {
	dir := writeAccounts(t)
	vc, err := codec.MsgpackNamed[renamedAccount](accountFullName)
	if err != nil {
		t.Fatal(err)
	}
	m, err := diskmap.OpenWith[string, renamedAccount](dir, codec.String{}, vc, nil)
	if err != nil {
		t.Fatalf("OpenWith MsgpackNamed: %v", err)
	}
	t.Cleanup(func() { maptest.CloseChecked(t, m) })
	if v, ok, err := m.Get("ada"); err != nil || !ok || v != (renamedAccount{Owner: "Ada", Balance: 36}) {
		t.Fatalf("Get = %+v, %v, %v", v, ok, err)
	}
	if err := m.Put("bob", renamedAccount{Owner: "Bob", Balance: 1}); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	back := maptest.Open[string, account](t, dir, nil)
	if v, ok, err := back.Get("bob"); err != nil || !ok || v != (account{Owner: "Bob", Balance: 1}) {
		t.Fatalf("Get(bob) as account = %+v, %v, %v", v, ok, err)
	}
}

// TestSetValues: a map of struct{} values, a set, stores no value bytes:
// an empty value has no record at all, so the values arena stays as it
// was created, whatever is put, replaced or deleted. Every operation works
// on such values, across Compact and a reopen.
func TestSetValues(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "set")
	m := maptest.Open[uint64, struct{}](t, dir, nil)
	empty := m.Stats().Values
	const n = 1000
	for i := range uint64(n) {
		if err := m.Put(i, struct{}{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := uint64(0); i < n; i += 2 {
		if err := m.Put(i, struct{}{}); err != nil { // replaced: nothing dead
			t.Fatal(err)
		}
	}
	if st := m.Stats().Values; st != empty {
		t.Fatalf("values arena %+v after %d keys, want %+v as created: no records", st, n, empty)
	}
	for i := uint64(0); i < n; i += 2 {
		if ok, err := m.Delete(i); !ok || err != nil {
			t.Fatalf("Delete(%d) = %v, %v", i, ok, err)
		}
	}
	if st := m.Stats().Values; st != empty {
		t.Fatalf("values arena %+v after deletes, want %+v as created", st, empty)
	}
	if err := m.Compact(); err != nil {
		t.Fatal(err)
	}
	if st := m.Stats().Values; st.Live != 0 || st.Dead != 0 {
		t.Fatalf("values arena %+v after Compact, want no records", st)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.Open[uint64, struct{}](t, dir, nil)
	count := 0
	for k, v := range m.All() {
		if k%2 == 0 || v != struct{}{} {
			t.Fatalf("entry %d, %v: want odd keys only", k, v)
		}
		count++
	}
	if err := m.Err(); err != nil || count != n/2 || m.Len() != n/2 {
		t.Fatalf("iterated %d keys, Len %d, Err %v; want %d", count, m.Len(), err, n/2)
	}
	for i := range uint64(n) {
		_, ok, err := m.Get(i)
		if err != nil || ok != (i%2 == 1) {
			t.Fatalf("Get(%d) = %v, %v", i, ok, err)
		}
		if b, ok, err := m.View(i); err != nil || ok != (i%2 == 1) || len(b) != 0 {
			t.Fatalf("View(%d) = % x, %v, %v, want no bytes", i, b, ok, err)
		}
	}
}
