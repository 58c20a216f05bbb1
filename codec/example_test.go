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

func ExampleFixed() {
	type sample struct {
		At    int64
		Value float32
		Valid bool
	}
	c, err := codec.Fixed[sample]()
	if err != nil {
		panic(err)
	}
	b, _ := c.Append(nil, sample{At: 1, Value: 1.5, Valid: true})
	fmt.Println(c.Name(), len(b))
	fmt.Printf("% x\n", b)

	_, err = codec.Fixed[struct{ Name string }]()
	fmt.Println(err)
	// Output:
	// fixed:16:452939d367836b43 16
	// 01 00 00 00 00 00 00 00 00 00 c0 3f 01 00 00 00
	// codec: fixed: struct { Name string }.Name: string holds a pointer
}

func ExampleMsgpackNamed() {
	// A map written with Msgpack[model.User] opens after User was renamed
	// Account with the codec named for the old type.
	type Account struct{ Name string }
	c, err := codec.MsgpackNamed[Account]("example.com/app/model.User")
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Name())
	// Output: msgpack:User#3a244fdd
}
