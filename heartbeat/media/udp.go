package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// Type is the kind of a UDP medium, named as in ha.cf.
type Type int

// The UDP media of ha.cf.
const (
	Bcast Type = iota + 1
	Mcast
	Ucast
)

// String returns the ha.cf keyword of the medium type.
func (t Type) String() string {
	switch t {
	case Bcast:
		return "bcast"
	case Mcast:
		return "mcast"
	case Ucast:
		return "ucast"
	}
	return fmt.Sprintf("media.Type(%d)", int(t))
}

// Config describes one UDP medium, field for field as an ha.cf line gives it.
type Config struct {
	Type  Type
	Iface string // interface the sockets are bound to (SO_BINDTODEVICE)
	Port  uint16 // udpport for bcast and ucast, PORT for mcast
	Group netip.Addr
	TTL   uint8 // mcast only
	Loop  bool  // mcast only: receive our own datagrams
	Peer  netip.Addr
}

// UDP is an open bcast, mcast or ucast medium: a dedicated send socket and
// a receive socket whose reader goroutine delivers to the channel given to
// Open.
type UDP struct {
	cfg  Config
	dst  netip.AddrPort
	send net.PacketConn
	recv net.PacketConn
	out  chan<- Packet
	log  *logrus.Entry

	closing   atomic.Bool
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
	dropped   atomic.Uint64
}

var _ Medium = (*UDP)(nil)

// Open opens the medium described by cfg: it binds the sockets to cfg.Iface,
// joins the multicast group for mcast, and starts a reader that delivers each
// datagram to out without blocking (a full channel drops the datagram and
// counts it, see Dropped). The medium closes itself when ctx is done.
// A missing interface gives an error wrapping ErrNoInterface.
func Open(ctx context.Context, cfg Config, out chan<- Packet, log *logrus.Entry) (*UDP, error) {
	if log == nil {
		l := logrus.New()
		l.Out = io.Discard
		log = logrus.NewEntry(l)
	}
	m := &UDP{cfg: cfg, out: out, log: log.WithField("medium", cfg.String())}
	if err := m.open(ctx); err != nil {
		return nil, fmt.Errorf("opening %s: %w", cfg, err)
	}
	m.wg.Go(m.read)
	// Close is idempotent, so the callback may also run after an explicit
	// Close (or at once, if ctx is already done).
	context.AfterFunc(ctx, func() { _ = m.Close() })
	return m, nil
}

// String gives the medium as 3.0.6 names its I/O processes: "bcast eth0".
func (c Config) String() string {
	switch c.Type {
	case Mcast:
		return fmt.Sprintf("mcast %s %s %d %d %d", c.Iface, c.Group, c.Port, c.TTL, b2i(c.Loop))
	case Ucast:
		return fmt.Sprintf("ucast %s %s", c.Iface, c.Peer)
	}
	return fmt.Sprintf("%s %s", c.Type, c.Iface)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (m *UDP) open(ctx context.Context) error {
	cfg := m.cfg
	ifi, err := net.InterfaceByName(cfg.Iface)
	if err != nil {
		return fmt.Errorf("interface %s: %w", cfg.Iface, ErrNoInterface)
	}
	recvAddr := netip.AddrPortFrom(netip.IPv4Unspecified(), cfg.Port)
	sendOpts := []sockopt{bindToDevice(cfg.Iface)}
	switch cfg.Type {
	case Bcast:
		brd, err := broadcastAddr(cfg.Iface)
		if err != nil {
			return err
		}
		m.dst = netip.AddrPortFrom(brd, cfg.Port)
		sendOpts = append(sendOpts, intOpt(unix.SO_BROADCAST), intOpt(unix.SO_DONTROUTE))
	case Ucast:
		if !cfg.Peer.Is4() {
			return fmt.Errorf("ucast peer %s is not an IPv4 address", cfg.Peer)
		}
		m.dst = netip.AddrPortFrom(cfg.Peer, cfg.Port)
	case Mcast:
		if !cfg.Group.Is4() || !cfg.Group.IsMulticast() {
			return fmt.Errorf("mcast group %s is not an IPv4 multicast address", cfg.Group)
		}
		m.dst = netip.AddrPortFrom(cfg.Group, cfg.Port)
		// 3.0.6 binds the mcast reader to GROUP:PORT, so it sees only
		// the group's datagrams.
		recvAddr = m.dst
	default:
		return fmt.Errorf("unknown medium type %d", int(cfg.Type))
	}
	if cfg.Port == 0 {
		return errors.New("port 0")
	}

	m.send, err = listen(ctx, netip.AddrPortFrom(netip.IPv4Unspecified(), 0), sendOpts...)
	if err != nil {
		return fmt.Errorf("send socket: %w", err)
	}
	m.recv, err = listen(ctx, recvAddr, intOpt(unix.SO_REUSEADDR), bindToDevice(cfg.Iface))
	if err != nil {
		_ = m.send.Close()
		return fmt.Errorf("receive socket on %s: %w", recvAddr, err)
	}
	if cfg.Type == Mcast {
		if err := joinGroup(m.send, m.recv, ifi, cfg); err != nil {
			_ = m.send.Close()
			_ = m.recv.Close()
			return err
		}
	}
	return nil
}

// joinGroup sets the outgoing interface, TTL and loop flag on the send
// socket and joins the group on the interface with the receive socket.
func joinGroup(send, recv net.PacketConn, ifi *net.Interface, cfg Config) error {
	sp := ipv4.NewPacketConn(send)
	if err := sp.SetMulticastInterface(ifi); err != nil {
		return fmt.Errorf("setting multicast interface %s: %w", ifi.Name, err)
	}
	if err := sp.SetMulticastTTL(int(cfg.TTL)); err != nil {
		return fmt.Errorf("setting multicast ttl %d: %w", cfg.TTL, err)
	}
	if err := sp.SetMulticastLoopback(cfg.Loop); err != nil {
		return fmt.Errorf("setting multicast loop %t: %w", cfg.Loop, err)
	}
	group := &net.UDPAddr{IP: cfg.Group.AsSlice()}
	if err := ipv4.NewPacketConn(recv).JoinGroup(ifi, group); err != nil {
		return fmt.Errorf("joining %s on %s: %w", cfg.Group, ifi.Name, err)
	}
	return nil
}

// sockopt sets one option on a raw socket before it is bound.
type sockopt func(fd int) error

func intOpt(opt int) sockopt {
	return func(fd int) error {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, 1); err != nil {
			return fmt.Errorf("setsockopt %d: %w", opt, err)
		}
		return nil
	}
}

func bindToDevice(iface string) sockopt {
	return func(fd int) error {
		if err := unix.BindToDevice(fd, iface); err != nil {
			return fmt.Errorf("SO_BINDTODEVICE %s: %w", iface, err)
		}
		return nil
	}
}

// listen opens a UDP/IPv4 socket with opts applied before bind.
func listen(ctx context.Context, addr netip.AddrPort, opts ...sockopt) (net.PacketConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var oerr error
		err := c.Control(func(fd uintptr) {
			for _, o := range opts {
				if oerr = o(int(fd)); oerr != nil {
					return
				}
			}
		})
		return errors.Join(err, oerr)
	}}
	return lc.ListenPacket(ctx, "udp4", addr.String())
}

// broadcastAddr asks the kernel for the interface's IPv4 broadcast address
// (SIOCGIFBRDADDR), as 3.0.6 does.
func broadcastAddr(iface string) (netip.Addr, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("socket for SIOCGIFBRDADDR: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(iface)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("interface %q: %w", iface, err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFBRDADDR, ifr); err != nil {
		return netip.Addr{}, fmt.Errorf("broadcast address of %s: %w: %w", iface, ErrNoBroadcast, err)
	}
	ip, err := ifr.Inet4Addr()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("broadcast address of %s: %w: %w", iface, ErrNoBroadcast, err)
	}
	brd := netip.AddrFrom4([4]byte(ip))
	if brd.IsUnspecified() {
		return netip.Addr{}, fmt.Errorf("broadcast address of %s: %w", iface, ErrNoBroadcast)
	}
	return brd, nil
}

// Name returns the link name, the interface ("eth0").
func (m *UDP) Name() string { return m.cfg.Iface }

// String names the medium as 3.0.6's I/O process titles do ("bcast eth0").
func (m *UDP) String() string { return m.cfg.Type.String() + " " + m.cfg.Iface }

// Dest returns the address datagrams are sent to.
func (m *UDP) Dest() netip.AddrPort { return m.dst }

// Dropped returns how many received datagrams were dropped because the
// delivery channel was full.
func (m *UDP) Dropped() uint64 { return m.dropped.Load() }

// Send writes b as one datagram to the medium's destination.
func (m *UDP) Send(b []byte) error {
	if m.closing.Load() {
		return fmt.Errorf("sending on %s: %w", m, net.ErrClosed)
	}
	if _, err := m.send.WriteTo(b, net.UDPAddrFromAddrPort(m.dst)); err != nil {
		return fmt.Errorf("sending %d bytes on %s to %s: %w", len(b), m, m.dst, err)
	}
	return nil
}

// Close sets the closing flag, closes both sockets and waits for the reader.
func (m *UDP) Close() error {
	m.closeOnce.Do(func() {
		m.closing.Store(true)
		m.closeErr = errors.Join(m.recv.Close(), m.send.Close())
		m.wg.Wait()
	})
	return m.closeErr
}

// read is the reader goroutine: it turns each datagram into a Packet.
func (m *UDP) read() {
	buf := make([]byte, MaxDatagram)
	overflowing := false
	for {
		n, from, err := m.recv.(*net.UDPConn).ReadFromUDPAddrPort(buf)
		at := time.Now()
		if err != nil {
			if m.closing.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			m.log.WithError(err).Warn("receive error")
			continue
		}
		p := Packet{Buf: append([]byte(nil), buf[:n]...), From: netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), At: at, Medium: m.cfg.Iface}
		select {
		case m.out <- p:
			overflowing = false
		default:
			m.dropped.Add(1)
			if !overflowing {
				m.log.WithField("from", from).Warn("receive queue full, dropping datagrams")
			}
			overflowing = true
		}
	}
}
