package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// A permFlag is a flag of permission bits in octal (0600, 600 or 0o600):
// at most 0777, with read and write for the owner, which a map's files
// need. Unset, it is 0.
type permFlag os.FileMode

func (p *permFlag) String() string {
	if *p == 0 {
		return ""
	}
	return fmt.Sprintf("%04o", uint32(*p))
}

func (p *permFlag) Set(s string) error {
	v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(s, "0o"), "0O"), 8, 32)
	if err != nil || v > 0o777 || v&0o600 != 0o600 {
		return fmt.Errorf("%q: want permission bits in octal, at most 0777, that let the owner read and write, such as 0600", s)
	}
	*p = permFlag(v)
	return nil
}
