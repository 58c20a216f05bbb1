package diskmap_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
)

func ExampleViewAs() {
	type position struct {
		Lat, Lon float64
		Floor    int32
		Indoor   bool
	}
	dir, err := os.MkdirTemp("", "diskmap-example")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()

	positions, err := codec.Fixed[position]()
	if err != nil {
		log.Fatal(err)
	}
	m, err := diskmap.OpenWith(filepath.Join(dir, "positions"), codec.String{}, positions, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Put("ada", position{Lat: 51.5, Lon: -0.12, Floor: 2, Indoor: true}); err != nil {
		log.Fatal(err)
	}
	p, found, err := diskmap.ViewAs(m, "ada") // *position into the map: valid until the next change
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(found, p.Lat, p.Floor, p.Indoor)
	if err := m.Close(); err != nil {
		log.Fatal(err)
	}
	// Output: true 51.5 2 true
}
