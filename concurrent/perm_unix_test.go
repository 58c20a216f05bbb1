//go:build unix

package concurrent_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// permShards is the shard count of the maps these tests open.
const permShards = 4

// growAndCompactSharded puts enough keys into m to grow every shard's
// table, deletes half of them, compacts it, clears it and writes again.
func growAndCompactSharded(t *testing.T, m *concurrent.Map[string, string]) {
	t.Helper()
	for i := range 4000 {
		if err := m.Put(maptest.SampleKey(i), fmt.Sprint("value ", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 4000; i += 2 {
		if _, err := m.Delete(maptest.SampleKey(i)); err != nil {
			t.Fatal(err)
		}
	}
	if st := m.Stats(); st.Resizes < permShards {
		t.Fatalf("the shards' tables grew %d times, want %d at least", st.Resizes, permShards)
	}
	if err := m.Compact(); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if st := m.Stats(); st.Compacted < permShards {
		t.Fatalf("%d shard compactions, want %d at least", st.Compacted, permShards)
	}
	if err := m.Clear(); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	if err := m.Put("after", "clear"); err != nil {
		t.Fatal(err)
	}
}

// shardedFiles returns the files a sharded map directory holds, with
// names each of its shards: the manifest and lock file, and in every
// shard each of names.
func shardedFiles(names ...string) []string {
	files := []string{"lock", "manifest"}
	for i := range permShards {
		for _, name := range names {
			files = append(files, fmt.Sprintf("shard-%04d/%s", i, name))
		}
	}
	return files
}

// requireMapPerms fails the test unless every file under dir has
// permissions file and every directory dir, and the files include want.
func requireMapPerms(t *testing.T, dir string, file, directory os.FileMode, want []string) {
	t.Helper()
	files := maptest.RequirePerms(t, dir, file, directory)
	for _, name := range want {
		if !slices.Contains(files, name) {
			t.Errorf("%s holds %v, no %s", dir, files, name)
		}
	}
}

// TestFilePermEveryFile: with the umask at 0, every file a sharded map
// creates has Options.Map.FilePerm, its manifest and lock file as well as
// each shard's, and the map's directory and every shard directory the
// same with an execute bit beside each read bit; after growths, a
// compaction and a Clear, while the map is open and once it is closed.
func TestFilePermEveryFile(t *testing.T) {
	for _, tc := range maptest.PermCases {
		t.Run(fmt.Sprintf("%O", tc.File), func(t *testing.T) {
			maptest.Umask(t, 0)
			dir := filepath.Join(t.TempDir(), "m")
			m := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Shards: permShards,
				Map: diskmap.Options{FilePerm: tc.File, Durability: diskmap.DurabilityWAL, Capacity: 64}})
			growAndCompactSharded(t, m)
			requireMapPerms(t, dir, tc.File, tc.Dir, shardedFiles("buckets", "buckets.spare", "keys", "lock", "values", "wal"))
			maptest.CloseChecked(t, m)
			requireMapPerms(t, dir, tc.File, tc.Dir, shardedFiles("buckets", "keys", "lock", "values", "wal"))
		})
	}
}

// TestFilePermUmask: the umask applies: 0o077 makes the default 0o644
// files 0o600, and the directories 0o700.
func TestFilePermUmask(t *testing.T) {
	maptest.Umask(t, 0o077)
	dir := filepath.Join(t.TempDir(), "m")
	m := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Shards: permShards,
		Map: diskmap.Options{Durability: diskmap.DurabilityWAL, Capacity: 64}})
	growAndCompactSharded(t, m)
	maptest.CloseChecked(t, m)
	requireMapPerms(t, dir, 0o600, 0o700, shardedFiles("buckets", "keys", "lock", "values", "wal"))
}

// TestFilePermReopen: Open changes the permissions of no file that
// exists, whatever FilePerm it is given; and one that leaves FilePerm at
// 0 gives the files it and its shards create those of the manifest.
func TestFilePermReopen(t *testing.T) {
	maptest.Umask(t, 0)
	dir := filepath.Join(t.TempDir(), "m")
	opts := func(perm os.FileMode) *concurrent.Options {
		return &concurrent.Options{Shards: permShards,
			Map: diskmap.Options{FilePerm: perm, Durability: diskmap.DurabilityWAL, Capacity: 64}}
	}
	m := maptest.OpenSharded[string, string](t, dir, opts(0o600))
	maptest.CloseChecked(t, m)

	m = maptest.OpenSharded[string, string](t, dir, opts(0o644))
	maptest.CloseChecked(t, m)
	requireMapPerms(t, dir, 0o600, 0o700, shardedFiles("buckets", "keys", "lock", "values", "wal"))

	m = maptest.OpenSharded[string, string](t, dir, opts(0))
	growAndCompactSharded(t, m)
	maptest.CloseChecked(t, m)
	requireMapPerms(t, dir, 0o600, 0o700, shardedFiles("buckets", "keys", "lock", "values", "wal"))
}

// TestBackupKeepsPerms: a Backup's files have the permissions of the
// files they copy, and the directories it creates those of the
// directories they copy.
func TestBackupKeepsPerms(t *testing.T) {
	for _, tc := range maptest.PermCases {
		t.Run(fmt.Sprintf("%O", tc.File), func(t *testing.T) {
			maptest.Umask(t, 0)
			dir := filepath.Join(t.TempDir(), "m")
			m := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Shards: permShards,
				Map: diskmap.Options{FilePerm: tc.File, Durability: diskmap.DurabilityWAL}})
			want := map[string]string{}
			for i := range 200 {
				k := maptest.SampleKey(i)
				if err := m.Put(k, "v"); err != nil {
					t.Fatal(err)
				}
				want[k] = "v"
			}
			to := filepath.Join(t.TempDir(), "backup")
			if err := m.Backup(to); err != nil {
				t.Fatalf("Backup: %v", err)
			}
			files := append(shardedFiles("buckets", "keys", "values")[1:], "manifest")
			requireMapPerms(t, to, tc.File, tc.Dir, files)
			b := maptest.OpenSharded[string, string](t, to, nil)
			maptest.RequireContents(t, b, want)
		})
	}
}
