package resource

import (
	"context"
	"errors"
	"fmt"
)

// ErrUnavailable means the arguments of a resource are valid but this node
// lacks, for now, something its agent needs (an interface, a device, a file
// system type). It may appear before the resource starts (a DRBD device, a
// module), so `heartbeat -t` reports it as a warning, not an error.
var ErrUnavailable = errors.New("not available on this node")

// checker is a built-in agent that can tell, without changing anything,
// whether it could start here.
type checker interface {
	Check(ctx context.Context) error
}

// check runs the agent's Check if it has one (built-ins of sub-packages are
// wrapped in named).
func check(ctx context.Context, res Resolution) error {
	a := res.Agent
	if n, ok := a.(named); ok {
		a = n.Agent
	}
	c, ok := a.(checker)
	if !ok {
		return nil
	}
	if err := c.Check(ctx); err != nil {
		return fmt.Errorf("resource %q: %w: %w", res.Word, ErrUnavailable, err)
	}
	return nil
}
