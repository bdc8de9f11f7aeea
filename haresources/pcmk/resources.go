package pcmk

import (
	"path"
	"strings"
)

// Monitor operations per agent (intervals and timeouts from the agents'
// metadata, crm_resource --show-metadata, migration spec §3.1).
var (
	monIP       = Op{Name: "monitor", Interval: "10s", Timeout: "20s"}
	monFS       = Op{Name: "monitor", Interval: "20s", Timeout: "40s"}
	monLdir     = Op{Name: "monitor", Interval: "20s", Timeout: "10s"}
	monOCF      = Op{Name: "monitor", Interval: "10s", Timeout: "20s"}
	monService  = Op{Name: "monitor", Interval: "30s", Timeout: "30s"}
	monPing     = Op{Name: "monitor", Interval: "10s", Timeout: "60s"}
	monStonith  = Op{Name: "monitor", Interval: "60s", Timeout: "20s"}
	monPromoted = Op{Name: "monitor", Interval: "29s", Timeout: "20s", Role: "Promoted"}
	// The two role monitors must differ in interval (a Pacemaker rule).
	monUnpromoted = Op{Name: "monitor", Interval: "31s", Timeout: "20s", Role: "Unpromoted"}
)

// positional lists, for heartbeat wrappers in resource.d that only forward
// their `::` arguments, the OCF parameter each position becomes (read from
// the OCF_RESKEY_* exports of /etc/ha.d/resource.d/NAME in heartbeat 3.0.6).
var positional = map[string][]string{
	"apache":    {"configfile"},
	"MailTo":    {"email", "subject"},
	"IPsrcaddr": {"ipaddress"},
	"LVM":       {"volgrpname"},
	"Raid1":     {"raidconf", "raiddev"},
	"portblock": {"protocol", "portno", "action"},
	"Xinetd":    {"service"},
	"Delay":     {"startdelay", "stopdelay"},
}

// member is what one haresources token becomes.
type member struct {
	prim *Primitive // the group member, nil when none
	drbd *Clone     // a promotable clone the group depends on
}

// group maps one haresources line.
func (x *exporter) group(g ResourceGroup) {
	var prims []Primitive
	var drbds []Clone
	for _, r := range g.Resources {
		m := x.resource(g.Pos, r)
		if m.prim != nil {
			prims = append(prims, *m.prim)
		}
		if m.drbd != nil {
			drbds = append(drbds, *m.drbd)
		}
	}
	cib := &x.res.CIB
	cib.Clones = append(cib.Clones, drbds...)
	var rsc string
	switch len(prims) {
	case 0:
		if len(drbds) > 0 {
			x.note("%s: the line holds only DRBD; no preferred-node location was exported for %s", g.Pos, drbds[0].ID)
		}
		return
	case 1:
		rsc = prims[0].ID
		cib.Primitives = append(cib.Primitives, prims[0])
	default:
		rsc = x.id("grp-" + prims[0].ID)
		cib.Groups = append(cib.Groups, Group{ID: rsc, Members: prims})
	}
	for _, d := range drbds {
		cib.Colocations = append(cib.Colocations, Colocation{
			ID: x.id(rsc + "-with-" + d.ID), Rsc: rsc, With: d.ID, WithRole: "Promoted", Score: "INFINITY"})
		cib.Orders = append(cib.Orders, Order{
			ID: x.id(d.ID + "-before-" + rsc), First: d.ID, FirstAction: "promote", Then: rsc, ThenAction: "start", Kind: "Mandatory"})
	}
	if len(drbds) > 0 && g.Resources[0].Name != "drbddisk" {
		x.note("%s: %s now starts after the DRBD promotion, including the resources left of drbddisk (a harmless ordering change)", g.Pos, rsc)
	}
	cib.Locations = append(cib.Locations, Location{ID: x.id(rsc + "-prefers-" + g.Node), Rsc: rsc, Node: g.Node, Score: locationScore})
}

// resource maps one haresources token.
func (x *exporter) resource(pos Pos, r Resource) member {
	word := r.Name
	if len(r.Args) > 0 {
		word += "::" + strings.Join(r.Args, "::")
	}
	ocf := func(id, typ string, params []NV, op Op) member {
		return member{prim: &Primitive{ID: x.id(id), Class: "ocf", Provider: "heartbeat", Type: typ, Params: params, Ops: []Op{op}}}
	}
	switch r.Name {
	case "IPaddr", "IPaddr2":
		if len(r.Args) != 1 {
			x.needsHuman(pos, "%s: expected one argument IP[/BITS[/NIC[/BROADCAST]]]", word)
			return member{}
		}
		params := ipParams(r.Args[0])
		if r.Name == "IPaddr2" {
			// heartbeat's IPaddr2 wrapper always exported OCF_RESKEY_lvs_support=1.
			params = append(params, NV{"lvs_support", "true"})
		}
		return ocf("ip-"+params[0].Value, "IPaddr2", params, monIP)
	case "Filesystem":
		if len(r.Args) < 3 || len(r.Args) > 4 {
			x.needsHuman(pos, "%s: ocf:heartbeat:Filesystem needs DEVICE::DIRECTORY::FSTYPE[::OPTIONS] (fstype is required)", word)
			return member{}
		}
		params := []NV{{"device", r.Args[0]}, {"directory", r.Args[1]}, {"fstype", r.Args[2]}}
		if len(r.Args) == 4 {
			params = append(params, NV{"options", r.Args[3]})
		}
		return ocf("fs-"+r.Args[1], "Filesystem", params, monFS)
	case "drbddisk":
		if len(r.Args) != 1 {
			x.needsHuman(pos, "%s: bare drbddisk means every DRBD resource; name each one (drbddisk::RES)", word)
			return member{}
		}
		child := Primitive{ID: x.id("drbd-" + r.Args[0]), Class: "ocf", Provider: "linbit", Type: "drbd",
			Params: []NV{{"drbd_resource", r.Args[0]}}, Ops: []Op{monPromoted, monUnpromoted}}
		return member{drbd: &Clone{ID: x.id("ms-" + child.ID), Promotable: true, Child: child, Meta: []NV{
			{"promoted-max", "1"}, {"promoted-node-max", "1"}, {"clone-max", "2"}, {"clone-node-max", "1"}, {"notify", "true"}}}}
	case "ldirectord":
		if len(r.Args) > 1 {
			x.needsHuman(pos, "%s: ldirectord takes at most one configuration file", word)
			return member{}
		}
		cfg := "ldirectord.cf"
		if len(r.Args) == 1 {
			cfg = r.Args[0]
		}
		id := "ldirectord"
		if base := strings.TrimSuffix(path.Base(cfg), ".cf"); base != "ldirectord" {
			id += "-" + base
		}
		return ocf(id, "ldirectord", []NV{{"configfile", x.ldirectordConfig(cfg)}}, monLdir)
	}
	if names, ok := positional[r.Name]; ok {
		if len(r.Args) > len(names) {
			x.needsHuman(pos, "%s: %s takes at most %d arguments", word, r.Name, len(names))
			return member{}
		}
		var params []NV
		for i, a := range r.Args {
			params = append(params, NV{names[i], a})
		}
		id := strings.ToLower(r.Name)
		if len(r.Args) > 0 {
			id += "-" + r.Args[0]
		}
		return ocf(id, r.Name, params, monOCF)
	}
	return x.script(pos, word, r)
}

// script maps a token that names a script: a resource.d script with no OCF
// twin gets a generated wrapper, an init script becomes lsb:, a unit systemd:.
func (x *exporter) script(pos Pos, word string, r Resource) member {
	if fileExists(path.Join(x.host.HADir, "resource.d", r.Name)) {
		if _, bundled := heartbeatWrappers[r.Name]; bundled {
			x.needsHuman(pos, "%s: heartbeat's %s wrapper has no automatic mapping; configure the matching OCF agent by hand", word, r.Name)
			return member{}
		}
		w := x.wrapper(r.Name)
		id := strings.Join(append([]string{r.Name}, r.Args...), "-")
		var params []NV
		if len(r.Args) > 0 {
			params = []NV{{"args", strings.Join(r.Args, " ")}}
		}
		return member{prim: &Primitive{ID: x.id(id), Class: "ocf", Provider: WrapperProvider, Type: w.Name, Params: params, Ops: []Op{monService}}}
	}
	class := ""
	switch {
	case fileExists(x.rootPath("/etc/init.d/" + r.Name)):
		class = "lsb"
	case fileExists(x.rootPath("/etc/systemd/system/"+r.Name+".service")) || fileExists(x.rootPath("/lib/systemd/system/"+r.Name+".service")) || fileExists(x.rootPath("/usr/lib/systemd/system/"+r.Name+".service")):
		class = "systemd"
	default:
		x.needsHuman(pos, "%s: no script %s in resource.d, /etc/init.d or a systemd unit", word, r.Name)
		return member{}
	}
	if len(r.Args) > 0 {
		x.needsHuman(pos, "%s: %s:%s agents take no arguments", word, class, r.Name)
		return member{}
	}
	return member{prim: &Primitive{ID: x.id(r.Name), Class: class, Type: r.Name, Ops: []Op{monService}}}
}

// heartbeatWrappers are the resource.d scripts heartbeat 3.0.6 ships that the
// table above does not map (their arguments need more than a positional
// rename, or they have no OCF twin worth guessing).
var heartbeatWrappers = map[string]bool{
	"AudibleAlarm": true, "ICP": true, "IPv6addr": true, "LinuxSCSI": true, "OCF": true,
	"SendArp": true, "ServeRAID": true, "WAS": true, "WinPopup": true, "db2": true,
	"drbdupper": true, "ids": true, "hto-mapfuncs": true,
}

// ipParams splits IP[/BITS[/NIC[/BROADCAST]]] as heartbeat's IPaddr and
// IPaddr2 wrappers do: a third field starting with a digit is the
// broadcast address, not the interface.
func ipParams(arg string) []NV {
	f := strings.Split(arg, "/")
	params := []NV{{"ip", f[0]}}
	if len(f) > 1 && f[1] != "" {
		params = append(params, NV{"cidr_netmask", f[1]})
	}
	if len(f) > 2 && f[2] != "" {
		if f[2][0] >= '0' && f[2][0] <= '9' {
			return append(params, NV{"broadcast", f[2]})
		}
		params = append(params, NV{"nic", f[2]})
		if len(f) > 3 && f[3] != "" {
			params = append(params, NV{"broadcast", f[3]})
		}
	}
	return params
}

// ldirectordConfig resolves ldirectord's configuration argument the way
// ldirectord does: absolute as given, else /etc/ha.d/NAME or
// /etc/ha.d/conf/NAME. The result is the path on the cluster nodes.
func (x *exporter) ldirectordConfig(cfg string) string {
	if path.IsAbs(cfg) {
		return cfg
	}
	if !fileExists(path.Join(x.host.HADir, cfg)) && fileExists(path.Join(x.host.HADir, "conf", cfg)) {
		return "/etc/ha.d/conf/" + cfg
	}
	return "/etc/ha.d/" + cfg
}
