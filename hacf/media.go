package hacf

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Medium is one heartbeat medium of ha.cf. The concrete types are Bcast,
// Mcast, Ucast and Other.
type Medium interface {
	// Type is the directive that declared it (bcast, mcast, ucast, serial, ...).
	Type() string
	// Line is the line of ha.cf that declared it.
	Line() int
}

// Bcast is `bcast IFACE`: UDP broadcast on IFACE to Port.
type Bcast struct {
	Iface string
	// Port is the udpport in effect when 3.0.6's bcast plugin first
	// initialised, i.e. at the first bcast line (a later udpport does not
	// apply to bcast media at all: spec 1.2).
	Port int
	At   int
}

// Mcast is `mcast IFACE GROUP PORT TTL LOOP`.
type Mcast struct {
	Iface string
	Group netip.Addr
	Port  int
	TTL   int
	Loop  int
	At    int
}

// Ucast is `ucast IFACE PEER`: UDP unicast to PEER (an IPv4 address or a host
// name, resolved by the medium) on Port, fixed like Bcast.Port at the first
// ucast line.
type Ucast struct {
	Iface string
	Peer  string
	Port  int
	At    int
}

// Other is a medium parsed but not interpreted: serial, ping, ping6,
// ping_group, mcast6, ucast6.
type Other struct {
	Kind string
	Args []string
	At   int
}

func (m *Bcast) Type() string { return "bcast" }
func (m *Mcast) Type() string { return "mcast" }
func (m *Ucast) Type() string { return "ucast" }
func (m *Other) Type() string { return m.Kind }
func (m *Bcast) Line() int    { return m.At }
func (m *Mcast) Line() int    { return m.At }
func (m *Ucast) Line() int    { return m.At }
func (m *Other) Line() int    { return m.At }

// mediaTypes are the HBcomm plugins of Debian's heartbeat 3.0.6
// (/usr/lib/heartbeat/plugins/HBcomm/*.so); each name is a directive.
var mediaTypes = map[string]bool{
	"bcast": true, "mcast": true, "mcast6": true, "ucast": true, "ucast6": true,
	"serial": true, "ping": true, "ping6": true, "ping_group": true,
}

// wholeLineMedia parse the rest of the line themselves (a `parse` function in
// the plugin); the others get one call per argument.
var wholeLineMedia = map[string]bool{
	"mcast": true, "mcast6": true, "ucast": true, "ucast6": true, "ping_group": true,
}

// Interfaces looks up the network interfaces named by media directives.
// Errors should wrap a syscall.Errno where there is one: its C text goes
// into 3.0.6's log lines.
type Interfaces interface {
	// Broadcast returns the IPv4 broadcast address of iface (bcast media).
	Broadcast(iface string) (netip.Addr, error)
	// Addr returns an IPv4 address of iface (mcast media).
	Addr(iface string) (netip.Addr, error)
}

// SystemInterfaces looks interfaces up in the running kernel.
type SystemInterfaces struct{}

var _ Interfaces = SystemInterfaces{}

// Broadcast returns the broadcast address of iface's first IPv4 network.
func (SystemInterfaces) Broadcast(iface string) (netip.Addr, error) {
	p, err := firstIPv4(iface)
	if err != nil {
		return netip.Addr{}, err
	}
	a := p.Masked().Addr().As4()
	bits := p.Bits()
	for i := range 4 {
		for b := range 8 {
			if i*8+b >= bits {
				a[i] |= 0x80 >> b
			}
		}
	}
	return netip.AddrFrom4(a), nil
}

// Addr returns the first IPv4 address of iface.
func (SystemInterfaces) Addr(iface string) (netip.Addr, error) {
	p, err := firstIPv4(iface)
	return p.Addr(), err
}

func firstIPv4(iface string) (netip.Prefix, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		// net reports "no such network interface"; 3.0.6's ioctl says ENODEV.
		return netip.Prefix{}, fmt.Errorf("interface %s: %w", iface, syscall.ENODEV)
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("addresses of %s: %w", iface, err)
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.To4() == nil {
			continue
		}
		ip, _ := netip.AddrFromSlice(ipn.IP.To4())
		ones, _ := ipn.Mask.Size()
		return netip.PrefixFrom(ip, ones), nil
	}
	return netip.Prefix{}, fmt.Errorf("interface %s has no IPv4 address: %w", iface, syscall.EADDRNOTAVAIL)
}

// strerror renders err as C's strerror would for the errno inside it.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ENODEV:
			return "No such device"
		case syscall.EADDRNOTAVAIL:
			return "Cannot assign requested address"
		}
	}
	return err.Error()
}
