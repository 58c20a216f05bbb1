package main

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

// What dump writes, load reads back: here from a diskmap.Map into a new
// concurrent.Map.
func TestLoadWhatDumpWrote(t *testing.T) {
	from := shardedMap(t, 0)
	ok(t, "", "put", from, "a", "1")
	ok(t, "", "put", "-ttl", "1h", from, "b", "2")
	dump := ok(t, "", "dump", from)
	to := filepath.Join(t.TempDir(), "to")
	if out := ok(t, dump, "load", "-key", "string", "-value", "int64", "-shards", "2", to); out != to+": loaded 2 entries\n" {
		t.Errorf("load = %q", out)
	}
	if got, want := sortedLines(ok(t, "", "dump", to)), sortedLines(dump); !slices.Equal(got, want) {
		t.Errorf("dump after load = %q, want %q", got, want)
	}
	m, err := concurrent.Open[string, int64](to, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }() // read only
	if st := m.Stats(); len(st.Shards) != 2 || st.Len != 2 {
		t.Errorf("the map loaded has %d shards and %d keys, want 2 and 2", len(st.Shards), st.Len)
	}
}

func TestLoadIntoAMapThatExists(t *testing.T) {
	dir := stringMap(t, "a", "old")
	ok(t, `{"key":"a","value":"new"}`+"\n\n"+`{"key":"b","value":"b"}`, "load", dir)
	if got := ok(t, "", "get", dir, "a"); got != "new\n" {
		t.Errorf("get a = %q", got)
	}
	fails(t, 2, "the map's codecs are string and string, not string and bytes", "", "load", "-key", "string", "-value", "bytes", dir)
}

// Without codecs, load does not create a map.
func TestLoadNeedsCodecsToCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	fails(t, 2, "no map here (no buckets or manifest file); load creates one only when -key and -value name its codecs", "", "load", dir)
	fails(t, 2, "-key and -value go together", "", "load", "-key", "string", dir)
	fails(t, 2, `value codec "json" is not one this tool knows`, "", "load", "-key", "string", "-value", "json", dir)
}

// A malformed line is bad input: the error says which line, and what
// came before it is loaded.
func TestLoadMalformedLine(t *testing.T) {
	dir := stringMap(t)
	in := `{"key":"a","value":"1"}` + "\n" + `{"key":"b","value":` + "\n"
	fails(t, 2, "line 2: not a JSON object", in, "load", dir)
	if got := ok(t, "", "get", dir, "a"); got != "1\n" {
		t.Errorf("get a = %q, want the line before the bad one loaded", got)
	}
	for in, want := range map[string]string{
		`{"key":1,"value":"1"}`:                 "line 1: key: want a string, got 1 (loaded before it: 0 entries)",
		`{"value":"1"}`:                         "line 1: no key",
		`{"key":"a"}`:                           "line 1: value: want a string, got nothing",
		`{"key":"a","value":"1","extra":1}`:     `unknown field "extra"`,
		`{"key":"a","value":"1"} {}`:            "line 1: more than one JSON value",
		`{"key":"a","value":"1","expires":"x"}`: `line 1: expires: want a time in RFC 3339, got "x"`,
		`[1,2]`:                                 "line 1: not a JSON object",
	} {
		fails(t, 2, want, in, "load", dir)
	}
}

func TestLoadKeysOfTheWrongType(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n")
	for in, want := range map[string]string{
		`{"key":"7","value":"AA=="}`:  "line 1: key: want a number (int32), got \"7\"",
		`{"key":1.5,"value":"AA=="}`:  `line 1: key: want an int32, got "1.5"`,
		`{"key":1e10,"value":"AA=="}`: `line 1: key: want an int32, got "1e10"`,
		`{"key":7,"value":"%%"}`:      "line 1: value: want a string of base64, got \"%%\"",
	} {
		fails(t, 2, want, in, "load", "-key", "int32", "-value", "bytes", dir)
	}
}

// An entry that has expired by the time it is loaded is left out.
func TestLoadLeavesOutWhatHasExpired(t *testing.T) {
	dir := stringMap(t)
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	in := `{"key":"a","value":"1","expires":"` + past + `"}` + "\n" + `{"key":"b","value":"2"}` + "\n"
	if out := ok(t, in, "load", dir); out != dir+": loaded 1 entry (left out, as they had expired: 1 entry)\n" {
		t.Errorf("load = %q", out)
	}
	fails(t, 1, "not in the map", "", "get", dir, "a")
}

// With -value-type, a map of msgpack is named for a Go type, and opens
// with codec.Msgpack of that type.
func TestLoadCreatesAMapOfAGoType(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	typ := reflect.TypeFor[account]()
	in := `{"key":"a","value":{"User":"a","Visits":2,"Tags":["t"]}}`
	ok(t, in, "load", "-key", "string", "-value", "msgpack", "-value-type", typ.PkgPath()+"."+typ.Name(), dir)
	m, err := diskmap.Open[string, account](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }() // read only
	if v, found, err := m.Get("a"); err != nil || !found || !reflect.DeepEqual(v, account{"a", 2, []string{"t"}}) {
		t.Errorf("Get = %+v, %v, %v", v, found, err)
	}
}

// -perm must be octal permission bits that let the owner read and write,
// and goes with -key and -value, as the map to create.
func TestLoadBadPerm(t *testing.T) {
	to := filepath.Join(t.TempDir(), "to")
	for _, perm := range []string{"0400", "0o200", "1644", "rw-r--r--", "9"} {
		fails(t, 2, "-perm", "", "load", "-key", "string", "-value", "string", "-perm", perm, to)
	}
	fails(t, 2, "-perm need -key and -value", "", "load", "-perm", "0600", to)
	if _, err := os.Stat(to); err == nil {
		t.Errorf("a load refused for its -perm created %s", to)
	}
}
