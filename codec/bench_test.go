package codec_test

import (
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/codec"
)

// benchCodec runs the append and decode benchmarks of one codec on v, named
// after labels such as "codec=uint64".
func benchCodec[T any](b *testing.B, labels string, c codec.Codec[T], v T) {
	enc, err := c.Append(nil, v)
	if err != nil {
		b.Fatal(err)
	}
	b.Run(labels+"/op=append", func(b *testing.B) {
		b.ReportAllocs()
		dst := make([]byte, 0, 2*len(enc)+8)
		for b.Loop() {
			dst, _ = c.Append(dst[:0], v)
		}
	})
	b.Run(labels+"/op=decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Decode(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchPack runs the pack benchmark of one Native codec.
func benchPack[T codec.Number](b *testing.B, v T) {
	c := codec.Native[T]{}
	b.Run("codec="+c.Name()+"/op=pack", func(b *testing.B) {
		b.ReportAllocs()
		var sink uint64
		for b.Loop() {
			w, _ := c.Pack(v)
			sink += w
		}
		_ = sink
	})
}

// benchBorrow runs the borrow benchmark of one Borrower.
func benchBorrow[T any](b *testing.B, name string, c codec.Borrower[T], v T) {
	b.Run("codec="+name+"/op=borrow", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n += len(c.Borrow(v))
		}
		_ = n
	})
}

// benchUser is a typical small struct value.
type benchUser struct {
	ID    int64
	Name  string
	Email string
	Tags  []string
	Score float64
}

func BenchmarkCodec(b *testing.B) {
	benchCodec(b, "codec=int8", codec.Codec[int8](codec.Native[int8]{}), -5)
	benchCodec(b, "codec=uint32", codec.Codec[uint32](codec.Native[uint32]{}), 0xdeadbeef)
	benchCodec(b, "codec=uint64", codec.Codec[uint64](codec.Native[uint64]{}), 1<<40+7)
	benchCodec(b, "codec=float64", codec.Codec[float64](codec.Native[float64]{}), 3.14159)
	benchPack(b, int16(-300))
	benchPack(b, uint64(1<<40+7))
	benchPack(b, float32(2.5))

	key := "user:0000012345"
	benchCodec(b, "codec=string", codec.Codec[string](codec.String{}), key)
	benchBorrow(b, "string", codec.String{}, key)
	benchCodec(b, "codec=bytes", codec.Codec[[]byte](codec.Bytes{}), []byte(key))
	benchBorrow(b, "bytes", codec.Bytes{}, []byte(key))

	user := benchUser{ID: 12345, Name: "Ada Lovelace", Email: "ada@example.com", Tags: []string{"admin", "math"}, Score: 99.5}
	benchCodec(b, "codec=msgpack/type=struct", codec.Codec[benchUser](codec.Msgpack[benchUser]{}), user)
	words := strings.Fields("sixteen keys in a map make the order of its entries matter when they are encoded twice")
	benchCodec(b, "codec=msgpack/type=slice", codec.Codec[[]string](codec.Msgpack[[]string]{}), words)
	m := map[string]int{}
	for i, w := range words {
		m[w] = i
	}
	benchCodec(b, "codec=msgpack/type=map", codec.Codec[map[string]int](codec.Msgpack[map[string]int]{}), m)
}
