package codec

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Msgpack codec is named after the type it encodes, so that a map of one
// struct type does not open as a map of another, where every field would
// decode as zero. The name must fit the 32 bytes of a file header, and a
// type's full name, with its import path, is often longer: the name holds
// the type's name without import paths, cut to 15 bytes, for people to
// read, and a hash of the full name to tell types apart.

// legacyMsgpack is the name every Msgpack codec had before names held the
// type. Maps whose header says it open with any Msgpack codec.
const legacyMsgpack = "msgpack"

// Lengths of the parts of a Msgpack name: "msgpack:" short "#" hash.
const (
	msgpackPrefix = legacyMsgpack + ":"
	msgpackHash   = 8 // hex digits of a 32-bit hash
	msgpackShort  = 32 - len(msgpackPrefix) - 1 - msgpackHash
)

// MsgpackNamed returns the Msgpack codec for T named as if T's full name
// were typeName: its Name is that of Msgpack[U] for a type U whose full name
// is typeName (Msgpack's doc says what a full name is). Use it to keep
// reading a map after the type of its values was renamed or moved without
// changing its fields: MsgpackNamed[Account]("example.com/app/model.User")
// reads the maps that Msgpack[model.User] wrote. Or give a type a name of
// its own from the start, such as "user/v1", that survives any rename.
//
// typeName must be valid UTF-8 of printable characters, and not empty.
func MsgpackNamed[T any](typeName string) (Msgpack[T], error) {
	if typeName == "" || !utf8.ValidString(typeName) || strings.IndexFunc(typeName, notPrintable) >= 0 {
		return Msgpack[T]{}, &codecError{codec: legacyMsgpack, msg: fmt.Sprintf("type name %q: want printable UTF-8, not empty", typeName)}
	}
	return Msgpack[T]{name: msgpackName(typeName)}, nil
}

func notPrintable(r rune) bool { return !unicode.IsPrint(r) }

// msgpackName returns the name of the Msgpack codec of the type whose full
// name is full.
func msgpackName(full string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(full)) // a hash.Hash never fails to write
	return fmt.Sprintf("%s%s#%08x", msgpackPrefix, truncate(shortName(full), msgpackShort), h.Sum32())
}

// fullName returns the full name of t: for a named type its import path, a
// dot and its name, such as "example.com/app/model.User" (generic ones with
// the full names of their type arguments, as reflect gives them); for a
// predeclared type its name; and for other types their Go syntax with the
// full names of the types in them, such as "map[string]*example.com/app/model.User".
func fullName(t reflect.Type) string {
	if t.Name() != "" {
		if t.PkgPath() == "" {
			return t.Name() // int, string, error, ...
		}
		return t.PkgPath() + "." + t.Name()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + fullName(t.Elem())
	case reflect.Slice:
		return "[]" + fullName(t.Elem())
	case reflect.Array:
		return "[" + strconv.Itoa(t.Len()) + "]" + fullName(t.Elem())
	case reflect.Map:
		return "map[" + fullName(t.Key()) + "]" + fullName(t.Elem())
	case reflect.Struct:
		return structName(t)
	}
	return t.String() // interfaces, channels and functions
}

// structName returns the full name of an unnamed struct type: its fields,
// with their full types and their tags, which say how msgpack names them.
func structName(t reflect.Type) string {
	var b strings.Builder
	b.WriteString("struct {")
	for i := range t.NumField() {
		f := t.Field(i)
		if i > 0 {
			b.WriteString(";")
		}
		b.WriteString(" ")
		if !f.Anonymous {
			b.WriteString(f.Name + " ")
		}
		b.WriteString(fullName(f.Type))
		if f.Tag != "" {
			b.WriteString(" " + strconv.Quote(string(f.Tag)))
		}
	}
	if t.NumField() > 0 {
		b.WriteString(" ")
	}
	b.WriteString("}")
	return b.String()
}

// shortName returns full without import paths or package names: each run
// of the characters of a qualified name is cut to what follows its last "."
// or "/". "map[string]*example.com/app/model.User" becomes "map[string]*User".
func shortName(full string) string {
	out := make([]byte, 0, len(full))
	start := 0 // where in out the current qualified name starts
	for _, r := range full {
		switch {
		case r == '.' || r == '/':
			out = out[:start]
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '~':
			out = utf8.AppendRune(out, r)
		default:
			out = utf8.AppendRune(out, r)
			start = len(out)
		}
	}
	return string(out)
}

// truncate returns s cut to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
