package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"

	"github.com/heartbeat-go/heartbeat-go/resource.d"
)

// Resolver says which agent provides a haresources resource word, as
// `heartbeat -t` prints it; *resource.Resolver implements it (Explain).
type Resolver interface {
	Explain(ctx context.Context, word string) (desc string, err error)
}

var _ Resolver = (*resource.Resolver)(nil)

// ResolveResources explains every haresources word with r and records the
// answers in Resolutions. A word no agent takes, or whose arguments its
// agent rejects, is an error: the daemon binds every word at start-up and
// would not start. An error wrapping resource.ErrUnavailable is a warning:
// the arguments are valid but this node lacks, for now, something the
// agent needs. Load does not call it, so that tools which only read the
// configuration (hb2pcmk) do not depend on this node's agents.
func (c *Config) ResolveResources(ctx context.Context, r Resolver) {
	if c.Resources == nil {
		return
	}
	for _, g := range c.Resources.Groups {
		for _, res := range g.Resources {
			desc, err := r.Explain(ctx, res.Text)
			c.Resolutions = append(c.Resolutions, Resolution{Resource: res, Desc: desc, Err: err})
			sev := Error
			switch {
			case err == nil:
				continue
			case errors.Is(err, resource.ErrUnavailable):
				sev = Warning
			}
			c.Problems = append(c.Problems, Problem{File: res.File, Line: res.Line, Msg: err.Error(), Severity: sev})
		}
	}
	sortProblems(c.Problems)
}

// executable checks that path is a regular file with an execute bit.
func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s: not an executable regular file: %w", path, exec.ErrNotFound)
	}
	return nil
}

func lookupUser(name string) error {
	_, err := user.Lookup(name)
	return err
}
