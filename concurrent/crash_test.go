package concurrent_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// Environment of the child of TestWritersKilled.
const (
	writersChildDirEnv   = "DISKMAP_TEST_WRITERS_CHILD_DIR"
	writersChildModeEnv  = "DISKMAP_TEST_WRITERS_CHILD_DURABILITY"
	writersChildSeedEnv  = "DISKMAP_TEST_WRITERS_CHILD_SEED"
	writersChildRoundEnv = "DISKMAP_TEST_WRITERS_CHILD_ROUND"
)

// The writers of the kill test: crashWriters goroutines, each owning
// crashTags hash tags of crashTagKeys keys, which only it writes.
const (
	crashWriters = 4
	crashTags    = 2
	crashTagKeys = 4
)

// writeCalls are the calls a writer makes, each as likely as the others.
var writeCalls = []string{
	"Put", "PutTTL", "Delete", "Swap", "LoadOrStore", "LoadAndDelete",
	"CompareAndSwap", "CompareAndDelete", "BatchOn", "Update", "DeleteFunc",
	"PutMany", "PutExpired", "RemoveExpired",
}

// ownKey returns key i of tag t of writer w.
func ownKey(w, t, i int) string { return tagPrefix(w, t) + strconv.Itoa(i) }

// tagPrefix returns what every key of tag t of writer w begins with: the
// keys of a tag lie in one shard.
func tagPrefix(w, t int) string { return fmt.Sprintf("{w%dt%d}/", w, t) }

// TestWritersKilled kills a process while several goroutines write, each
// its own keys with every write call, in every mode, and opens what it
// left. The rule: a process crash loses no acknowledged write in any mode,
// and a write is atomic, a BatchOn included, and an Update, and a
// DeleteFunc of keys in one shard. So each writer's keys hold
// what they held after its last acknowledged write, or after the one write
// it may have had in flight, and a key that holds what a PutTTL stored has
// its expiry. A PutMany, which is not atomic, may have left each of its
// keys as before it or as after it. A key put to expire at once reads as
// absent, and a RemoveExpired, which removes what every writer's keys
// left expired, changes no read. Every answer a call returned (a previous
// value, whether it swapped) must be the one the writes before it imply.
func TestWritersKilled(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		seed := maptest.Seed(t)
		r := rand.New(rand.NewPCG(seed, uint64(opts.Durability)))
		held := make([]map[string]string, crashWriters) // what each writer's keys hold
		for w := range held {
			held[w] = map[string]string{}
		}
		for round := range 4 {
			scripts := make([]*script, crashWriters)
			for w := range scripts {
				scripts[w] = newScript(seed, round, w, held[w])
			}
			killWriters(t, dir, opts.Durability, seed, round, 20+r.IntN(200), scripts)
			m, err := concurrent.Open[string, string](dir, tagged(4, opts.Durability))
			if err != nil {
				t.Fatalf("round %d: Open after the kill: %v", round, err)
			}
			for w, s := range scripts {
				held[w] = requireAckedOrInFlight(t, m, round, s)
			}
			if err := errors.Join(m.Check(), m.Close()); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	})
}

// killWriters runs the child on the map in dir, checks each answer it
// acknowledges against the writer's script, and kills it once it has
// acknowledged n writes. The acknowledgements printed before it died are
// read to the end, so each script stands after its writer's last one.
func killWriters(t *testing.T, dir string, d diskmap.Durability, seed uint64, round, n int, scripts []*script) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := maptest.ChildCommand(ctx, "TestWritersChild",
		writersChildDirEnv+"="+dir, writersChildModeEnv+"="+strconv.Itoa(int(d)),
		writersChildSeedEnv+"="+strconv.FormatUint(seed, 10), writersChildRoundEnv+"="+strconv.Itoa(round))
	killAfterAcks(t, cmd, cancel, n, fmt.Sprintf("round %d", round), func(line string) (bool, error) {
		var w int
		if _, err := fmt.Sscanf(line, "acked %d", &w); err != nil || w < 0 || w >= crashWriters {
			return false, nil
		}
		_, answer, _ := strings.Cut(strings.TrimPrefix(line, "acked "), " ")
		s := scripts[w]
		if o, want := s.next(); answer != want {
			return true, fmt.Errorf("round %d, writer %d, write %d: %v answered %q, want %q", round, w, s.n, o, answer, want)
		}
		return true, nil
	})
}

// killAfterAcks runs cmd, a child that prints a line for each write it has
// acknowledged, and hands each line to ack, which says whether it is one.
// Once n are, it kills the child (cancel is its context's), most likely
// in the middle of a write, and reads its output to the end, so that ack
// sees every line printed before it died. It fails the test if ack
// returns an error, or if the child stops by itself before n.
func killAfterAcks(t *testing.T, cmd *exec.Cmd, cancel context.CancelFunc, n int, what string, ack func(line string) (bool, error)) {
	t.Helper()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	acked, other := 0, ""
	for lines.Scan() {
		ok, err := ack(lines.Text())
		if err != nil {
			cancel()
			_ = cmd.Wait()
			t.Fatal(err)
		}
		if !ok {
			other += lines.Text() + "\n"
			continue
		}
		if acked++; acked == n {
			cancel()
		}
	}
	err = cmd.Wait()
	if acked < n {
		t.Fatalf("%s: the child stopped after %d writes (%v):\n%s%s", what, acked, err, other, stderr.String())
	}
}

// ttlMark ends each value a PutTTL stores, with crashTTL to live: values
// are unique, so a key holding one holds it from that PutTTL, and must
// have its expiry.
const ttlMark = "-ttl"

// crashTTL is the time to live of the kill test's PutTTL: longer than
// the test.
const crashTTL = time.Hour

// requireAckedOrInFlight fails the test unless the keys of s's writer in m
// hold what its script left them, or what the write after that leaves
// them, and each key a PutTTL left has its expiry; it returns what they
// hold.
func requireAckedOrInFlight(t *testing.T, m *concurrent.Map[string, string], round int, s *script) map[string]string {
	t.Helper()
	got, err := ownKeys(m, s.w)
	if err != nil {
		t.Fatal(err)
	}
	acked := maps.Clone(s.state)
	inFlight, _ := s.next()
	if inFlight.call == "PutMany" {
		requireEachKeyOf(t, got, acked, s.state, fmt.Sprintf("round %d, writer %d, after %v", round, s.w, inFlight))
	} else if !maps.Equal(got, acked) && !maps.Equal(got, s.state) {
		t.Fatalf("round %d, writer %d: after %d writes acknowledged, its keys hold\n%v\nwant\n%v\nor, after %v,\n%v",
			round, s.w, s.n-1, got, acked, inFlight, s.state)
	}
	for k, v := range got {
		if !strings.HasSuffix(v, ttlMark) {
			continue
		}
		if d, ok, err := m.TTL(k); err != nil || !ok || d <= 0 || d > crashTTL {
			t.Fatalf("round %d: %s holds %q, stored with PutTTL(%v): TTL = %v, %v, %v", round, k, v, crashTTL, d, ok, err)
		}
	}
	return got
}

// requireEachKeyOf fails the test unless each key of got, before and after
// holds what it holds in before or what it holds in after (absent
// included): what a write that is not atomic may leave.
func requireEachKeyOf(t *testing.T, got, before, after map[string]string, what string) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(union(got, before, after))) {
		g, inGot := got[k]
		b, inBefore := before[k]
		a, inAfter := after[k]
		if (inGot != inBefore || g != b) && (inGot != inAfter || g != a) {
			t.Fatalf("%s: %s holds %s, want %s or %s", what, k, pair(g, inGot), pair(b, inBefore), pair(a, inAfter))
		}
	}
}

// union returns a map of the keys of ms.
func union(ms ...map[string]string) map[string]bool {
	u := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			u[k] = true
		}
	}
	return u
}

// ownKeys returns what the keys of writer w hold in m.
func ownKeys(m *concurrent.Map[string, string], w int) (map[string]string, error) {
	held := map[string]string{}
	for t := range crashTags {
		for i := range crashTagKeys {
			k := ownKey(w, t, i)
			v, ok, err := m.Get(k)
			if err != nil {
				return nil, err
			}
			if ok {
				held[k] = v
			}
		}
	}
	return held, nil
}

// TestWritersChild is the child of TestWritersKilled; it does nothing in a
// normal run. Its writers write until it is killed, and print each answer.
func TestWritersChild(t *testing.T) {
	dir := os.Getenv(writersChildDirEnv)
	if dir == "" {
		t.Skip("run by TestWritersKilled")
	}
	d, err1 := strconv.Atoi(os.Getenv(writersChildModeEnv))
	seed, err2 := strconv.ParseUint(os.Getenv(writersChildSeedEnv), 10, 64)
	round, err3 := strconv.Atoi(os.Getenv(writersChildRoundEnv))
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	m, err := concurrent.Open[string, string](dir, tagged(4, diskmap.Durability(d)))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, crashWriters)
	for w := range crashWriters {
		held, err := ownKeys(m, w)
		if err != nil {
			t.Fatal(err)
		}
		s := newScript(seed, round, w, held)
		go func() {
			for range 1_000_000 {
				o, _ := s.next()
				answer, err := o.run(m)
				if err != nil {
					errs <- fmt.Errorf("writer %d: %v: %w", w, o, err)
					return
				}
				fmt.Printf("acked %d %s\n", w, answer)
			}
			errs <- errors.New("not killed")
		}()
	}
	t.Fatal(<-errs)
}

// A script is the writes of one writer in one round: random, and the same
// in child and parent, which draw them from the same seed, starting from
// the same state of the writer's keys.
type script struct {
	w, round int
	r        *rand.Rand
	n        int               // writes drawn so far
	state    map[string]string // what the writer's keys hold after them
}

func newScript(seed uint64, round, w int, held map[string]string) *script {
	return &script{w: w, round: round, r: rand.New(rand.NewPCG(seed, uint64(round*crashWriters+w))), state: maps.Clone(held)}
}

// next draws the writer's next write, applies it to the script's state,
// and returns it with the answer the map must give to it.
func (s *script) next() (write, string) {
	s.n++
	tag := s.r.IntN(crashTags)
	o := write{
		call:  writeCalls[s.r.IntN(len(writeCalls))],
		key:   ownKey(s.w, tag, s.r.IntN(crashTagKeys)),
		value: fmt.Sprintf("r%dw%dn%d", s.round, s.w, s.n),
	}
	switch o.call {
	case "PutTTL":
		o.value += ttlMark
	case "CompareAndSwap", "CompareAndDelete":
		o.old = s.state[o.key]
		if s.r.IntN(3) == 0 {
			o.old = "not-" + o.old
		}
	case "DeleteFunc":
		o.key = tagPrefix(s.w, tag)
	case "PutMany": // keys of both tags, so of two shards most likely
		o.batch = map[string]string{}
		for t := range crashTags {
			for i := range crashTagKeys {
				if s.r.IntN(2) == 0 {
					o.batch[ownKey(s.w, t, i)] = fmt.Sprintf("%s.%d.%d", o.value, t, i)
				}
			}
		}
	case "BatchOn":
		o.batch = map[string]string{}
		for i := range crashTagKeys {
			k := ownKey(s.w, tag, i)
			switch s.r.IntN(3) {
			case 0:
				o.batch[k] = fmt.Sprintf("%s.%d", o.value, i)
			case 1:
				o.batch[k] = "" // a delete
			}
		}
	}
	return o, o.apply(s.state)
}

// write is one call of a writer.
type write struct {
	call  string            // the method of concurrent.Map
	key   string            // the key it writes, for BatchOn the shard's, for DeleteFunc the prefix of those it deletes
	value string            // the value it stores
	old   string            // the value CompareAndSwap and CompareAndDelete compare with
	batch map[string]string // BatchOn's writes: key to value, "" to delete; PutMany's items
}

func (o write) String() string {
	switch o.call {
	case "Delete", "LoadAndDelete":
		return fmt.Sprintf("%s(%s)", o.call, o.key)
	case "DeleteFunc":
		return fmt.Sprintf("DeleteFunc(keys beginning %s)", o.key)
	case "CompareAndSwap":
		return fmt.Sprintf("CompareAndSwap(%s, %q, %q)", o.key, o.old, o.value)
	case "CompareAndDelete":
		return fmt.Sprintf("CompareAndDelete(%s, %q)", o.key, o.old)
	case "BatchOn":
		return fmt.Sprintf("BatchOn(%s, %v)", o.key, o.batch)
	case "PutMany":
		return fmt.Sprintf("PutMany(%v)", o.batch)
	case "RemoveExpired":
		return "RemoveExpired()"
	}
	return fmt.Sprintf("%s(%s, %q)", o.call, o.key, o.value)
}

// apply makes the write in state, a model of the writer's keys, and
// returns the answer the map must give to it, formatted as run formats it.
func (o write) apply(state map[string]string) string {
	v, ok := state[o.key]
	switch o.call {
	case "Put", "PutTTL":
		state[o.key] = o.value
		return ""
	case "PutExpired": // reads as absent from the moment it is stored
		delete(state, o.key)
		return ""
	case "RemoveExpired": // its count is of every writer's keys
		return ""
	case "Delete":
		delete(state, o.key)
		return strconv.FormatBool(ok)
	case "Swap":
		state[o.key] = o.value
		return pair(v, ok)
	case "LoadOrStore":
		if !ok {
			state[o.key], v = o.value, o.value
		}
		return pair(v, ok)
	case "LoadAndDelete":
		delete(state, o.key)
		return pair(v, ok)
	case "CompareAndSwap":
		swapped := ok && v == o.old
		if swapped {
			state[o.key] = o.value
		}
		return strconv.FormatBool(swapped)
	case "CompareAndDelete":
		deleted := ok && v == o.old
		if deleted {
			delete(state, o.key)
		}
		return strconv.FormatBool(deleted)
	case "Update": // appends to the value, or inserts it
		if ok {
			state[o.key] = v + "+" + o.value
		} else {
			state[o.key] = o.value
		}
		return ""
	case "DeleteFunc":
		n := 0
		for k := range state {
			if strings.HasPrefix(k, o.key) {
				delete(state, k)
				n++
			}
		}
		return strconv.Itoa(n)
	default: // BatchOn, PutMany
		for k, v := range o.batch {
			if v == "" {
				delete(state, k)
			} else {
				state[k] = v
			}
		}
		return ""
	}
}

// run makes the write in m and returns the map's answer.
func (o write) run(m *concurrent.Map[string, string]) (string, error) {
	switch o.call {
	case "Put":
		return "", m.Put(o.key, o.value)
	case "PutTTL":
		return "", m.PutTTL(o.key, o.value, crashTTL)
	case "PutExpired":
		return "", m.PutTTL(o.key, o.value, time.Nanosecond)
	case "RemoveExpired":
		_, err := m.RemoveExpired()
		return "", err
	case "PutMany":
		return "", m.PutMany(maps.All(o.batch))
	case "Delete":
		ok, err := m.Delete(o.key)
		return strconv.FormatBool(ok), err
	case "Swap":
		v, ok, err := m.Swap(o.key, o.value)
		return pair(v, ok), err
	case "LoadOrStore":
		v, ok, err := m.LoadOrStore(o.key, o.value)
		return pair(v, ok), err
	case "LoadAndDelete":
		v, ok, err := m.LoadAndDelete(o.key)
		return pair(v, ok), err
	case "CompareAndSwap":
		ok, err := m.CompareAndSwap(o.key, o.old, o.value)
		return strconv.FormatBool(ok), err
	case "CompareAndDelete":
		ok, err := m.CompareAndDelete(o.key, o.old)
		return strconv.FormatBool(ok), err
	case "Update":
		return "", m.Update(o.key, func(e *diskmap.Entry[string, string]) error {
			_, err := e.AndModify(func(v *string) { *v += "+" + o.value }).OrInsert(o.value)
			return err
		})
	case "DeleteFunc":
		n, err := m.DeleteFunc(func(k, _ string) bool { return strings.HasPrefix(k, o.key) })
		return strconv.Itoa(n), err
	default: // BatchOn
		return "", m.BatchOn(o.key, func(b *diskmap.Batch[string, string]) error {
			for _, k := range slices.Sorted(maps.Keys(o.batch)) {
				var err error
				if o.batch[k] == "" {
					_, err = b.Delete(k)
				} else {
					err = b.Put(k, o.batch[k])
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// pair formats a value and whether it was found, as the calls of
// sync.Map return them.
func pair(v string, ok bool) string { return fmt.Sprintf("%q %t", v, ok) }
