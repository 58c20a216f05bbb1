package mmap_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/stretchr/testify/require"
)

// Exchange swaps two files, each keeping its contents under the other's
// name; or, where the system cannot, says so and changes nothing.
func TestExchange(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	require.NoError(t, os.WriteFile(a, []byte("first"), 0o644))
	require.NoError(t, os.WriteFile(b, []byte("second"), 0o644))
	err := mmap.Exchange(a, b)
	ga, _ := os.ReadFile(a)
	gb, _ := os.ReadFile(b)
	if errors.Is(err, errors.ErrUnsupported) {
		if runtime.GOOS == "linux" {
			t.Logf("the file system of %s cannot exchange files: %v", dir, err)
		}
		require.Equal(t, "first", string(ga))
		require.Equal(t, "second", string(gb))
		return
	}
	require.NoError(t, err)
	require.Equal(t, "second", string(ga))
	require.Equal(t, "first", string(gb))
	require.Error(t, mmap.Exchange(a, filepath.Join(dir, "missing")))
}
