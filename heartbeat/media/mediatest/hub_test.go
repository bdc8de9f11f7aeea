package mediatest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
)

type node struct {
	name string
	ep   *Endpoint
	in   chan media.Packet
}

func addr(i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 250, 0, byte(i)}), 694)
}

// cluster attaches n nodes named node1..nodeN to link eth0.
func cluster(h *Hub, n int) []*node {
	var ns []*node
	for i := 1; i <= n; i++ {
		nd := &node{name: fmt.Sprintf("node%d", i), in: make(chan media.Packet, 16)}
		nd.ep = h.Attach(nd.name, addr(i), "eth0", nd.in)
		ns = append(ns, nd)
	}
	return ns
}

// drain returns the payloads queued for nd, in order.
func drain(nd *node) []string {
	var got []string
	for {
		select {
		case p := <-nd.in:
			got = append(got, string(p.Buf))
		default:
			return got
		}
	}
}

func send(t *testing.T, nd *node, msg string) {
	t.Helper()
	if err := nd.ep.Send([]byte(msg)); err != nil {
		t.Fatal(err)
	}
}

func TestBroadcastAndLoopback(t *testing.T) {
	h := New()
	ns := cluster(h, 3)
	before := time.Now()
	send(t, ns[0], "hb")
	for _, nd := range ns {
		select {
		case p := <-nd.in:
			if string(p.Buf) != "hb" || p.From != addr(1) || p.Medium != "eth0" || p.At.Before(before) {
				t.Errorf("%s got %+v", nd.name, p)
			}
		default:
			t.Errorf("%s got nothing (the sender must get its own datagram back)", nd.name)
		}
	}
}

func TestPayloadIsCopied(t *testing.T) {
	h := New()
	ns := cluster(h, 2)
	b := []byte("abc")
	if err := ns[0].ep.Send(b); err != nil {
		t.Fatal(err)
	}
	b[0] = 'X'
	if got := drain(ns[1]); !slices.Equal(got, []string{"abc"}) {
		t.Errorf("receiver sees %q after the sender reused its buffer", got)
	}
}

func TestLinksAreSeparate(t *testing.T) {
	h := New()
	ns := cluster(h, 2)
	eth1 := make(chan media.Packet, 4)
	ep := h.Attach("node2", addr(2), "eth1", eth1)
	send(t, ns[0], "on eth0")
	if len(eth1) != 0 {
		t.Errorf("eth1 received an eth0 datagram")
	}
	if err := ep.Send([]byte("on eth1")); err != nil {
		t.Fatal(err)
	}
	if got := drain(ns[0]); len(got) != 1 {
		t.Errorf("node1 eth0 got %q, want only its own datagram", got)
	}
	if p := <-eth1; p.Medium != "eth1" || ep.Name() != "eth1" {
		t.Errorf("packet medium %q, endpoint name %q", p.Medium, ep.Name())
	}
}

func TestPartitions(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *Hub)
		want  [3][]string // what node1..node3 receive after each node sends its name
	}{
		{"connected", func(*Hub) {}, [3][]string{{"1", "2", "3"}, {"1", "2", "3"}, {"1", "2", "3"}}},
		{"cut 1-2", func(h *Hub) { h.Cut("node1", "node2") }, [3][]string{{"1", "3"}, {"2", "3"}, {"1", "2", "3"}}},
		{"isolate 3", func(h *Hub) { h.Isolate("node3") }, [3][]string{{"1", "2"}, {"1", "2"}, {"3"}}},
		{"healed", func(h *Hub) { h.Isolate("node3"); h.Cut("node1", "node2"); h.Heal() }, [3][]string{{"1", "2", "3"}, {"1", "2", "3"}, {"1", "2", "3"}}},
		{"drop hook one direction", func(h *Hub) {
			h.SetHooks(Hooks{Drop: func(l Link) bool { return l.From == "node1" && l.To == "node2" }})
		}, [3][]string{{"1", "2", "3"}, {"2", "3"}, {"1", "2", "3"}}},
		{"drop own copy", func(h *Hub) {
			h.SetHooks(Hooks{Drop: func(l Link) bool { return l.From == l.To }})
		}, [3][]string{{"2", "3"}, {"1", "3"}, {"1", "2"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New()
			ns := cluster(h, 3)
			tc.setup(h)
			for i, nd := range ns {
				send(t, nd, fmt.Sprint(i+1))
			}
			for i, nd := range ns {
				if got := drain(nd); !slices.Equal(got, tc.want[i]) {
					t.Errorf("%s got %q, want %q", nd.name, got, tc.want[i])
				}
			}
		})
	}
}

// TestDelayOrder runs in fake time: a delayed datagram arrives exactly its
// delay later, and datagrams are delivered by (arrival time, send order).
func TestDelayOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New()
		defer h.Close()
		ns := cluster(h, 3)
		delay := map[string]time.Duration{"node1": 300 * time.Millisecond, "node2": 100 * time.Millisecond, "node3": 100 * time.Millisecond}
		h.SetHooks(Hooks{Delay: func(l Link) time.Duration {
			if l.To != "node1" {
				return 0
			}
			return delay[l.From]
		}})
		start := time.Now()
		send(t, ns[0], "a") // due +300ms
		send(t, ns[2], "c") // due +100ms, sent before b
		send(t, ns[1], "b") // due +100ms
		if got := drain(ns[0]); len(got) != 0 {
			t.Fatalf("delayed datagrams arrived early: %q", got)
		}
		var got []string
		for range 3 {
			p := <-ns[0].in
			got = append(got, fmt.Sprintf("%s@%v", p.Buf, p.At.Sub(start)))
		}
		want := []string{"c@100ms", "b@100ms", "a@300ms"}
		if !slices.Equal(got, want) {
			t.Errorf("node1 got %q, want %q", got, want)
		}
	})
}

// TestDurableWait shows a receiver blocked on its channel inside a bubble:
// fake time advances to the delayed delivery, and a deadline timer in the
// same select can fire first when the datagram is later.
func TestDurableWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New()
		defer h.Close()
		ns := cluster(h, 2)
		h.SetHooks(Hooks{Delay: func(l Link) time.Duration {
			if l.From == l.To {
				return 0
			}
			return 7 * time.Second
		}})
		drain(ns[0])
		send(t, ns[0], "late")
		deadline := time.NewTimer(5 * time.Second)
		select {
		case <-ns[1].in:
			t.Fatal("datagram delayed 7s arrived before a 5s deadline")
		case <-deadline.C:
		}
		p := <-ns[1].in
		if string(p.Buf) != "late" {
			t.Errorf("got %q", p.Buf)
		}
	})
}

func TestOverflowAndClose(t *testing.T) {
	h := New()
	small := make(chan media.Packet, 1)
	a := h.Attach("node1", addr(1), "eth0", make(chan media.Packet, 8))
	b := h.Attach("node2", addr(2), "eth0", small)
	for range 3 {
		if err := a.Send([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if b.Dropped() != 2 || a.Dropped() != 0 {
		t.Errorf("Dropped = %d, %d; want 0, 2", a.Dropped(), b.Dropped())
	}
	<-small
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Send([]byte("y")); err != nil {
		t.Fatal(err)
	}
	if len(small) != 0 {
		t.Error("closed endpoint still receives")
	}
	if err := b.Send([]byte("z")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send on closed endpoint = %v, want net.ErrClosed", err)
	}
}

// TestClosedHubDropsInFlight: closing the hub loses delayed datagrams.
func TestClosedHubDropsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New()
		ns := cluster(h, 2)
		h.SetHooks(Hooks{Delay: func(Link) time.Duration { return time.Second }})
		send(t, ns[0], "lost")
		h.Close()
		time.Sleep(2 * time.Second)
		if got := drain(ns[1]); len(got) != 0 {
			t.Errorf("delivered after hub Close: %q", got)
		}
	})
}
