package diskmap_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// testAEAD returns AES-128-GCM under a key of 16 bytes b.
func testAEAD(t testing.TB, b byte) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(bytes.Repeat([]byte{b}, 16))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

// openSealed opens a map of sealed string values in dir, checked and
// closed when the test ends.
func openSealed(t *testing.T, dir string, aead cipher.AEAD, opts *diskmap.Options) *diskmap.Map[string, string] {
	t.Helper()
	m, err := diskmap.OpenWith[string, string](dir, codec.String{}, codec.Sealed[string](codec.String{}, aead), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { maptest.CloseChecked(t, m) })
	return m
}

// TestSealedMapReadsBack: every read path decodes sealed values with their
// key, through a reopen, Compact and an export imported elsewhere; View
// hands out the sealed bytes, not the value.
func TestSealedMapReadsBack(t *testing.T) {
	aead := testAEAD(t, 1)
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := filepath.Join(t.TempDir(), "m")
		m := openSealed(t, dir, aead, opts)
		want := map[string]string{}
		for i := range 50 {
			k, v := maptest.SampleKey(i), strings.Repeat("v", i)+"-secret"
			if err := m.Put(k, v); err != nil {
				t.Fatal(err)
			}
			want[k] = v
		}
		maptest.RequireContents(t, m, want)
		k0 := maptest.SampleKey(0)
		view, _, err := m.View(k0)
		if err != nil || bytes.Contains(view, []byte("secret")) {
			t.Fatalf("View: % x, %v; want sealed bytes", view, err)
		}
		vals, found, err := m.GetMany([]string{k0, "absent", maptest.SampleKey(7)})
		if err != nil || !found[0] || found[1] || vals[0] != want[k0] || vals[2] != want[maptest.SampleKey(7)] {
			t.Fatalf("GetMany: %q %v %v", vals, found, err)
		}
		n := 0
		for v := range m.Values() {
			n += len(v)
		}
		if err := m.Err(); err != nil || n == 0 {
			t.Fatalf("Values: %d bytes, %v", n, err)
		}
		if err := m.Compact(); err != nil {
			t.Fatal(err)
		}
		maptest.RequireContents(t, m, want)
		var stream bytes.Buffer
		if _, err := m.Export(&stream); err != nil {
			t.Fatal(err)
		}
		other := openSealed(t, filepath.Join(t.TempDir(), "other"), aead, opts)
		if n, err := other.Import(&stream); err != nil || n != len(want) {
			t.Fatalf("Import: %d, %v", n, err)
		}
		maptest.RequireContents(t, other, want)
		maptest.CheckClose(t, m)
		maptest.RequireContents(t, openSealed(t, dir, aead, opts), want)
	})
}

// TestSealedMapCallsOfSyncMap: the calls that read and write in one step
// decode with the key, and CompareAndSwap and CompareAndDelete compare
// the value sealed inside, not the sealed bytes, which differ every time.
func TestSealedMapCallsOfSyncMap(t *testing.T) {
	m := openSealed(t, t.TempDir(), testAEAD(t, 1), nil)
	check := func(what string, got string, ok bool, err error, want string, wantOK bool) {
		t.Helper()
		if err != nil || ok != wantOK || got != want {
			t.Fatalf("%s: %q, %v, %v; want %q, %v", what, got, ok, err, want, wantOK)
		}
	}
	if err := m.Put("a", "one"); err != nil {
		t.Fatal(err)
	}
	prev, loaded, err := m.Swap("a", "two")
	check("Swap", prev, loaded, err, "one", true)
	actual, loaded, err := m.LoadOrStore("a", "three")
	check("LoadOrStore", actual, loaded, err, "two", true)
	swapped, err := m.CompareAndSwap("a", "two", "four")
	check("CompareAndSwap", "", swapped, err, "", true)
	swapped, err = m.CompareAndSwap("a", "two", "five")
	check("CompareAndSwap of a stale value", "", swapped, err, "", false)
	deleted, err := m.CompareAndDelete("a", "four")
	check("CompareAndDelete", "", deleted, err, "", true)
	if err := m.Put("b", "bee"); err != nil {
		t.Fatal(err)
	}
	v, loaded, err := m.LoadAndDelete("b")
	check("LoadAndDelete", v, loaded, err, "bee", true)

	if err := m.Put("c", "sea"); err != nil {
		t.Fatal(err)
	}
	err = m.Batch(func(b *diskmap.Batch[string, string]) error {
		prev, loaded, err := b.Swap("c", "see")
		check("Batch.Swap", prev, loaded, err, "sea", true)
		swapped, err := b.CompareAndSwap("c", "see", "si")
		check("Batch.CompareAndSwap", "", swapped, err, "", true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Entry("c").AndModify(func(v *string) { *v += "!" }).OrInsert("none")
	check("Entry", got, true, err, "si!", true)
	v, ok, err := m.Get("c")
	check("Get", v, ok, err, "si!", true)
	n, err := m.DeleteFunc(func(_ string, v string) bool { return v == "si!" })
	if err != nil || n != 1 {
		t.Fatalf("DeleteFunc: %d, %v; want 1 deleted", n, err)
	}
}

// swapRecords swaps, in the values file of dir, the records whose
// payloads are a and b, of one length: their checksums go with them, so
// only the key binding can tell.
func swapRecords(t *testing.T, dir string, a, b []byte) {
	t.Helper()
	maptest.EditFile(t, dir, "values", func(f []byte) []byte {
		i, j := bytes.Index(f, a), bytes.Index(f, b)
		if i < 8 || j < 8 || len(a) != len(b) {
			t.Fatalf("records not found: %d, %d", i, j)
		}
		ra := append([]byte(nil), f[i-8:i+len(a)]...)
		copy(f[i-8:], f[j-8:j+len(b)])
		copy(f[j-8:], ra)
		return f
	})
}

// TestSealedMapDetectsSwappedValues: two values whose records are swapped
// in the file are reported as damage naming the file and the key, not
// served; with a plain codec the same swap is served silently.
func TestSealedMapDetectsSwappedValues(t *testing.T) {
	for _, sealed := range []bool{true, false} {
		dir := filepath.Join(t.TempDir(), "m")
		vc := codec.Codec[string](codec.String{})
		if sealed {
			vc = codec.Sealed[string](codec.String{}, testAEAD(t, 1))
		}
		m, err := diskmap.OpenWith[string, string](dir, codec.String{}, vc, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]string{"alice": "balance 100", "bob": "balance 999"} {
			if err := m.Put(k, v); err != nil {
				t.Fatal(err)
			}
		}
		a, _, _ := m.GetAppend(nil, "alice")
		b, _, _ := m.GetAppend(nil, "bob")
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		swapRecords(t, dir, a, b)
		m, err = diskmap.OpenWith[string, string](dir, codec.String{}, vc, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := m.Get("alice")
		switch {
		case !sealed && (err != nil || v != "balance 999"):
			t.Fatalf("plain codec: Get = %q, %v; want the swapped value served", v, err)
		case sealed:
			var ce *diskmap.CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, diskmap.ErrCorrupt) || ce.File != filepath.Join(dir, "values") ||
				ce.Offset <= 0 || !strings.Contains(err.Error(), `"alice"`) {
				t.Fatalf("sealed: Get = %q, %v; want ErrCorrupt naming the values file, an offset and the key", v, err)
			}
			if _, err := m.CompareAndSwap("bob", "balance 100", "x"); !errors.Is(err, diskmap.ErrCorrupt) {
				t.Errorf("CompareAndSwap over a swapped value: %v, want ErrCorrupt", err)
			}
			for range m.All() {
			}
			if err := m.Err(); !errors.Is(err, diskmap.ErrCorrupt) {
				t.Errorf("All over a swapped value: %v, want ErrCorrupt", err)
			}
		}
		maptest.CheckClose(t, m)
	}
}

// TestSealedMapWithAnotherKey: a map opened with another AEAD key opens,
// its name cannot tell, and fails with ErrCorrupt at the first read.
func TestSealedMapWithAnotherKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	m := openSealed(t, dir, testAEAD(t, 1), nil)
	if err := m.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	maptest.CheckClose(t, m)
	m = openSealed(t, dir, testAEAD(t, 2), nil)
	if v, _, err := m.Get("k"); !errors.Is(err, diskmap.ErrCorrupt) {
		t.Fatalf("Get with another AEAD key = %q, %v; want ErrCorrupt", v, err)
	}
	maptest.CheckClose(t, m)
	if _, err := diskmap.OpenWith[string, string](dir, codec.String{}, codec.String{}, nil); !errors.Is(err, diskmap.ErrCodecMismatch) {
		t.Fatalf("Open as plain strings: %v, want ErrCodecMismatch", err)
	}
}

// TestSealedMapSurvivesACrash: the files of an open map of sealed values,
// copied as a crash of the process leaves them, reopen with every value.
func TestSealedMapSurvivesACrash(t *testing.T) {
	aead := testAEAD(t, 1)
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := filepath.Join(t.TempDir(), "m")
		m := openSealed(t, dir, aead, opts)
		want := map[string]string{}
		for i := range 100 {
			k, v := maptest.SampleKey(i), strings.Repeat("s", i%17)
			if err := m.Put(k, v); err != nil {
				t.Fatal(err)
			}
			want[k] = v
		}
		crashed := filepath.Join(t.TempDir(), "crashed")
		maptest.CrashCopy(t, dir, crashed)
		maptest.RequireContents(t, openSealed(t, crashed, aead, opts), want)
	})
}

// TestSealedConcurrentMap: a concurrent.Map of sealed values reads back
// through its shards, and its export imports into a diskmap.Map.
func TestSealedConcurrentMap(t *testing.T) {
	vc := codec.Sealed[string](codec.String{}, testAEAD(t, 1))
	m, err := concurrent.OpenWith[string, string](filepath.Join(t.TempDir(), "c"), codec.String{}, vc, &concurrent.Options{Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { maptest.CloseChecked(t, m) })
	want := map[string]string{}
	for i := range 40 {
		k := maptest.SampleKey(i)
		want[k] = "value " + k
		if err := m.Put(k, want[k]); err != nil {
			t.Fatal(err)
		}
	}
	maptest.RequireContents(t, m, want)
	if ok, err := m.CompareAndSwap(maptest.SampleKey(1), want[maptest.SampleKey(1)], "new"); err != nil || !ok {
		t.Fatalf("CompareAndSwap: %v, %v", ok, err)
	}
	want[maptest.SampleKey(1)] = "new"
	var stream bytes.Buffer
	if _, err := m.Export(&stream); err != nil {
		t.Fatal(err)
	}
	single := openSealed(t, filepath.Join(t.TempDir(), "s"), testAEAD(t, 1), nil)
	if _, err := single.Import(&stream); err != nil {
		t.Fatal(err)
	}
	maptest.RequireContents(t, single, want)
}
