//go:build unix

package diskmap_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"math/rand/v2"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/codec/zstd"
)

// The wrapped value codecs, zstd and Sealed, under the kills of
// crash_test.go: the children of these modes run the mix mode's
// operations, in DurabilityWAL, on a map whose values are compressed, or
// compressed and sealed.

func init() {
	mix := crashModes["mix"]
	for _, c := range []struct {
		name   string
		values func() (codec.Codec[string], error)
	}{
		{"zstd", func() (codec.Codec[string], error) {
			return zstd.New[string](codec.String{}, zstd.WithThreshold(16)), nil
		}},
		{"sealed", func() (codec.Codec[string], error) {
			aead, err := crashAEAD()
			if err != nil {
				return nil, err
			}
			return codec.Sealed(zstd.New[string](codec.String{}, zstd.WithThreshold(16)), aead), nil
		}},
	} {
		crashModes[c.name] = &crashMode{
			name:     c.name,
			kills:    10,
			opts:     mix.opts,
			growStep: mix.growStep,
			next:     mix.next,
			kill:     mix.kill,
			values:   c.values,
		}
	}
}

// crashAEAD returns the AES-128-GCM cipher that the child and the parent
// both seal and open the values of the sealed mode with.
func crashAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(bytes.Repeat([]byte{7}, 16))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// TestCrashKillWrappedCodecs kills, at random points, a child writing a map
// of zstd-compressed values, and one writing a map of values compressed
// and then sealed, in DurabilityWAL: after each kill the map opens,
// passes Check, and every acknowledged value decodes (so is whole, and
// for Sealed opens under its key) and equals what was written.
func TestCrashKillWrappedCodecs(t *testing.T) {
	for _, name := range []string{"zstd", "sealed"} {
		mode := crashModes[name]
		t.Run(name, func(t *testing.T) {
			runCrashMode(t, mode, mode.kills, func(*rand.Rand) diskmap.Durability { return diskmap.DurabilityWAL })
		})
	}
}
