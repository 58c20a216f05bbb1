package main

import (
	"errors"
	"flag"
	"fmt"
	"time"
)

var putCommand = &command{
	name: "put",
	args: "DIR KEY VALUE",
	summary: "store VALUE under KEY, written as the codecs take them (a msgpack value as JSON); " +
		"VALUE is left out for the codec empty",
	example: `diskmap put -ttl 1h /var/lib/app/sessions alice '{"user":"alice","visits":3}'`,
	run:     runPut,
}

func runPut(c *call, args []string) error {
	var ttl time.Duration
	args, err := c.parse(args, func(fs *flag.FlagSet) {
		fs.DurationVar(&ttl, "ttl", 0, "expire the key this long from now, such as 90s or 24h (default: never)")
	}, 2, 3)
	if err != nil {
		return err
	}
	if ttl < 0 {
		return fmt.Errorf("-ttl %v is negative", ttl)
	}
	t, err := c.open(args[0], openOptions{})
	if err != nil {
		return err
	}
	if err := t.need(true, true); err != nil {
		return t.close(err)
	}
	return t.close(t.put(args[1:], ttl))
}

// put stores the pair args stands for: KEY and VALUE, or KEY alone.
func (t *target) put(args []string, ttl time.Duration) error {
	k, err := t.parseKey(args[0])
	if err != nil {
		return err
	}
	arg := ""
	if len(args) == 2 {
		arg = args[1]
	} else if _, ok := t.values.(emptyForm); !ok {
		return errors.New("want DIR KEY VALUE, got no VALUE (only a map of the codec empty stores none)")
	}
	v, err := t.parseValue(arg)
	if err != nil {
		return err
	}
	if ttl > 0 {
		return t.PutTTL(k, v, ttl)
	}
	return t.Put(k, v)
}
