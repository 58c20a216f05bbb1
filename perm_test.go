package diskmap_test

import (
	"io"
	"io/fs"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// TestFilePermInvalid: Open refuses a FilePerm with bits outside 0o777 or
// without read and write for its owner, with an error that names the
// field, before it creates anything.
func TestFilePermInvalid(t *testing.T) {
	maptest.RequireFilePermRefused(t, "Options.FilePerm", func(dir string, perm fs.FileMode) (io.Closer, error) {
		return diskmap.Open[string, string](dir, &diskmap.Options{FilePerm: perm})
	})
}
