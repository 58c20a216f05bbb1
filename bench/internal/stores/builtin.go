package stores

func init() {
	register(Kind{
		Name:     "builtin",
		Open:     func(string) (Store, error) { return &builtin{m: map[string][]byte{}}, nil },
		InMemory: true,
		Settings: "Go's map[string][]byte, the in-memory limit: no size hint; Put stores a copy " +
			"of the value, as every store does; Get returns the stored slice without copying " +
			"(it stays valid, since a Put replaces the slice instead of writing into it).",
	})
}

// builtin is Go's map: nothing on disk, nothing to sync.
type builtin struct{ m map[string][]byte }

func (b *builtin) Put(k, v []byte) error {
	b.m[string(k)] = append([]byte(nil), v...)
	return nil
}

func (b *builtin) Get(k []byte) ([]byte, bool, error) {
	v, ok := b.m[string(k)]
	return v, ok, nil
}

func (b *builtin) Contains(k []byte) (bool, error) {
	_, ok := b.m[string(k)]
	return ok, nil
}

// Increment replaces the counter with a new one, as Put replaces values.
func (b *builtin) Increment(k []byte) error {
	b.m[string(k)] = counterAfter(b.m[string(k)])
	return nil
}

func (b *builtin) Delete(k []byte) error {
	delete(b.m, string(k))
	return nil
}

func (b *builtin) Sync() error  { return nil }
func (b *builtin) Close() error { return nil }
