package concurrent_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// clocked returns options for a map of n shards whose shards read clock.
func clocked(n int, clock *maptest.Clock) *concurrent.Options {
	return &concurrent.Options{Shards: n, Map: *maptest.WithClock(nil, clock)}
}

// Keys put with a time to live over every shard are there, with the time
// they have left, until the clock reaches their expiry; then every read
// finds them absent, Len counts them until they are removed, and
// RemoveExpired removes them all, shard after shard, and says how many.
// The expiries survive Close.
func TestPutTTLAcrossShards(t *testing.T) {
	t.Parallel()
	clock := maptest.NewClock()
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, clocked(8, clock))
	want := map[string]string{}
	for i := range 400 {
		k, v := key(i), fmt.Sprint("value", i)
		var err error
		if i%2 == 0 {
			err = m.PutTTL(k, v, time.Minute)
		} else {
			err = m.Put(k, v)
			want[k] = v
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := m.PutTTL(key(1000), "v", 0); err == nil {
		t.Fatal("PutTTL with a time to live of 0 succeeded")
	}
	if d, ok, err := m.TTL(key(0)); d != time.Minute || !ok || err != nil {
		t.Fatalf("TTL(%q) = %v, %v, %v; want 1m0s, true", key(0), d, ok, err)
	}
	if d, ok, err := m.TTL(key(1)); d != 0 || !ok || err != nil {
		t.Fatalf("TTL(%q) of a key that never expires = %v, %v, %v; want 0, true", key(1), d, ok, err)
	}
	if got := m.Stats().Shards; slices.ContainsFunc(got, func(s diskmap.Stats) bool { return s.Len < 10 }) {
		t.Fatalf("shards hold %v keys: the test wants keys that expire in each", got)
	}
	clock.Advance(time.Minute)
	if d, ok, err := m.TTL(key(0)); d != 0 || ok || err != nil {
		t.Fatalf("TTL(%q) after it expired = %v, %v, %v; want 0, false", key(0), d, ok, err)
	}
	if ok, err := m.Contains(key(2)); ok || err != nil {
		t.Fatalf("Contains(%q) after it expired = %v, %v", key(2), ok, err)
	}
	if found, err := m.View(key(4), func([]byte) error { return nil }); found || err != nil {
		t.Fatalf("View(%q) after it expired = %v, %v", key(4), found, err)
	}
	if _, found, err := m.GetMany([]string{key(6), key(7)}); err != nil || found[0] || !found[1] {
		t.Fatalf("GetMany of an expired key and a live one: found %v, %v", found, err)
	}
	if n := m.Len(); n != 400 {
		t.Fatalf("Len = %d with 200 keys expired and not removed, want 400", n)
	}
	if n, err := m.RemoveExpired(); n != 200 || err != nil {
		t.Fatalf("RemoveExpired = %d, %v; want 200", n, err)
	}
	if st := m.Stats(); st.Len != 200 || st.Expired != 200 {
		t.Fatalf("Stats after RemoveExpired: Len %d, Expired %d; want 200, 200", st.Len, st.Expired)
	}
	maptest.RequireContents(t, m, want)

	if err := m.PutTTL(key(0), "again", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.OpenSharded[string, string](t, dir, clocked(8, clock))
	if d, ok, err := m.TTL(key(0)); d != time.Hour || !ok || err != nil {
		t.Fatalf("TTL(%q) after reopening = %v, %v, %v; want 1h0m0s, true", key(0), d, ok, err)
	}
}

// An entry in Update's fn sets a time to live as the map's PutTTL does.
func TestUpdateSetTTL(t *testing.T) {
	t.Parallel()
	clock := maptest.NewClock()
	m := maptest.OpenSharded[string, uint64](t, t.TempDir(), clocked(4, clock))
	bump := func() error {
		return m.Update("hits", func(e *diskmap.Entry[string, uint64]) error {
			n, err := e.Value()
			if err != nil {
				return err
			}
			return e.SetTTL(n+1, time.Second)
		})
	}
	for range 3 {
		if err := bump(); err != nil {
			t.Fatal(err)
		}
	}
	if n, ok, err := m.Get("hits"); n != 3 || !ok || err != nil {
		t.Fatalf("Get = %d, %v, %v; want 3", n, ok, err)
	}
	clock.Advance(time.Second)
	if err := bump(); err != nil {
		t.Fatal(err)
	}
	if n, ok, err := m.Get("hits"); n != 1 || !ok || err != nil {
		t.Fatalf("Get after the count expired and was bumped = %d, %v, %v; want 1", n, ok, err)
	}
}

// Readers of keys that expire, on many goroutines, see each key with its
// value or not at all while a writer puts keys with a time to live and the
// clock moves on; RemoveExpired runs alongside them.
func TestExpiryWithConcurrentReaders(t *testing.T) {
	t.Parallel()
	clock := maptest.NewClock()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), clocked(4, clock))
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	stop := make(chan struct{})
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := key((i*7 + g) % n)
				v, ok, err := m.Get(k)
				if err == nil && ok && v != "v-"+k {
					err = fmt.Errorf("Get(%q) = %q", k, v)
				}
				if err == nil {
					_, _, err = m.TTL(k)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for round := range 20 {
		for i := range n {
			if err := m.PutTTL(key(i), "v-"+key(i), time.Duration(1+(i+round)%10)*time.Millisecond); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(5 * time.Millisecond)
		if _, err := m.RemoveExpired(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	clock.Advance(time.Second)
	if _, err := m.RemoveExpired(); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 0 {
		t.Fatalf("Len = %d once every key expired and RemoveExpired ran, want 0", m.Len())
	}
}
