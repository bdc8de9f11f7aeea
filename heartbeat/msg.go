package heartbeat

import (
	"strconv"
	"strings"
)

// KV is one string field of a message.
type KV struct{ Name, Value string }

// Msg is a heartbeat message as the state machine sees it: the fields its
// creator put in, in order. The standard fields (src, srcuuid, seq, hg, ts,
// ld, ttl, auth) are added and checked at the wire boundary; on received
// messages they are present too.
type Msg []KV

// Get returns the value of the first field called name, or "".
func (m Msg) Get(name string) string {
	for _, f := range m {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Has reports whether the message has a field called name.
func (m Msg) Has(name string) bool {
	for _, f := range m {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Type is the t field.
func (m Msg) Type() string { return m.Get(fT) }

// newMsg builds a message of type t with name/value pairs.
func newMsg(t string, kv ...string) Msg {
	m := Msg{{fT, t}}
	for i := 0; i+1 < len(kv); i += 2 {
		m = append(m, KV{kv[i], kv[i+1]})
	}
	return m
}

// String renders the fields for debug logs.
func (m Msg) String() string {
	var b strings.Builder
	for i, f := range m {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.Name)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(f.Value))
	}
	return b.String()
}

// Field names and message types of the v1 protocol (spec 4.3, 4.4).
const (
	fT        = "t"
	fSt       = "st"
	fDt       = "dt"
	fProtocol = "protocol"
	fSrc      = "src"
	fDest     = "dest"
	fSeq      = "seq"
	fHg       = "hg"
	fAckseq   = "ackseq"
	fFirstseq = "firstseq"
	fLastseq  = "lastseq"
	fRscHold  = "rsc_hold"
	fRtype    = "rtype"
	fIsStable = "isstable"
	fInfo     = "info"
	fNodelist = "nodelist"
	fDelnodes = "delnodelist"
	fIPAddr   = "ipaddr"
	fWeOwn    = "weown"
	fOK       = "ok"
	fNode     = "node"
	fResult   = "result"
	// fImpl marks status messages of heartbeat-go, so that two Go nodes can
	// heal a partition without both restarting; 3.0.6 ignores the field.
	fImpl = "impl"

	tStatus       = "status"
	tAck          = "NS_ackmsg"
	tRexmit       = "NS_rexmit"
	tNakRexmit    = "NS_nak_rexmit"
	tReqNodes     = "reqnodes"
	tRepNodes     = "repnodes"
	tStarting     = "starting"
	tResource     = "resource"
	tAskResources = "ask_resources"
	tTakeover     = "hb_takeover"
	tIPRequest    = "ip-request"
	tIPRequestRsp = "ip-request-resp"
	tShutdone     = "shutdone"
	tStonith      = "stonith"
)

// unsequenced reports whether a message type carries no seq (NS_ types).
func unsequenced(t string) bool {
	return strings.HasPrefix(t, "NS_")
}

func hex(v uint64) string { return strconv.FormatUint(v, 16) }

func parseHex(s string) (uint64, bool) {
	v, err := strconv.ParseUint(s, 16, 64)
	return v, err == nil
}
