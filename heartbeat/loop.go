package heartbeat

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/sirupsen/logrus"
)

// Sender is one communication medium as the loop uses it.
type Sender interface {
	Send(b []byte) error
}

// Request is an operator request for the loop (hb_standby, hb_takeover,
// shutdown, reload). Done, if not nil, is closed when the loop took it.
type Request struct {
	Kind RequestKind
	Set  string // hb_standby / hb_takeover argument: all, local, foreign, failback
	Keys *authkeys.Keys
	Done chan struct{}
}

// RequestKind says what a Request asks for.
type RequestKind int

// The requests of the loop.
const (
	ReqShutdown RequestKind = iota // graceful stop (SIGTERM, heartbeat -k)
	ReqStandby                     // hb_standby
	ReqTakeover                    // hb_takeover
	ReqRekey                       // new authkeys (SIGHUP)
)

// Loop owns a Node and turns packets, timers, requests and finished
// resource work into its events.
type Loop struct {
	Config     Config
	Keys       *authkeys.Keys
	UUID       wire.UUID
	Generation uint64
	Media      []Sender
	Packets    <-chan media.Packet
	Requests   <-chan Request
	Log        *logrus.Entry // daemon lines
	RMLog      *logrus.Entry // ResourceManager lines
	// ResourceDir is printed in "Running …" lines (/etc/ha.d//resource.d).
	ResourceDir string
	// Fence is called once when a stop failed and a resource may still
	// run here; 3.0.6 reboots the machine. If it returns, the node keeps
	// claiming the group so that the peer never starts it too.
	Fence func(reason string) error
	// Load returns the ld field (first line of /proc/loadavg).
	Load func() string
	// Ready is called once when communication is up (systemd READY=1).
	Ready func()
	// ResourceOp, if set, is called after every agent operation, from
	// the goroutine that runs resource work; it must not block.
	ResourceOp func(ResourceOp)

	status     atomic.Pointer[Status]
	uuids      map[string]wire.UUID
	badPackets BadPackets
	authLimiter
}

// Status returns the last published snapshot (nil before Run starts).
func (l *Loop) Status() *Status { return l.status.Load() }

type jobDone struct {
	res JobResult
}

// Run runs the node until a graceful shutdown finished (nil), the node
// asks for a restart after a partition (ErrRestart), or ctx ends.
func (l *Loop) Run(ctx context.Context) error {
	l.uuids = map[string]wire.UUID{}
	n := NewNode(l.Config, l.Generation, time.Now(), l.Log, uint64(os.Getpid()))
	jobs := make(chan Job, 64)
	results := make(chan jobDone, 64)
	var wg sync.WaitGroup
	rctx, stopRunner := context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		close(jobs)
		stopRunner()
		wg.Wait()
	}()
	r := &runner{log: l.RMLog, resourceDir: l.ResourceDir, stopRetries: 10, stopInterval: time.Second, sleep: sleepCtx, observe: l.ResourceOp,
		niceFailback: l.Config.AutoFailback != FailbackLegacy}
	wg.Go(func() {
		for j := range jobs {
			results <- jobDone{res: r.run(rctx, l.Config.Groups, j)}
		}
	})

	n.Start(time.Now())
	fenced := false
	timer := time.NewTimer(0)
	defer timer.Stop()
	ready := false
	for {
		l.flush(n, jobs)
		if !ready && n.commUp {
			ready = true
			if l.Ready != nil {
				l.Ready()
			}
		}
		if n.FenceNeeded() && !fenced {
			fenced = true
			if err := l.Fence("Resource STOP failure"); err != nil {
				halog.FencingFailed(l.Log, err)
			}
		}
		s := n.Snapshot()
		s.BadPackets = l.badPackets
		l.status.Store(s)
		if n.Done() {
			if n.RestartWanted() {
				return ErrRestart
			}
			return nil
		}
		timer.Reset(time.Until(n.NextDeadline()))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case p := <-l.Packets:
			l.receive(n, p)
		case <-timer.C:
			n.Tick(time.Now())
		case d := <-results:
			n.JobDone(time.Now(), d.res)
		case req := <-l.Requests:
			l.request(n, req)
		}
	}
}

// ErrRestart says the node gave up its resources after a partition and
// must be started again with a new generation (3.0.6 re-execs itself).
var ErrRestart = errors.New("restart after partition")

func (l *Loop) request(n *Node, req Request) {
	now := time.Now()
	switch req.Kind {
	case ReqShutdown:
		n.Shutdown(now)
	case ReqStandby:
		if set, ok := ParseHolding(req.Set); ok {
			n.Standby(now, set)
		}
	case ReqTakeover:
		n.Takeover(now, req.Set)
	case ReqRekey:
		l.Keys = req.Keys
	}
	if req.Done != nil {
		close(req.Done)
	}
}

// receive authenticates and decodes a datagram and hands it to the node.
func (l *Loop) receive(n *Node, p media.Packet) {
	m, err := wire.Decode(p.Buf, l.Keys)
	if err != nil {
		l.badPacket(p, err)
		return
	}
	msg := make(Msg, 0, len(m.Fields))
	for _, f := range m.Fields {
		if f.Type == wire.TypeString {
			msg = append(msg, KV{f.Name, string(f.Value)})
		}
	}
	if src := msg.Get(fSrc); src != "" {
		if u, ok := m.UUID("srcuuid"); ok {
			l.uuids[strings.ToLower(src)] = u
		}
	}
	if u, ok := m.UUID("destuuid"); ok && u != l.UUID && msg.Get(fDest) == l.Config.Node {
		// For another node of our name (3.0.6 compares destuuid, not
		// dest). It still counts in the sequence bookkeeping (spec 4.5),
		// else it would leave a gap that no retransmission fills; the
		// node then drops it as addressed elsewhere.
		for i := range msg {
			if msg[i].Name == fDest {
				msg[i].Value = "uuid:" + u.String()
			}
		}
	}
	n.Receive(p.At, msg, p.Medium)
}

// flush sends the node's messages on every medium and hands its jobs to
// the runner.
func (l *Loop) flush(n *Node, jobs chan<- Job) {
	for _, o := range n.TakeOut() {
		b, err := l.encode(o)
		if err != nil {
			halog.EncodeFailed(l.Log, err)
			continue
		}
		for _, m := range l.Media {
			if err := m.Send(b); err != nil {
				halog.SendFailed(l.Log, err)
			}
		}
	}
	for _, j := range n.TakeJobs() {
		jobs <- j
	}
}

// encode turns an outgoing message into a signed datagram.
func (l *Loop) encode(o Out) ([]byte, error) {
	m := &wire.Message{}
	for _, f := range o.Msg {
		m.Set(f.Name, f.Value)
	}
	origin := wire.Origin{
		Node:       l.Config.Node,
		UUID:       l.UUID,
		Seq:        o.Seq,
		Generation: l.Generation,
		Time:       o.At,
		TTL:        l.Config.Hopfudge + len(l.Config.Nodes),
	}
	if l.Load != nil {
		origin.Load = l.Load()
	}
	if dest := o.Msg.Get(fDest); dest != "" {
		origin.DestUUID = l.uuids[dest]
	}
	wire.AddControlFields(m, origin)
	return wire.Encode(m, l.Keys)
}

// run executes one job group by group.
func (r *runner) run(ctx context.Context, groups []*Group, j Job) JobResult {
	res := JobResult{Job: j}
	if j.Announce() {
		r.announce(ctx, groups, j.Groups)
		return res
	}
	machDown := j.Why == "mach_down"
	for _, i := range j.Groups {
		var err error
		if machDown {
			halog.MachDownTakingOver(r.log, groups[i].First())
		}
		if j.Acquire() {
			err = r.acquire(ctx, groups[i])
		} else {
			err = r.release(ctx, groups[i])
		}
		var stopErr *StopError
		switch {
		case errors.As(err, &stopErr):
			res.StopFailed = true
			return res
		case err != nil:
			res.Failed = append(res.Failed, i)
		}
	}
	if machDown {
		// The lines of 3.0.6's mach_down script, which ran this takeover.
		if r.niceFailback {
			halog.MachDownForeignAcquired(r.log, "/usr/share/heartbeat/mach_down")
		}
		halog.MachDownNodeComplete(r.log, j.Peer)
	}
	return res
}

// ReadLoad returns the first line of /proc/loadavg, or n/a, as 3.0.6 puts
// it in the ld field.
func ReadLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}
