// Package resource (directory resource.d) runs the resources of a haresources
// group: built-in Go agents for the common heartbeat scripts, and any script
// in /etc/ha.d/resource.d, /etc/init.d, an OCF agent or a systemd unit.
package resource

import (
	"context"
	"errors"
)

// Agent is one resource of a haresources group with its arguments bound.
// The resource manager calls Status before Start (a running resource is not
// started again), Start left to right and Stop right to left.
type Agent interface {
	// Start brings the resource up. It returns nil on success.
	Start(ctx context.Context) error
	// Stop takes the resource down; stopping a stopped resource succeeds.
	Stop(ctx context.Context) error
	// Status reports whether the resource runs here. An error means the
	// state could not be determined.
	Status(ctx context.Context) (running bool, err error)
	// String names the resource as haresources writes it (IPaddr::10.0.0.1/24).
	String() string
}

// ErrNotFound means no agent provides a haresources word.
var ErrNotFound = errors.New("no agent found")
