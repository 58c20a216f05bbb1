package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/diskmap-go/diskmap/codec"
)

// A form is what the tool knows of one codec of package codec: the codec,
// over values of type any, and how its values are written on a command
// line and in JSON. The values a form makes are of the codec's own type
// (string, []byte, int64, struct{}, ...): the codec takes no other.
//
//	codec            command line           JSON
//	string           the argument           a string
//	bytes            the argument's bytes   a string of base64
//	int8 ... uint64  a decimal integer      a number
//	float32, 64      a number, NaN, ±Inf    a number, or "NaN", "+Inf", "-Inf"
//	empty            "" or nothing          null (or no value at all)
//	msgpack          JSON                   JSON
type form interface {
	// codec returns the codec, named name: the name in the map's header,
	// which for msgpack holds the Go type the values were written from.
	codec(name string) codec.Codec[any]
	// parse returns the value an argument of the command line stands for.
	parse(arg string) (any, error)
	// fromJSON returns the value a JSON value stands for.
	fromJSON(raw json.RawMessage) (any, error)
	// toJSON returns what json.Marshal writes for v, a value of the codec,
	// or an error if JSON cannot hold it.
	toJSON(v any) (any, error)
}

// formFor returns the form of the codec named name, as a map header or
// manifest names it.
func formFor(name string) (form, error) {
	switch name {
	case "string":
		return stringForm{}, nil
	case "bytes":
		return bytesForm{}, nil
	case "empty":
		return emptyForm{}, nil
	case "int8":
		return intForm[int8]{bits: 8}, nil
	case "int16":
		return intForm[int16]{bits: 16}, nil
	case "int32":
		return intForm[int32]{bits: 32}, nil
	case "int64":
		return intForm[int64]{bits: 64}, nil
	case "uint8":
		return uintForm[uint8]{bits: 8}, nil
	case "uint16":
		return uintForm[uint16]{bits: 16}, nil
	case "uint32":
		return uintForm[uint32]{bits: 32}, nil
	case "uint64":
		return uintForm[uint64]{bits: 64}, nil
	case "float32":
		return floatForm[float32]{bits: 32}, nil
	case "float64":
		return floatForm[float64]{bits: 64}, nil
	}
	if name == "msgpack" || strings.HasPrefix(name, "msgpack:") {
		return msgpackForm{}, nil
	}
	if strings.HasPrefix(name, "fixed:") {
		return nil, fmt.Errorf("codec %q is a codec.Fixed of a Go type the map does not record: this tool cannot decode it", name)
	}
	return nil, fmt.Errorf("codec %q is not one this tool knows (%s)", name, knownCodecs)
}

// knownCodecs lists the codec names formFor knows, for errors and help.
const knownCodecs = "string, bytes, int8 to int64, uint8 to uint64, float32, float64, empty, msgpack"

// opaqueForm stands for a codec the tool does not know. Its codec reads
// and writes the encodings as they are, which is all a map needs to be
// checked, compacted and recovered; anything else says err.
type opaqueForm struct{ err error }

func (opaqueForm) codec(name string) codec.Codec[any] {
	return anyCodec[[]byte]{codec.Bytes{}, name}
}
func (f opaqueForm) parse(string) (any, error)             { return nil, f.err }
func (f opaqueForm) fromJSON(json.RawMessage) (any, error) { return nil, f.err }
func (f opaqueForm) toJSON(any) (any, error)               { return nil, f.err }

// anyCodec is a codec of package codec for values of type T, taking and
// returning them as any, under the name the map's header gives.
type anyCodec[T any] struct {
	c    codec.Codec[T]
	name string
}

// Append encodes v, which must be a T.
func (a anyCodec[T]) Append(dst []byte, v any) ([]byte, error) {
	t, ok := v.(T)
	if !ok {
		return dst, fmt.Errorf("codec %s: a %T is not a value of this codec", a.name, v)
	}
	return a.c.Append(dst, t)
}

// Decode decodes b as a T.
func (a anyCodec[T]) Decode(b []byte) (any, error) { return a.c.Decode(b) }

// Name returns the name of the codec in the map's header.
func (a anyCodec[T]) Name() string { return a.name }

type stringForm struct{}

func (stringForm) codec(name string) codec.Codec[any] {
	return anyCodec[string]{codec.String{}, name}
}
func (stringForm) parse(arg string) (any, error) { return arg, nil }
func (stringForm) fromJSON(raw json.RawMessage) (any, error) {
	var s string
	if !isJSONString(raw) || json.Unmarshal(raw, &s) != nil {
		return nil, wantJSON("a string", raw)
	}
	return s, nil
}
func (stringForm) toJSON(v any) (any, error) {
	if !utf8.ValidString(v.(string)) {
		return nil, fmt.Errorf("%q is not UTF-8, which JSON strings must be", clip([]byte(v.(string))))
	}
	return v, nil
}

type bytesForm struct{}

func (bytesForm) codec(name string) codec.Codec[any] {
	return anyCodec[[]byte]{codec.Bytes{}, name}
}
func (bytesForm) parse(arg string) (any, error) { return []byte(arg), nil }
func (bytesForm) fromJSON(raw json.RawMessage) (any, error) {
	var s string
	if !isJSONString(raw) || json.Unmarshal(raw, &s) != nil {
		return nil, wantJSON("a string of base64", raw)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("want a string of base64, got %s", clip(raw))
	}
	return b, nil
}
func (bytesForm) toJSON(v any) (any, error) { return v, nil } // json.Marshal writes []byte as base64

type emptyForm struct{}

func (emptyForm) codec(name string) codec.Codec[any] {
	return anyCodec[struct{}]{codec.Empty{}, name}
}
func (emptyForm) parse(arg string) (any, error) {
	if arg != "" {
		return nil, fmt.Errorf("the codec empty stores no values: want no VALUE, got %q", arg)
	}
	return struct{}{}, nil
}
func (emptyForm) fromJSON(raw json.RawMessage) (any, error) {
	if raw != nil && string(bytes.TrimSpace(raw)) != "null" {
		return nil, wantJSON("null: the codec empty stores no values", raw)
	}
	return struct{}{}, nil
}
func (emptyForm) toJSON(any) (any, error) { return nil, nil }

// intForm is the form of codec.Native for a signed integer type.
type intForm[T int8 | int16 | int32 | int64] struct{ bits int }

func (intForm[T]) codec(name string) codec.Codec[any] {
	return anyCodec[T]{codec.Native[T]{}, name}
}
func (f intForm[T]) parse(arg string) (any, error) {
	n, err := strconv.ParseInt(arg, 10, f.bits)
	if err != nil {
		return nil, fmt.Errorf("want an int%d, got %q", f.bits, arg)
	}
	return T(n), nil
}
func (f intForm[T]) fromJSON(raw json.RawMessage) (any, error) {
	if !isJSONNumber(raw) {
		return nil, wantJSON(fmt.Sprintf("a number (int%d)", f.bits), raw)
	}
	return f.parse(string(raw))
}
func (intForm[T]) toJSON(v any) (any, error) { return v, nil }

// uintForm is the form of codec.Native for an unsigned integer type.
type uintForm[T uint8 | uint16 | uint32 | uint64] struct{ bits int }

func (uintForm[T]) codec(name string) codec.Codec[any] {
	return anyCodec[T]{codec.Native[T]{}, name}
}
func (f uintForm[T]) parse(arg string) (any, error) {
	n, err := strconv.ParseUint(arg, 10, f.bits)
	if err != nil {
		return nil, fmt.Errorf("want a uint%d, got %q", f.bits, arg)
	}
	return T(n), nil
}
func (f uintForm[T]) fromJSON(raw json.RawMessage) (any, error) {
	if !isJSONNumber(raw) {
		return nil, wantJSON(fmt.Sprintf("a number (uint%d)", f.bits), raw)
	}
	return f.parse(string(raw))
}
func (uintForm[T]) toJSON(v any) (any, error) { return v, nil }

// floatForm is the form of codec.Native for a floating-point type. JSON
// has no NaN or infinities: they are written as the strings "NaN", "+Inf"
// and "-Inf".
type floatForm[T float32 | float64] struct{ bits int }

func (floatForm[T]) codec(name string) codec.Codec[any] {
	return anyCodec[T]{codec.Native[T]{}, name}
}
func (f floatForm[T]) parse(arg string) (any, error) {
	x, err := strconv.ParseFloat(arg, f.bits)
	if err != nil {
		return nil, fmt.Errorf("want a float%d, got %q", f.bits, arg)
	}
	return T(x), nil
}
func (f floatForm[T]) fromJSON(raw json.RawMessage) (any, error) {
	switch string(raw) {
	case `"NaN"`:
		return T(math.NaN()), nil
	case `"+Inf"`:
		return T(math.Inf(1)), nil
	case `"-Inf"`:
		return T(math.Inf(-1)), nil
	}
	if !isJSONNumber(raw) {
		return nil, wantJSON(fmt.Sprintf(`a number (float%d), or "NaN", "+Inf" or "-Inf"`, f.bits), raw)
	}
	return f.parse(string(raw))
}
func (floatForm[T]) toJSON(v any) (any, error) { return floatJSON(float64(v.(T)), v), nil }

// floatJSON returns what JSON holds for x, which is v as a float64: v, or
// a string for NaN and the infinities.
func floatJSON(x float64, v any) any {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "+Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	}
	return v
}

// msgpackForm is the form of codec.Msgpack: values decode into any (maps,
// slices, strings, numbers, []byte, ...), whatever Go type wrote them, and
// JSON values encode as their MessagePack counterparts, so that a struct
// written by a Go program reads back from an object of its field names.
type msgpackForm struct{}

func (msgpackForm) codec(name string) codec.Codec[any] {
	return anyCodec[any]{codec.Msgpack[any]{}, name}
}
func (f msgpackForm) parse(arg string) (any, error) {
	if !json.Valid([]byte(arg)) {
		return nil, fmt.Errorf("want JSON for the codec msgpack, got %q", clip([]byte(arg)))
	}
	return f.fromJSON(json.RawMessage(arg))
}
func (msgpackForm) fromJSON(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, wantJSON("JSON", raw)
	}
	return numbersOf(v), nil
}
func (msgpackForm) toJSON(v any) (any, error) { return jsonable(v), nil }

// numbersOf replaces each json.Number in v by an int64, a uint64 past
// int64, or else a float64, so that an integer is stored as MessagePack's
// integer and decodes into a Go integer field.
func numbersOf(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return n
		}
		if n, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			return n
		}
		x, _ := strconv.ParseFloat(string(v), 64) // json checked the syntax; a huge one is ±Inf
		return x
	case []any:
		for i := range v {
			v[i] = numbersOf(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = numbersOf(v[k])
		}
	}
	return v
}

// jsonable returns v, decoded from MessagePack, with every map keyed by
// strings, as JSON needs: a map of other keys (MessagePack allows any)
// has them written with fmt's %v. NaN and infinities become strings, as
// for floatForm.
func jsonable(v any) any {
	switch v := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[fmt.Sprint(k)] = jsonable(x)
		}
		return m
	case map[string]any:
		for k := range v {
			v[k] = jsonable(v[k])
		}
	case []any:
		for i := range v {
			v[i] = jsonable(v[i])
		}
	case float64:
		return floatJSON(v, v)
	case float32:
		return floatJSON(float64(v), v)
	}
	return v
}

func isJSONString(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '"' }

func isJSONNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') && json.Valid(raw)
}

// wantJSON returns the error for a JSON value that is not what a codec
// takes.
func wantJSON(what string, raw json.RawMessage) error {
	if raw == nil {
		return fmt.Errorf("want %s, got nothing", what)
	}
	return fmt.Errorf("want %s, got %s", what, clip(raw))
}

// clip returns b, cut to a length that fits in an error line.
func clip(b []byte) string {
	const most = 40
	if len(b) > most {
		return string(b[:most]) + "..."
	}
	return string(b)
}
