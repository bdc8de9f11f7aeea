package heartbeat

import "time"

// Status is an immutable snapshot of a node that the event loop publishes
// for readers (cl_status, metrics) after every event.
type Status struct {
	Node  string       // the local node
	Nodes []NodeStatus // every node of ha.cf, in ha.cf order, the local one included
	// Hold is what `cl_status rscstatus` prints: none, local, foreign, all,
	// or transition while the resource state is not stable. With
	// auto_failback on/off it is the holding of the protocol, as 3.0.6
	// reports it (a node that took over holds all, even without local
	// groups; a group that failed to start is not held). With legacy, where
	// 3.0.6 always prints none, it tells which groups run here.
	Hold string
	// Running lists, per haresources group, whether it runs here.
	Running []bool
	// Takeovers and BadPackets count since this generation of the node
	// started (a restart after a partition starts them again at zero).
	Takeovers  Takeovers
	BadPackets BadPackets
}

// Takeovers counts the takeovers of a peer's resources by cause. Each is
// counted when the node decides to take over, whether or not the peer
// owned groups.
type Takeovers struct {
	DeadPeer uint64 // the peer went silent for deadtime (or never came up by initdead)
	Shutdown uint64 // the peer announced a graceful shutdown (shutdone)
	Standby  uint64 // the peer handed its resources over: hb_standby, hb_takeover, auto_failback
}

// BadPackets counts datagrams dropped before the protocol saw them.
type BadPackets struct {
	Auth      uint64 // failed authentication (unknown key index, wrong digest)
	Malformed uint64 // could not be decoded
}

// NodeStatus is one node as cl_status lists it.
type NodeStatus struct {
	Name  string
	State string // init, up, active, dead
	Links []LinkStatus
	// LastHeard is when the last packet from the node arrived; zero for
	// the local node and for a peer never heard.
	LastHeard time.Time
}

// LinkStatus is one medium to a node.
type LinkStatus struct {
	Name string // eth0
	Up   bool
	// LastHeard is when the last packet from the node arrived on this
	// link; zero for the local node's links and links never heard on.
	LastHeard time.Time
}

// Snapshot returns the current status; it shares nothing with the node.
func (n *Node) Snapshot() *Status {
	s := &Status{Node: n.cfg.Node, Running: append([]bool(nil), n.running...), Takeovers: n.takeovers}
	for _, name := range n.cfg.Nodes {
		ns := NodeStatus{Name: name}
		if name == n.cfg.Node {
			ns.State = n.status
			for _, l := range n.cfg.Links {
				ns.Links = append(ns.Links, LinkStatus{Name: l, Up: n.ownLinks[l]})
			}
		} else {
			p := n.peers[name]
			ns.State = p.state
			if ns.State == "" {
				ns.State = stDead
			}
			ns.LastHeard = p.lastHeard
			for _, l := range n.cfg.Links {
				ns.Links = append(ns.Links, LinkStatus{Name: l, Up: p.linkUp[l], LastHeard: p.links[l]})
			}
		}
		s.Nodes = append(s.Nodes, ns)
	}
	s.Hold = n.hold.String()
	if n.cfg.AutoFailback == FailbackLegacy {
		s.Hold = n.truth().String()
	}
	if !n.stable() {
		s.Hold = "transition"
	}
	return s
}

// truth is the holding made of the groups that really run here.
func (n *Node) truth() Holding {
	var h Holding
	for i, g := range n.cfg.Groups {
		if !n.running[i] {
			continue
		}
		if g.Owner == n.cfg.Node {
			h |= HoldLocal
		} else {
			h |= HoldForeign
		}
	}
	return h
}
