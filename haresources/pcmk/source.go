package pcmk

import (
	"fmt"
	"time"
)

// Pos is the place of a directive or haresources line in its file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// PosError is an export problem tied to a configuration line.
type PosError struct {
	Pos Pos
	Msg string
}

func (e *PosError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Medium is one heartbeat communication line of ha.cf.
type Medium struct {
	Pos   Pos
	Kind  string // bcast, mcast, ucast, serial
	Iface string // interface (or serial device)
	Addr  string // ucast peer, mcast group
	Port  int    // mcast port
	TTL   int    // mcast ttl
}

// StonithHost is an ha.cf `stonith_host FROM TYPE ARGS…` line.
type StonithHost struct {
	Pos  Pos
	From string // node that runs the device, * for any
	Type string // cluster-glue plugin name
	Args []string
}

// Resource is one haresources token: Name and its `::` arguments, with the
// bare-IP shorthand already expanded to IPaddr.
type Resource struct {
	Name string
	Args []string
}

// ResourceGroup is one haresources line.
type ResourceGroup struct {
	Pos       Pos
	Node      string
	Resources []Resource
}

// Directive is an ha.cf line the export has no mapping for; it is listed in
// the report.
type Directive struct {
	Pos   Pos
	Name  string
	Value string
}

// Source is the part of a loaded heartbeat v1 configuration the export reads.
type Source struct {
	Nodes        []string
	Media        []Medium
	Deadtime     time.Duration // 0: not set
	Warntime     time.Duration // 0: not set
	AutoFailback string        // on, off or legacy
	PingNodes    []string      // ping and ping_group members
	Ipfail       bool          // `respawn … ipfail` present
	Stonith      []StonithHost
	StonithCfg   []Directive // `stonith TYPE FILE` lines
	LogFacility  string      // empty: none
	AuthMethod   string      // method of the active authkeys key: sha1, md5, crc
	Groups       []ResourceGroup
	Unmapped     []Directive // ha.cf directives with no Corosync/Pacemaker equivalent
}
