package format

import (
	"errors"

	"github.com/diskmap-go/diskmap/layout"
)

// At returns err with file named and, for a *layout.CorruptError, offsets
// moved by base. Other errors are returned as they are.
func At(err error, file string, base int64) error {
	var ce *layout.CorruptError
	var ve *layout.VersionError
	switch {
	case errors.As(err, &ce):
		c := *ce
		c.File = file
		c.Offset += base
		return &c
	case errors.As(err, &ve):
		v := *ve
		v.File = file
		return &v
	}
	return err
}
