// Package wire encodes and decodes heartbeat 3.0.6 messages (cluster-glue's
// ha_msg) and signs and verifies them with authkeys (spec 4.1-4.4, 2.3).
//
// A message is an ordered list of typed fields. On UDP it travels in the
// netstring form ("###\n" fields "%%%\n" plus a trailer carrying the MAC of
// everything before it), and it also carries an inner "auth" field: the MAC of
// its classic rendering. The classic form (">>>\n" name=value lines "<<<\n")
// is accepted on receive, where the inner field authenticates it, and is the
// form of the FIFO and the API socket.
//
// The package is pure: no sockets, no clock. Decoding never panics, caps sizes
// before allocating, and is fuzzed and golden-tested against real captures.
package wire

import (
	"encoding/hex"
	"fmt"
	"strconv"
)

// Field types (cluster-glue FT_*). v1 traffic uses only TypeString and
// TypeBinary; the others are decoded generically.
const (
	TypeString       byte = 0 // text without NUL
	TypeBinary       byte = 1 // raw bytes (uuids), base64 in the classic form
	TypeStruct       byte = 2 // nested message
	TypeList         byte = 3 // list of strings, packed as netstrings
	TypeCompressed   byte = 4 // compressed payload, kept opaque
	TypeUncompressed byte = 5 // nested message (netstring form only)
)

// Limits. 3.0.6 caps a message at 256 KiB (MAXMSG) and nests structs at most
// MAXDEPTH deep; it has no field limit, so MaxFields is ours, far above the
// 15 fields of any v1 message.
const (
	MaxSize    = 256 * 1024
	MaxDepth   = 16
	MaxFields  = 256
	MaxNameLen = 255
)

// Names of the fields the codec itself reads or writes (spec 4.3).
const (
	FieldType     = "t"
	FieldSrc      = "src"
	FieldSrcUUID  = "srcuuid"
	FieldDest     = "dest"
	FieldDestUUID = "destuuid"
	FieldSeq      = "seq"
	FieldGen      = "hg"
	FieldTime     = "ts"
	FieldLoad     = "ld"
	FieldTTL      = "ttl"
	FieldAuth     = "auth"
)

// Field is one typed name=value pair. Value holds the raw bytes for strings,
// binaries and compressed fields, and the netstring encoding of the payload
// for structs ("###\n…%%%\n") and lists ("3:abc,1:d,").
type Field struct {
	Type  byte
	Name  string
	Value []byte
}

// Message is an ordered list of fields. The zero value is an empty message.
type Message struct {
	Fields []Field
}

// UUID is a node uuid as it travels in srcuuid and destuuid (and as
// /var/lib/heartbeat/hb_uuid stores it): 16 raw bytes.
type UUID [16]byte

// String formats u as 752f78bd-0430-4bcf-9881-4a005c74d03a.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// IsZero reports whether u is all zero (unknown).
func (u UUID) IsZero() bool { return u == UUID{} }

// Get returns the first field called name.
func (m *Message) Get(name string) (Field, bool) {
	if i := m.index(name); i >= 0 {
		return m.Fields[i], true
	}
	return Field{}, false
}

// Value returns the value of the string field called name.
func (m *Message) Value(name string) (string, bool) {
	f, ok := m.Get(name)
	if !ok || f.Type != TypeString {
		return "", false
	}
	return string(f.Value), true
}

// Hex returns the string field called name parsed as hexadecimal, as 3.0.6
// writes seq, hg, ts, dt and ackseq.
func (m *Message) Hex(name string) (uint64, error) {
	v, ok := m.Value(name)
	if !ok {
		return 0, fmt.Errorf("field %q: %w", name, ErrMissingField)
	}
	n, err := strconv.ParseUint(v, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("field %q: %w: %q is not hexadecimal", name, ErrBadValue, v)
	}
	return n, nil
}

// UUID returns the binary field called name if it holds 16 bytes.
func (m *Message) UUID(name string) (UUID, bool) {
	f, ok := m.Get(name)
	if !ok || f.Type != TypeBinary || len(f.Value) != len(UUID{}) {
		return UUID{}, false
	}
	return UUID(f.Value), true
}

// Set gives the string field called name the value v: it replaces the first
// field of that name in place, or appends one (cluster-glue's ha_msg_mod).
func (m *Message) Set(name, v string) {
	m.SetField(Field{Type: TypeString, Name: name, Value: []byte(v)})
}

// SetUUID sets the binary field called name to u, like Set.
func (m *Message) SetUUID(name string, u UUID) {
	m.SetField(Field{Type: TypeBinary, Name: name, Value: u[:]})
}

// SetField replaces the first field called f.Name in place, or appends f.
func (m *Message) SetField(f Field) {
	if i := m.index(f.Name); i >= 0 {
		m.Fields[i] = f
		return
	}
	m.Fields = append(m.Fields, f)
}

func (m *Message) index(name string) int {
	for i := range m.Fields {
		if m.Fields[i].Name == name {
			return i
		}
	}
	return -1
}

// Struct decodes the nested message of a struct field.
func (f Field) Struct() (*Message, error) {
	if f.Type != TypeStruct && f.Type != TypeUncompressed {
		return nil, fmt.Errorf("field %q of type %d: %w", f.Name, f.Type, ErrBadType)
	}
	fields, err := parseStruct(f.Value, 1)
	if err != nil {
		return nil, fmt.Errorf("field %q: %w", f.Name, err)
	}
	return &Message{Fields: fields}, nil
}

// List returns the strings of a list field.
func (f Field) List() ([]string, error) {
	if f.Type != TypeList {
		return nil, fmt.Errorf("field %q of type %d: %w", f.Name, f.Type, ErrBadType)
	}
	var items []string
	err := eachListItem(f.Value, func(item []byte) { items = append(items, string(item)) })
	if err != nil {
		return nil, fmt.Errorf("field %q: %w", f.Name, err)
	}
	return items, nil
}

// Dump returns the lines 3.0.6 logs for a message (cl_log_message, spec 2.5)
// after "MSG: Dumping message with N fields": "MSG[i] : [name=value]" for a
// string field and "MSG[i] : [(T)name=0x…(S N)]" for the others, where 3.0.6
// prints the value's address and S and N are cluster-glue's classic and
// netstring lengths of the field. Nested messages are not expanded.
func (m *Message) Dump() []string {
	lines := make([]string, len(m.Fields))
	for i, f := range m.Fields {
		if f.Type == TypeString {
			lines[i] = fmt.Sprintf("MSG[%d] : [%s=%s]", i, f.Name, f.Value)
			continue
		}
		addr := "0x0"
		if len(f.Value) > 0 {
			addr = fmt.Sprintf("%p", &f.Value[0])
		}
		lines[i] = fmt.Sprintf("MSG[%d] : [(%d)%s=%s(%d %d)]", i, f.Type, f.Name, addr, stringLen(f), 3+len(f.Name)+1+len(f.Value))
	}
	return lines
}

// stringLen is cluster-glue's stringlen of a field: the length of its classic
// line including "(T)", '=' and '\n', where a nested message counts its
// ">>>\n" and "<<<\n" lines and a terminating NUL.
func stringLen(f Field) int {
	switch f.Type {
	case TypeString:
		return len(f.Name) + len(f.Value) + 2
	case TypeBinary, TypeCompressed:
		return len(f.Name) + (len(f.Value)+2)/3*4 + 5
	case TypeStruct, TypeUncompressed:
		n := len(f.Name) + 5 + len(classicStart) + len(classicEnd) + 1
		fields, err := parseStruct(f.Value, 1)
		if err != nil {
			return n
		}
		for _, c := range fields {
			n += stringLen(c)
		}
		return n
	}
	return len(f.Name) + len(f.Value) + 5
}
