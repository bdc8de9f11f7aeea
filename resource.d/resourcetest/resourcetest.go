// Package resourcetest provides a recording resource.Agent for the tests of
// other packages (the failover loop, the resource manager): it remembers the
// order of calls across agents, keeps a running state, and can be told to
// fail starts and stops or to wait before acting.
package resourcetest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/heartbeat-go/heartbeat-go/resource.d"
)

// ErrInjected is the cause of every failure the fake was told to produce.
var ErrInjected = errors.New("injected failure")

// Call is one recorded operation.
type Call struct {
	Agent string // the agent's word
	Op    string // "start", "stop" or "status"
}

func (c Call) String() string { return c.Agent + " " + c.Op }

// Recorder collects the calls of any number of agents in order. The zero
// value is ready to use.
type Recorder struct {
	mu    sync.Mutex
	calls []Call
}

func (r *Recorder) add(c Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
}

// Calls returns the calls so far.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Ops returns the calls so far as "word op" strings, handy for comparisons.
func (r *Recorder) Ops() []string {
	calls := r.Calls()
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.String()
	}
	return out
}

// Reset forgets the calls so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = nil
}

// Agent is a fake resource.Agent. Start makes it running and Stop stopped,
// unless told to fail; a failed stop leaves it running (the case heartbeat
// reboots for) unless StopLeavesRunning(false).
type Agent struct {
	word string
	rec  *Recorder

	mu           sync.Mutex
	running      bool
	failStarts   int // next starts that fail; <0 all
	failStops    int
	stopRunning  bool // a failed stop leaves it running
	gate         chan struct{}
	statusFailed bool
}

var _ resource.Agent = (*Agent)(nil)

// New returns a stopped agent named word that records into rec (may be nil).
func New(word string, rec *Recorder) *Agent {
	return &Agent{word: word, rec: rec, stopRunning: true}
}

// FailStart makes the next n starts fail (n < 0: every start).
func (a *Agent) FailStart(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failStarts = n
}

// FailStop makes the next n stops fail (n < 0: every stop).
func (a *Agent) FailStop(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failStops = n
}

// StopLeavesRunning says whether a failed stop leaves the agent running
// (default true) or stopped (a script that is "not LSB-compliant").
func (a *Agent) StopLeavesRunning(running bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopRunning = running
}

// FailStatus makes every Status return an error (true) or answer (false).
func (a *Agent) FailStatus(fail bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.statusFailed = fail
}

// Gate makes Start and Stop wait, after recording the call, until a value
// is received from the returned channel or ctx ends; a receive is durable
// blocking in a testing/synctest bubble. Gate(false) removes the gate.
func (a *Agent) Gate(on bool) chan<- struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gate = nil
	if on {
		a.gate = make(chan struct{})
	}
	return a.gate
}

// Running reports the state without recording a call.
func (a *Agent) Running() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running
}

func (a *Agent) String() string { return a.word }

// record notes the call and waits at the gate, if any.
func (a *Agent) record(ctx context.Context, op string) error {
	if a.rec != nil {
		a.rec.add(Call{Agent: a.word, Op: op})
	}
	a.mu.Lock()
	gate := a.gate
	a.mu.Unlock()
	if gate == nil || op == "status" {
		return nil
	}
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// fail consumes one planned failure from *n.
func fail(n *int) bool {
	switch {
	case *n < 0:
		return true
	case *n > 0:
		*n--
		return true
	}
	return false
}

// Start records "start" and starts the agent or fails with ErrInjected.
func (a *Agent) Start(ctx context.Context) error {
	if err := a.record(ctx, "start"); err != nil {
		return fmt.Errorf("starting %s: %w", a.word, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if fail(&a.failStarts) {
		return fmt.Errorf("starting %s: %w", a.word, ErrInjected)
	}
	a.running = true
	return nil
}

// Stop records "stop" and stops the agent or fails with a
// *resource.StopError around ErrInjected, as real agents do.
func (a *Agent) Stop(ctx context.Context) error {
	if err := a.record(ctx, "stop"); err != nil {
		return &resource.StopError{Resource: a.word, Err: err}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if fail(&a.failStops) {
		a.running = a.running && a.stopRunning
		return &resource.StopError{Resource: a.word, Err: ErrInjected}
	}
	a.running = false
	return nil
}

// Status records "status" and reports the state.
func (a *Agent) Status(ctx context.Context) (bool, error) {
	if err := a.record(ctx, "status"); err != nil {
		return false, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.statusFailed {
		return false, fmt.Errorf("status of %s: %w", a.word, ErrInjected)
	}
	return a.running, nil
}
