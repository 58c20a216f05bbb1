package format_test

import (
	"errors"
	"testing"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

func TestAtNamesTheFile(t *testing.T) {
	_, err := layout.DecodeHeader(make([]byte, layout.HeaderSize))
	err = format.At(err, "/x/buckets", 512)
	var ce *layout.CorruptError
	if !errors.As(err, &ce) || ce.File != "/x/buckets" || ce.Offset != 512 {
		t.Fatalf("%#v", err)
	}
	if want := "diskmap: /x/buckets: corrupt header magic at offset 512"; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Fatalf("message %q", err.Error())
	}
}
