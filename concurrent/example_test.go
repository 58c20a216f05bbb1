package concurrent_test

import (
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "example")

	m, err := concurrent.Open[string, uint64](filepath.Join(dir, "counts"), nil)
	if err != nil {
		log.Fatal(err)
	}

	var wg sync.WaitGroup
	for _, fruit := range []string{"apples", "pears", "plums"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := m.Put(fruit, uint64(len(fruit))); err != nil {
				log.Fatal(err)
			}
		}()
	}
	wg.Wait()
	n, ok, err := m.Get("pears")
	fmt.Println(n, ok, err, m.Len())
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output: 5 true <nil> 3
}

// Update is atomic for its key: no increment is lost, whatever the number
// of goroutines.
func ExampleMap_Update() {
	dir, _ := os.MkdirTemp("", "example")
	m, err := concurrent.Open[string, uint64](dir, nil)
	if err != nil {
		log.Fatal(err)
	}

	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				err := m.Update("hits", func(e *diskmap.Entry[string, uint64]) error {
					_, err := e.AndModify(func(n *uint64) { *n++ }).OrInsert(1)
					return err
				})
				if err != nil {
					log.Fatal(err)
				}
			}
		}()
	}
	wg.Wait()
	hits, _, _ := m.Get("hits")
	fmt.Println(hits)
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output: 1000
}

// View reads a value where it lies, under the shard's read lock.
func ExampleMap_View() {
	dir, _ := os.MkdirTemp("", "example")
	m, err := concurrent.Open[string, uint64](dir, nil)
	if err != nil {
		log.Fatal(err)
	}

	if err := m.Put("apples", 3); err != nil {
		log.Fatal(err)
	}
	var n uint64
	found, err := m.View("apples", func(b []byte) error {
		n = binary.LittleEndian.Uint64(b) // b must not be kept
		return nil
	})
	fmt.Println(n, found, err)
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output: 3 true <nil>
}

// PutMany loads many items at once, writing the shards in parallel;
// GetMany reads many, one lock per shard.
func ExampleMap_PutMany() {
	dir, _ := os.MkdirTemp("", "example")
	m, err := concurrent.Open[uint64, string](dir, nil)
	if err != nil {
		log.Fatal(err)
	}

	err = m.PutMany(func(yield func(uint64, string) bool) {
		for i := range uint64(10_000) {
			if !yield(i, fmt.Sprint("item ", i)) {
				return
			}
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	vals, found, err := m.GetMany([]uint64{7, 10_000, 9_999})
	fmt.Println(m.Len(), vals, found, err)
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output: 10000 [item 7  item 9999] [true false true] <nil>
}

// All visits the map shard by shard; the loop body may change the map.
func ExampleMap_All() {
	dir, _ := os.MkdirTemp("", "example")
	m, err := concurrent.Open[string, int](dir, nil)
	if err != nil {
		log.Fatal(err)
	}

	for i, fruit := range []string{"apples", "pears", "plums"} {
		if err := m.Put(fruit, i); err != nil {
			log.Fatal(err)
		}
	}
	for k, v := range m.All() {
		if v == 0 {
			if _, err := m.Delete(k); err != nil {
				log.Fatal(err)
			}
			continue
		}
		fmt.Println(k, v)
	}
	if err := m.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Len())
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Unordered output:
	// pears 1
	// plums 2
	// 2
}
