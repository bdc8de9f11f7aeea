package media

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

// freePort returns a UDP port that is free on the loopback interface.
func freePort(t *testing.T) uint16 {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

func recv(t *testing.T, ch <-chan Packet) Packet {
	t.Helper()
	select {
	case p := <-ch:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no datagram delivered")
	}
	return Packet{}
}

// TestUcastLoopback sends over a ucast medium on lo to its own address, so
// the test needs no root: the datagram comes back with the sender's address
// and port, the link name and an arrival time.
func TestUcastLoopback(t *testing.T) {
	port := freePort(t)
	out := make(chan Packet, 4)
	m, err := Open(t.Context(), Config{Type: Ucast, Iface: "lo", Port: port, Peer: netip.MustParseAddr("127.0.0.1")}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Name() != "lo" || m.String() != "ucast lo" {
		t.Errorf("Name, String = %q, %q", m.Name(), m.String())
	}
	before := time.Now()
	if err := m.Send([]byte("###\nhello")); err != nil {
		t.Fatal(err)
	}
	p := recv(t, out)
	if string(p.Buf) != "###\nhello" {
		t.Errorf("Buf = %q", p.Buf)
	}
	sendPort := uint16(m.send.LocalAddr().(*net.UDPAddr).Port)
	if want := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), sendPort); p.From != want {
		t.Errorf("From = %s, want %s (the send socket)", p.From, want)
	}
	if p.Medium != "lo" {
		t.Errorf("Medium = %q", p.Medium)
	}
	if p.At.Before(before) {
		t.Errorf("At %v before the send at %v", p.At, before)
	}
}

func TestCloseStopsDelivery(t *testing.T) {
	port := freePort(t)
	out := make(chan Packet, 4)
	m, err := Open(t.Context(), Config{Type: Ucast, Iface: "lo", Port: port, Peer: netip.MustParseAddr("127.0.0.1")}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := m.Send([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close = %v, want net.ErrClosed", err)
	}
	// The port is free again: the receive socket was really closed.
	c, err := net.ListenPacket("udp4", netip.AddrPortFrom(netip.IPv4Unspecified(), port).String())
	if err != nil {
		t.Fatalf("port still bound after Close: %v", err)
	}
	c.Close()
}

func TestContextCancelCloses(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	out := make(chan Packet, 1)
	m, err := Open(ctx, Config{Type: Ucast, Iface: "lo", Port: freePort(t), Peer: netip.MustParseAddr("127.0.0.1")}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.Now().Add(10 * time.Second)
	for !m.closing.Load() {
		if time.Now().After(deadline) {
			t.Fatal("medium not closed after its context was cancelled")
		}
		time.Sleep(time.Millisecond)
	}
	m.wg.Wait()
}

// TestOverflowDrops fills a one-slot channel: further datagrams are counted
// as dropped instead of blocking the reader.
func TestOverflowDrops(t *testing.T) {
	out := make(chan Packet, 1)
	m, err := Open(t.Context(), Config{Type: Ucast, Iface: "lo", Port: freePort(t), Peer: netip.MustParseAddr("127.0.0.1")}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for range 3 {
		if err := m.Send([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for m.Dropped() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("Dropped = %d, want 2", m.Dropped())
		}
		time.Sleep(time.Millisecond)
	}
	if len(out) != 1 {
		t.Errorf("%d packets queued, want 1", len(out))
	}
}

func TestOpenErrors(t *testing.T) {
	peer := netip.MustParseAddr("127.0.0.1")
	tests := []struct {
		name string
		cfg  Config
		is   error
	}{
		{"missing bcast interface", Config{Type: Bcast, Iface: "eth9nosuch", Port: 694}, ErrNoInterface},
		{"missing ucast interface", Config{Type: Ucast, Iface: "eth9nosuch", Port: 694, Peer: peer}, ErrNoInterface},
		{"missing mcast interface", Config{Type: Mcast, Iface: "eth9nosuch", Port: 694, Group: netip.MustParseAddr("239.0.0.43"), TTL: 1}, ErrNoInterface},
		{"bcast on loopback", Config{Type: Bcast, Iface: "lo", Port: 694}, ErrNoBroadcast},
		{"unicast group", Config{Type: Mcast, Iface: "lo", Port: 694, Group: netip.MustParseAddr("10.0.0.1"), TTL: 1}, nil},
		{"ipv6 peer", Config{Type: Ucast, Iface: "lo", Port: 694, Peer: netip.MustParseAddr("::1")}, nil},
		{"no peer", Config{Type: Ucast, Iface: "lo", Port: 694}, nil},
		{"port 0", Config{Type: Ucast, Iface: "lo", Peer: peer}, nil},
		{"unknown type", Config{Iface: "lo", Port: 694}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Open(t.Context(), tc.cfg, make(chan Packet), nil)
			if err == nil {
				m.Close()
				t.Fatal("Open succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %q", err, tc.is)
			}
		})
	}
}

func TestConfigString(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Type: Bcast, Iface: "eth0", Port: 694}, "bcast eth0"},
		{Config{Type: Ucast, Iface: "eth0", Port: 694, Peer: netip.MustParseAddr("10.250.0.2")}, "ucast eth0 10.250.0.2"},
		{Config{Type: Mcast, Iface: "eth1", Port: 694, Group: netip.MustParseAddr("239.0.0.43"), TTL: 1, Loop: false}, "mcast eth1 239.0.0.43 694 1 0"},
		{Config{Type: Mcast, Iface: "eth1", Port: 700, Group: netip.MustParseAddr("239.0.0.43"), TTL: 3, Loop: true}, "mcast eth1 239.0.0.43 700 3 1"},
		{Config{Type: Type(9), Iface: "eth0"}, "media.Type(9) eth0"},
	}
	for _, tc := range tests {
		if got := tc.cfg.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestOpenWithDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	m, err := Open(ctx, Config{Type: Ucast, Iface: "lo", Port: freePort(t), Peer: netip.MustParseAddr("127.0.0.1")}, make(chan Packet, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	m.wg.Wait()
	if !m.closing.Load() {
		t.Error("medium opened with a done context is not closing")
	}
}
