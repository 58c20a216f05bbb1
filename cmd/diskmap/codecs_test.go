package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
)

// customCodec is a codec of a program's own, of a name the tool does not
// know.
type customCodec struct{ codec.String }

func (customCodec) Name() string { return "custom/v1" }

// A map of a codec the tool does not know is still checked, compacted,
// recovered, exported, imported and backed up; reading or writing its
// values gets one line that names it.
func TestAnUnknownCodec(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "u")
	m, err := diskmap.OpenWith[string, string](dir, codec.String{}, customCodec{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"stats", "check", "compact", "recover"} {
		ok(t, "", verb, dir)
	}
	keys := ok(t, "", "dump", "-keys", dir)
	stream := ok(t, "", "export", dir)
	ok(t, "", "backup", dir, filepath.Join(t.TempDir(), "b"))
	ok(t, "", "delete", dir, "k")
	ok(t, stream, "import", dir)
	if got := ok(t, "", "dump", "-keys", dir); got != keys || keys != `{"key":"k"}`+"\n" {
		t.Errorf("dump -keys after export, delete, import = %q, want %q", got, keys)
	}
	want := `value codec "custom/v1" is not one this tool knows`
	fails(t, 2, want, "", "get", dir, "k")
	fails(t, 2, want, "", "put", dir, "k", "v")
	fails(t, 2, want, "", "dump", dir)
	fails(t, 2, want, `{"key":"k","value":"v"}`, "load", dir)
}

// Each form reads back what it writes, in JSON and on a command line.
func TestFormsRoundTrip(t *testing.T) {
	for _, c := range []struct {
		codec, arg, json string
	}{
		{"string", "héllo", `"héllo"`},
		{"bytes", "\x00\xff", `"AP8="`},
		{"int8", "-128", "-128"},
		{"int64", "-9223372036854775808", "-9223372036854775808"},
		{"uint64", "18446744073709551615", "18446744073709551615"},
		{"float64", "0.1", "0.1"},
		{"float64", "+Inf", `"+Inf"`},
		{"float32", "NaN", `"NaN"`},
		{"msgpack", `{"a":[1,"x",true,null,1.5]}`, `{"a":[1,"x",true,null,1.5]}`},
		{"empty", "", "null"},
	} {
		f, err := formFor(c.codec)
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.parse(c.arg)
		if err != nil {
			t.Fatalf("%s: parse(%q): %v", c.codec, c.arg, err)
		}
		b, err := f.codec(c.codec).Append(nil, v)
		if err != nil {
			t.Fatalf("%s: Append: %v", c.codec, err)
		}
		d, err := f.codec(c.codec).Decode(b)
		if err != nil {
			t.Fatalf("%s: Decode: %v", c.codec, err)
		}
		j := mustJSON(t, f, d)
		if got := marshal(t, j); got != c.json {
			t.Errorf("%s: %q reads back as %s, want %s", c.codec, c.arg, got, c.json)
		}
		if w, err := f.fromJSON([]byte(c.json)); err != nil || marshal(t, mustJSON(t, f, w)) != c.json {
			t.Errorf("%s: fromJSON(%s) = %v, %v", c.codec, c.json, w, err)
		}
	}
}

func mustJSON(t *testing.T, f form, v any) any {
	t.Helper()
	j, err := f.toJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
