// Package pcmk is the export of a heartbeat v1 cluster to Pacemaker/Corosync:
// it turns a loaded heartbeat configuration (ha.cf, haresources, authkeys)
// into a Corosync 3 corosync.conf, a Pacemaker CIB, the same CIB as a crmsh
// and as a pcs script, and a report of what could not be carried over.
//
// The mapping follows shared/spec/migration.md §3–§5. Export builds one
// in-memory Plan; every output format is rendered from that Plan, so the
// XML, crm and pcs forms cannot drift apart.
package pcmk

// NV is one name/value pair (an nvpair, a crm param, a pcs KEY=VALUE).
type NV struct {
	Name, Value string
}

// Op is one operation of a primitive.
type Op struct {
	Name     string // monitor
	Interval string // 10s
	Timeout  string // 20s, may be empty
	Role     string // Promoted / Unpromoted, may be empty
}

// Primitive is one Pacemaker resource.
type Primitive struct {
	ID       string
	Class    string // ocf, lsb, systemd, stonith
	Provider string // only for ocf
	Type     string
	Params   []NV
	Ops      []Op
}

// Agent names the primitive's agent as crmsh and pcs spell it
// (class[:provider]:type).
func (p Primitive) Agent() string {
	if p.Provider != "" {
		return p.Class + ":" + p.Provider + ":" + p.Type
	}
	return p.Class + ":" + p.Type
}

// Group is an ordered group of primitives (one haresources line).
type Group struct {
	ID      string
	Members []Primitive
}

// Clone is a clone of one primitive; Promotable makes it a promotable
// clone (the DRBD pattern).
type Clone struct {
	ID         string
	Promotable bool
	Meta       []NV
	Child      Primitive
}

// Location pins Rsc to Node with Score (the preferred node, or -INFINITY to
// keep a fencing device off a node).
type Location struct {
	ID, Rsc, Node, Score string
}

// ConnectivityRule is the location rule that keeps Rsc off nodes whose
// ping attribute is undefined or zero (heartbeat's ipfail).
type ConnectivityRule struct {
	ID, Rsc, Attribute string
}

// Colocation places Rsc where With runs in WithRole.
type Colocation struct {
	ID, Rsc, With, WithRole, Score string
}

// Order starts Then after First's FirstAction.
type Order struct {
	ID, First, FirstAction, Then, ThenAction, Kind string
}

// CIB is the Pacemaker configuration section the export produces.
type CIB struct {
	Properties  []NV // cluster options (crm_config)
	RscDefaults []NV
	Primitives  []Primitive // top-level primitives (single-resource lines, fencing)
	Clones      []Clone
	Groups      []Group
	Locations   []Location
	Rules       []ConnectivityRule
	Colocations []Colocation
	Orders      []Order
}
