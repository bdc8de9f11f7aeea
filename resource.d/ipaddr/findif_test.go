package ipaddr

import (
	"net/netip"
	"testing"
)

func TestBestRoute(t *testing.T) {
	p := netip.MustParsePrefix
	a := netip.MustParseAddr
	routes := []route{
		{dst: p("10.0.0.0/8"), linkIndex: 2, scopeLink: true},
		{dst: p("10.1.0.0/16"), linkIndex: 3, scopeLink: true, src: a("10.1.0.1")},
		{dst: p("10.1.2.0/24"), linkIndex: 4, scopeLink: false}, // via a gateway
		{dst: p("0.0.0.0/0"), linkIndex: 5, scopeLink: true},
		{dst: p("192.168.0.0/24"), linkIndex: 6, scopeLink: true},
		{dst: p("192.168.0.0/24"), linkIndex: 7, scopeLink: true},
		{dst: p("fd00::/64"), linkIndex: 8},
	}
	tests := []struct {
		name      string
		ip        string
		prefix    int
		link      int
		wantLink  int
		wantFound bool
	}{
		{"longest prefix wins", "10.1.2.3", 0, 0, 3, true},
		{"gateway routes skipped", "10.1.2.3", 0, 0, 3, true},
		{"given prefix excludes longer routes", "10.1.2.3", 12, 0, 2, true},
		{"given link", "10.1.2.3", 0, 2, 2, true},
		{"tie goes to the last", "192.168.0.9", 0, 0, 7, true},
		{"default route never matches", "172.16.0.1", 0, 0, 0, false},
		{"link without route", "10.1.2.3", 0, 6, 0, false},
		{"IPv6 needs no scope", "fd00::9", 0, 0, 8, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := bestRoute(routes, a(tc.ip), tc.prefix, tc.link)
			if ok != tc.wantFound || (ok && r.linkIndex != tc.wantLink) {
				t.Errorf("bestRoute(%s, /%d, link %d) = link %d, %v; want link %d, %v",
					tc.ip, tc.prefix, tc.link, r.linkIndex, ok, tc.wantLink, tc.wantFound)
			}
		})
	}
}

func TestBroadcastOf(t *testing.T) {
	tests := []struct {
		ip     string
		prefix int
		want   string
	}{
		{"10.0.0.5", 24, "10.0.0.255"},
		{"10.0.0.5", 8, "10.255.255.255"},
		{"192.168.7.130", 25, "192.168.7.255"},
		{"192.168.7.3", 30, "192.168.7.3"},
		{"172.16.1.1", 1, "255.255.255.255"},
	}
	for _, tc := range tests {
		if got := broadcastOf(netip.MustParseAddr(tc.ip), tc.prefix); got.String() != tc.want {
			t.Errorf("broadcastOf(%s/%d) = %s, want %s", tc.ip, tc.prefix, got, tc.want)
		}
	}
}
