package ipaddr

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		name string
		kind string
		args []string
		want config
	}{
		{"ip", KindIPaddr, []string{"10.0.0.5"}, config{ip: a("10.0.0.5")}},
		{"ip/cidr", KindIPaddr, []string{"10.0.0.5/24"}, config{ip: a("10.0.0.5"), prefix: 24}},
		{"ip/cidr/nic", KindIPaddr, []string{"10.0.0.5/24/eth0"}, config{ip: a("10.0.0.5"), prefix: 24, nic: "eth0"}},
		{"ip/cidr/nic/brd", KindIPaddr, []string{"10.0.0.5/24/eth0/10.0.0.255"},
			config{ip: a("10.0.0.5"), prefix: 24, nic: "eth0", brd: a("10.0.0.255")}},
		{"third field digit is broadcast", KindIPaddr, []string{"10.0.0.5/24/10.0.0.127"},
			config{ip: a("10.0.0.5"), prefix: 24, brd: a("10.0.0.127")}},
		{"dotted netmask", KindIPaddr, []string{"10.0.0.5/255.255.254.0/eth0"},
			config{ip: a("10.0.0.5"), prefix: 23, nic: "eth0"}},
		{"IPaddr ignores the label", KindIPaddr, []string{"10.0.0.5/24/eth0:7"},
			config{ip: a("10.0.0.5"), prefix: 24, nic: "eth0"}},
		{"IPaddr2 label", KindIPaddr2, []string{"10.0.0.5/24/eth0:web/10.0.0.255"},
			config{ip: a("10.0.0.5"), prefix: 24, nic: "eth0", label: "web", brd: a("10.0.0.255")}},
		{"IPaddr2 named", KindIPaddr2, []string{"ip=10.0.0.5", "cidr_netmask=16", "nic=eth1", "iflabel=x", "arp_count=3", "arp_interval=50"},
			config{ip: a("10.0.0.5"), prefix: 16, nic: "eth1", label: "x", repeat: 3, interval: 50 * time.Millisecond}},
		{"IPaddr2 netmask alias", KindIPaddr2, []string{"ip=10.0.0.5", "netmask=255.0.0.0"}, config{ip: a("10.0.0.5"), prefix: 8}},
		{"IPaddr2 positional then named", KindIPaddr2, []string{"10.0.0.5/24", "broadcast=+"},
			config{ip: a("10.0.0.5"), prefix: 24, brdMode: brdCompute}},
		{"IPaddr2 brd -", KindIPaddr2, []string{"ip=10.0.0.5", "broadcast=-"}, config{ip: a("10.0.0.5"), brdMode: brdClear}},
		{"IPaddr OCF ARP names", KindIPaddr, []string{"10.0.0.5", "ARP_REPEAT=2", "ARP_INTERVAL_MS=1000"},
			config{ip: a("10.0.0.5"), repeat: 2, interval: time.Second}},
		{"IPaddr2 IPv6", KindIPaddr2, []string{"fd00::5/64/eth0", "nodad=true"},
			config{ip: a("fd00::5"), prefix: 64, nic: "eth0", nodad: true}},
		{"IPv6addr", KindIPv6addr, []string{"2001:db8::7/64/eth0"}, config{ip: a("2001:db8::7"), prefix: 64, nic: "eth0"}},
		{"IPv6addr bare", KindIPv6addr, []string{"2001:db8::7"}, config{ip: a("2001:db8::7")}},
		{"IPv6addr named", KindIPv6addr, []string{"ipv6addr=2001:db8::7", "cidr_netmask=112"}, config{ip: a("2001:db8::7"), prefix: 112}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseArgs(tc.kind, tc.args)
			if err != nil {
				t.Fatalf("parseArgs(%q, %q): %v", tc.kind, tc.args, err)
			}
			tc.want.kind = tc.kind
			if got != tc.want {
				t.Errorf("parseArgs(%q, %q)\n got %+v\nwant %+v", tc.kind, tc.args, got, tc.want)
			}
		})
	}
}

func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		name, kind string
		args       []string
		want       string
	}{
		{"no args", KindIPaddr, nil, "needs an IP address argument"},
		{"bad ip", KindIPaddr, []string{"10.0.0.256/24"}, `IP address "10.0.0.256" not valid`},
		{"first octet 0", KindIPaddr, []string{"0.1.2.3"}, "not valid"},
		{"multicast", KindIPaddr2, []string{"224.0.0.5"}, "not valid"},
		{"v6 for IPaddr", KindIPaddr, []string{"fd00::1"}, "not IPv4"},
		{"v4 for IPv6addr", KindIPv6addr, []string{"10.0.0.1"}, "not IPv6"},
		{"prefix 0", KindIPaddr, []string{"10.0.0.5/0"}, `netmask "0"`},
		{"prefix 33", KindIPaddr, []string{"10.0.0.5/33"}, "want 1..32"},
		{"prefix 129", KindIPv6addr, []string{"fd00::1/129"}, "want 1..128"},
		{"prefix sign", KindIPaddr, []string{"10.0.0.5/+8"}, "want 1..32"},
		{"holey netmask", KindIPaddr, []string{"10.0.0.5/255.0.255.0"}, "bogus netmask"},
		{"dotted v6 netmask", KindIPv6addr, []string{"fd00::1/255.0.0.0"}, "not a prefix length"},
		{"bad broadcast", KindIPaddr, []string{"10.0.0.5/24/eth0/10.0.0"}, "invalid broadcast"},
		{"v6 broadcast", KindIPaddr2, []string{"ip=fd00::1", "broadcast=+"}, "broadcast"},
		{"empty field", KindIPaddr, []string{"10.0.0.5//eth0"}, "empty field 2"},
		{"too many fields", KindIPaddr, []string{"10.0.0.5/24/eth0/10.0.0.255/x"}, "too many fields"},
		{"after broadcast", KindIPaddr, []string{"10.0.0.5/24/10.0.0.255/eth0"}, "after the broadcast"},
		{"IPv6addr four fields", KindIPv6addr, []string{"fd00::1/64/eth0/x"}, "IP/PREFIX/NIC"},
		{"unknown param", KindIPaddr2, []string{"ip=10.0.0.5", "color=red"}, `unsupported parameter "color"`},
		{"IPaddr has no iflabel", KindIPaddr, []string{"ip=10.0.0.5", "iflabel=x"}, "unsupported parameter"},
		{"twice", KindIPaddr2, []string{"ip=10.0.0.5", "ip=10.0.0.6"}, "given twice"},
		{"positional later", KindIPaddr2, []string{"ip=10.0.0.5", "10.0.0.6"}, "want name=value"},
		{"no ip", KindIPaddr2, []string{"nic=eth0"}, "needs an IP address"},
		{"label too long", KindIPaddr2, []string{"10.0.0.5/24/eth0:verylonglabel"}, "exceeds 15"},
		{"empty label", KindIPaddr2, []string{"10.0.0.5/24/eth0:"}, "empty label"},
		{"bad nic", KindIPaddr, []string{"ip=10.0.0.5", "nic=:x"}, "invalid interface"},
		{"v6 label", KindIPv6addr, []string{"fd00::1/64/eth0:1"}, "no labels"},
		{"arp count zero", KindIPaddr2, []string{"10.0.0.5", "arp_count=0"}, "positive integer"},
		{"arp interval text", KindIPaddr, []string{"10.0.0.5", "ARP_INTERVAL_MS=fast"}, "positive integer"},
		{"nodad", KindIPaddr2, []string{"fd00::1", "nodad=maybe"}, "not a boolean"},
		{"unknown kind", "IPaddr3", []string{"10.0.0.5"}, "unknown IP address agent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseArgs(tc.kind, tc.args)
			if err == nil {
				t.Fatalf("parseArgs(%q, %q) succeeded, want error containing %q", tc.kind, tc.args, tc.want)
			}
			if !errors.Is(err, ErrBadArgs) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parseArgs(%q, %q) = %v, want ErrBadArgs containing %q", tc.kind, tc.args, err, tc.want)
			}
		})
	}
}

func TestNewNamesResourceInErrors(t *testing.T) {
	_, err := New(KindIPaddr, []string{"10.0.0.300/24/eth0"}, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "IPaddr::10.0.0.300/24/eth0: ") || !errors.Is(err, ErrBadArgs) {
		t.Fatalf("New error = %v, want it prefixed with the haresources word and wrapping ErrBadArgs", err)
	}
}

func TestNewAnnouncementSettings(t *testing.T) {
	tests := []struct {
		name     string
		kind     string
		args     []string
		opts     Options
		repeat   int
		interval time.Duration
	}{
		{"IPaddr defaults", KindIPaddr, []string{"10.0.0.5"}, Options{}, 10, 500 * time.Millisecond},
		{"IPaddr2 defaults", KindIPaddr2, []string{"10.0.0.5"}, Options{}, 5, 200 * time.Millisecond},
		{"IPv6addr defaults", KindIPv6addr, []string{"fd00::5"}, Options{}, 5, 200 * time.Millisecond},
		{"options override", KindIPaddr, []string{"10.0.0.5"}, Options{ARPRepeat: 3, ARPInterval: time.Second}, 3, time.Second},
		{"args beat options", KindIPaddr2, []string{"10.0.0.5", "arp_count=7"}, Options{ARPRepeat: 3, ARPInterval: time.Second}, 7, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(tc.kind, tc.args, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if a.repeat != tc.repeat || a.interval != tc.interval {
				t.Errorf("repeat, interval = %d, %v; want %d, %v", a.repeat, a.interval, tc.repeat, tc.interval)
			}
			if want := tc.kind + "::" + strings.Join(tc.args, "::"); a.String() != want {
				t.Errorf("String() = %q, want %q", a.String(), want)
			}
		})
	}
}

func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{
		"10.0.0.5", "10.0.0.5/24", "10.0.0.5/24/eth0", "10.0.0.5/24/eth0/10.0.0.255", "10.0.0.5/24/10.0.0.255",
		"10.0.0.5/255.255.255.0/eth0:1", "fd00::1/64/eth0", "ip=10.0.0.5::nic=eth0::iflabel=x::arp_count=2",
		"10.250.0.100/24/eth0", "10.0.0.5/24::broadcast=+", "ipv6addr=fd00::1::cidr_netmask=64", "/", "::", "=",
	} {
		for _, kind := range []string{KindIPaddr, KindIPaddr2, KindIPv6addr} {
			f.Add(kind, s)
		}
	}
	f.Fuzz(func(t *testing.T, kind, s string) {
		c, err := parseArgs(kind, strings.Split(s, "::"))
		if err != nil {
			if !errors.Is(err, ErrBadArgs) {
				t.Fatalf("error %v does not wrap ErrBadArgs", err)
			}
			return
		}
		if !c.ip.IsValid() {
			t.Fatalf("accepted %q without a valid IP: %+v", s, c)
		}
		if c.prefix < 0 || c.prefix > c.ip.BitLen() {
			t.Fatalf("accepted %q with prefix %d", s, c.prefix)
		}
		if c.label != "" && c.nic != "" && len(c.nic)+1+len(c.label) > maxLabel {
			t.Fatalf("accepted %q with label %s:%s", s, c.nic, c.label)
		}
	})
}
