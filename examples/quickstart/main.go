// Quickstart shows a diskmap from opening to reopening: put, get, an entry
// upsert, a zero-copy view, iteration in insertion order, close and reopen.
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/diskmap-go/diskmap"
)

func main() {
	base, err := os.MkdirTemp("", "diskmap-quickstart-")
	if err != nil {
		log.Fatal(err)
	}
	dir := filepath.Join(base, "fruit")

	m, err := diskmap.Open[string, uint64](dir, nil)
	check(err)
	fmt.Println("opened", dir)

	check(m.Put("apples", 3))
	fmt.Println("put apples = 3")
	check(m.Put("pears", 7))
	fmt.Println("put pears = 7")

	n, ok, err := m.Get("apples")
	check(err)
	fmt.Printf("get apples = %d (found %v)\n", n, ok)

	// An entry finds the key once, then modifies or inserts.
	for range 3 {
		hits, err := m.Entry("plums").AndModify(func(v *uint64) { *v++ }).OrInsert(1)
		check(err)
		fmt.Printf("entry plums: now %d\n", hits)
	}

	// View returns the value's bytes in place: 8 little-endian bytes here.
	b, ok, err := m.View("pears")
	check(err)
	fmt.Printf("view pears = % x (found %v, no copy)\n", b, ok)

	fmt.Println("iterate in insertion order:")
	for k, v := range m.All() {
		fmt.Printf("  %s = %d\n", k, v)
	}
	check(m.Err())

	check(m.Close())
	fmt.Println("closed")

	m, err = diskmap.Open[string, uint64](dir, nil)
	check(err)
	n, _, err = m.Get("plums")
	check(err)
	fmt.Printf("reopened: %d keys, plums = %d\n", m.Len(), n)
	check(m.Close())
	check(os.RemoveAll(base))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
