package zstd_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	kzstd "github.com/klauspost/compress/zstd"

	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/codec/zstd"
	"github.com/diskmap-go/diskmap/layout"
)

// aDocumentTypeWhoseNameIsLong makes Msgpack's name long enough that a
// wrapper's must be hashed.
type aDocumentTypeWhoseNameIsLong struct{ A int }

// doc is a value type that goes through Msgpack, a codec that is no
// Borrower.
type doc struct {
	Title string
	Body  string
	Tags  []string
}

// sampleDict returns a dictionary built from values like the ones the
// tests store, built once.
func sampleDict(t testing.TB) []byte {
	t.Helper()
	dict, err := builtDict()
	if err != nil {
		t.Fatal(err)
	}
	return dict
}

var builtDict = sync.OnceValues(func() ([]byte, error) { return buildDict(7, 0) })

// buildDict builds a dictionary of the given ID from 100 sample values,
// the first of them the from'th.
func buildDict(id uint32, from int) ([]byte, error) {
	var samples [][]byte
	for i := range 100 {
		samples = append(samples, []byte(sampleValue(from+i, 150)))
	}
	return kzstd.BuildDict(kzstd.BuildDictOptions{ID: id, Contents: samples, History: []byte(sampleValue(from, 2048))})
}

// sampleValue returns a value of n bytes of text that compresses, unlike
// random bytes, and differs with i.
func sampleValue(i, n int) string {
	var b strings.Builder
	for b.Len() < n {
		fmt.Fprintf(&b, `{"user":%d,"name":"user-%d","status":"active","plan":"basic"} `, i, i*7)
	}
	return b.String()[:n]
}

// incompressible returns n bytes that do not compress.
func incompressible(n int) []byte {
	b := make([]byte, n)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// TestRoundTrip: every value decodes to itself, whatever its size and
// whether it compresses, with and without a dictionary and for inner
// codecs that borrow and that do not.
func TestRoundTrip(t *testing.T) {
	dict := sampleDict(t)
	codecs := map[string]codec.Codec[[]byte]{
		"plain":       zstd.New(codec.Bytes{}),
		"dict":        zstd.New(codec.Bytes{}, zstd.WithDictionary(dict)),
		"raw dict":    zstd.New(codec.Bytes{}, zstd.WithDictionary([]byte(sampleValue(3, 2000)))),
		"threshold 0": zstd.New(codec.Bytes{}, zstd.WithThreshold(0)),
		"level 19":    zstd.New(codec.Bytes{}, zstd.WithLevel(19)),
		"level 1":     zstd.New(codec.Bytes{}, zstd.WithLevel(1)),
		"msgpack":     zstd.New(codec.Msgpack[[]byte]{}),
	}
	values := map[string][]byte{
		"empty":             {},
		"one byte":          {7},
		"63 bytes":          []byte(sampleValue(1, 63)),
		"64 bytes":          []byte(sampleValue(1, 64)),
		"100 bytes":         []byte(sampleValue(2, 100)),
		"1 KiB":             []byte(sampleValue(3, 1024)),
		"1 MiB":             []byte(sampleValue(4, 1<<20)),
		"incompressible 1K": incompressible(1024),
		"zeros 300K":        make([]byte, 300<<10),
	}
	for cn, c := range codecs {
		for vn, v := range values {
			t.Run(cn+"/"+vn, func(t *testing.T) {
				enc, err := c.Append(nil, v)
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.Decode(enc)
				if err != nil {
					t.Fatalf("Decode(Append(%d bytes)): %v", len(v), err)
				}
				if !bytes.Equal(got, v) {
					t.Fatalf("decoded %d bytes, want the %d put", len(got), len(v))
				}
			})
		}
	}
}

// TestSmallValuesDoNotGrow: a value is at most one byte longer than the
// inner encoding, below the threshold exactly one byte, and empty stays
// empty.
func TestSmallValuesDoNotGrow(t *testing.T) {
	c := zstd.New(codec.Bytes{})
	cases := []struct {
		name  string
		value []byte
		want  []byte // the exact encoding, or nil to check only the length
	}{
		{"empty", []byte{}, []byte{}},
		{"below threshold", []byte("hello, hello, hello"), append([]byte{0x00}, "hello, hello, hello"...)},
		{"incompressible", incompressible(500), append([]byte{0x00}, incompressible(500)...)},
	}
	for _, tc := range cases {
		enc, err := c.Append(nil, tc.value)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, tc.want) {
			t.Errorf("%s: encoded as % x, want % x", tc.name, enc[:min(len(enc), 16)], tc.want[:min(len(tc.want), 16)])
		}
	}
	big := []byte(sampleValue(5, 1024))
	enc, err := c.Append(nil, big)
	if err != nil {
		t.Fatal(err)
	}
	if enc[0] != 0x01 || len(enc) >= len(big)/2 {
		t.Errorf("1 KiB of text encoded as %d bytes with marker %#02x, want a frame (01) of fewer than half", len(enc), enc[0])
	}
	if bytes.Contains(enc[:8], []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Errorf("the frame keeps its magic number: % x", enc[:8])
	}
}

// TestAppendKeepsDst: Append appends after what dst holds and leaves it.
func TestAppendKeepsDst(t *testing.T) {
	c := zstd.New(codec.String{})
	for _, v := range []string{"short", sampleValue(1, 2000), string(incompressible(300))} {
		enc, err := c.Append([]byte("prefix"), v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(enc, []byte("prefix")) {
			t.Fatalf("Append lost dst: % x", enc[:8])
		}
		if got, err := c.Decode(enc[len("prefix"):]); err != nil || got != v {
			t.Fatalf("Decode: %q..., %v", got[:min(len(got), 10)], err)
		}
	}
}

// TestNames: the name records the inner codec and the dictionary, fits
// a header, and differs wherever the bytes would be read differently.
func TestNames(t *testing.T) {
	dict := sampleDict(t)
	other := append([]byte(nil), dict...)
	other[len(other)-1] ^= 1
	long := zstd.New(codec.Msgpack[aDocumentTypeWhoseNameIsLong]{})
	names := map[string]string{
		"string":       zstd.New(codec.String{}).Name(),
		"string dict":  zstd.New(codec.String{}, zstd.WithDictionary(dict)).Name(),
		"string other": zstd.New(codec.String{}, zstd.WithDictionary(other)).Name(),
		"bytes":        zstd.New(codec.Bytes{}).Name(),
		"msgpack":      long.Name(),
		"msgpack dict": zstd.New(codec.Msgpack[doc]{}, zstd.WithDictionary(dict)).Name(),
	}
	if got := names["string"]; got != "zstd(string)" {
		t.Errorf("name %q, want zstd(string)", got)
	}
	if got, want := names["string dict"], "zstd(string,dict="; !strings.HasPrefix(got, want) {
		t.Errorf("name %q, want it to start %q", got, want)
	}
	if got := zstd.New(codec.String{}, zstd.WithLevel(19), zstd.WithThreshold(5)).Name(); got != "zstd(string)" {
		t.Errorf("the level and threshold changed the name to %q", got)
	}
	seen := map[string]string{}
	for what, name := range names {
		if !layout.ValidCodecName(name) {
			t.Errorf("%s: name %q does not fit a header", what, name)
		}
		if prev, ok := seen[name]; ok {
			t.Errorf("%s and %s are both named %q", what, prev, name)
		}
		seen[name] = what
	}
	if want := zstd.Name(codec.Msgpack[aDocumentTypeWhoseNameIsLong]{}.Name(), nil); names["msgpack"] != want || !strings.HasPrefix(want, "zstd(#") {
		t.Errorf("a long inner name gives %q, want %q, hashed", names["msgpack"], want)
	}
}

// TestDecodeRefusesWhatItNeverWrites: each malformed encoding is an error
// matching codec.ErrInvalid, never a panic or a value.
func TestDecodeRefusesWhatItNeverWrites(t *testing.T) {
	c := zstd.New(codec.Bytes{})
	good, err := c.Append(nil, []byte(sampleValue(1, 1000)))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := kzstd.NewWriter(nil, kzstd.WithEncoderCRC(false))
	if err != nil {
		t.Fatal(err)
	}
	twoFrames := append(append([]byte(nil), good...), plain.EncodeAll([]byte(sampleValue(2, 300)), nil)...)
	cases := map[string][]byte{
		"marker 02":       {0x02, 1, 2, 3},
		"marker ff":       {0xff},
		"frame marker":    {0x01},
		"truncated frame": good[:len(good)/2],
		"second frame":    twoFrames,
		"bit flip":        flip(good, len(good)-3),
		"claims 1 GiB":    {0x01, 0x20, 0xff, 0xff, 0xff, 0x3f},
		"claims too much": {0x01, 0xa0, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00},
	}
	for name, b := range cases {
		if v, err := c.Decode(b); !errors.Is(err, codec.ErrInvalid) {
			t.Errorf("%s: Decode gave %d bytes, %v; want ErrInvalid", name, len(v), err)
		}
	}
}

func flip(b []byte, i int) []byte {
	b = append([]byte(nil), b...)
	b[i] ^= 0x40
	return b
}

// TestDictionaryMismatchIsAnError: bytes compressed with one dictionary do
// not decode with another or none; they fail, never decode to garbage.
func TestDictionaryMismatchIsAnError(t *testing.T) {
	dict := sampleDict(t)
	with := zstd.New(codec.Bytes{}, zstd.WithDictionary(dict))
	enc, err := with.Append(nil, []byte(sampleValue(9, 300)))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]codec.Codec[[]byte]{
		"none":  zstd.New(codec.Bytes{}),
		"other": zstd.New(codec.Bytes{}, zstd.WithDictionary(sampleDictWithID(t, 8))),
	} {
		if v, err := c.Decode(enc); err == nil {
			t.Errorf("%s: decoded %q", name, v[:min(len(v), 20)])
		}
	}
}

func sampleDictWithID(t *testing.T, id uint32) []byte {
	t.Helper()
	dict, err := buildDict(id, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return dict
}

// TestConcurrentUse: goroutines encoding and decoding at once each get
// their own values back (run with -race).
func TestConcurrentUse(t *testing.T) {
	c := zstd.New(codec.String{}, zstd.WithDictionary(sampleDict(t)))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				v := sampleValue(g*1000+i, 64+i*7)
				enc, err := c.Append(nil, v)
				if err == nil {
					var got string
					got, err = c.Decode(enc)
					if err == nil && got != v {
						err = fmt.Errorf("goroutine %d value %d decoded to another", g, i)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
