package heartbeat

// Holding is the set of resource groups a node holds, from its own point of
// view: bit 1 its local groups (those haresources gives to it), bit 2 the
// foreign ones. It is the rsc_hold field of the wire and what
// `cl_status rscstatus` prints.
type Holding uint8

// The four holdings of spec 5.1.
const (
	HoldNone    Holding = 0
	HoldLocal   Holding = 1
	HoldForeign Holding = 2
	HoldAll     Holding = HoldLocal | HoldForeign
)

var holdingNames = [...]string{"none", "local", "foreign", "all"}

func (h Holding) String() string {
	return holdingNames[h&HoldAll]
}

// ParseHolding reads an rsc_hold value. 3.0.6 also reads `failback` as
// foreign (hb_standby failback) and an empty value as all (hb_takeover
// failback reaching the peer's hb_standby with no argument).
func ParseHolding(s string) (Holding, bool) {
	switch s {
	case "none":
		return HoldNone, true
	case "local":
		return HoldLocal, true
	case "foreign", "failback":
		return HoldForeign, true
	case "all", "":
		return HoldAll, true
	}
	return HoldNone, false
}

// Swap translates a holding of the peer's point of view into ours: the
// peer's local groups are our foreign ones and the other way round.
func (h Holding) Swap() Holding {
	return (h&HoldLocal)<<1 | (h&HoldForeign)>>1
}
