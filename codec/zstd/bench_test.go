package zstd_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/codec/zstd"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// benchKeys is how many keys each benchmark map holds.
const benchKeys = 1000

// benchAEAD returns AES-128-GCM.
func benchAEAD(b *testing.B) cipher.AEAD {
	block, err := aes.NewCipher(bytes.Repeat([]byte{1}, 16))
	if err != nil {
		b.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	return aead
}

// benchCodecs returns the value codecs compared: none, each wrapper, and
// both.
func benchCodecs(b *testing.B) []struct {
	name string
	c    codec.Codec[[]byte]
} {
	dict := sampleDict(b)
	aead := benchAEAD(b)
	return []struct {
		name string
		c    codec.Codec[[]byte]
	}{
		{"bytes", codec.Bytes{}},
		{"zstd", zstd.New(codec.Bytes{})},
		{"zstd-dict", zstd.New(codec.Bytes{}, zstd.WithDictionary(dict))},
		{"sealed", codec.Sealed[[]byte](codec.Bytes{}, aead)},
		{"sealed-zstd-dict", codec.Sealed(zstd.New(codec.Bytes{}, zstd.WithDictionary(dict)), aead)},
	}
}

// benchKeyNames are the keys of the benchmark maps.
var benchKeyNames = func() []string {
	keys := make([]string, benchKeys)
	for i := range keys {
		keys[i] = maptest.SampleKey(i)
	}
	return keys
}()

// openBench opens a map of benchKeys sample values of n bytes with vc, and
// returns it with the bytes its values take per byte given.
func openBench(b *testing.B, vc codec.Codec[[]byte], n int) (*diskmap.Map[string, []byte], float64) {
	m, err := diskmap.OpenWith[string, []byte](filepath.Join(b.TempDir(), "m"), codec.String{}, vc, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { maptest.CheckClose(b, m) })
	stored := 0
	for i := range benchKeys {
		v := []byte(sampleValue(i, n))
		if err := m.Put(maptest.SampleKey(i), v); err != nil {
			b.Fatal(err)
		}
		enc, _, err := m.View(maptest.SampleKey(i))
		if err != nil {
			b.Fatal(err)
		}
		stored += len(enc)
	}
	return m, float64(stored) / float64(benchKeys*n)
}

// BenchmarkWrappers measures Get and Put of 100-byte and 1 KiB values
// with each value codec, and the ratio of stored to given bytes:
//
//	go test ./codec/zstd -run '^$' -bench Wrappers -benchmem
func BenchmarkWrappers(b *testing.B) {
	for _, size := range []int{100, 1024} {
		for _, c := range benchCodecs(b) {
			b.Run(fmt.Sprintf("codec=%s/size=%d/op=get", c.name, size), func(b *testing.B) {
				m, ratio := openBench(b, c.c, size)
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					if _, ok, err := m.Get(benchKeyNames[i%benchKeys]); !ok || err != nil {
						b.Fatal(ok, err)
					}
				}
				b.ReportMetric(ratio, "ratio")
			})
			b.Run(fmt.Sprintf("codec=%s/size=%d/op=put", c.name, size), func(b *testing.B) {
				m, ratio := openBench(b, c.c, size)
				v := []byte(sampleValue(7, size))
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					if err := m.Put(benchKeyNames[i%benchKeys], v); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(ratio, "ratio")
			})
		}
	}
}
