package codec

import (
	"encoding/binary"
	"fmt"
)

// Msgpack reads the structure of MessagePack itself for two jobs: to check
// an encoding before msgpack decodes it, and to put the maps of an encoding
// in order. Both need only the head of each value: its type, its length and
// how many values it holds.

// checkValue checks that b holds exactly one well-formed MessagePack value,
// and reports whether it has a map of two or more entries: the only thing
// whose encoding depends on order.
//
// msgpack trusts the counts in array and map headers, and allocates for the
// whole count before it reads an element: a corrupt header could ask for
// gigabytes and end the process. Here every count must fit in the bytes
// that remain, since each element takes at least one, so what msgpack
// allocates stays in proportion to len(b).
func checkValue(b []byte) (maps bool, err error) {
	pos, pending := 0, 1 // values still to read
	for pending > 0 {
		h, ok := readHead(b[pos:])
		if !ok {
			return false, fmt.Errorf("malformed at byte %d", pos)
		}
		maps = maps || h.isMap && h.items >= 4
		pos += h.size + h.data
		pending += h.items - 1
		if pending > len(b)-pos {
			return false, fmt.Errorf("malformed at byte %d: %d values in %d bytes", pos, pending, len(b)-pos)
		}
	}
	if pos < len(b) {
		return false, fmt.Errorf("%d bytes after the value", len(b)-pos)
	}
	return maps, nil
}

// head is the start of one msgpack value.
type head struct {
	size  int  // bytes of the header: the type byte and any length and ext type
	data  int  // bytes after the header that belong to this value alone
	items int  // values that follow: an array's elements, a map's keys and values
	isMap bool // the value is a map
}

// readHead reads the head of the msgpack value at the front of b. It fails
// if the head is malformed or b is too short to hold the value.
func readHead(b []byte) (head, bool) {
	h, ok := parseHead(b)
	// Each item takes at least a byte, which also bounds the item count.
	if rest := len(b) - h.size; !ok || rest < h.data || rest < h.items {
		return head{}, false
	}
	return h, true
}

// parseHead decodes the type byte at the front of b and the length after it.
func parseHead(b []byte) (head, bool) {
	if len(b) == 0 {
		return head{}, false
	}
	c := b[0]
	switch {
	case c <= 0x7f || c >= 0xe0: // positive and negative fixint
		return head{size: 1}, true
	case c <= 0x8f: // fixmap
		return head{size: 1, items: 2 * int(c&0x0f), isMap: true}, true
	case c <= 0x9f: // fixarray
		return head{size: 1, items: int(c & 0x0f)}, true
	case c <= 0xbf: // fixstr
		return head{size: 1, data: int(c & 0x1f)}, true
	}
	switch c {
	case 0xc0, 0xc2, 0xc3: // nil, false, true
		return head{size: 1}, true
	case 0xcc, 0xd0: // uint8, int8
		return head{size: 1, data: 1}, true
	case 0xcd, 0xd1: // uint16, int16
		return head{size: 1, data: 2}, true
	case 0xca, 0xce, 0xd2: // float32, uint32, int32
		return head{size: 1, data: 4}, true
	case 0xcb, 0xcf, 0xd3: // float64, uint64, int64
		return head{size: 1, data: 8}, true
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16
		return head{size: 2, data: 1 << (c - 0xd4)}, true
	case 0xc4, 0xd9: // bin8, str8
		return lengthHead(b, 1, 0)
	case 0xc5, 0xda: // bin16, str16
		return lengthHead(b, 2, 0)
	case 0xc6, 0xdb: // bin32, str32
		return lengthHead(b, 4, 0)
	case 0xc7: // ext8
		return lengthHead(b, 1, 1)
	case 0xc8: // ext16
		return lengthHead(b, 2, 1)
	case 0xc9: // ext32
		return lengthHead(b, 4, 1)
	case 0xdc: // array16
		return countHead(b, 2, false)
	case 0xdd: // array32
		return countHead(b, 4, false)
	case 0xde: // map16
		return countHead(b, 2, true)
	case 0xdf: // map32
		return countHead(b, 4, true)
	}
	return head{}, false // 0xc1, never used
}

// lengthHead reads the head of a string, binary or ext value: a big-endian
// length of width bytes, then extra bytes of header, then length bytes.
func lengthHead(b []byte, width, extra int) (head, bool) {
	n, ok := bigEndian(b, width)
	return head{size: 1 + width + extra, data: n}, ok
}

// countHead reads the head of an array or map with a big-endian count of
// width bytes.
func countHead(b []byte, width int, isMap bool) (head, bool) {
	n, ok := bigEndian(b, width)
	if !ok {
		return head{}, false
	}
	if isMap {
		n *= 2
	}
	return head{size: 1 + width, items: n, isMap: isMap}, true
}

// bigEndian reads the unsigned big-endian number of width bytes after the
// type byte at b[0]. It fails if b is too short, or the number is larger than
// len(b) and so cannot be a length or count of what follows in b.
func bigEndian(b []byte, width int) (int, bool) {
	if len(b) < 1+width {
		return 0, false
	}
	var n uint64
	switch width {
	case 1:
		n = uint64(b[1])
	case 2:
		n = uint64(binary.BigEndian.Uint16(b[1:]))
	default:
		n = uint64(binary.BigEndian.Uint32(b[1:]))
	}
	if n > uint64(len(b)) {
		return 0, false
	}
	return int(n), true
}
