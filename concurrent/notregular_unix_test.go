//go:build unix

package concurrent_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"golang.org/x/sys/unix"
)

// A named pipe in place of the manifest, the lock, a shard's file or the
// manifest being written, or a symbolic link to one, makes Open fail at
// once with an error naming the file and matching ErrCorrupt, as
// diskmap.Open does for its files.
func TestOpenRefusesFilesThatAreNotRegular(t *testing.T) {
	t.Parallel()
	samples := maptest.WriteShardedSamples(t, 1)
	cases := []struct {
		state    string // "none" (a map to create), "clean" or "dirty"
		readOnly bool
		file     string
	}{
		{"clean", true, "manifest"},
		{"clean", false, "manifest"},
		{"clean", true, "lock"},
		{"clean", false, "lock"},
		{"clean", true, "shard-0001/buckets"},
		{"clean", false, "shard-0001/buckets"},
		{"clean", true, "shard-0002/keys"},
		{"dirty", true, "shard-0001/buckets"},
		{"dirty", false, "shard-0001/buckets"},
		{"dirty", false, "shard-0002/values"},
		{"none", false, "manifest.new"},
		{"none", false, "lock"},
	}
	for _, c := range cases {
		for _, link := range []bool{false, true} {
			name := c.state + "/" + c.file
			if c.readOnly {
				name += "/read-only"
			}
			if link {
				name += "/link"
			}
			t.Run(name, func(t *testing.T) {
				dir := maptest.CopyOf(t, samples[c.state]) // none: an empty directory
				path := filepath.Join(dir, filepath.FromSlash(c.file))
				if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
				pipe := path
				if link {
					pipe = filepath.Join(t.TempDir(), "pipe")
					if err := os.Symlink(pipe, path); err != nil {
						t.Skipf("cannot make a symbolic link here: %v", err)
					}
				}
				if err := unix.Mkfifo(pipe, 0o644); err != nil {
					t.Skipf("cannot make a named pipe here: %v", err)
				}
				err := maptest.OpenShardedWithin(t, dir, &concurrent.Options{Shards: 4, Map: diskmap.Options{ReadOnly: c.readOnly}})
				switch {
				case err == nil:
					t.Fatal("Open succeeded")
				case !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), "not a regular file"):
					t.Fatalf("Open: %v\nwant ErrCorrupt saying %s is not a regular file", err, c.file)
				case strings.Count(err.Error(), path+":") != 1:
					t.Fatalf("Open: %v\nwant the message to name %s, once", err, path)
				}
			})
		}
	}
}
