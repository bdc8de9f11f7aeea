package ipaddr

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/ndp"
	"github.com/mdlayher/packet"
	"github.com/vishvananda/netlink"
)

// announcer sends the i-th packet of an announcement.
type announcer interface {
	Send(i int) error
	// Schedule turns the OCF repeat count and interval into the number
	// of packets and the gap between them.
	Schedule(repeat int, interval time.Duration) (n int, gap time.Duration)
	Close() error
}

// arpAnnouncer sends gratuitous ARP the way heartbeat's send_arp does: a
// broadcast request "who-has VIP tell VIP" and then a broadcast reply
// "VIP is-at MAC", half an interval apart, repeat times.
type arpAnnouncer struct {
	conn   net.PacketConn
	frames [2][]byte // request, reply
}

// gratuitousFrames builds the two Ethernet frames send_arp sends for ip.
// Sender and target protocol address are both the VIP, never the
// interface's first address.
func gratuitousFrames(mac net.HardwareAddr, ip netip.Addr) ([2][]byte, error) {
	var frames [2][]byte
	zero := make(net.HardwareAddr, len(mac))
	for i, op := range []arp.Operation{arp.OperationRequest, arp.OperationReply} {
		tha := zero
		if op == arp.OperationReply {
			tha = mac
		}
		p, err := arp.NewPacket(op, mac, ip, tha, ip)
		if err != nil {
			return frames, fmt.Errorf("building gratuitous ARP for %s: %w", ip, err)
		}
		pb, err := p.MarshalBinary()
		if err != nil {
			return frames, fmt.Errorf("encoding gratuitous ARP for %s: %w", ip, err)
		}
		f := &ethernet.Frame{
			Destination: ethernet.Broadcast,
			Source:      mac,
			EtherType:   ethernet.EtherTypeARP,
			Payload:     pb,
		}
		if frames[i], err = f.MarshalBinary(); err != nil {
			return frames, fmt.Errorf("encoding ethernet frame for %s: %w", ip, err)
		}
	}
	return frames, nil
}

func (a *Agent) dialARP(link netlink.Link) (*arpAnnouncer, error) {
	attrs := link.Attrs()
	frames, err := gratuitousFrames(attrs.HardwareAddr, a.cfg.ip)
	if err != nil {
		return nil, err
	}
	ifi := &net.Interface{Index: attrs.Index, Name: attrs.Name, HardwareAddr: attrs.HardwareAddr, MTU: attrs.MTU}
	var conn *packet.Conn
	err = inNS(a.opts.Netns, func() error {
		var err error
		conn, err = packet.Listen(ifi, packet.Raw, int(ethernet.EtherTypeARP), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("opening ARP socket on %s: %w", attrs.Name, err)
	}
	return &arpAnnouncer{conn: conn, frames: frames}, nil
}

func (s *arpAnnouncer) Send(i int) error {
	_, err := s.conn.WriteTo(s.frames[i%2], &packet.Addr{HardwareAddr: ethernet.Broadcast})
	return err
}

func (s *arpAnnouncer) Schedule(repeat int, interval time.Duration) (int, time.Duration) {
	return 2 * repeat, interval / 2
}

func (s *arpAnnouncer) Close() error { return s.conn.Close() }

// naAnnouncer sends unsolicited neighbour advertisements (override flag
// set, target link-layer address) from the VIP to all nodes, as send_ua.
type naAnnouncer struct {
	conn *ndp.Conn
	msg  *ndp.NeighborAdvertisement
}

func (a *Agent) dialNA(link netlink.Link) (*naAnnouncer, error) {
	attrs := link.Attrs()
	// ndp names the interface as the IPv6 zone of every destination, and
	// Go resolves zone names through a process-wide cache of the
	// interfaces of whichever namespace filled it. A numeric name is
	// taken as the index itself, which is right in every namespace.
	ifi := &net.Interface{Index: attrs.Index, Name: strconv.Itoa(attrs.Index), HardwareAddr: attrs.HardwareAddr, MTU: attrs.MTU}
	var conn *ndp.Conn
	err := inNS(a.opts.Netns, func() error {
		var err error
		conn, _, err = ndp.Listen(ifi, ndp.Addr(a.cfg.ip.String()))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("opening ICMPv6 socket on %s: %w", attrs.Name, err)
	}
	return &naAnnouncer{conn: conn, msg: &ndp.NeighborAdvertisement{
		Override:      true,
		TargetAddress: a.cfg.ip,
		Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Target, Addr: attrs.HardwareAddr}},
	}}, nil
}

func (s *naAnnouncer) Send(int) error {
	return s.conn.WriteTo(s.msg, nil, netip.IPv6LinkLocalAllNodes())
}

func (s *naAnnouncer) Schedule(repeat int, interval time.Duration) (int, time.Duration) {
	return repeat, interval
}

func (s *naAnnouncer) Close() error { return s.conn.Close() }
