package diskmap

// Named instantiations of Map for the most common key and value types, with
// the codecs Open picks for them.
type (
	// StringStringMap maps strings to strings.
	StringStringMap = Map[string, string]
	// StringU64Map maps strings to uint64s, such as counters.
	StringU64Map = Map[string, uint64]
	// U64StringMap maps uint64s, such as IDs, to strings.
	U64StringMap = Map[uint64, string]
	// BytesMap maps byte slices to byte slices.
	BytesMap = Map[[]byte, []byte]
)
