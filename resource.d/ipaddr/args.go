package ipaddr

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heartbeat-go/heartbeat-go/resource.d/ocfarg"
)

// The haresources words this package implements.
const (
	KindIPaddr   = "IPaddr"
	KindIPaddr2  = "IPaddr2"
	KindIPv6addr = "IPv6addr"
)

// maxLabel is IFNAMSIZ-1, the longest label the kernel stores.
const maxLabel = 15

// ErrBadArgs is wrapped by every argument error, so a config check can tell
// a bad haresources word from a kernel failure.
var ErrBadArgs = errors.New("bad arguments")

// Broadcast modes besides an explicit address.
const (
	brdNone    = ""  // no broadcast argument: the kind's default applies
	brdCompute = "+" // ip(8)'s "brd +": network address with all host bits set
	brdClear   = "-" // ip(8)'s "brd -": no broadcast address
)

// config is one parsed IP address resource.
type config struct {
	kind string
	ip   netip.Addr
	// prefix is the prefix length given, 0 when it comes from the route.
	prefix int
	// nic is the base interface given ("" = from the routing table).
	nic string
	// label is the IPaddr2 label suffix (eth0:label); IPaddr picks its own.
	label string
	// brd is an explicit broadcast address; brdMode says what to do
	// when it is invalid.
	brd     netip.Addr
	brdMode string
	// repeat and interval override the ARP/NA defaults when non-zero.
	repeat   int
	interval time.Duration
	nodad    bool
}

// named lists the OCF parameter names each kind accepts as name=value
// arguments, as the OCF agents spell them.
var named = map[string][]string{
	KindIPaddr:   {"ip", "cidr_netmask", "netmask", "nic", "broadcast", "ARP_INTERVAL_MS", "ARP_REPEAT"},
	KindIPaddr2:  {"ip", "cidr_netmask", "netmask", "nic", "broadcast", "iflabel", "arp_interval", "arp_count", "nodad"},
	KindIPv6addr: {"ipv6addr", "cidr_netmask", "nic", "arp_interval", "arp_count", "nodad"},
}

// parseArgs parses the ::-separated haresources arguments of kind. The first
// argument is either the positional form the heartbeat wrappers accept,
// IP[/NETMASK[/NIC[:LABEL][/BROADCAST]]] (a third field starting with a digit
// is the broadcast address), or name=value; all later arguments are
// name=value with the OCF agent's parameter names.
func parseArgs(kind string, args []string) (config, error) {
	c := config{kind: kind}
	keys, ok := named[kind]
	if !ok {
		return c, fmt.Errorf("%w: unknown IP address agent %q", ErrBadArgs, kind)
	}
	if len(args) == 0 {
		return c, fmt.Errorf("%w: %s needs an IP address argument", ErrBadArgs, kind)
	}
	vals := map[string]string{}
	for i, a := range args {
		k, v, isNamed := strings.Cut(a, "=")
		if !isNamed {
			if i > 0 {
				return c, fmt.Errorf("%w: argument %q: want name=value after the address", ErrBadArgs, a)
			}
			if err := c.positional(a, vals); err != nil {
				return c, err
			}
			continue
		}
		if !slices.Contains(keys, k) {
			return c, fmt.Errorf("%w: unsupported parameter %q for %s (known: %s)", ErrBadArgs, k, kind, strings.Join(keys, ", "))
		}
		if _, dup := vals[k]; dup {
			return c, fmt.Errorf("%w: parameter %q given twice", ErrBadArgs, k)
		}
		vals[k] = v
	}
	if err := c.apply(vals); err != nil {
		return c, err
	}
	return c, nil
}

// positional splits IP[/NETMASK[/NIC[/BROADCAST]]] into OCF parameter values
// the way /etc/ha.d/resource.d/IPaddr does.
func (c *config) positional(arg string, vals map[string]string) error {
	f := strings.Split(arg, "/")
	ipKey := "ip"
	if c.kind == KindIPv6addr {
		ipKey = "ipv6addr"
	}
	for i, s := range f {
		if s == "" {
			return fmt.Errorf("%w: %q: empty field %d", ErrBadArgs, arg, i+1)
		}
	}
	vals[ipKey] = f[0]
	if len(f) > 1 {
		vals["cidr_netmask"] = f[1]
	}
	if len(f) > 2 {
		if c.kind != KindIPv6addr && f[2][0] >= '0' && f[2][0] <= '9' {
			vals["broadcast"] = f[2]
			if len(f) > 3 {
				return fmt.Errorf("%w: %q: field after the broadcast address", ErrBadArgs, arg)
			}
			return nil
		}
		vals["nic"] = f[2]
	}
	if len(f) > 3 {
		if c.kind == KindIPv6addr {
			return fmt.Errorf("%w: %q: IPv6addr takes IP/PREFIX/NIC", ErrBadArgs, arg)
		}
		vals["broadcast"] = f[3]
	}
	if len(f) > 4 {
		return fmt.Errorf("%w: %q: too many fields", ErrBadArgs, arg)
	}
	return nil
}

// apply validates the collected parameter values into c.
func (c *config) apply(vals map[string]string) error {
	ipStr, ok := vals["ip"]
	if c.kind == KindIPv6addr {
		ipStr, ok = vals["ipv6addr"]
	}
	if !ok || ipStr == "" {
		return fmt.Errorf("%w: %s needs an IP address", ErrBadArgs, c.kind)
	}
	if err := c.parseIP(ipStr); err != nil {
		return err
	}
	nm, hasNM := vals["cidr_netmask"]
	if alt, ok := vals["netmask"]; ok && !hasNM {
		nm, hasNM = alt, true
	}
	if hasNM {
		p, err := parsePrefix(nm, c.ip.BitLen())
		if err != nil {
			return fmt.Errorf("%w: netmask %q: %w", ErrBadArgs, nm, err)
		}
		c.prefix = p
	}
	if nic, ok := vals["nic"]; ok {
		if err := c.parseNIC(nic); err != nil {
			return err
		}
	}
	if l, ok := vals["iflabel"]; ok && l != "" {
		c.label = l
	}
	if c.label != "" && c.nic != "" {
		if err := checkLabel(c.nic, c.label); err != nil {
			return err
		}
	}
	if b, ok := vals["broadcast"]; ok && b != "" {
		if err := c.parseBroadcast(b); err != nil {
			return err
		}
	}
	for _, k := range []string{"ARP_REPEAT", "arp_count"} {
		if v, ok := vals[k]; ok {
			n, err := positive(k, v)
			if err != nil {
				return err
			}
			c.repeat = n
		}
	}
	for _, k := range []string{"ARP_INTERVAL_MS", "arp_interval"} {
		if v, ok := vals[k]; ok {
			n, err := positive(k, v)
			if err != nil {
				return err
			}
			c.interval = time.Duration(n) * time.Millisecond
		}
	}
	if v, ok := vals["nodad"]; ok {
		b, err := ocfarg.Bool(v)
		if err != nil {
			return fmt.Errorf("%w: nodad: %w", ErrBadArgs, err)
		}
		c.nodad = b
	}
	return nil
}

// checkLabel applies the kernel's limit to the full label nic:label; the
// agent checks again once the routing table has named the nic.
func checkLabel(nic, label string) error {
	if full := nic + ":" + label; len(full) > maxLabel {
		return fmt.Errorf("%w: interface label %q exceeds %d characters", ErrBadArgs, full, maxLabel)
	}
	return nil
}

func (c *config) parseIP(s string) error {
	ip, err := netip.ParseAddr(s)
	if err != nil || ip.Zone() != "" {
		return fmt.Errorf("%w: IP address %q not valid", ErrBadArgs, s)
	}
	switch {
	case c.kind == KindIPaddr && !ip.Is4():
		return fmt.Errorf("%w: IP address %q is not IPv4 (use IPaddr2 or IPv6addr)", ErrBadArgs, s)
	case c.kind == KindIPv6addr && !ip.Is6():
		return fmt.Errorf("%w: IP address %q is not IPv6", ErrBadArgs, s)
	case ip.Is4() && ip.As4()[0] == 0, ip.IsUnspecified(), ip.IsMulticast():
		return fmt.Errorf("%w: IP address %q not valid", ErrBadArgs, s)
	case ip.Is4() && ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Errorf("%w: IP address %q not valid", ErrBadArgs, s)
	}
	c.ip = ip
	return nil
}

// parseNIC takes "eth0" or "eth0:label". IPaddr ignores the label and picks
// the first free eth0:N itself, as the OCF IPaddr agent does.
func (c *config) parseNIC(s string) error {
	nic, label, hasLabel := strings.Cut(s, ":")
	if nic == "" || len(nic) > maxLabel || strings.ContainsAny(nic, " \t/") {
		return fmt.Errorf("%w: invalid interface name %q", ErrBadArgs, s)
	}
	c.nic = nic
	if hasLabel && c.kind == KindIPaddr2 {
		if label == "" {
			return fmt.Errorf("%w: empty label in %q", ErrBadArgs, s)
		}
		c.label = label
	}
	if hasLabel && c.kind == KindIPv6addr {
		return fmt.Errorf("%w: IPv6 addresses have no labels: %q", ErrBadArgs, s)
	}
	return nil
}

func (c *config) parseBroadcast(s string) error {
	if !c.ip.Is4() {
		return fmt.Errorf("%w: broadcast %q given for IPv6 address", ErrBadArgs, s)
	}
	if s == brdCompute || s == brdClear {
		c.brdMode = s
		return nil
	}
	b, err := netip.ParseAddr(s)
	if err != nil || !b.Is4() {
		return fmt.Errorf("%w: invalid broadcast address %q", ErrBadArgs, s)
	}
	c.brd = b
	return nil
}

// parsePrefix accepts a prefix length 1..bits or, for IPv4, a contiguous
// dotted-quad netmask (findif.sh converts those with a warning).
func parsePrefix(s string, bits int) (int, error) {
	if strings.Contains(s, ".") {
		m, err := netip.ParseAddr(s)
		if err != nil || !m.Is4() || bits != 32 {
			return 0, errors.New("not a prefix length or dotted-quad netmask")
		}
		b := m.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		ones := 0
		for v&(1<<31) != 0 {
			ones++
			v <<= 1
		}
		if v != 0 || ones == 0 {
			return 0, errors.New("bogus netmask")
		}
		return ones, nil
	}
	if len(s) > 3 {
		return 0, fmt.Errorf("want 1..%d", bits)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > bits || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("want 1..%d", bits)
	}
	return n, nil
}

func positive(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || v[0] == '+' {
		return 0, fmt.Errorf("%w: invalid %s %q: want a positive integer", ErrBadArgs, name, v)
	}
	return n, nil
}
