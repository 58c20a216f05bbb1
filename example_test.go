package diskmap_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/diskmap-go/diskmap"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "diskmap-example")
	if err != nil {
		log.Fatal(err)
	}

	m, err := diskmap.Open[string, string](filepath.Join(dir, "capitals"), nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Put("France", "Paris"); err != nil {
		log.Fatal(err)
	}
	capital, found, err := m.Get("France")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(capital, found)
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output: Paris true
}

func ExampleMap_Entry() {
	dir, err := os.MkdirTemp("", "diskmap-example")
	if err != nil {
		log.Fatal(err)
	}

	m, err := diskmap.Open[string, int](dir, nil)
	if err != nil {
		log.Fatal(err)
	}

	for range 3 {
		n, err := m.Entry("hits").AndModify(func(v *int) { *v++ }).OrInsert(1)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("hits:", n)
	}
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output:
	// hits: 1
	// hits: 2
	// hits: 3
}

func ExampleMap_View() {
	dir, err := os.MkdirTemp("", "diskmap-example")
	if err != nil {
		log.Fatal(err)
	}

	m, err := diskmap.Open[string, []byte](dir, nil)
	if err != nil {
		log.Fatal(err)
	}

	if err := m.Put("greeting", []byte("hello, world")); err != nil {
		log.Fatal(err)
	}
	// View returns the stored bytes in place, without a copy. They are
	// valid until the next change to the map.
	b, found, err := m.View("greeting")
	if err != nil || !found {
		log.Fatal(found, err)
	}
	fmt.Printf("%d bytes: %s\n", len(b), b)
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output: 12 bytes: hello, world
}

func ExampleMap_All() {
	dir, err := os.MkdirTemp("", "diskmap-example")
	if err != nil {
		log.Fatal(err)
	}

	m, err := diskmap.Open[string, int](dir, nil)
	if err != nil {
		log.Fatal(err)
	}

	for i, fruit := range []string{"banana", "apple", "cherry"} {
		if err := m.Put(fruit, i); err != nil {
			log.Fatal(err)
		}
	}
	if err := m.Put("banana", 10); err != nil { // an update keeps its place
		log.Fatal(err)
	}
	// Keys come in the order they were first put.
	for k, v := range m.All() {
		fmt.Println(k, v)
	}
	if err := m.Err(); err != nil {
		log.Fatal(err)
	}
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output:
	// banana 10
	// apple 1
	// cherry 2
}

func ExampleMap_PutTTL() {
	dir, err := os.MkdirTemp("", "diskmap-example")
	if err != nil {
		log.Fatal(err)
	}
	// A clock that stands still until the example moves it; the default is
	// time.Now.
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	m, err := diskmap.Open[string, string](dir, &diskmap.Options{Clock: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}

	if err := m.PutTTL("login:alice", "token-7f3a", time.Minute); err != nil {
		log.Fatal(err)
	}
	left, found, err := m.TTL("login:alice")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(left, found)

	now = now.Add(time.Minute)
	_, found, err = m.Get("login:alice")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("after a minute:", found)

	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 1m0s true
	// after a minute: false
}
