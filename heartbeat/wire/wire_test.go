package wire_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
)

// node1 is node1's uuid in the captures.
var node1 = wire.UUID{0x75, 0x2f, 0x78, 0xbd, 0x04, 0x30, 0x4b, 0xcf, 0x98, 0x81, 0x4a, 0x00, 0x5c, 0x74, 0xd0, 0x3a}

// steady is node1's steady-state status of spec 4.2 (01-startup, 311 bytes).
const steady = "###\n11:(0)t=status,12:(0)st=active,10:(0)dt=1388,13:(0)protocol=1,12:(0)src=node1," +
	"27:(1)srcuuid=u\x2f\x78\xbd\x04\x30\x4b\xcf\x98\x81\x4a\x00\x5c\x74\xd0\x3a,9:(0)seq=10,14:(0)hg=6b032379," +
	"14:(0)ts=6b03237f,31:(0)ld=0.48 0.29 0.16 1/111 5469,8:(0)ttl=3," +
	"50:(0)auth=1 36aa22df3a7aa950b75f54ea7cb39b1325453ccc,%%%\n" +
	"42:1 6d4b0c0052aa925f37f5d5e77deb5f0dfef4c3ee,"

// packet builds a netstring datagram from raw field texts like "(0)t=x",
// signed by key.
func packet(key authkeys.Key, fields ...string) []byte {
	b := unsigned(fields...)
	tok := fmt.Sprintf("%d %s", key.Index, key.Sum(b))
	return fmt.Appendf(b, "%d:%s,", len(tok), tok)
}

// unsigned builds a netstring message without trailer from raw field texts.
func unsigned(fields ...string) []byte {
	b := []byte("###\n")
	for _, f := range fields {
		b = fmt.Appendf(b, "%d:%s,", len(f), f)
	}
	return append(b, "%%%\n"...)
}

// withTrailer replaces the trailer token of p.
func withTrailer(p []byte, tok string) []byte {
	end := bytes.Index(p, []byte("%%%\n")) + 4
	return fmt.Appendf(bytes.Clone(p[:end]), "%d:%s,", len(tok), tok)
}

// nested returns a struct value nested depth levels deep.
func nested(depth int) string {
	v := "###\n%%%\n"
	for range depth - 1 {
		f := "(2)s=" + v
		v = fmt.Sprintf("###\n%d:%s,%%%%%%\n", len(f), f)
	}
	return v
}

func TestSpecExample(t *testing.T) {
	if len(steady) != 311 {
		t.Fatalf("example has %d bytes", len(steady))
	}
	m, err := wire.Decode([]byte(steady), keyring(1, sha1Key))
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := m.UUID("srcuuid"); !ok || u != node1 || u.String() != "752f78bd-0430-4bcf-9881-4a005c74d03a" {
		t.Errorf("srcuuid %v %v", u, ok)
	}
	if seq, err := m.Hex("seq"); err != nil || seq != 16 {
		t.Errorf("seq %d %v", seq, err)
	}
	if err := wire.VerifyInner(m, keyring(1, sha1Key)); err != nil {
		t.Error(err)
	}
	out, err := wire.Encode(m, keyring(1, sha1Key))
	if err != nil || string(out) != steady {
		t.Errorf("Encode = %q, %v", out, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := []string{"(0)t=status", "(0)src=node1", "(0)ts=6b03237f"}
	sign := func(fields ...string) []byte { return packet(sha1Key, fields...) }
	many := slices.Clone(good)
	for i := range wire.MaxFields {
		many = append(many, fmt.Sprintf("(0)f%d=x", i))
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.ErrUnexpectedEOF},
		{"short netstring start", []byte("##"), io.ErrUnexpectedEOF},
		{"short classic start", []byte(">>>"), io.ErrUnexpectedEOF},
		{"not heartbeat", []byte("GET / HTTP/1.0\r\n"), wire.ErrFormat},
		{"no fields yet", []byte("###\n"), io.ErrUnexpectedEOF},
		{"half end marker", []byte("###\n%%"), io.ErrUnexpectedEOF},
		{"no trailer", []byte("###\n%%%\n"), io.ErrUnexpectedEOF},
		{"length digits only", []byte("###\n12"), io.ErrUnexpectedEOF},
		{"length beyond end", []byte("###\n20:(0)t=x,"), io.ErrUnexpectedEOF},
		{"leading zero", []byte("###\n08:(0)t=abc,%%%\n"), wire.ErrBadLength},
		{"seven digits", []byte("###\n1000000:(0)t=abc,%%%\n"), wire.ErrBadLength},
		{"length over max", []byte("###\n999999:(0)t=abc,%%%\n"), wire.ErrBadLength},
		{"no colon", []byte("###\n7;(0)t=abc,%%%\n"), wire.ErrBadLength},
		{"no digits", []byte("###\n:(0)t=abc,%%%\n"), wire.ErrBadLength},
		{"length too short", []byte("###\n7:(0)t=abc,%%%\n"), wire.ErrBadLength},
		{"no type", unsigned("t=abc"), wire.ErrBadField},
		{"type 6", unsigned("(6)t=abc"), wire.ErrBadType},
		{"type letter", unsigned("(x)t=abc"), wire.ErrBadType},
		{"no equals", unsigned("(0)tabc"), wire.ErrBadField},
		{"empty name", unsigned("(0)=abc"), wire.ErrBadField},
		{"blank in name", unsigned("(0)a b=abc"), wire.ErrBadField},
		{"name starts with (", unsigned("(0)(1)t=a"), wire.ErrBadField},
		{"long name", unsigned("(0)" + strings.Repeat("n", 256) + "=a"), wire.ErrBadField},
		{"NUL in string", sign(append(good, "(0)x=a\x00b")...), wire.ErrBadValue},
		{"control byte in string", sign(append(good, "(0)x=a\x13b")...), wire.ErrBadValue},
		{"trailing data", append(sign(good...), 'x'), wire.ErrTrailingData},
		{"trailing NUL", append(sign(good...), 0), wire.ErrTrailingData},
		{"duplicate", sign(append(good, "(0)t=status")...), wire.ErrDuplicate},
		{"too many fields", sign(many...), wire.ErrTooManyFields},
		{"too large", append([]byte("###\n"), make([]byte, wire.MaxSize)...), wire.ErrTooLarge},
		{"missing t", sign(good[1:]...), wire.ErrMissingField},
		{"missing ts", sign(good[:2]...), wire.ErrMissingField},
		{"binary src", sign("(0)t=status", "(1)src=node1", "(0)ts=1"), wire.ErrBadType},
		{"bad digest", withTrailer(sign(good...), "1 0123456789abcdef0123456789abcdef01234567"), wire.ErrBadDigest},
		{"uppercase digest", withTrailer(sign(good...), strings.ToUpper(string(bytes.TrimSuffix(sign(good...)[bytes.LastIndexByte(sign(good...), ':')+1:], []byte(","))))), wire.ErrBadDigest},
		{"unknown index", packet(md5Key, good...), wire.ErrUnknownKey},
		{"index 16", withTrailer(sign(good...), "16 abc"), wire.ErrUnknownKey},
		{"no digest", withTrailer(sign(good...), "1"), wire.ErrBadAuthToken},
		{"index leading zero", withTrailer(sign(good...), "01 abc"), wire.ErrBadAuthToken},
		{"two blanks", withTrailer(sign(good...), "1  abc"), wire.ErrBadAuthToken},
		{"digest too long", withTrailer(sign(good...), "1 "+strings.Repeat("a", 129)), wire.ErrBadAuthToken},
		{"struct too deep", sign(append(good, "(2)s="+nested(wire.MaxDepth+1))...), wire.ErrTooDeep},
		{"struct cut short", sign(append(good, "(2)s=###\n99:(0)a=b,")...), wire.ErrBadValue},
		{"struct with trailer", sign(append(good, "(2)s=###\n%%%\n3:1 a,")...), wire.ErrBadValue},
		{"uncompressed not a struct", sign(append(good, "(5)s=abc")...), wire.ErrBadValue},
		{"empty list item", sign(append(good, "(3)l=1:a,0:,")...), wire.ErrBadValue},
		{"list item with newline", sign(append(good, "(3)l=3:a\nb,")...), wire.ErrBadValue},
		{"list cut short", sign(append(good, "(3)l=5:a,")...), wire.ErrBadValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := wire.Decode(tt.in, keyring(1, sha1Key))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if m != nil {
				t.Error("returned a message with the error")
			}
			if tt.want != io.ErrUnexpectedEOF && errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%v also reads as truncation", err)
			}
		})
	}
}

// TestTruncation checks that every proper prefix of a datagram reads as
// truncated, never as another error.
func TestTruncation(t *testing.T) {
	classic, err := wire.MarshalClassic(mustDecode(t, []byte(steady)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]byte{[]byte(steady), classic, packet(sha1Key, "(0)t=x", "(2)s="+nested(3), "(3)l=1:a,", "(0)src=a", "(0)ts=1")} {
		for i := range len(p) {
			if _, err := wire.Decode(p[:i], keyring(1, sha1Key)); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%q: got %v, want io.ErrUnexpectedEOF", p[:i], err)
			}
		}
		if _, err := wire.Decode(p, keyring(1, sha1Key)); err != nil {
			t.Fatalf("%q: %v", p, err)
		}
	}
}

func mustDecode(t *testing.T, b []byte) *wire.Message {
	t.Helper()
	m, err := wire.Decode(b, keyring(1, sha1Key))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGenericTypes(t *testing.T) {
	p := packet(sha1Key, "(0)t=crm", "(0)src=node1", "(0)ts=1",
		"(2)s="+string(unsigned("(0)a=1", "(0)a=2")), // nested messages may repeat names
		"(3)l=3:abc,1:d,", "(4)z=\x00\xff,=\n", "(5)u=###\n%%%\n", "(1)empty=", "(0)nl=a\nb")
	m := mustDecode(t, p)
	f, _ := m.Get("s")
	sub, err := f.Struct()
	if err != nil || len(sub.Fields) != 2 || string(sub.Fields[1].Value) != "2" {
		t.Errorf("Struct() = %+v, %v", sub, err)
	}
	f, _ = m.Get("l")
	if items, err := f.List(); err != nil || !slices.Equal(items, []string{"abc", "d"}) {
		t.Errorf("List() = %q, %v", items, err)
	}
	if _, err := f.Struct(); !errors.Is(err, wire.ErrBadType) {
		t.Errorf("Struct() of a list: %v", err)
	}
	if z, _ := m.Get("z"); string(z.Value) != "\x00\xff,=\n" {
		t.Errorf("compressed value %q", z.Value)
	}
	// Type 5 has no classic form, so it cannot be signed (3.0.6 never
	// sends it: it turns it into type 4 before packing).
	if _, err := wire.Encode(m, keyring(1, sha1Key)); !errors.Is(err, wire.ErrBadType) {
		t.Errorf("Encode with type 5: %v", err)
	}
	if err := wire.VerifyInner(m, keyring(1, sha1Key)); !errors.Is(err, wire.ErrBadAuthToken) {
		t.Errorf("VerifyInner without auth: %v", err)
	}
	m.Fields = slices.DeleteFunc(m.Fields, func(f wire.Field) bool { return f.Type == wire.TypeUncompressed })
	out, err := wire.Encode(m, keyring(1, sha1Key))
	if err != nil {
		t.Fatal(err)
	}
	back := mustDecode(t, out)
	if err := wire.VerifyInner(back, keyring(1, sha1Key)); err != nil {
		t.Error(err)
	}
	if !slices.EqualFunc(back.Fields[:len(m.Fields)], m.Fields, fieldEqual) {
		t.Errorf("round trip:\n%q\n%q", back.Fields, m.Fields)
	}
}

func fieldEqual(a, b wire.Field) bool {
	return a.Type == b.Type && a.Name == b.Name && bytes.Equal(a.Value, b.Value)
}

func TestClassic(t *testing.T) {
	// Nested structs: each level's newlines become cluster-glue's symbol
	// for its depth (20, 21, ...); a newline in a string becomes 19.
	m := &wire.Message{Fields: []wire.Field{
		{Type: wire.TypeString, Name: "t", Value: []byte("x")},
		{Type: wire.TypeStruct, Name: "s", Value: unsigned("(0)a=1\n2", "(2)u="+string(unsigned("(0)b=2")))},
		{Type: wire.TypeBinary, Name: "u", Value: node1[:]},
		{Type: wire.TypeList, Name: "l", Value: []byte("3:abc,1:d,")},
		{Type: wire.TypeCompressed, Name: "z", Value: []byte{0, 1, 2, 3}},
	}}
	want := ">>>\nt=x\n(2)s=>>>\x14a=1\x132\x14(2)u=>>>\x15b=2\x15<<<\x15\x14<<<\x14\n" +
		"(1)u=dS94vQQwS8+YgUoAXHTQOg==\n(3)l=3:abc,1:d,\n(4)z=AAECAw==\n<<<\n"
	got, err := wire.MarshalClassic(m)
	if err != nil || string(got) != want {
		t.Fatalf("MarshalClassic = %q, %v\nwant %q", got, err, want)
	}
	back, err := wire.UnmarshalClassic(append(got, 0))
	if err != nil || !slices.EqualFunc(back.Fields, m.Fields, fieldEqual) {
		t.Fatalf("UnmarshalClassic = %q, %v", back, err)
	}
	m.Fields = append(m.Fields, wire.Field{Type: wire.TypeUncompressed, Name: "v", Value: []byte("###\n%%%\n")})
	if _, err := wire.MarshalClassic(m); !errors.Is(err, wire.ErrBadType) {
		t.Errorf("MarshalClassic with type 5: %v", err)
	}
}

func TestUnmarshalClassic(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // name=value of each field
		err  error
	}{
		// ha_clustermsg's FIFO input (hb_standby).
		{"fifo", ">>>\nt=hb_standby\nrsc_hold=all\n<<<\n", []string{"t=hb_standby", "rsc_hold=all"}, nil},
		// cl_status signon on the API socket (tools-output strace), with its NUL.
		{"api", ">>>\nt=hbapi-req\nreqtype=signon\ndest=node1\npid=9722\nfrom_id=9722\nuid=0\ngid=105\n<<<\n\x00",
			[]string{"t=hbapi-req", "reqtype=signon", "dest=node1", "pid=9722", "from_id=9722", "uid=0", "gid=105"}, nil},
		{"blank lines", ">>>\n\nt=x\n\n\n<<<\n", []string{"t=x"}, nil},
		{"value with =", ">>>\na=b=c\n<<<\n", []string{"a=b=c"}, nil},
		{"empty value", ">>>\na=\n<<<\n", []string{"a="}, nil},
		{"newline symbol", ">>>\na=1\x132\n<<<\n", []string{"a=1\n2"}, nil},
		{"no end", ">>>\nt=x\n", nil, io.ErrUnexpectedEOF},
		{"unterminated line", ">>>\nt=x", nil, io.ErrUnexpectedEOF},
		{"half end", ">>>\nt=x\n<<", nil, io.ErrUnexpectedEOF},
		{"netstring", "###\n%%%\n", nil, wire.ErrFormat},
		{"two NULs", ">>>\nt=x\n<<<\n\x00\x00", nil, wire.ErrTrailingData},
		{"text after end", ">>>\nt=x\n<<<\nt=y\n", nil, wire.ErrTrailingData},
		{"no equals", ">>>\nt\n<<<\n", nil, wire.ErrBadField},
		{"explicit string type", ">>>\n(0)t=x\n<<<\n", nil, wire.ErrBadType},
		{"type 5", ">>>\n(5)t=x\n<<<\n", nil, wire.ErrBadType},
		{"unclosed type", ">>>\n(1t=x\n<<<\n", nil, wire.ErrBadField},
		{"bad base64", ">>>\n(1)u=!!!!\n<<<\n", nil, wire.ErrBadValue},
		{"base64 without padding", ">>>\n(1)u=AAE\n<<<\n", nil, wire.ErrBadValue},
		{"control byte", ">>>\nt=a\x14b\n<<<\n", nil, wire.ErrBadValue},
		{"struct not terminated", ">>>\n(2)s=>>>\x14a=1\x14\n<<<\n", nil, wire.ErrBadValue},
		{"duplicate", ">>>\nt=x\nt=y\n<<<\n", nil, wire.ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := wire.UnmarshalClassic([]byte(tt.in))
			if !errors.Is(err, tt.err) {
				t.Fatalf("got %v, want %v", err, tt.err)
			}
			if err != nil {
				if tt.err != io.ErrUnexpectedEOF && errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("%v also reads as truncation", err)
				}
				return
			}
			var got []string
			for _, f := range m.Fields {
				got = append(got, f.Name+"="+string(f.Value))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// classicSyms are cluster-glue's newline stand-ins by depth; a message at
// depth 16 may not hold a struct, so the last entry is never parsed.
var classicSyms = []string{"\x14", "\x15", "\x16", "\x17", "\x18", "\x19", "\x1a", "\x1b", "\x1c", "\x1d", "\x1e", "\x1f", "\x0f", "\x10", "\x11", "\x12", "X"}

// classicDeep returns, written by hand, the classic line of a field holding
// nested(depth) in a top-level message.
func classicDeep(depth int) string {
	text := ">>>\n<<<\n"
	for level := depth - 1; level >= 1; level-- {
		text = ">>>\n(2)s=" + strings.ReplaceAll(text, "\n", classicSyms[level]) + "\n<<<\n"
	}
	return "(2)s=" + strings.ReplaceAll(text, "\n", classicSyms[0]) + "\n"
}

func TestClassicDepth(t *testing.T) {
	m := &wire.Message{Fields: []wire.Field{{Type: wire.TypeStruct, Name: "s", Value: []byte(nested(wire.MaxDepth))}}}
	got, err := wire.MarshalClassic(m)
	if want := ">>>\n" + classicDeep(wire.MaxDepth) + "<<<\n"; err != nil || string(got) != want {
		t.Fatalf("MarshalClassic = %q, %v\nwant %q", got, err, want)
	}
	if back, err := wire.UnmarshalClassic(got); err != nil || !slices.EqualFunc(back.Fields, m.Fields, fieldEqual) {
		t.Errorf("UnmarshalClassic = %q, %v", back, err)
	}
	if _, err := wire.UnmarshalClassic([]byte(">>>\n" + classicDeep(wire.MaxDepth+1) + "<<<\n")); !errors.Is(err, wire.ErrTooDeep) {
		t.Errorf("nested %d deep: %v", wire.MaxDepth+1, err)
	}
}

func TestClassicAuthentication(t *testing.T) {
	keys := keyring(1, sha1Key)
	signed, err := wire.MarshalClassic(mustDecode(t, []byte(steady)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := wire.Decode(signed, keys)
	if err != nil {
		t.Fatalf("classic datagram: %v", err)
	}
	if v, _ := m.Value("auth"); v != "1 36aa22df3a7aa950b75f54ea7cb39b1325453ccc" {
		t.Errorf("auth %q", v)
	}
	if _, err := wire.Decode(append(bytes.Clone(signed), 0), keys); err != nil {
		t.Errorf("classic datagram with NUL: %v", err)
	}
	tampered := bytes.Replace(signed, []byte("st=active"), []byte("st=dead"), 1)
	var ae *wire.AuthError
	if _, err := wire.Decode(tampered, keys); !errors.As(err, &ae) || ae.Err != wire.ErrBadDigest || ae.Received != "36aa22df3a7aa950b75f54ea7cb39b1325453ccc" {
		t.Errorf("tampered classic: %v %+v", err, ae)
	}
	unsigned := bytes.Replace(signed, []byte("auth=1 36aa22df3a7aa950b75f54ea7cb39b1325453ccc\n"), nil, 1)
	if _, err := wire.Decode(unsigned, keys); !errors.Is(err, wire.ErrBadAuthToken) {
		t.Errorf("unsigned classic: %v", err)
	}
	if _, err := wire.Decode(signed, keyring(2, md5Key)); !errors.Is(err, wire.ErrUnknownKey) {
		t.Errorf("classic with unknown key: %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	base := func(extra ...wire.Field) *wire.Message {
		m := &wire.Message{}
		m.Set("t", "status")
		m.Set("src", "node1")
		m.Set("ts", "1")
		m.Fields = append(m.Fields, extra...)
		return m
	}
	tests := []struct {
		name string
		m    *wire.Message
		keys *authkeys.Keys
		want error
	}{
		{"nil keys", base(), nil, wire.ErrUnknownKey},
		{"active key missing", base(), keyring(2, sha1Key), wire.ErrUnknownKey},
		{"missing src", &wire.Message{Fields: slices.Delete(base().Fields, 1, 2)}, keyring(1, sha1Key), wire.ErrMissingField},
		{"bad name", base(wire.Field{Name: "a=b"}), keyring(1, sha1Key), wire.ErrBadField},
		{"bad type", base(wire.Field{Type: 9, Name: "x"}), keyring(1, sha1Key), wire.ErrBadType},
		{"NUL", base(wire.Field{Name: "x", Value: []byte{0}}), keyring(1, sha1Key), wire.ErrBadValue},
		{"duplicate", base(wire.Field{Name: "t"}), keyring(1, sha1Key), wire.ErrDuplicate},
		{"bad struct", base(wire.Field{Type: wire.TypeStruct, Name: "s", Value: []byte("x")}), keyring(1, sha1Key), wire.ErrBadValue},
		{"too large", base(wire.Field{Type: wire.TypeBinary, Name: "b", Value: make([]byte, wire.MaxSize)}), keyring(1, sha1Key), wire.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := wire.Encode(tt.m, tt.keys); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := wire.Encode(base(), keyring(1, authkeys.Key{Index: 1, Method: "rot13", Secret: "x"})); err == nil {
		t.Error("signed with an unknown method")
	}
	if _, err := wire.Reencode(base(), keyring(1, sha1Key)); !errors.Is(err, wire.ErrMissingField) {
		t.Errorf("Reencode without auth: %v", err)
	}
}

// TestEncodeAuthInPlace checks that Encode replaces an existing auth field
// where it is, as 3.0.6's ha_msg_mod does, and leaves m alone.
func TestEncodeAuthInPlace(t *testing.T) {
	m := &wire.Message{}
	m.Set("t", "x")
	m.Set("auth", "stale")
	m.Set("src", "node1")
	m.Set("ts", "1")
	out, err := wire.Encode(m, keyring(1, sha1Key))
	if err != nil {
		t.Fatal(err)
	}
	back := mustDecode(t, out)
	if back.Fields[1].Name != "auth" || string(back.Fields[1].Value) == "stale" || len(back.Fields) != 4 {
		t.Errorf("decoded %q", back.Fields)
	}
	if v, _ := m.Value("auth"); v != "stale" {
		t.Errorf("Encode modified m: auth=%q", v)
	}
	if err := wire.VerifyInner(back, keyring(1, sha1Key)); err != nil {
		t.Error(err)
	}
}

func TestAccessors(t *testing.T) {
	var m wire.Message
	m.Set("t", "status")
	m.Set("seq", "1F")
	m.Set("bad", "0x1f")
	m.SetUUID("srcuuid", node1)
	m.Set("t", "starting")
	if len(m.Fields) != 4 || m.Fields[0].Name != "t" || string(m.Fields[0].Value) != "starting" {
		t.Errorf("Set did not replace in place: %q", m.Fields)
	}
	if n, err := m.Hex("seq"); err != nil || n != 31 {
		t.Errorf("Hex(seq) = %d, %v", n, err)
	}
	if _, err := m.Hex("bad"); !errors.Is(err, wire.ErrBadValue) {
		t.Errorf("Hex(bad) = %v", err)
	}
	if _, err := m.Hex("none"); !errors.Is(err, wire.ErrMissingField) {
		t.Errorf("Hex(none) = %v", err)
	}
	if _, ok := m.Value("srcuuid"); ok {
		t.Error("Value of a binary field")
	}
	if _, ok := m.UUID("t"); ok {
		t.Error("UUID of a string field")
	}
	if !(wire.UUID{}).IsZero() || node1.IsZero() {
		t.Error("IsZero")
	}
}

// TestDump checks the lines 3.0.6 logs for a message (spec 2.5).
func TestDump(t *testing.T) {
	m := mustDecode(t, []byte(steady))
	lines := m.Dump()
	if len(lines) != 12 || lines[0] != "MSG[0] : [t=status]" || lines[11] != "MSG[11] : [auth=1 36aa22df3a7aa950b75f54ea7cb39b1325453ccc]" {
		t.Errorf("Dump = %q", lines)
	}
	if !regexp.MustCompile(`^MSG\[5\] : \[\(1\)srcuuid=0x[0-9a-f]+\(36 27\)\]$`).MatchString(lines[5]) {
		t.Errorf("binary line %q", lines[5])
	}
	nestedMsg := &wire.Message{Fields: []wire.Field{
		{Type: wire.TypeStruct, Name: "s", Value: unsigned("(0)a=12")},
		{Type: wire.TypeList, Name: "l", Value: []byte("1:a,")},
	}}
	// struct: name 1 + 5 + (>>>\n <<<\n NUL) 9 + "a=12\n" 5; netstring 3+1+1+18.
	// list: name 1 + value 4 + 5; netstring 3+1+1+4.
	lines = nestedMsg.Dump()
	if !strings.HasSuffix(lines[0], "(20 23)]") || !strings.HasSuffix(lines[1], "(10 9)]") {
		t.Errorf("Dump = %q", lines)
	}
}

func TestAddControlFields(t *testing.T) {
	o := wire.Origin{Node: "node1", UUID: node1, Seq: 0x1a, Generation: 0x6b032379, Time: time.Unix(0x6b032386, 0),
		Load: "0.73 0.35 0.18 1/117 6357", TTL: 3, DestUUID: node1}
	names := func(m *wire.Message) string {
		var s []string
		for _, f := range m.Fields {
			s = append(s, f.Name+"="+printable(f))
		}
		return strings.Join(s, " ")
	}
	tests := []struct {
		name   string
		fields []string
		origin wire.Origin
		want   string
	}{
		{"status", []string{"t=status", "st=active"}, o,
			"t=status st=active src=node1 srcuuid=<uuid> seq=1a hg=6b032379 ts=6b032386 ld=0.73 0.35 0.18 1/117 6357 ttl=3"},
		{"dest first", []string{"dest=node1", "t=repnodes"}, o,
			"dest=node1 t=repnodes destuuid=<uuid> src=node1 srcuuid=<uuid> seq=1a hg=6b032379 ts=6b032386 ld=0.73 0.35 0.18 1/117 6357 ttl=3"},
		{"dest uuid unknown", []string{"t=reqnodes", "dest=node3"}, wire.Origin{Node: "node1", Seq: 1, Time: time.Unix(0, 0), TTL: 3},
			"t=reqnodes dest=node3 src=node1 srcuuid=<zero> seq=1 hg=0 ts=0 ld= ttl=3"},
		{"NS_ message", []string{"t=NS_ackmsg", "dest=node1", "ackseq=3"}, o,
			"t=NS_ackmsg dest=node1 ackseq=3 destuuid=<uuid> src=node1 srcuuid=<uuid> hg=6b032379 ts=6b032386 ttl=3"},
		{"NS_ keeps its fields", []string{"t=NS_rexmit", "ttl=9", "seq=5"}, o,
			"t=NS_rexmit ttl=9 seq=5 src=node1 srcuuid=<uuid> hg=6b032379 ts=6b032386"},
		{"overwritten in place", []string{"t=resource", "seq=5", "src=other"}, o,
			"t=resource seq=1a src=node1 srcuuid=<uuid> hg=6b032379 ts=6b032386 ld=0.73 0.35 0.18 1/117 6357 ttl=3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m wire.Message
			for _, f := range tt.fields {
				name, value, _ := strings.Cut(f, "=")
				m.Set(name, value)
			}
			wire.AddControlFields(&m, tt.origin)
			if got := names(&m); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func printable(f wire.Field) string {
	if f.Type != wire.TypeBinary {
		return string(f.Value)
	}
	if wire.UUID(f.Value) == node1 {
		return "<uuid>"
	}
	if wire.UUID(f.Value).IsZero() {
		return "<zero>"
	}
	return fmt.Sprintf("%x", f.Value)
}
