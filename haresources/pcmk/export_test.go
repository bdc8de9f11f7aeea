package pcmk

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// counter is a deterministic entropy source for the corosync key.
type counter struct{ n byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

// fakeHost builds a root with /etc/init.d/SCRIPTS and an HA dir whose
// resource.d holds RDSCRIPTS.
func fakeHost(t *testing.T, initd []string, resourced []string) Host {
	t.Helper()
	root, ha := t.TempDir(), t.TempDir()
	for _, s := range initd {
		write(t, filepath.Join(root, "etc/init.d", s), "#!/bin/sh\n")
	}
	for _, s := range resourced {
		write(t, filepath.Join(ha, "resource.d", s), "#!/bin/sh\n")
	}
	return Host{Root: root, HADir: ha, Rand: &counter{}}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o755); err != nil {
		t.Fatal(err)
	}
}

func line(node string, words ...string) ResourceGroup {
	g := ResourceGroup{Pos: Pos{"haresources", 1}, Node: node}
	for _, w := range words {
		f := strings.Split(w, "::")
		g.Resources = append(g.Resources, Resource{Name: f[0], Args: f[1:]})
	}
	return g
}

func twoNodes(groups ...ResourceGroup) *Source {
	return &Source{Nodes: []string{"alpha", "beta"}, AutoFailback: "on", AuthMethod: "sha1",
		Media: []Medium{{Kind: "ucast", Iface: "eth0", Addr: "10.0.0.2"}}, Groups: groups}
}

func export(t *testing.T, src *Source, host Host) *Result {
	t.Helper()
	res, err := Export(context.Background(), src, host, Options{Addrs: map[string][]string{"alpha": {"10.0.0.1"}}})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	return res
}

func find(t *testing.T, cib *CIB, typ string) Primitive {
	t.Helper()
	var all []Primitive
	all = append(all, cib.Primitives...)
	for _, g := range cib.Groups {
		all = append(all, g.Members...)
	}
	for _, c := range cib.Clones {
		all = append(all, c.Child)
	}
	for _, p := range all {
		if p.Type == typ {
			return p
		}
	}
	t.Fatalf("no primitive of type %s in %+v", typ, cib)
	return Primitive{}
}

// Bug 1 of haresources2cib: nic and cidr_netmask swapped. Heartbeat's own
// wrapper decides: IP/BITS/NIC/BCAST, and a numeric third field is the
// broadcast (migration spec M-02, M-03).
func TestHaresources2cibBug1NicNetmaskNotSwapped(t *testing.T) {
	for _, tc := range []struct {
		word string
		want []NV
	}{
		{"IPaddr::10.0.0.5/24/eth0/10.0.0.255", []NV{{"ip", "10.0.0.5"}, {"cidr_netmask", "24"}, {"nic", "eth0"}, {"broadcast", "10.0.0.255"}}},
		{"IPaddr::10.0.0.5/24/10.0.0.255", []NV{{"ip", "10.0.0.5"}, {"cidr_netmask", "24"}, {"broadcast", "10.0.0.255"}}},
		{"IPaddr::10.0.0.5", []NV{{"ip", "10.0.0.5"}}},
		{"IPaddr::10.0.0.5/24/eth0", []NV{{"ip", "10.0.0.5"}, {"cidr_netmask", "24"}, {"nic", "eth0"}}},
		{"IPaddr2::10.0.0.6/24/eth0:web", []NV{{"ip", "10.0.0.6"}, {"cidr_netmask", "24"}, {"nic", "eth0:web"}, {"lvs_support", "true"}}},
	} {
		t.Run(tc.word, func(t *testing.T) {
			res := export(t, twoNodes(line("alpha", tc.word)), fakeHost(t, nil, nil))
			p := find(t, &res.CIB, "IPaddr2")
			if p.Agent() != "ocf:heartbeat:IPaddr2" || !slices.Equal(p.Params, tc.want) {
				t.Errorf("got %s %v, want ocf:heartbeat:IPaddr2 %v", p.Agent(), p.Params, tc.want)
			}
		})
	}
}

// Bug 2: drbddisk became class="heartbeat"; bug 7: its ordering and
// colocation had to be written by hand (M-06).
func TestHaresources2cibBug2And7DrbdPromotableCloneWithConstraints(t *testing.T) {
	res := export(t, twoNodes(line("alpha", "IPaddr::10.0.0.5/24/eth0", "drbddisk::r0", "Filesystem::/dev/drbd0::/data::ext4")), fakeHost(t, nil, nil))
	cib := res.CIB
	if len(cib.Clones) != 1 || !cib.Clones[0].Promotable || cib.Clones[0].Child.Agent() != "ocf:linbit:drbd" {
		t.Fatalf("clones = %+v, want one promotable ocf:linbit:drbd", cib.Clones)
	}
	ms := cib.Clones[0].ID
	if len(cib.Groups) != 1 || len(cib.Groups[0].Members) != 2 {
		t.Fatalf("groups = %+v, want one group of IP and Filesystem (drbd outside)", cib.Groups)
	}
	g := cib.Groups[0].ID
	wantCo := Colocation{ID: cib.Colocations[0].ID, Rsc: g, With: ms, WithRole: "Promoted", Score: "INFINITY"}
	wantOrd := Order{ID: cib.Orders[0].ID, First: ms, FirstAction: "promote", Then: g, ThenAction: "start", Kind: "Mandatory"}
	if len(cib.Colocations) != 1 || cib.Colocations[0] != wantCo || len(cib.Orders) != 1 || cib.Orders[0] != wantOrd {
		t.Errorf("constraints %+v %+v, want %+v %+v", cib.Colocations, cib.Orders, wantCo, wantOrd)
	}
	if roles := []string{cib.Clones[0].Child.Ops[0].Role, cib.Clones[0].Child.Ops[1].Role}; !slices.Equal(roles, []string{"Promoted", "Unpromoted"}) ||
		cib.Clones[0].Child.Ops[0].Interval == cib.Clones[0].Child.Ops[1].Interval {
		t.Errorf("drbd monitors %+v: want Promoted and Unpromoted with different intervals", cib.Clones[0].Child.Ops)
	}
	if bytes.Contains(res.CIB.XML(), []byte(`class="heartbeat"`)) {
		t.Error("CIB contains class=\"heartbeat\"")
	}
}

// Bug 3: httpd became class="UNKNOWN" when no init script existed (M-09).
func TestHaresources2cibBug3NoUnknownClass(t *testing.T) {
	res := export(t, twoNodes(line("alpha", "IPaddr::10.0.0.5", "httpd")), fakeHost(t, []string{"httpd"}, nil))
	if p := find(t, &res.CIB, "httpd"); p.Agent() != "lsb:httpd" {
		t.Errorf("httpd with an init script: %s, want lsb:httpd", p.Agent())
	}
	host := fakeHost(t, nil, nil)
	write(t, filepath.Join(host.Root, "lib/systemd/system/httpd.service"), "[Service]\n")
	if p := find(t, &export(t, twoNodes(line("alpha", "IPaddr::10.0.0.5", "httpd")), host).CIB, "httpd"); p.Agent() != "systemd:httpd" {
		t.Errorf("httpd with a unit only: %s, want systemd:httpd", p.Agent())
	}
	res, err := Export(context.Background(), twoNodes(line("alpha", "IPaddr::10.0.0.5", "httpd")), fakeHost(t, nil, nil), Options{})
	var pe *PosError
	if !errors.Is(err, ErrTODO) || !errors.As(err, &pe) || pe.Pos.Line != 1 || !strings.Contains(pe.Msg, "httpd") {
		t.Fatalf("missing httpd: err = %v, want ErrTODO naming haresources:1 and httpd", err)
	}
	if x := res.CIB.XML(); bytes.Contains(x, []byte("UNKNOWN")) || bytes.Contains(x, []byte(`type="httpd"`)) {
		t.Errorf("missing httpd still exported:\n%s", x)
	}
}

// Bug 4: auto_failback was ignored (always fail back). Stickiness must beat
// the location score exactly when auto_failback is off (M-10, M-11).
func TestHaresources2cibBug4AutoFailbackHonoured(t *testing.T) {
	for _, tc := range []struct {
		mode   string
		sticky bool
		warn   bool
	}{{"on", false, false}, {"off", true, false}, {"legacy", false, true}} {
		t.Run(tc.mode, func(t *testing.T) {
			src := twoNodes(line("alpha", "IPaddr::10.0.0.5"))
			src.AutoFailback = tc.mode
			res := export(t, src, fakeHost(t, nil, nil))
			stick := res.CIB.RscDefaults[0]
			sv, err1 := strconv.Atoi(stick.Value)
			lv, err2 := strconv.Atoi(locationScore)
			if stick.Name != "resource-stickiness" || err1 != nil || err2 != nil || (sv > lv) != tc.sticky {
				t.Errorf("rsc_defaults %v with location %s: sticky=%v, want %v", stick, locationScore, !tc.sticky, tc.sticky)
			}
			warned := slices.ContainsFunc(res.Report.Warnings, func(s string) bool { return strings.Contains(s, "legacy") })
			if warned != tc.warn {
				t.Errorf("legacy warning = %v, want %v (%q)", warned, tc.warn, res.Report.Warnings)
			}
		})
	}
}

// Bug 5: pre-1.0 XML without validate-with (validation silently off). The
// CIB must be well formed, name its schema and carry no crm_feature_set
// (M-13).
func TestHaresources2cibBug5ValidateWithSet(t *testing.T) {
	res := export(t, twoNodes(line("alpha", "IPaddr::10.0.0.5", "drbddisk::r0")), fakeHost(t, nil, nil))
	var doc struct {
		ValidateWith string     `xml:"validate-with,attr"`
		FeatureSet   string     `xml:"crm_feature_set,attr"`
		Attributes   []struct{} `xml:"configuration>resources>primitive>attributes"`
	}
	if err := xml.Unmarshal(res.CIB.XML(), &doc); err != nil {
		t.Fatalf("CIB is not well formed: %v", err)
	}
	if doc.ValidateWith != ValidateWith || doc.FeatureSet != "" || len(doc.Attributes) > 0 {
		t.Errorf("validate-with=%q crm_feature_set=%q attributes=%d", doc.ValidateWith, doc.FeatureSet, len(doc.Attributes))
	}
}

// Bug 6: provider="heartbeat" on every primitive, invalid for lsb.
func TestHaresources2cibBug6NoProviderOnLsb(t *testing.T) {
	res := export(t, twoNodes(line("alpha", "IPaddr::10.0.0.5", "httpd")), fakeHost(t, []string{"httpd"}, nil))
	var doc struct {
		Prims []struct {
			Class    string  `xml:"class,attr"`
			Provider *string `xml:"provider,attr"`
		} `xml:"configuration>resources>group>primitive"`
	}
	if err := xml.Unmarshal(res.CIB.XML(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range doc.Prims {
		if (p.Provider != nil) != (p.Class == "ocf") {
			t.Errorf("class %s has provider %v", p.Class, p.Provider)
		}
	}
	if len(doc.Prims) != 2 {
		t.Fatalf("%d primitives, want 2", len(doc.Prims))
	}
}

func TestResourceErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ word, want string }{
		{"Filesystem::/dev/sdb1::/data", "fstype is required"},
		{"drbddisk", "bare drbddisk"},
		{"IPaddr", "expected one argument"},
		{"SendArp::10.0.0.1/eth0", "no automatic mapping"},
		{"nosuch", "no script nosuch"},
	} {
		t.Run(tc.word, func(t *testing.T) {
			g := line("alpha", tc.word)
			g.Pos.Line = 7
			_, err := Export(context.Background(), twoNodes(g), fakeHost(t, nil, []string{"SendArp"}), Options{})
			if err == nil || !strings.Contains(err.Error(), "haresources:7: "+tc.word+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want haresources:7: %s: …%s", err, tc.word, tc.want)
			}
			_, err = Export(context.Background(), twoNodes(g), fakeHost(t, nil, []string{"SendArp"}), Options{AllowTODO: true})
			if err != nil {
				t.Errorf("AllowTODO: %v", err)
			}
		})
	}
}

func TestResourceMapping(t *testing.T) {
	host := fakeHost(t, nil, []string{"spectest"})
	write(t, filepath.Join(host.HADir, "conf/lvs.cf"), "")
	for _, tc := range []struct {
		word, agent string
		params      []NV
	}{
		{"Filesystem::/dev/drbd0::/data::ext4::noatime", "ocf:heartbeat:Filesystem", []NV{{"device", "/dev/drbd0"}, {"directory", "/data"}, {"fstype", "ext4"}, {"options", "noatime"}}},
		{"ldirectord::ldirectord.cf", "ocf:heartbeat:ldirectord", []NV{{"configfile", "/etc/ha.d/ldirectord.cf"}}},
		{"ldirectord::lvs.cf", "ocf:heartbeat:ldirectord", []NV{{"configfile", "/etc/ha.d/conf/lvs.cf"}}},
		{"ldirectord", "ocf:heartbeat:ldirectord", []NV{{"configfile", "/etc/ha.d/ldirectord.cf"}}},
		{"MailTo::root@example.com::failover", "ocf:heartbeat:MailTo", []NV{{"email", "root@example.com"}, {"subject", "failover"}}},
		{"portblock::tcp::80::block", "ocf:heartbeat:portblock", []NV{{"protocol", "tcp"}, {"portno", "80"}, {"action", "block"}}},
		{"spectest::a::b", "ocf:hbgo:spectest", []NV{{"args", "a b"}}},
	} {
		t.Run(tc.word, func(t *testing.T) {
			res := export(t, twoNodes(line("alpha", "IPaddr::10.0.0.9", tc.word)), host)
			p := res.CIB.Groups[0].Members[1]
			if p.Agent() != tc.agent || !slices.Equal(p.Params, tc.params) || len(p.Ops) == 0 || p.Ops[0].Name != "monitor" {
				t.Errorf("got %s %v %v, want %s %v with a monitor", p.Agent(), p.Params, p.Ops, tc.agent, tc.params)
			}
		})
	}
}

func TestGroupsLocationsAndIDs(t *testing.T) {
	src := twoNodes(line("alpha", "IPaddr::10.0.0.5", "IPaddr::10.0.0.6/24", "MailTo::a"), line("beta", "IPaddr::10.0.0.5"))
	res := export(t, src, fakeHost(t, nil, nil))
	cib := res.CIB
	if len(cib.Groups) != 1 || len(cib.Primitives) != 1 {
		t.Fatalf("groups %d primitives %d, want a group for the 3-resource line and a bare primitive", len(cib.Groups), len(cib.Primitives))
	}
	var members []string
	for _, m := range cib.Groups[0].Members {
		members = append(members, m.ID)
	}
	if !slices.Equal(members, []string{"ip-10.0.0.5", "ip-10.0.0.6", "mailto-a"}) {
		t.Errorf("members %v: want haresources order", members)
	}
	if cib.Primitives[0].ID != "ip-10.0.0.5-2" {
		t.Errorf("duplicate id not made unique: %s", cib.Primitives[0].ID)
	}
	want := []Location{
		{ID: "grp-ip-10.0.0.5-prefers-alpha", Rsc: "grp-ip-10.0.0.5", Node: "alpha", Score: locationScore},
		{ID: "ip-10.0.0.5-2-prefers-beta", Rsc: "ip-10.0.0.5-2", Node: "beta", Score: locationScore},
	}
	if !slices.Equal(cib.Locations, want) {
		t.Errorf("locations %+v, want %+v", cib.Locations, want)
	}
}

func TestFencing(t *testing.T) {
	params := func(typ string) ([]string, error) {
		if typ != "external/ipmi" {
			return nil, errors.New("unknown plugin")
		}
		return []string{"hostname", "ipaddr", "userid", "passwd", "interface"}, nil
	}
	src := twoNodes(line("alpha", "IPaddr::10.0.0.5"))
	host := fakeHost(t, nil, nil)
	host.StonithParams = params
	res := export(t, src, host)
	if !slices.Contains(res.CIB.Properties, NV{"stonith-enabled", "false"}) || !strings.Contains(strings.Join(res.Report.Warnings, ""), "NO FENCING") {
		t.Errorf("without stonith: %v %q, want stonith-enabled=false and a loud warning", res.CIB.Properties, res.Report.Warnings)
	}
	src.Stonith = []StonithHost{{Pos: Pos{"ha.cf", 3}, From: "alpha", Type: "external/ipmi", Args: []string{"beta", "10.0.0.9", "admin", "pw", "lan"}}}
	res = export(t, src, host)
	p := find(t, &res.CIB, "external/ipmi")
	if p.Class != "stonith" || p.Params[0] != (NV{"hostname", "beta"}) || !slices.Contains(res.CIB.Properties, NV{"stonith-enabled", "true"}) {
		t.Errorf("stonith primitive %+v props %v", p, res.CIB.Properties)
	}
	if !slices.Contains(res.CIB.Locations, Location{ID: p.ID + "-not-on-beta", Rsc: p.ID, Node: "beta", Score: "-INFINITY"}) {
		t.Errorf("stonith_host alpha: no -INFINITY location on beta in %+v", res.CIB.Locations)
	}
	src.Stonith[0].Args = src.Stonith[0].Args[:2]
	if _, err := Export(context.Background(), src, host, Options{Addrs: map[string][]string{"alpha": {"10.0.0.1"}}}); err == nil || !strings.Contains(err.Error(), "ha.cf:3: ") {
		t.Errorf("short stonith_host: err = %v, want ha.cf:3", err)
	}
}

func TestPing(t *testing.T) {
	src := twoNodes(line("alpha", "IPaddr::10.0.0.5"))
	src.PingNodes = []string{"10.0.0.254", "10.0.0.253"}
	res := export(t, src, fakeHost(t, nil, nil))
	if len(res.CIB.Clones) != 1 || res.CIB.Clones[0].Child.Agent() != "ocf:pacemaker:ping" || res.CIB.Clones[0].Child.Params[0].Value != "10.0.0.254 10.0.0.253" {
		t.Fatalf("clones %+v", res.CIB.Clones)
	}
	if len(res.CIB.Rules) != 0 {
		t.Errorf("rules without ipfail: %+v", res.CIB.Rules)
	}
	src.Ipfail = true
	res = export(t, src, fakeHost(t, nil, nil))
	if len(res.CIB.Rules) != 1 || res.CIB.Rules[0].Rsc != "ip-10.0.0.5" {
		t.Errorf("rules with ipfail: %+v", res.CIB.Rules)
	}
}

func TestCorosync(t *testing.T) {
	for _, tc := range []struct {
		name  string
		media []Medium
		want  []string
		not   []string
		key   bool
	}{
		{"ucast", []Medium{{Kind: "ucast", Iface: "eth0", Addr: "10.0.0.2"}},
			[]string{"transport: knet", "crypto_cipher: aes256", "ring0_addr: 10.0.0.1", "ring0_addr: 10.0.0.2", "two_node: 1", "token: 250", "token_warning: 40"}, []string{"link_mode"}, true},
		{"mcast", []Medium{{Kind: "mcast", Iface: "eth0", Addr: "239.0.0.43", Port: 694, TTL: 1}},
			[]string{"transport: udp", "mcastaddr: 239.0.0.43", "mcastport: 694", "ttl: 1", "ring0_addr: beta"}, []string{"crypto", "broadcast"}, false},
		{"bcast", []Medium{{Kind: "bcast", Iface: "eth1"}, {Kind: "serial", Iface: "/dev/ttyS0"}},
			[]string{"transport: udp", "broadcast: yes"}, []string{"crypto", "mcastaddr"}, false},
		{"two links", []Medium{{Kind: "ucast", Iface: "eth0", Addr: "10.0.0.2"}, {Kind: "ucast", Iface: "eth1", Addr: "10.1.0.2"}},
			[]string{"link_mode: passive", "ring1_addr: 10.1.0.2", "ring1_addr: 10.1.0.1"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := twoNodes()
			src.Media, src.Deadtime, src.Warntime = tc.media, 250*time.Millisecond, 100*time.Millisecond
			host := fakeHost(t, nil, nil)
			host.Hostname = "alpha"
			host.LocalAddrs = func(ifc string) []netip.Addr {
				return map[string][]netip.Addr{"eth0": {netip.MustParseAddr("10.0.0.1")}, "eth1": {netip.MustParseAddr("10.1.0.1")}}[ifc]
			}
			res, err := Export(context.Background(), src, host, Options{})
			if err != nil {
				t.Fatal(err)
			}
			conf := res.Corosync.Render()
			for _, w := range tc.want {
				if !strings.Contains(conf, w+"\n") {
					t.Errorf("missing %q in\n%s", w, conf)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(conf, w) {
					t.Errorf("unexpected %q in\n%s", w, conf)
				}
			}
			if (res.AuthKey != nil) != tc.key || tc.key && len(res.AuthKey) < 128 {
				t.Errorf("authkey %d bytes, want key=%v of >= 128 bytes", len(res.AuthKey), tc.key)
			}
		})
	}
}
