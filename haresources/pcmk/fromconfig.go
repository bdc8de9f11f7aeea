package pcmk

import (
	"path"
	"strings"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
	"github.com/heartbeat-go/heartbeat-go/hacf"
	"github.com/heartbeat-go/heartbeat-go/haresources"
)

// consumed are the ha.cf directives the export carries over; every other
// directive is listed in the report as not carried over.
var consumed = map[string]bool{
	"node": true, "bcast": true, "mcast": true, "ucast": true, "serial": true,
	"deadtime": true, "warntime": true, "auto_failback": true, "nice_failback": true,
	"ping": true, "ping6": true, "ping_group": true, "stonith": true, "stonith_host": true,
	"logfacility": true,
}

// FromConfig collects what the export reads from a parsed and validated
// ha.cf, haresources and authkeys.
func FromConfig(ha *hacf.Config, res *haresources.Resources, keys *authkeys.Keys) *Source {
	src := &Source{
		Deadtime:     ha.Deadtime,
		Warntime:     ha.Warntime,
		AutoFailback: ha.AutoFailback.String(),
	}
	if ha.LogFacility != "none" {
		src.LogFacility = ha.LogFacility
	}
	if k, ok := keys.ActiveKey(); ok {
		src.AuthMethod = string(k.Method)
	}
	pos := func(line int) Pos { return Pos{ha.File, line} }
	for _, n := range ha.Nodes {
		if n.Type == hacf.NormalNode {
			src.Nodes = append(src.Nodes, n.Name)
		}
	}
	for _, m := range ha.Media {
		switch m := m.(type) {
		case *hacf.Bcast:
			src.Media = append(src.Media, Medium{Pos: pos(m.At), Kind: "bcast", Iface: m.Iface})
		case *hacf.Mcast:
			src.Media = append(src.Media, Medium{Pos: pos(m.At), Kind: "mcast", Iface: m.Iface, Addr: m.Group.String(), Port: m.Port, TTL: m.TTL})
		case *hacf.Ucast:
			src.Media = append(src.Media, Medium{Pos: pos(m.At), Kind: "ucast", Iface: m.Iface, Addr: m.Peer})
		case *hacf.Other:
			switch m.Kind {
			case "serial":
				src.Media = append(src.Media, Medium{Pos: pos(m.At), Kind: "serial", Iface: strings.Join(m.Args, " ")})
			case "ping", "ping6":
				src.PingNodes = append(src.PingNodes, m.Args...)
			case "ping_group":
				if len(m.Args) > 1 {
					src.PingNodes = append(src.PingNodes, m.Args[1:]...)
				}
			default:
				src.Unmapped = append(src.Unmapped, Directive{Pos: pos(m.At), Name: m.Kind, Value: strings.Join(m.Args, " ")})
			}
		}
	}
	for _, c := range ha.Clients {
		if path.Base(c.Path) == "ipfail" {
			src.Ipfail = true
		}
	}
	for _, d := range ha.Directives {
		switch d.Name {
		case "stonith_host":
			f := strings.Fields(d.Value)
			if len(f) < 2 {
				continue // hacf rejects such a line
			}
			src.Stonith = append(src.Stonith, StonithHost{Pos: pos(d.Line), From: f[0], Type: f[1], Args: f[2:]})
		case "stonith":
			src.StonithCfg = append(src.StonithCfg, Directive{Pos: pos(d.Line), Name: d.Name, Value: d.Value})
		case "respawn":
			if !strings.Contains(d.Value, "ipfail") {
				src.Unmapped = append(src.Unmapped, Directive{Pos: pos(d.Line), Name: d.Name, Value: d.Value})
			}
		default:
			if !consumed[d.Name] {
				src.Unmapped = append(src.Unmapped, Directive{Pos: pos(d.Line), Name: d.Name, Value: d.Value})
			}
		}
	}
	src.Groups = FromConfigGroups(res)
	return src
}

// FromConfigGroups converts the haresources lines.
func FromConfigGroups(res *haresources.Resources) []ResourceGroup {
	var groups []ResourceGroup
	for _, g := range res.Groups {
		rg := ResourceGroup{Pos: Pos{g.File, g.Line}, Node: g.Node}
		for _, r := range g.Resources {
			rg.Resources = append(rg.Resources, Resource{Name: r.Script, Args: r.Args})
		}
		groups = append(groups, rg)
	}
	return groups
}
