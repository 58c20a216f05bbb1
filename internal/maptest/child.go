package maptest

import (
	"context"
	"os"
	"os/exec"
)

// ChildCommand returns a command that runs the test named test of this
// test binary again, in a child process, with env ("NAME=value") added to
// the environment; ctx kills it. The child test tells from the
// environment that it is the child.
func ChildCommand(ctx context.Context, test string, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}
