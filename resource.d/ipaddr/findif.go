package ipaddr

import (
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// target is where and how the address goes.
type target struct {
	link   netlink.Link
	prefix int
	brd    netip.Addr // invalid: no broadcast address
}

// route is the part of a kernel route findif looks at.
type route struct {
	dst       netip.Prefix
	linkIndex int
	src       netip.Addr
	scopeLink bool
}

// bestRoute picks the route findif.sh picks: among the routes of the main
// table that cover ip (and the given prefix, if any), on the given link (if
// any), with scope link for IPv4, the one with the longest prefix; on a tie
// the last one listed.
func bestRoute(routes []route, ip netip.Addr, prefix, linkIndex int) (route, bool) {
	var best route
	ok := false
	for _, r := range routes {
		if !r.dst.IsValid() || r.dst.Bits() == 0 || !r.dst.Contains(ip) {
			continue
		}
		if ip.Is4() && !r.scopeLink {
			continue
		}
		if prefix > 0 && r.dst.Bits() > prefix {
			continue
		}
		if linkIndex > 0 && r.linkIndex != linkIndex {
			continue
		}
		if !ok || r.dst.Bits() >= best.dst.Bits() {
			best, ok = r, true
		}
	}
	return best, ok
}

// broadcastOf returns the network's broadcast address for an IPv4 prefix.
func broadcastOf(ip netip.Addr, prefix int) netip.Addr {
	b := ip.As4()
	host := ^uint32(0) >> prefix
	v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// findIf resolves the interface, prefix and broadcast address of c as the
// agents' findif does: the nic must exist; a missing nic or netmask comes
// from the best covering route; IPaddr2 takes the broadcast address of the
// route's source address, IPaddr computes it from the netmask.
func findIf(h *netlink.Handle, c config) (target, error) {
	var t target
	linkIndex := 0
	if c.nic != "" {
		l, err := h.LinkByName(c.nic)
		if err != nil {
			return t, fmt.Errorf("invalid interface name [%s]: %w", c.nic, err)
		}
		t.link, linkIndex = l, l.Attrs().Index
	}
	family := netlink.FAMILY_V4
	if c.ip.Is6() {
		family = netlink.FAMILY_V6
	}
	krs, err := h.RouteListFiltered(family, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return t, fmt.Errorf("listing routes: %w", err)
	}
	routes := make([]route, 0, len(krs))
	for _, kr := range krs {
		r := route{linkIndex: kr.LinkIndex, scopeLink: kr.Scope == netlink.SCOPE_LINK}
		if kr.Dst != nil {
			ip, _ := netip.AddrFromSlice(kr.Dst.IP)
			ones, _ := kr.Dst.Mask.Size()
			r.dst = netip.PrefixFrom(ip.Unmap(), ones)
		}
		r.src, _ = netip.AddrFromSlice(kr.Src)
		routes = append(routes, r)
	}
	best, ok := bestRoute(routes, c.ip, c.prefix, linkIndex)
	t.prefix = c.prefix
	if !ok && (c.nic == "" || c.prefix == 0) {
		return t, fmt.Errorf("unable to find nic or netmask for %s: no route covers it", c.ip)
	}
	if t.link == nil {
		if t.link, err = h.LinkByIndex(best.linkIndex); err != nil {
			return t, fmt.Errorf("link %d of the route to %s: %w", best.linkIndex, c.ip, err)
		}
	}
	if t.prefix == 0 {
		t.prefix = best.dst.Bits()
	}
	if !c.ip.Is4() {
		return t, nil
	}
	switch {
	case c.brd.IsValid():
		t.brd = c.brd
	case c.brdMode == brdClear:
	case c.brdMode == brdCompute || c.kind == KindIPaddr:
		if t.prefix < 31 {
			t.brd = broadcastOf(c.ip, t.prefix)
		}
	case ok && best.src.IsValid():
		t.brd, err = srcBroadcast(h, t.link, best.src.Unmap())
		if err != nil {
			return t, err
		}
	}
	return t, nil
}

// srcBroadcast returns the broadcast address of src on link, if it has one.
func srcBroadcast(h *netlink.Handle, link netlink.Link, src netip.Addr) (netip.Addr, error) {
	addrs, err := h.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("listing addresses of %s: %w", link.Attrs().Name, err)
	}
	for _, ad := range addrs {
		if ip, _ := netip.AddrFromSlice(ad.IP); ip.Unmap() == src {
			b, _ := netip.AddrFromSlice(ad.Broadcast)
			return b.Unmap(), nil
		}
	}
	return netip.Addr{}, nil
}
