package codec_test

import (
	"fmt"

	"github.com/diskmap-go/diskmap/codec"
)

func ExampleFor() {
	type user struct {
		Name string
		Age  int
	}
	keys := codec.For[string]()
	ids := codec.For[uint32]()
	users := codec.For[user]()
	fmt.Println(keys.Name(), ids.Name(), users.Name())

	b, _ := users.Append(nil, user{Name: "ada", Age: 36})
	fmt.Printf("% x\n", b)
	u, _ := users.Decode(b)
	fmt.Printf("%+v\n", u)
	// Output:
	// string uint32 msgpack:user#b14a086d
	// 82 a3 41 67 65 24 a4 4e 61 6d 65 a3 61 64 61
	// {Name:ada Age:36}
}

func ExampleNative() {
	type celsius float64

	c := codec.Native[celsius]{}
	b, _ := c.Append(nil, -40)
	fmt.Println(c.Name(), len(b))
	fmt.Printf("% x\n", b)

	v, _ := c.Decode(b)
	fmt.Println(v)

	_, err := codec.Native[uint64]{}.Decode(b[:3])
	fmt.Println(err)
	// Output:
	// float64 8
	// 00 00 00 00 00 00 44 c0
	// -40
	// codec: uint64: want 8 bytes, got 3
}
