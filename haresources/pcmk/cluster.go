package pcmk

import (
	"fmt"
	"strings"
)

// fencing maps stonith_host lines to stonith primitives and decides
// stonith-enabled.
func (x *exporter) fencing() {
	cib := &x.res.CIB
	for _, s := range x.src.Stonith {
		prim, ok := x.stonithPrimitive(s)
		if !ok {
			continue
		}
		cib.Primitives = append(cib.Primitives, prim)
		if s.From != "*" {
			// stonith_host NODE: only NODE may run the device.
			for _, n := range x.src.Nodes {
				if n != s.From {
					cib.Locations = append(cib.Locations, Location{ID: x.id(prim.ID + "-not-on-" + n), Rsc: prim.ID, Node: n, Score: "-INFINITY"})
				}
			}
		}
		x.note("%s: review fencing device %s (cluster-glue plugin stonith:%s); fence-agents (stonith:fence_*) are the maintained equivalents", s.Pos, prim.ID, s.Type)
	}
	for _, d := range x.src.StonithCfg {
		x.needsHuman(d.Pos, "stonith %s: plugin configuration files cannot be converted; create the stonith primitive by hand", d.Value)
	}
	enabled := "true"
	if !hasStonith(cib) {
		enabled = "false"
		x.warn("NO FENCING: the heartbeat configuration has no usable stonith_host line, so stonith-enabled=false. " +
			"A cluster with shared data (DRBD, shared disks) needs fencing under Pacemaker: configure a fence device before production use")
	}
	cib.Properties = append(cib.Properties, NV{"stonith-enabled", enabled})
}

func hasStonith(cib *CIB) bool {
	for _, p := range cib.Primitives {
		if p.Class == "stonith" {
			return true
		}
	}
	return false
}

// stonithPrimitive names the positional stonith_host arguments with the
// plugin's parameter list; Pacemaker runs cluster-glue plugins as
// stonith:TYPE.
func (x *exporter) stonithPrimitive(s StonithHost) (Primitive, bool) {
	if x.host.StonithParams == nil {
		x.needsHuman(s.Pos, "stonith_host %s: cannot list the parameters of plugin %s (cluster-glue's stonith command is missing)", s.From, s.Type)
		return Primitive{}, false
	}
	names, err := x.host.StonithParams(s.Type)
	if err != nil {
		x.needsHuman(s.Pos, "stonith_host %s: plugin %s: %v", s.From, s.Type, err)
		return Primitive{}, false
	}
	if len(names) != len(s.Args) {
		x.needsHuman(s.Pos, "stonith_host %s: plugin %s takes %d parameters (%s), the line has %d", s.From, s.Type, len(names), strings.Join(names, " "), len(s.Args))
		return Primitive{}, false
	}
	params := make([]NV, len(names))
	for i, n := range names {
		params[i] = NV{n, s.Args[i]}
	}
	return Primitive{ID: x.id("fence-" + s.Type), Class: "stonith", Type: s.Type, Params: params, Ops: []Op{monStonith}}, true
}

// ping maps ping nodes to a clone of ocf:pacemaker:ping; with ipfail every
// group also gets a rule that keeps it off nodes without connectivity.
func (x *exporter) ping() {
	if len(x.src.PingNodes) == 0 {
		return
	}
	cib := &x.res.CIB
	prim := Primitive{ID: x.id("ping"), Class: "ocf", Provider: "pacemaker", Type: "ping",
		Params: []NV{{"host_list", strings.Join(x.src.PingNodes, " ")}}, Ops: []Op{monPing}}
	cib.Clones = append(cib.Clones, Clone{ID: x.id("ping-clone"), Child: prim})
	if !x.src.Ipfail {
		x.note("ping nodes are exported as %s, but without ipfail heartbeat did not move resources on lost connectivity, so no location rules were added", prim.ID)
		return
	}
	for _, rsc := range x.topLevel() {
		cib.Rules = append(cib.Rules, ConnectivityRule{ID: x.id(rsc + "-connected"), Rsc: rsc, Attribute: "pingd"})
	}
}

// topLevel lists the ids of the resources exported from haresources lines.
func (x *exporter) topLevel() []string {
	var ids []string
	for _, l := range x.res.CIB.Locations {
		if l.Score == locationScore {
			ids = append(ids, l.Rsc)
		}
	}
	return ids
}

func (x *exporter) report() {
	r := &x.res.Report
	for _, d := range x.src.Unmapped {
		r.Dropped = append(r.Dropped, Item{d.Pos, fmt.Sprintf("%s %s: %s", d.Name, d.Value, unmappedWhy(d.Name))})
	}
	x.note("Pacemaker monitors every resource (heartbeat v1 never did): a failed monitor restarts the resource or moves its group")
}

// unmappedWhy explains why an ha.cf directive is not carried over.
func unmappedWhy(name string) string {
	switch name {
	case "keepalive":
		return "Corosync's token rotation is continuous; there is no heartbeat interval"
	case "initdead":
		return "two_node: 1 implies wait_for_all: Corosync waits once for every node at first start instead of a timer"
	case "udpport":
		return "Corosync uses its own ports (knet and udp: 5405/udp, plus 5404 for udp); change the firewall rules"
	case "serial":
		return "Corosync has no serial transport"
	case "respawn":
		return "run the program as a systemd unit or a systemd: resource"
	case "crm":
		return "heartbeat v2 CRM mode does not apply"
	case "logfile", "debugfile":
		return "Pacemaker logs via PCMK_logfile in /etc/default/pacemaker; Corosync to /var/log/corosync/corosync.log"
	default:
		return "no Corosync/Pacemaker equivalent"
	}
}
