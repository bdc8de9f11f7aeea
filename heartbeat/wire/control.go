package wire

import (
	"strconv"
	"strings"
	"time"
)

// Origin holds the values 3.0.6 appends to every message a node originates
// (add_control_msg_fields, spec 4.3). The caller reads the clock, the load
// average and its counters; wire only formats them.
type Origin struct {
	Node       string    // src: the local node name
	UUID       UUID      // srcuuid
	Seq        uint64    // seq, lower-case hex; not added to NS_ messages
	Generation uint64    // hg, hex
	Time       time.Time // ts, Unix seconds in hex (C's %lx)
	Load       string    // ld, the first line of /proc/loadavg; not added to NS_ messages
	TTL        int       // ttl, decimal
	DestUUID   UUID      // destuuid, added if m has dest and this is not zero
}

// AddControlFields completes a message created locally as 3.0.6 does before
// sending it: destuuid after the creator's fields if m has dest, then src,
// srcuuid, seq, hg, ts, ld and ttl. A field already present is overwritten in
// place, except in NS_ messages, which get neither seq nor ld and keep the
// fields they already have. Encode then adds auth.
func AddControlFields(m *Message, o Origin) {
	if _, ok := m.Get(FieldDest); ok && !o.DestUUID.IsZero() {
		m.SetUUID(FieldDestUUID, o.DestUUID)
	}
	t, _ := m.Value(FieldType)
	noSeq := strings.HasPrefix(t, "NS_")
	for _, f := range [...]struct {
		name   string
		value  []byte
		binary bool
		seq    bool // omitted from NS_ messages (3.0.6's IS_SEQ)
	}{
		{FieldSrc, []byte(o.Node), false, false},
		{FieldSrcUUID, o.UUID[:], true, false},
		{FieldSeq, strconv.AppendUint(nil, o.Seq, 16), false, true},
		{FieldGen, strconv.AppendUint(nil, o.Generation, 16), false, false},
		{FieldTime, strconv.AppendUint(nil, uint64(o.Time.Unix()), 16), false, false},
		{FieldLoad, []byte(o.Load), false, true},
		{FieldTTL, strconv.AppendInt(nil, int64(o.TTL), 10), false, false},
	} {
		if noSeq && (f.seq || m.index(f.name) >= 0) {
			continue
		}
		typ := TypeString
		if f.binary {
			typ = TypeBinary
		}
		m.SetField(Field{Type: typ, Name: f.name, Value: f.value})
	}
}
