package diskmap_test

import (
	"fmt"
	"log"
	"os"

	"github.com/diskmap-go/diskmap"
)

func ExampleSet() {
	dir, err := os.MkdirTemp("", "diskmap-example")
	if err != nil {
		log.Fatal(err)
	}

	seen, err := diskmap.OpenSet[string](dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, url := range []string{"/a", "/b", "/a"} {
		added, err := seen.Add(url)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(url, "new:", added)
	}
	fmt.Println(seen.Len(), "pages, value bytes:", seen.Stats().Values.Live)
	if err := seen.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output:
	// /a new: true
	// /b new: true
	// /a new: false
	// 2 pages, value bytes: 0
}

func ExampleMap_CompareAndSwap() {
	dir, err := os.MkdirTemp("", "diskmap-example")
	if err != nil {
		log.Fatal(err)
	}

	m, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Put("state", "idle"); err != nil {
		log.Fatal(err)
	}
	for range 2 {
		swapped, err := m.CompareAndSwap("state", "idle", "running")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("started:", swapped)
	}
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output:
	// started: true
	// started: false
}
