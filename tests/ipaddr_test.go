//go:build integration

package tests

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/packet"
	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"

	"github.com/heartbeat-go/heartbeat-go/resource.d/ipaddr"
	"github.com/heartbeat-go/heartbeat-go/tests/netns"
)

// vipLAN is a bridge with two cluster nodes and a client, all on 10.77.0.0/24
// (fd77::/64 for IPv6) through an interface named eth0.
type vipLAN struct {
	node1, node2, client *netns.NS
}

func vipNewLAN(t *testing.T) *vipLAN {
	t.Helper()
	netns.RequireRoot(t)
	sw := netns.Switch(t)
	l := &vipLAN{node1: netns.New(t, "hbn1"), node2: netns.New(t, "hbn2"), client: netns.New(t, "hbcl")}
	for i, ns := range []*netns.NS{l.node1, l.node2, l.client} {
		netns.Veth(t, ns, "eth0", netip.AddrFrom4([4]byte{10, 77, 0, byte(i + 1)}).String()+"/24", sw, "br0")
		ns.Must(t, "ip", "-6", "addr", "add", "fd77::"+string(rune('1'+i))+"/64", "dev", "eth0", "nodad")
	}
	return l
}

func vipNSPath(ns *netns.NS) string { return "/var/run/netns/" + ns.Name }

// vipInNamespace runs fn on a locked OS thread inside ns.
func vipInNamespace(t *testing.T, ns *netns.NS, fn func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := vnetns.Get()
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		target, err := vnetns.GetFromPath(vipNSPath(ns))
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := vnetns.Set(target); err != nil {
			errc <- err
			return
		}
		err = fn()
		if vnetns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// vipSeenARP is one gratuitous ARP frame received by the client.
type vipSeenARP struct {
	at time.Time
	p  arp.Packet
}

// vipARPCapture records every ARP frame for vip that arrives on the client's
// eth0, through an AF_PACKET socket opened in the client namespace.
type vipARPCapture struct {
	mu   sync.Mutex
	seen []vipSeenARP
	conn *packet.Conn
	done chan struct{}
}

func vipCaptureARP(t *testing.T, ns *netns.NS, vip netip.Addr) *vipARPCapture {
	t.Helper()
	c := &vipARPCapture{done: make(chan struct{})}
	err := vipInNamespace(t, ns, func() error {
		ifi, err := net.InterfaceByName("eth0")
		if err != nil {
			return err
		}
		c.conn, err = packet.Listen(ifi, packet.Raw, int(ethernet.EtherTypeARP), nil)
		return err
	})
	if err != nil {
		t.Fatalf("opening capture socket: %v", err)
	}
	go func() {
		defer close(c.done)
		buf := make([]byte, 1500)
		for {
			n, _, err := c.conn.ReadFrom(buf)
			at := time.Now()
			if err != nil {
				return
			}
			var f ethernet.Frame
			var p arp.Packet
			if f.UnmarshalBinary(buf[:n]) != nil || p.UnmarshalBinary(f.Payload) != nil || p.SenderIP != vip {
				continue
			}
			c.mu.Lock()
			c.seen = append(c.seen, vipSeenARP{at: at, p: p})
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.conn.Close(); <-c.done })
	return c
}

func (c *vipARPCapture) packets() []vipSeenARP {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]vipSeenARP(nil), c.seen...)
}

// vipWaitFor polls cond until it holds or the test's deadline passes.
func vipWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// vipAddrAddedAt returns a function that reports when the node's netlink
// monitor saw vip being added.
func vipAddrAddedAt(t *testing.T, ns *netns.NS, vip netip.Addr) func() time.Time {
	t.Helper()
	h, err := vnetns.GetFromPath(vipNSPath(ns))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ch := make(chan netlink.AddrUpdate, 16)
	done := make(chan struct{})
	if err := netlink.AddrSubscribeWithOptions(ch, done, netlink.AddrSubscribeOptions{Namespace: &h}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var at time.Time
	go func() {
		for u := range ch {
			now := time.Now()
			ip, _ := netip.AddrFromSlice(u.LinkAddress.IP)
			if u.NewAddr && ip.Unmap() == vip {
				mu.Lock()
				if at.IsZero() {
					at = now
				}
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { close(done) })
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return at
	}
}

func vipNewAgent(t *testing.T, ns *netns.NS, kind string, args ...string) *ipaddr.Agent {
	t.Helper()
	a, err := ipaddr.New(kind, args, ipaddr.Options{Netns: vipNSPath(ns)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	return a
}

func vipAddrLines(t *testing.T, ns *netns.NS, family string) string {
	t.Helper()
	return ns.Must(t, "ip", "-o", family, "addr", "show", "dev", "eth0")
}

func TestIPaddrStartStatusStop(t *testing.T) {
	l := vipNewLAN(t)
	vip := netip.MustParseAddr("10.77.0.100")
	capture := vipCaptureARP(t, l.client, vip)
	added := vipAddrAddedAt(t, l.node1, vip)
	a := vipNewAgent(t, l.node1, ipaddr.KindIPaddr, "10.77.0.100/24/eth0", "ARP_REPEAT=3", "ARP_INTERVAL_MS=100")
	ctx := t.Context()

	if up, err := a.Status(ctx); err != nil || up {
		t.Fatalf("Status before start = %v, %v; want false, nil", up, err)
	}
	began := time.Now()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	startTook := time.Since(began)
	out := vipAddrLines(t, l.node1, "-4")
	if !strings.Contains(out, "inet 10.77.0.100/24 brd 10.77.0.255 scope global secondary eth0:0") {
		t.Fatalf("node addresses after start:\n%s\nwant 10.77.0.100/24 brd 10.77.0.255 labelled eth0:0", out)
	}
	if up, err := a.Status(ctx); err != nil || !up {
		t.Fatalf("Status after start = %v, %v; want true, nil", up, err)
	}
	l.client.Must(t, "ping", "-c", "1", "-W", "5", "10.77.0.100")

	// 3 rounds of request + reply, as send_arp -r 3.
	// The node's answer to the client's who-has (for the ping) also has
	// the VIP as sender, but the client as target: not gratuitous.
	gratuitous := func() []vipSeenARP {
		var g []vipSeenARP
		for _, s := range capture.packets() {
			if s.p.TargetIP == vip {
				g = append(g, s)
			}
		}
		return g
	}
	vipWaitFor(t, "6 gratuitous ARPs", func() bool { return len(gratuitous()) >= 6 })
	grat := gratuitous()
	if len(grat) != 6 {
		t.Fatalf("saw %d gratuitous ARPs for %s, want 6", len(grat), vip)
	}
	for i, s := range grat {
		wantOp := arp.OperationRequest
		if i%2 == 1 {
			wantOp = arp.OperationReply
		}
		if s.p.Operation != wantOp || s.p.SenderIP != vip || s.p.TargetIP != vip {
			t.Errorf("ARP %d = %v %s->%s, want %v with %s as sender and target", i, s.p.Operation, s.p.SenderIP, s.p.TargetIP, wantOp, vip)
		}
	}
	if at := added(); !at.IsZero() {
		t.Logf("first gratuitous ARP seen by the client %v after the node's netlink monitor saw the address (Start took %v)",
			grat[0].at.Sub(at), startTook)
	} else {
		t.Error("the netlink monitor never saw the address being added")
	}

	// Start twice is idempotent: still one address, no new label.
	if err := a.Start(ctx); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if n := strings.Count(vipAddrLines(t, l.node1, "-4"), "10.77.0.100/"); n != 1 {
		t.Fatalf("address present %d times after a second start, want once", n)
	}

	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if out := vipAddrLines(t, l.node1, "-4"); strings.Contains(out, "10.77.0.100") {
		t.Fatalf("address still there after stop:\n%s", out)
	}
	if up, err := a.Status(ctx); err != nil || up {
		t.Fatalf("Status after stop = %v, %v; want false, nil", up, err)
	}
	if err := a.Stop(ctx); err != nil {
		t.Fatalf("stopping a stopped address: %v", err)
	}
}

func TestIPaddrTakeoverMovesClientNeighbour(t *testing.T) {
	l := vipNewLAN(t)
	vip := "10.77.0.110"
	a1 := vipNewAgent(t, l.node1, ipaddr.KindIPaddr, vip+"/24/eth0")
	a2 := vipNewAgent(t, l.node2, ipaddr.KindIPaddr, vip+"/24/eth0")
	mac := func(ns *netns.NS) string {
		f := strings.Fields(ns.Must(t, "cat", "/sys/class/net/eth0/address"))
		return f[0]
	}
	neigh := func() string { return l.client.Must(t, "ip", "neigh", "show", vip, "dev", "eth0") }

	if err := a1.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	l.client.Must(t, "ping", "-c", "1", "-W", "5", vip)
	if n := neigh(); !strings.Contains(n, mac(l.node1)) {
		t.Fatalf("client neighbour entry %q, want node1's MAC %s", n, mac(l.node1))
	}
	if err := a1.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := a2.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	// No flush on the client: the gratuitous ARPs must move the entry.
	vipWaitFor(t, "the client's neighbour entry to move to node2", func() bool {
		return strings.Contains(neigh(), mac(l.node2))
	})
	l.client.Must(t, "ping", "-c", "1", "-W", "5", vip)
}

func TestIPaddr2InterfaceFromRoutingTable(t *testing.T) {
	l := vipNewLAN(t)
	a := vipNewAgent(t, l.node1, ipaddr.KindIPaddr2, "10.77.0.101")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	out := vipAddrLines(t, l.node1, "-4")
	if !strings.Contains(out, "inet 10.77.0.101/24 brd 10.77.0.255 scope global secondary eth0\\") {
		t.Fatalf("addresses:\n%s\nwant 10.77.0.101/24 on eth0 with the primary's broadcast and no label", out)
	}
	l.client.Must(t, "ping", "-c", "1", "-W", "5", "10.77.0.101")
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}

	// No route covers the address: a clear error, nothing added.
	b := vipNewAgent(t, l.node1, ipaddr.KindIPaddr2, "192.0.2.7")
	if err := b.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "no route covers") {
		t.Fatalf("Start without a covering route = %v, want a findif error", err)
	}
	// An interface that does not exist.
	c := vipNewAgent(t, l.node1, ipaddr.KindIPaddr, "10.77.0.102/24/eth9")
	if err := c.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "invalid interface name [eth9]") {
		t.Fatalf("Start on a missing interface = %v", err)
	}
}

func TestIPaddr2LabelAndBroadcast(t *testing.T) {
	l := vipNewLAN(t)
	a := vipNewAgent(t, l.node1, ipaddr.KindIPaddr2, "10.77.0.103/25/eth0:web/10.77.0.127")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	out := vipAddrLines(t, l.node1, "-4")
	if !strings.Contains(out, "inet 10.77.0.103/25 brd 10.77.0.127 scope global eth0:web") {
		t.Fatalf("addresses:\n%s\nwant 10.77.0.103/25 brd 10.77.0.127 labelled eth0:web", out)
	}
	// A second IPaddr resource on the same interface gets the next free alias.
	b := vipNewAgent(t, l.node1, ipaddr.KindIPaddr, "10.77.0.104/24/eth0")
	c := vipNewAgent(t, l.node1, ipaddr.KindIPaddr, "10.77.0.105/24/eth0")
	for _, x := range []*ipaddr.Agent{b, c} {
		if err := x.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	out = vipAddrLines(t, l.node1, "-4")
	if !strings.Contains(out, "10.77.0.104/24 brd 10.77.0.255 scope global secondary eth0:0") ||
		!strings.Contains(out, "10.77.0.105/24 brd 10.77.0.255 scope global secondary eth0:1") {
		t.Fatalf("addresses:\n%s\nwant eth0:0 and eth0:1", out)
	}
}

func TestIPv6addrAdvertises(t *testing.T) {
	l := vipNewLAN(t)
	a := vipNewAgent(t, l.node1, ipaddr.KindIPv6addr, "fd77::100/64/eth0")
	// The client learns the VIP's MAC from the unsolicited advertisement
	// only if it already has an entry; create a stale one pointing nowhere.
	l.client.Must(t, "ip", "-6", "neigh", "replace", "fd77::100", "lladdr", "02:00:00:00:00:01", "dev", "eth0", "nud", "stale")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	out := vipAddrLines(t, l.node1, "-6")
	var line string
	for _, ln := range strings.Split(out, "\n") {
		if strings.Contains(ln, "inet6 fd77::100/64 scope global") {
			line = ln
		}
	}
	if line == "" || strings.Contains(line, "tentative") {
		t.Fatalf("addresses:\n%s\nwant fd77::100/64 past DAD", out)
	}
	mac := strings.TrimSpace(l.node1.Must(t, "cat", "/sys/class/net/eth0/address"))
	vipWaitFor(t, "the advertisement to update the client's entry", func() bool {
		return strings.Contains(l.client.Must(t, "ip", "-6", "neigh", "show", "fd77::100"), mac)
	})
	l.client.Must(t, "ping", "-6", "-c", "1", "-W", "5", "fd77::100")
	if up, err := a.Status(t.Context()); err != nil || !up {
		t.Fatalf("Status = %v, %v", up, err)
	}
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(vipAddrLines(t, l.node1, "-6"), "fd77::100/") {
		t.Fatal("address still there after stop")
	}
}
