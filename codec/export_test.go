package codec

// FixedFromMemory returns the encoding c, a codec from Fixed, writes for a
// value whose memory is mem, padding included.
func FixedFromMemory[T any](c Codec[T], mem []byte) []byte {
	b := append([]byte(nil), mem...)
	c.(*fixed[T]).l.fromMemory(b)
	return b
}

// FixedSwap reverses the bytes of every number in b, as a big-endian
// platform does to turn memory into an encoding, for c, a codec from Fixed.
func FixedSwap[T any](c Codec[T], b []byte) { c.(*fixed[T]).l.swap(b) }

// LittleEndian reports whether the platform is little-endian.
func LittleEndian() bool { return littleEndian }
