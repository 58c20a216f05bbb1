package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
)

func TestGetPrintsTheValue(t *testing.T) {
	dir := stringMap(t, "alice", "hello world")
	if out := ok(t, "", "get", dir, "alice"); out != "hello world\n" {
		t.Errorf("get = %q", out)
	}
	if out := ok(t, "", "get", "-json", dir, "alice"); out != `{"key":"alice","value":"hello world"}`+"\n" {
		t.Errorf("get -json = %q", out)
	}
}

func TestGetOfAMissingKeyExits1(t *testing.T) {
	dir := stringMap(t, "alice", "1")
	fails(t, 1, `key "bob" is not in the map`, "", "get", dir, "bob")
}

// Bytes print as they are; JSON has them in base64.
func TestGetBytes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	m, err := diskmap.Open[string, []byte](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put("k", []byte{0, 1, 2, 0xff}); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if out := ok(t, "", "get", dir, "k"); out != "\x00\x01\x02\xff" {
		t.Errorf("get = %q", out)
	}
	if out := ok(t, "", "get", "-json", dir, "k"); out != `{"key":"k","value":"AAEC/w=="}`+"\n" {
		t.Errorf("get -json = %q", out)
	}
}

// A number key is parsed for the codec; a key that is not one is bad
// input, said in one line naming the codec.
func TestGetWithANumberKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n")
	m, err := diskmap.Open[int64, float64](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put(-42, 2.5); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if out := ok(t, "", "get", dir, "-42"); out != "2.5\n" {
		t.Errorf("get = %q", out)
	}
	fails(t, 2, `key: want an int64, got "abc" (the map's key codec is int64)`, "", "get", dir, "abc")
	fails(t, 2, `want an int64, got "1.5"`, "", "get", dir, "1.5")
}

type account struct {
	User   string
	Visits int
	Tags   []string
}

// A msgpack value prints as JSON, whatever Go type wrote it.
func TestGetMsgpack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	m, err := diskmap.Open[string, account](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put("alice", account{User: "alice", Visits: 3, Tags: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(ok(t, "", "get", dir, "alice")), &got); err != nil {
		t.Fatal(err)
	}
	if got["User"] != "alice" || got["Visits"] != 3.0 || len(got["Tags"].([]any)) != 2 {
		t.Errorf("get = %v", got)
	}
}

func TestGetFromAConcurrentMap(t *testing.T) {
	dir := shardedMap(t, 20)
	if out := ok(t, "", "get", dir, "k17"); out != "17\n" {
		t.Errorf("get = %q", out)
	}
}
