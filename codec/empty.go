package codec

// Empty encodes struct{} as nothing, so that a map of struct{} values, a
// set, stores no bytes for them: a map writes an empty value as no record
// at all. For picks it for struct{}, and no other type.
//
// Before For picked Empty, maps of struct{} were made with Msgpack: their
// header names the codec "msgpack" and each value is the one byte 80, an
// empty MessagePack map. Empty reads those maps too (see Compatible), and
// decodes both nothing and 80. The values it writes into such a map take 0
// bytes, which Msgpack cannot decode: a map Empty has written to must be
// opened with Empty, as Open does, from then on.
//
// The zero value is ready to use and goroutine-safe. Empty implements
// Packer, and allocates nothing.
type Empty struct{}

// legacyEmpty is how Msgpack encodes struct{}: a map of no entries.
const legacyEmpty = 0x80

// Name returns "empty".
func (Empty) Name() string { return "empty" }

// Append returns dst as it is. It never fails.
func (Empty) Append(dst []byte, _ struct{}) ([]byte, error) { return dst, nil }

// Decode returns struct{}{}. It fails unless b is empty or the byte 80 that
// Msgpack wrote for struct{}.
func (Empty) Decode(b []byte) (struct{}, error) {
	if len(b) == 0 || len(b) == 1 && b[0] == legacyEmpty {
		return struct{}{}, nil
	}
	return struct{}{}, invalidf("empty", "want 0 bytes, got %d", len(b))
}

// Pack returns 0 bytes.
func (Empty) Pack(struct{}) (word uint64, n int) { return 0, 0 }
