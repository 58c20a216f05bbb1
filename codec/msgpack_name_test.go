package codec_test

import (
	"errors"
	"fmt"
	"hash/fnv"
	randv1 "math/rand"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/diskmap-go/diskmap/codec"
)

// Types whose Msgpack names are pinned below.
type (
	pair[A, B any] struct {
		First  A
		Second B
	}
	aTypeWithAVeryLongNameIndeed struct{}
	ĉiuĈefaĴaŭĉo                 struct{} // 17 bytes of UTF-8, the 15th inside the second ĉ
	otherPoint                   point
)

// fnv32 returns the 32-bit FNV-1a hash of s in 8 hex digits.
func fnv32(s string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}

// TestMsgpackNames pins the names of a few types, so that a change to the
// rule, which would stop every map of these types from opening, fails here
// first; and checks each against the rule in Msgpack's doc: "msgpack:", the
// short name cut to 15 bytes, "#", the hash of the full name.
func TestMsgpackNames(t *testing.T) {
	const pkg = "github.com/diskmap-go/diskmap/codec_test."
	for _, tc := range []struct {
		got, want   string
		short, full string
	}{
		{codec.Msgpack[time.Time]{}.Name(), "msgpack:Time#178db0b7", "Time", "time.Time"},
		{codec.Msgpack[point]{}.Name(), "msgpack:point#102631dc", "point", pkg + "point"},
		{codec.Msgpack[otherPoint]{}.Name(), "msgpack:otherPoint#6e0d3e2e", "otherPoint", pkg + "otherPoint"},
		{codec.Msgpack[[]*point]{}.Name(), "msgpack:[]*point#9f648074", "[]*point", "[]*" + pkg + "point"},
		{codec.Msgpack[map[string]int]{}.Name(), "msgpack:map[string]int#023080d7", "map[string]int", "map[string]int"},
		{codec.Msgpack[any]{}.Name(), "msgpack:interface {}#d8f76804", "interface {}", "interface {}"},
		{codec.Msgpack[pair[int, point]]{}.Name(), "msgpack:pair[int,point]#e9da1b08", "pair[int,point]",
			pkg + "pair[int," + pkg + "point]"},
		{codec.Msgpack[struct {
			A int `msgpack:"a"`
			point
		}]{}.Name(), "msgpack:struct { A int #8d0efe79", "struct { A int ",
			`struct { A int "msgpack:\"a\""; ` + pkg + "point }"},
		{codec.Msgpack[aTypeWithAVeryLongNameIndeed]{}.Name(), "msgpack:aTypeWithAVeryL#decf81f8", "aTypeWithAVeryL",
			pkg + "aTypeWithAVeryLongNameIndeed"},
		{codec.Msgpack[ĉiuĈefaĴaŭĉo]{}.Name(), "msgpack:ĉiuĈefaĴaŭ#894038e0", "ĉiuĈefaĴaŭ", pkg + "ĉiuĈefaĴaŭĉo"},
	} {
		if tc.got != tc.want {
			t.Errorf("name %q, want %q", tc.got, tc.want)
		}
		if rule := "msgpack:" + tc.short + "#" + fnv32(tc.full); tc.got != rule || len(tc.got) > 32 || !utf8.ValidString(tc.got) {
			t.Errorf("name %q, want %q by the rule, at most 32 bytes of UTF-8", tc.got, rule)
		}
	}
}

// TestMsgpackNamesDiffer: types of one name in two packages, and types of
// the same fields, have names of their own.
func TestMsgpackNamesDiffer(t *testing.T) {
	names := map[string]string{}
	for _, c := range []interface{ Name() string }{
		codec.Msgpack[rand.Rand]{}, codec.Msgpack[randv1.Rand]{},
		codec.Msgpack[point]{}, codec.Msgpack[otherPoint]{}, codec.Msgpack[*point]{}, codec.Msgpack[[]point]{},
		codec.Msgpack[[2]point]{}, codec.Msgpack[map[string]point]{}, codec.Msgpack[pair[int, string]]{},
		codec.Msgpack[pair[string, int]]{}, codec.Msgpack[struct{ A int }]{}, codec.Msgpack[struct{ B int }]{},
		codec.Msgpack[struct {
			A int `msgpack:"b"`
		}]{},
	} {
		n := c.Name()
		if other, ok := names[n]; ok {
			t.Errorf("%T and %s share the name %q", c, other, n)
		}
		names[n] = fmt.Sprintf("%T", c)
	}
}

// TestMsgpackNamed: the codec is named as Msgpack of the type whose full
// name it is given, encodes as Msgpack does, and refuses bad names.
func TestMsgpackNamed(t *testing.T) {
	c, err := codec.MsgpackNamed[otherPoint]("github.com/diskmap-go/diskmap/codec_test.point")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != (codec.Msgpack[point]{}).Name() {
		t.Errorf("Name() = %q, want Msgpack[point]'s %q", c.Name(), codec.Msgpack[point]{}.Name())
	}
	v := otherPoint{X: 1, Y: 2, Tags: map[string]string{"b": "2", "a": "1"}}
	b, err := c.Append(nil, v)
	want, _ := codec.Msgpack[point]{}.Append(nil, point(v))
	if err != nil || string(b) != string(want) {
		t.Fatalf("Append = % x, %v, want % x", b, err, want)
	}
	if back, err := c.Decode(b); err != nil || back.X != 1 || back.Tags["a"] != "1" {
		t.Fatalf("Decode = %+v, %v", back, err)
	}
	if c, err := codec.MsgpackNamed[point]("user/v1"); err != nil || c.Name() != "msgpack:v1#"+fnv32("user/v1") {
		t.Errorf("MsgpackNamed(user/v1) = %q, %v", c.Name(), err)
	}
	for _, bad := range []string{"", "a\x00b", "line\nbreak", "\xff", "tab\there"} {
		c, err := codec.MsgpackNamed[point](bad)
		if err == nil || !strings.HasPrefix(err.Error(), "codec: msgpack: type name ") || errors.Is(err, codec.ErrInvalid) {
			t.Errorf("MsgpackNamed(%q) = %q, %v, want an error", bad, c.Name(), err)
		}
	}
}

// TestCompatible: a codec reads maps of its own name, and a Msgpack codec
// also those whose header says "msgpack", from before names held the type.
func TestCompatible(t *testing.T) {
	point := codec.Msgpack[point]{}.Name()
	for _, tc := range []struct {
		stored, name string
		want         bool
	}{
		{"string", "string", true},
		{point, point, true},
		{"msgpack", point, true},
		{"msgpack", codec.Msgpack[any]{}.Name(), true},
		{"msgpack", "msgpack", true},
		{"msgpack", "empty", true},
		{"empty", "empty", true},
		{"empty", codec.Msgpack[struct{}]{}.Name(), false},
		{point, codec.Msgpack[otherPoint]{}.Name(), false},
		{point, "msgpack", false},
		{"msgpack", "string", false},
		{"msgpack", "msgpackish", false},
		{"string", "bytes", false},
	} {
		if got := codec.Compatible(tc.stored, tc.name); got != tc.want {
			t.Errorf("Compatible(%q, %q) = %v, want %v", tc.stored, tc.name, got, tc.want)
		}
	}
}
