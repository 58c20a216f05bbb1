package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

func TestPutThenReadWithTheLibrary(t *testing.T) {
	dir := stringMap(t, "a", "1")
	ok(t, "", "put", dir, "b", "two")
	ok(t, "", "put", dir, "a", "one")
	m, err := diskmap.Open[string, string](dir, &diskmap.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }() // read-only
	for k, want := range map[string]string{"a": "one", "b": "two"} {
		if v, found, err := m.Get(k); err != nil || !found || v != want {
			t.Errorf("Get(%q) = %q, %v, %v; want %q", k, v, found, err, want)
		}
	}
}

// A JSON value put into a map of msgpack reads back as the Go struct.
func TestPutMsgpackFromJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	m, err := diskmap.Open[string, account](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	ok(t, "", "put", dir, "bob", `{"User":"bob","Visits":7,"Tags":["x"]}`)
	fails(t, 2, `value: want JSON for the codec msgpack, got "{not json"`, "", "put", dir, "bob", "{not json")
	m, err = diskmap.Open[string, account](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }() // nothing written
	v, found, err := m.Get("bob")
	if err != nil || !found || v.User != "bob" || v.Visits != 7 || len(v.Tags) != 1 {
		t.Errorf("Get = %+v, %v, %v", v, found, err)
	}
}

func TestPutWithATimeToLive(t *testing.T) {
	dir := stringMap(t)
	ok(t, "", "put", "-ttl", "1h", dir, "s", "v")
	out := ok(t, "", "get", "-json", dir, "s")
	i := strings.Index(out, `"expires":"`)
	if i < 0 {
		t.Fatalf("get -json = %q, want an expiry", out)
	}
	exp, err := time.Parse(time.RFC3339Nano, out[i+len(`"expires":"`):len(out)-3])
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(exp); d <= 0 || d > time.Hour {
		t.Errorf("expires %v, %v from now; want within the hour", exp, d)
	}
	fails(t, 2, "-ttl -1s is negative", "", "put", "-ttl", "-1s", dir, "s", "v")
}

func TestPutIntoAConcurrentMap(t *testing.T) {
	dir := shardedMap(t, 10)
	ok(t, "", "put", dir, "new", "99")
	fails(t, 2, `value: want an int64, got "x"`, "", "put", dir, "new", "x")
	m, err := concurrent.Open[string, int64](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }() // read only
	if v, found, err := m.Get("new"); err != nil || !found || v != 99 {
		t.Errorf("Get = %v, %v, %v", v, found, err)
	}
}

// A map of the codec empty, such as a diskmap.Set, takes a key alone.
func TestPutIntoASet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	m, err := diskmap.Open[string, struct{}](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	ok(t, "", "put", dir, "member")
	fails(t, 2, "the codec empty stores no values", "", "put", dir, "member", "x")
	if out := ok(t, "", "get", "-json", dir, "member"); out != `{"key":"member","value":null}`+"\n" {
		t.Errorf("get -json = %q", out)
	}
	fails(t, 2, "got no VALUE", "", "put", stringMap(t), "k")
}

func TestPutIntoNoMap(t *testing.T) {
	fails(t, 2, "no map here", "", "put", filepath.Join(t.TempDir(), "absent"), "k", "v")
}
