package main

import (
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
)

func TestDelete(t *testing.T) {
	dir := stringMap(t, "a", "1", "b", "2")
	ok(t, "", "delete", dir, "a")
	fails(t, 1, `key "a" is not in the map`, "", "get", dir, "a")
	fails(t, 1, `key "a" is not in the map`, "", "delete", dir, "a")
	if out := ok(t, "", "get", dir, "b"); out != "2\n" {
		t.Errorf("get b = %q", out)
	}
}

func TestDeleteFromAConcurrentMap(t *testing.T) {
	dir := shardedMap(t, 10)
	ok(t, "", "delete", dir, "k3")
	fails(t, 1, "is not in the map", "", "get", dir, "k3")
}

func TestDeleteAKeyOfTheWrongType(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n")
	m, err := diskmap.Open[uint16, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	fails(t, 2, `key: want a uint16, got "-1" (the map's key codec is uint16)`, "", "delete", dir, "-1")
	fails(t, 2, `key: want a uint16, got "70000"`, "", "delete", dir, "70000")
}
