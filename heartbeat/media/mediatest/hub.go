// Package mediatest provides an in-memory network of heartbeat media for
// unit tests of the daemon's state machine.
//
// A Hub is a set of broadcast segments, one per link name: every datagram an
// endpoint sends reaches every other endpoint on the same link, and (as a
// 3.0.6 bcast medium's does) comes back to its sender. Hooks drop or delay
// single links, and Cut, Isolate and Heal partition the nodes.
//
// The hub has no goroutines and no sockets: a send delivers at once with a
// non-blocking channel send, and a delayed datagram is queued and delivered
// by a timer. Everything a receiver waits on is a channel, so it works inside
// a testing/synctest bubble (create the hub inside the bubble), where delays
// run in fake time. Deliveries are ordered by (arrival time, send order), so
// a seeded simulation replays exactly.
package mediatest

import (
	"container/heap"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
)

// Link is one direction of one medium between two nodes. From equals To for
// the copy a node receives of its own datagram.
type Link struct {
	Medium   string
	From, To string
}

// Hooks decide the fate of each datagram on each link. A nil hook drops
// nothing and delays nothing. They are called with the hub's lock held and
// must not call the hub.
type Hooks struct {
	Drop  func(Link) bool
	Delay func(Link) time.Duration
}

// Hub is an in-memory network. The zero value is not usable; call New.
type Hub struct {
	mu      sync.Mutex
	eps     []*Endpoint
	hooks   Hooks
	cut     map[[2]string]bool
	pending queue
	seq     uint64
	timer   *time.Timer
}

// New returns an empty hub.
func New() *Hub {
	return &Hub{cut: map[[2]string]bool{}}
}

// Endpoint is one node's medium on the hub; it implements media.Medium.
type Endpoint struct {
	hub    *Hub
	node   string
	addr   netip.AddrPort
	link   string
	out    chan<- media.Packet
	closed bool // guarded by hub.mu
	// dropped counts datagrams lost to a full channel; guarded by hub.mu.
	dropped uint64
}

var _ media.Medium = (*Endpoint)(nil)

// Attach connects node to the segment named link; datagrams the node sends
// carry addr as their source, and datagrams for it go to out without
// blocking (a full channel drops them, see Dropped).
func (h *Hub) Attach(node string, addr netip.AddrPort, link string, out chan<- media.Packet) *Endpoint {
	ep := &Endpoint{hub: h, node: node, addr: addr, link: link, out: out}
	h.mu.Lock()
	h.eps = append(h.eps, ep)
	h.mu.Unlock()
	return ep
}

// SetHooks replaces the drop and delay hooks.
func (h *Hub) SetHooks(hk Hooks) {
	h.mu.Lock()
	h.hooks = hk
	h.mu.Unlock()
}

// Cut stops all traffic between nodes a and b, in both directions, on every
// link. Datagrams already delayed in flight still arrive.
func (h *Hub) Cut(a, b string) {
	h.mu.Lock()
	h.cut[pair(a, b)] = true
	h.mu.Unlock()
}

// Isolate cuts node off from every other node attached so far.
func (h *Hub) Isolate(node string) {
	h.mu.Lock()
	for _, ep := range h.eps {
		if ep.node != node {
			h.cut[pair(node, ep.node)] = true
		}
	}
	h.mu.Unlock()
}

// Heal removes every cut (hooks stay).
func (h *Hub) Heal() {
	h.mu.Lock()
	clear(h.cut)
	h.mu.Unlock()
}

func pair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// Name returns the link name.
func (e *Endpoint) Name() string { return e.link }

// Dropped returns how many datagrams for this endpoint were lost because
// its channel was full.
func (e *Endpoint) Dropped() uint64 {
	e.hub.mu.Lock()
	defer e.hub.mu.Unlock()
	return e.dropped
}

// Send delivers a copy of b to every endpoint on the same link, including
// the sender itself, unless a cut or the Drop hook stops it.
func (e *Endpoint) Send(b []byte) error {
	h := e.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.closed {
		return fmt.Errorf("sending on mediatest %s of %s: %w", e.link, e.node, net.ErrClosed)
	}
	now := time.Now()
	h.flushLocked(now)
	for _, to := range h.eps {
		if to.closed || to.link != e.link {
			continue
		}
		l := Link{Medium: e.link, From: e.node, To: to.node}
		if (l.From != l.To && h.cut[pair(l.From, l.To)]) || (h.hooks.Drop != nil && h.hooks.Drop(l)) {
			continue
		}
		var d time.Duration
		if h.hooks.Delay != nil {
			d = h.hooks.Delay(l)
		}
		p := media.Packet{Buf: append([]byte(nil), b...), From: e.addr, Medium: e.link}
		if d <= 0 {
			to.deliverLocked(p, now)
			continue
		}
		h.seq++
		heap.Push(&h.pending, &flight{due: now.Add(d), seq: h.seq, to: to, p: p})
	}
	h.armLocked(now)
	return nil
}

// Close detaches the endpoint: nothing more is sent or delivered.
func (e *Endpoint) Close() error {
	e.hub.mu.Lock()
	e.closed = true
	e.hub.mu.Unlock()
	return nil
}

func (e *Endpoint) deliverLocked(p media.Packet, now time.Time) {
	if e.closed {
		return
	}
	p.At = now
	select {
	case e.out <- p:
	default:
		e.dropped++
	}
}

// flushLocked delivers every delayed datagram due at or before now, in
// (due, send order) order.
func (h *Hub) flushLocked(now time.Time) {
	for len(h.pending) > 0 && !h.pending[0].due.After(now) {
		f := heap.Pop(&h.pending).(*flight)
		f.to.deliverLocked(f.p, now)
	}
}

// armLocked points the single timer at the earliest pending datagram.
func (h *Hub) armLocked(now time.Time) {
	if len(h.pending) == 0 {
		if h.timer != nil {
			h.timer.Stop()
		}
		return
	}
	d := h.pending[0].due.Sub(now)
	if h.timer == nil {
		h.timer = time.AfterFunc(d, h.fire)
		return
	}
	h.timer.Reset(d)
}

func (h *Hub) fire() {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	h.flushLocked(now)
	h.armLocked(now)
}

// Close stops the delivery timer; datagrams still in flight are lost.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pending = nil
	if h.timer != nil {
		h.timer.Stop()
	}
}

type flight struct {
	due time.Time
	seq uint64
	to  *Endpoint
	p   media.Packet
}

// queue is a min-heap of datagrams in flight by (due, seq).
type queue []*flight

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if !q[i].due.Equal(q[j].due) {
		return q[i].due.Before(q[j].due)
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*flight)) }
func (q *queue) Pop() any {
	old := *q
	f := old[len(old)-1]
	*q = old[:len(old)-1]
	return f
}
