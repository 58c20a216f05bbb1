package concurrent_test

import (
	"io"
	"io/fs"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// TestFilePermInvalid: Open refuses a Map.FilePerm with bits outside
// 0o777 or without read and write for its owner, with an error that
// names the field, before it creates anything.
func TestFilePermInvalid(t *testing.T) {
	maptest.RequireFilePermRefused(t, "Options.Map.FilePerm", func(dir string, perm fs.FileMode) (io.Closer, error) {
		return concurrent.Open[string, string](dir, &concurrent.Options{Shards: 2, Map: diskmap.Options{FilePerm: perm}})
	})
}
