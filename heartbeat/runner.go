package heartbeat

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/sirupsen/logrus"
)

// StartError says a resource of a group failed to start; the group was
// stopped again (right to left) before it was returned.
type StartError struct {
	Resource string // the haresources word that failed
	Err      error
}

func (e *StartError) Error() string {
	return fmt.Sprintf("starting %s: %v", e.Resource, e.Err)
}

func (e *StartError) Unwrap() error { return e.Err }

// StopError says a resource could not be stopped and may still run here.
// Nothing may start the group elsewhere before this node is fenced.
type StopError struct {
	Resource string
	Err      error
}

func (e *StopError) Error() string {
	return fmt.Sprintf("stopping %s: %v", e.Resource, e.Err)
}

func (e *StopError) Unwrap() error { return e.Err }

// runner starts and stops groups the way 3.0.6's ResourceManager script
// does, with its log lines: start left to right after a status check, stop
// right to left, stop retried before it is declared failed.
type runner struct {
	log          *logrus.Entry // lines tagged ResourceManager(default)
	resourceDir  string        // printed in "Running …" lines: /etc/ha.d//resource.d
	stopRetries  int           // 3.0.6 HA_STOPRETRYMAX: 10
	stopInterval time.Duration // between stop retries: 1 s
	sleep        func(context.Context, time.Duration) error
	observe      func(ResourceOp) // nil: nobody watches
	niceFailback bool             // auto_failback on/off: mach_down says so
}

// ResourceOp is one finished agent operation, for metrics.
type ResourceOp struct {
	Resource string // the haresources word (IPaddr::10.0.0.5/24/eth0)
	Op       string // start, stop or status
	Duration time.Duration
	Err      error // nil when it succeeded; a status that cannot be told fails
}

// call runs op on res's agent and reports it to the observer.
func (r *runner) call(ctx context.Context, res Resource, op string, f func(context.Context) error) error {
	began := time.Now()
	err := f(ctx)
	if r.observe != nil {
		r.observe(ResourceOp{Resource: res.Word(), Op: op, Duration: time.Since(began), Err: err})
	}
	return err
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// script is the path ResourceManager prints for a resource's script.
func (r *runner) script(res Resource) string { return path.Join(r.resourceDir, res.Name) }

// status reports whether a resource runs; a status that cannot be told
// counts as stopped, as ResourceManager's glob match does. The agents bound
// their own run time.
func (r *runner) status(ctx context.Context, res Resource) bool {
	var running bool
	err := r.call(ctx, res, "status", func(ctx context.Context) error {
		var err error
		running, err = res.Agent.Status(ctx)
		return err
	})
	return err == nil && running
}

// acquire starts a group left to right, skipping resources already running.
// On a failed start it stops the group again and returns a *StartError, or
// the *StopError of that release.
func (r *runner) acquire(ctx context.Context, g *Group) error {
	halog.AcquiringGroup(r.log, g.Owner+" "+g.Key)
	for _, res := range g.Resources {
		if r.status(ctx, res) {
			continue
		}
		halog.RunningResource(r.log, r.script(res), res.Args, "start")
		if err := r.call(ctx, res, "start", res.Agent.Start); err != nil {
			halog.ResourceReturnCode(r.log, exitCode(err), r.script(res))
			halog.GivingUpOnFailure(r.log, res.Word())
			if stopErr := r.release(ctx, g); stopErr != nil {
				return stopErr
			}
			return &StartError{Resource: res.Word(), Err: err}
		}
	}
	return nil
}

// release stops a group right to left. A stop that keeps failing is retried
// stopRetries times; if the resource still runs afterwards release logs
// 3.0.6's "Killing heartbeat ungracefully!" and returns a *StopError at once
// (the caller fences), and if its status says stopped the release goes on
// with 3.0.6's warnings.
func (r *runner) release(ctx context.Context, g *Group) error {
	halog.ReleasingGroup(r.log, g.Owner+" "+g.Key)
	for i := len(g.Resources) - 1; i >= 0; i-- {
		res := g.Resources[i]
		halog.RunningResource(r.log, r.script(res), res.Args, "stop")
		err := r.call(ctx, res, "stop", res.Agent.Stop)
		for try := 0; err != nil && try < r.stopRetries; try++ {
			if r.sleep(ctx, r.stopInterval) != nil {
				break
			}
			halog.RetryingStop(r.log, res.Word())
			err = r.call(ctx, res, "stop", res.Agent.Stop)
		}
		if err == nil {
			continue
		}
		if r.status(ctx, res) {
			halog.StopFailureReboot(r.log)
			return &StopError{Resource: res.Word(), Err: err}
		}
		halog.NotLSBCompliant(r.log, res.Word())
	}
	return nil
}

// announcer is an agent that can announce a running resource again
// (IPaddr: gratuitous ARP), after a partition in which another node had it.
type announcer interface {
	Announce(ctx context.Context) error
}

// announce calls Announce on every resource of the groups that has it.
func (r *runner) announce(ctx context.Context, groups []*Group, idx []int) {
	for _, i := range idx {
		g := groups[i]
		halog.Reannouncing(r.log, g.First())
		for _, res := range g.Resources {
			if a, ok := res.Agent.(announcer); ok {
				if err := a.Announce(ctx); err != nil {
					halog.Log(r.log, halog.Err, fmt.Sprintf("announcing %s: %v", res.Word(), err))
				}
			}
		}
	}
}

// exitCode digs the exit status out of a failed operation, 1 when it has none.
func exitCode(err error) int {
	var coder interface{ ExitCode() int }
	if errors.As(err, &coder) && coder.ExitCode() > 0 {
		return coder.ExitCode()
	}
	return 1
}
