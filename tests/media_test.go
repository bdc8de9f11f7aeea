//go:build integration

package tests

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
	"github.com/heartbeat-go/heartbeat-go/tests/netns"
)

// mediaLab is two node namespaces with eth0 on bridge br0 and eth1 on
// bridge br1 of one switch namespace.
type mediaLab struct {
	n1, n2     *netns.NS
	eth0, eth1 [3]netip.Addr // [1] node 1, [2] node 2
}

func newMediaLab(t *testing.T) *mediaLab {
	t.Helper()
	netns.RequireRoot(t)
	x := 1 + rand.IntN(250)
	l := &mediaLab{}
	for i := 1; i <= 2; i++ {
		l.eth0[i] = netip.AddrFrom4([4]byte{10, 252, byte(x), byte(i)})
		l.eth1[i] = netip.AddrFrom4([4]byte{10, 253, byte(x), byte(i)})
	}
	sw := netns.Switch(t)
	sw.Must(t, "ip", "link", "add", "br1", "type", "bridge")
	sw.Must(t, "ip", "link", "set", "br1", "up")
	l.n1, l.n2 = netns.New(t, "hbm1"), netns.New(t, "hbm2")
	for i, ns := range []*netns.NS{nil, l.n1, l.n2} {
		if ns == nil {
			continue
		}
		netns.Veth(t, ns, "eth0", netip.PrefixFrom(l.eth0[i], 24).String(), sw, "br0")
		netns.Veth(t, ns, "eth1", netip.PrefixFrom(l.eth1[i], 24).String(), sw, "br1")
	}
	return l
}

// open opens a medium inside ns and closes it at the end of the test.
func open(t *testing.T, ns *netns.NS, cfg media.Config) (*media.UDP, chan media.Packet) {
	t.Helper()
	out := make(chan media.Packet, 16)
	var m *media.UDP
	if err := cluster.InNS(ns.Name, func() (err error) {
		m, err = media.Open(t.Context(), cfg, out, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, out
}

// expect waits for the datagram payload on ch, which must be the next one
// delivered, and checks its source address and medium.
func expect(t *testing.T, who string, ch <-chan media.Packet, payload string, from netip.Addr, link string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case p := <-ch:
			if p.From.Addr() != from || string(p.Buf) != payload || p.Medium != link || p.At.IsZero() {
				t.Errorf("%s: got %q from %s on %q at %v, want %q from %s on %q", who, p.Buf, p.From, p.Medium, p.At, payload, from, link)
			}
			return
		case <-timeout:
			t.Fatalf("%s: %q never arrived", who, payload)
		}
	}
}

// expectNone checks that nothing but the payloads in allowed is queued.
func expectNone(t *testing.T, who string, ch <-chan media.Packet, allowed ...string) {
	t.Helper()
	for {
		select {
		case p := <-ch:
			ok := false
			for _, a := range allowed {
				ok = ok || string(p.Buf) == a
			}
			if !ok {
				t.Errorf("%s: unexpected %q from %s", who, p.Buf, p.From)
			}
		default:
			return
		}
	}
}

func send(t *testing.T, m media.Medium, payload string) {
	t.Helper()
	if err := m.Send([]byte(payload)); err != nil {
		t.Fatal(err)
	}
}

func TestMediaBcast(t *testing.T) {
	l := newMediaLab(t)
	cfg := media.Config{Type: media.Bcast, Iface: "eth0", Port: 694}
	m1, in1 := open(t, l.n1, cfg)
	m2, in2 := open(t, l.n2, cfg)
	if want := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 252, l.eth0[1].As4()[2], 255}), 694); m1.Dest() != want {
		t.Errorf("bcast destination %s, want %s", m1.Dest(), want)
	}
	send(t, m1, "from node1")
	expect(t, "node2", in2, "from node1", l.eth0[1], "eth0")
	expect(t, "node1 (own datagram)", in1, "from node1", l.eth0[1], "eth0")
	send(t, m2, "from node2")
	expect(t, "node1", in1, "from node2", l.eth0[2], "eth0")
	expect(t, "node2 (own datagram)", in2, "from node2", l.eth0[2], "eth0")
}

func TestMediaUcast(t *testing.T) {
	l := newMediaLab(t)
	m1, in1 := open(t, l.n1, media.Config{Type: media.Ucast, Iface: "eth0", Port: 694, Peer: l.eth0[2]})
	m2, in2 := open(t, l.n2, media.Config{Type: media.Ucast, Iface: "eth0", Port: 694, Peer: l.eth0[1]})
	send(t, m1, "to node2")
	expect(t, "node2", in2, "to node2", l.eth0[1], "eth0")
	send(t, m2, "to node1")
	expect(t, "node1", in1, "to node1", l.eth0[2], "eth0")
	expectNone(t, "node1", in1) // unicast to the peer: no own copy
}

func TestMediaMcast(t *testing.T) {
	l := newMediaLab(t)
	group := netip.MustParseAddr("239.0.0.43")
	m1, in1 := open(t, l.n1, media.Config{Type: media.Mcast, Iface: "eth0", Port: 694, Group: group, TTL: 3, Loop: true})
	m2, in2 := open(t, l.n2, media.Config{Type: media.Mcast, Iface: "eth0", Port: 694, Group: group, TTL: 1, Loop: false})

	// A plain receiver in node2 joined to the group reads the TTL.
	var raw *ipv4.PacketConn
	if err := cluster.InNS(l.n2.Name, func() error {
		c, err := net.ListenPacket("udp4", "239.0.0.43:694")
		if err != nil {
			return err
		}
		raw = ipv4.NewPacketConn(c)
		ifi, err := net.InterfaceByName("eth0")
		if err != nil {
			return err
		}
		if err := raw.JoinGroup(ifi, &net.UDPAddr{IP: group.AsSlice()}); err != nil {
			return err
		}
		return raw.SetControlMessage(ipv4.FlagTTL, true)
	}); err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	send(t, m1, "mcast from node1")
	expect(t, "node2", in2, "mcast from node1", l.eth0[1], "eth0")
	expect(t, "node1 (loop 1)", in1, "mcast from node1", l.eth0[1], "eth0")
	_ = raw.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 100)
	n, cm, _, err := raw.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "mcast from node1" || cm == nil || cm.TTL != 3 {
		t.Errorf("raw receiver: %q, control %v, %v; want TTL 3", buf[:n], cm, err)
	}

	// node2 has loop 0: its own datagram does not come back. node1 gets it,
	// and anything node2 looped back would have been queued before that.
	send(t, m2, "mcast from node2")
	expect(t, "node1", in1, "mcast from node2", l.eth0[2], "eth0")
	send(t, m1, "sentinel")
	expect(t, "node2", in2, "sentinel", l.eth0[1], "eth0")
	expectNone(t, "node2 (loop 0)", in2)
}

// TestMediaBoundToInterface: a medium on eth0 does not receive datagrams
// that arrive on eth1, although its socket is bound to 0.0.0.0:694; a medium
// on eth1 of the same node does.
func TestMediaBoundToInterface(t *testing.T) {
	l := newMediaLab(t)
	_, in0 := open(t, l.n2, media.Config{Type: media.Bcast, Iface: "eth0", Port: 694})
	_, in1 := open(t, l.n2, media.Config{Type: media.Ucast, Iface: "eth1", Port: 694, Peer: l.eth1[1]})
	s1, _ := open(t, l.n1, media.Config{Type: media.Bcast, Iface: "eth1", Port: 694})
	u1, _ := open(t, l.n1, media.Config{Type: media.Ucast, Iface: "eth1", Port: 694, Peer: l.eth1[2]})
	send(t, s1, "bcast on eth1")
	send(t, u1, "ucast on eth1")
	expect(t, "node2 eth1", in1, "bcast on eth1", l.eth1[1], "eth1")
	expect(t, "node2 eth1", in1, "ucast on eth1", l.eth1[1], "eth1")
	// Both reached node2 and were read by its eth1 medium; now the eth0
	// medium must still have nothing from eth1.
	b0, _ := open(t, l.n1, media.Config{Type: media.Bcast, Iface: "eth0", Port: 694})
	send(t, b0, "bcast on eth0")
	expect(t, "node2 eth0", in0, "bcast on eth0", l.eth0[1], "eth0")
	expectNone(t, "node2 eth0", in0)
}

func TestMediaMissingInterface(t *testing.T) {
	l := newMediaLab(t)
	for _, cfg := range []media.Config{
		{Type: media.Bcast, Iface: "eth9", Port: 694},
		{Type: media.Mcast, Iface: "eth9", Port: 694, Group: netip.MustParseAddr("239.0.0.43"), TTL: 1},
		{Type: media.Ucast, Iface: "eth9", Port: 694, Peer: l.eth0[2]},
	} {
		t.Run(cfg.Type.String(), func(t *testing.T) {
			err := cluster.InNS(l.n1.Name, func() error {
				m, err := media.Open(t.Context(), cfg, make(chan media.Packet, 1), nil)
				if err == nil {
					m.Close()
				}
				return err
			})
			if !errors.Is(err, media.ErrNoInterface) {
				t.Errorf("Open(%s) = %v, want ErrNoInterface", cfg, err)
			}
		})
	}
	// The same line on an existing interface works, so the error above is
	// about the interface and nothing else.
	m, _ := open(t, l.n1, media.Config{Type: media.Bcast, Iface: "eth0", Port: 694})
	if m.Name() != "eth0" || fmt.Sprint(m) != "bcast eth0" {
		t.Errorf("Name, String = %q, %q", m.Name(), fmt.Sprint(m))
	}
}
