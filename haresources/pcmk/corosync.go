package pcmk

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
)

// keyBytes is the size of the generated Corosync key (what corosync-keygen
// writes; corosync needs at least 128 bytes).
const keyBytes = 256

// Corosync is the corosync.conf the export writes.
type Corosync struct {
	ClusterName    string
	Transport      string // knet or udp
	Token          int    // ms, 0: default
	TokenWarning   int    // percent, 0: default
	Crypto         bool
	KeyFile        string
	LinkMode       string // passive with several knet links
	Interfaces     []Interface
	Nodes          []CorosyncNode
	TwoNode        bool
	SyslogFacility string
}

// Interface is one totem interface block.
type Interface struct {
	Link      int
	Broadcast bool
	McastAddr string
	McastPort int
	TTL       int
}

// CorosyncNode is one nodelist entry; Addrs[i] is ringi_addr.
type CorosyncNode struct {
	Name  string
	ID    int
	Addrs []string
}

// corosync builds the Corosync configuration and key from the media lines.
func (x *exporter) corosync(ctx context.Context) error {
	c := &x.res.Corosync
	c.ClusterName = x.opt.ClusterName
	c.KeyFile = x.opt.KeyFile
	c.TwoNode = len(x.src.Nodes) == 2
	c.SyslogFacility = x.src.LogFacility
	if d := x.src.Deadtime.Milliseconds(); d > 0 {
		c.Token = int(d)
		if w := x.src.Warntime.Milliseconds(); w > 0 && w < d {
			c.TokenWarning = int(w * 100 / d)
		}
	}
	var ifaces []string // one knet link per interface, in ha.cf order
	ucast := false
	var udp *Medium
	for i, m := range x.src.Media {
		switch m.Kind {
		case "serial":
			x.dropped(m.Pos, "serial %s: Corosync has no serial transport", m.Iface)
			continue
		case "ucast":
			ucast = true
		case "bcast", "mcast":
			if udp == nil {
				udp = &x.src.Media[i]
			}
		}
		if !slices.Contains(ifaces, m.Iface) {
			ifaces = append(ifaces, m.Iface)
		}
	}
	switch {
	case ucast || udp == nil:
		c.Transport = "knet"
		c.Crypto = true
		if x.src.AuthMethod == "crc" {
			x.note("authkeys used crc (no authentication); the Corosync export enables knet encryption and authentication")
		}
	default:
		// Without unicast peers heartbeat broadcast or multicast; Corosync's
		// udp transport does the same but supports one link and no crypto.
		c.Transport = "udp"
		ifaces = ifaces[:1]
		for _, m := range x.src.Media {
			if m.Kind != "serial" && m != *udp {
				x.dropped(m.Pos, "%s %s: Corosync's udp transport has a single link", m.Kind, m.Iface)
			}
		}
		ifc := Interface{Broadcast: udp.Kind == "bcast"}
		if udp.Kind == "mcast" {
			ifc.McastAddr, ifc.McastPort, ifc.TTL = udp.Addr, udp.Port, udp.TTL
		}
		c.Interfaces = []Interface{ifc}
		x.warn("transport udp (from %s) has no encryption or authentication in Corosync 3; heartbeat signed every packet. Prefer knet with crypto: set transport: knet with crypto_cipher/crypto_hash and a key by hand, or export from ucast lines", udp.Kind)
	}
	if c.Transport == "knet" && len(ifaces) > 1 {
		c.LinkMode = "passive"
	}
	addrs, err := x.nodeAddrs(ctx, ifaces)
	if err != nil {
		return err
	}
	for i, n := range x.src.Nodes {
		c.Nodes = append(c.Nodes, CorosyncNode{Name: n, ID: i + 1, Addrs: addrs[n]})
	}
	if c.Crypto {
		x.res.AuthKey = make([]byte, keyBytes)
		if _, err := io.ReadFull(x.host.Rand, x.res.AuthKey); err != nil {
			return fmt.Errorf("generating the corosync key: %w", err)
		}
	}
	return nil
}

// nodeAddrs finds every node's address on every link: -addr overrides first,
// then the ucast lines of this node's ha.cf (the local interface address is
// this node's, a single remaining peer address belongs to the single
// remaining node), then name resolution (first link only). A node left
// without an address keeps its name, which Corosync resolves at start.
func (x *exporter) nodeAddrs(ctx context.Context, ifaces []string) (map[string][]string, error) {
	out := map[string][]string{}
	for n, a := range x.opt.Addrs {
		if !slices.Contains(x.src.Nodes, n) {
			return nil, fmt.Errorf("address given for %s, which is not a node of ha.cf", n)
		}
		if len(a) != len(ifaces) {
			return nil, fmt.Errorf("node %s: %d addresses given, the configuration has %d links (%s)", n, len(a), len(ifaces), strings.Join(ifaces, ", "))
		}
		out[n] = a
	}
	for link, ifc := range ifaces {
		found := map[string]string{}
		for n, a := range x.opt.Addrs {
			found[n] = a[link]
		}
		x.ucastAddrs(ifc, found)
		for _, n := range x.src.Nodes {
			if _, ok := out[n]; ok {
				continue
			}
			a := found[n]
			if a == "" && link == 0 && x.host.Resolver != nil {
				if ips, err := x.host.Resolver.LookupNetIP(ctx, "ip", n); err == nil && len(ips) > 0 {
					a = ips[0].Unmap().String()
				}
			}
			if a == "" {
				if link > 0 {
					x.needsHuman(Pos{}, "node %s: no address on link %d (%s); give it with -addr", n, link, ifc)
				} else {
					a = n
					x.warn("node %s: no address found; ring0_addr is the node name, which must resolve on every node (or give -addr)", n)
				}
			}
			found[n] = a
		}
		for _, n := range x.src.Nodes {
			if _, ok := x.opt.Addrs[n]; !ok {
				out[n] = append(out[n], found[n])
			}
		}
	}
	return out, nil
}

// ucastAddrs assigns the ucast peer addresses of interface ifc to nodes.
func (x *exporter) ucastAddrs(ifc string, found map[string]string) {
	var peers []string
	for _, m := range x.src.Media {
		if m.Kind == "ucast" && m.Iface == ifc {
			peers = append(peers, m.Addr)
		}
	}
	if len(peers) == 0 {
		return
	}
	var local []netip.Addr
	if x.host.LocalAddrs != nil {
		local = x.host.LocalAddrs(ifc)
	}
	if slices.Contains(x.src.Nodes, x.host.Hostname) && len(local) > 0 {
		found[x.host.Hostname] = local[0].String()
	}
	var rest []string
	known := map[string]bool{}
	for _, a := range found {
		known[a] = true
	}
	for _, p := range peers {
		if a, err := netip.ParseAddr(p); known[p] || err == nil && slices.Contains(local, a) {
			continue // heartbeat ignores a ucast line naming itself
		}
		rest = append(rest, p)
	}
	var unknown []string
	for _, n := range x.src.Nodes {
		if found[n] == "" {
			unknown = append(unknown, n)
		}
	}
	if len(rest) == 1 && len(unknown) == 1 {
		found[unknown[0]] = rest[0]
	}
}
