package wire

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
	"github.com/heartbeat-go/heartbeat-go/tests/pcap"
)

func fuzzKeys() *authkeys.Keys {
	var k authkeys.Keys
	k.Active = 1
	k.Set(authkeys.Key{Index: 1, Method: authkeys.SHA1, Secret: "spec-test-secret"})
	k.Set(authkeys.Key{Index: 2, Method: authkeys.MD5, Secret: "spec-md5-secret"})
	k.Set(authkeys.Key{Index: 3, Method: authkeys.CRC})
	return &k
}

// seeds returns one captured datagram per capture and message type, and
// hand-made pathological inputs.
func seeds(f *testing.F) [][]byte {
	files, err := filepath.Glob("../../tests/pcap/testdata/*.pcap")
	if err != nil || len(files) == 0 {
		f.Fatalf("no captures: %v", err)
	}
	var out [][]byte
	for _, file := range files {
		ds, err := pcap.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		seen := map[string]bool{}
		for _, d := range ds {
			p, err := Parse(d.Payload)
			if err != nil {
				f.Fatal(err)
			}
			if t, _ := p.Msg.Value(FieldType); !seen[t] {
				seen[t] = true
				out = append(out, d.Payload)
			}
		}
	}
	deep := "###\n%%%\n"
	for range MaxDepth {
		f := "(2)s=" + deep
		deep = fmt.Sprintf("###\n%d:%s,%%%%%%\n", len(f), f)
	}
	for _, s := range []string{
		"", "###\n", ">>>\n", "###\n%%%\n0:,", "###\n%%%\n3:1 a,", "###\n0:,%%%\n2:1 ,",
		"###\n999999:", "###\n0012:(0)t=status,%%%\n",
		"###\n11:(0)t=status,27:(3)l=3:abc,1:d,5:a\nb=c,,15:(4)z=\x00\xff\n%%%\n,%%%\n6:1 abcd,",
		"###\n14:(5)u=###\n%%%\n,%%%\n3:1 x,",
		deep + "3:1 x,",
		">>>\nt=x\n(2)s=>>>\x14a=1\x132\x14(2)u=>>>\x15b=2\x15<<<\x15\x14<<<\x14\n(1)u=dS94vQQwS8+YgUoAXHTQOg==\n(3)l=3:abc,1:d,\n(4)z=AAECAw==\n<<<\n\x00",
		">>>\n\nt=x\nsrc=a\nts=1\nauth=1 abc\n<<<\n",
		">>>\n(1)u=AAE\n<<<\n",
	} {
		out = append(out, []byte(s))
	}
	return out
}

func equalFields(a, b []Field) bool {
	return slices.EqualFunc(a, b, func(x, y Field) bool {
		return x.Type == y.Type && x.Name == y.Name && bytes.Equal(x.Value, y.Value)
	})
}

// hasType reports whether fields or any nested message has a field of type t.
func hasType(fields []Field, t byte) bool {
	for _, f := range fields {
		if f.Type == t {
			return true
		}
		if f.Type == TypeStruct || f.Type == TypeUncompressed {
			if sub, err := parseStruct(f.Value, 1); err == nil && hasType(sub, t) {
				return true
			}
		}
	}
	return false
}

// FuzzDecode checks that the decoder never panics, that whatever it accepts
// is canonical (rendering it again gives the same bytes), and that accepted
// messages survive Encode/Decode and MarshalClassic/UnmarshalClassic.
func FuzzDecode(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	keys := fuzzKeys()
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		m, derr := Decode(b, keys)
		if err != nil {
			if derr == nil {
				t.Fatalf("Decode accepted what Parse rejected: %v", err)
			}
			return
		}
		if derr == nil && !equalFields(m.Fields, d.Msg.Fields) {
			t.Fatalf("Decode and Parse disagree:\n%q\n%q", m.Fields, d.Msg.Fields)
		}
		if d.Format == Netstring {
			again := appendNetMessage(nil, d.Msg.Fields)
			again = appendNetstringLen(again, len(d.Token))
			again = append(append(again, d.Token...), ',')
			if !bytes.Equal(again, b) {
				t.Fatalf("not canonical:\n%q\nrendered again as\n%q", b, again)
			}
		}
		checkClassicRoundTrip(t, d.Msg)
		checkEncodeRoundTrip(t, d.Msg, keys)
	})
}

func checkClassicRoundTrip(t *testing.T, m *Message) {
	t.Helper()
	c, err := MarshalClassic(m)
	if err != nil {
		if !errors.Is(err, ErrBadType) || !hasType(m.Fields, TypeUncompressed) {
			t.Fatalf("MarshalClassic: %v", err)
		}
		return
	}
	m2, err := UnmarshalClassic(c)
	if err != nil {
		t.Fatalf("UnmarshalClassic(%q): %v", c, err)
	}
	if !equalFields(m.Fields, m2.Fields) {
		t.Fatalf("classic round trip:\n%q\n%q", m.Fields, m2.Fields)
	}
	if c2, err := MarshalClassic(m2); err != nil || !bytes.Equal(c, c2) {
		t.Fatalf("classic rendered twice:\n%q\n%q (%v)", c, c2, err)
	}
}

func checkEncodeRoundTrip(t *testing.T, m *Message, keys *authkeys.Keys) {
	t.Helper()
	enc, err := Encode(m, keys)
	if err != nil {
		if !errors.Is(err, ErrMissingField) && !errors.Is(err, ErrTooLarge) &&
			!(errors.Is(err, ErrBadType) && (hasType(m.Fields, TypeUncompressed) || checkRequired(m.Fields) != nil)) {
			t.Fatalf("Encode: %v", err)
		}
		return
	}
	m2, err := Decode(enc, keys)
	if err != nil {
		t.Fatalf("Decode(Encode()): %v\n%q", err, enc)
	}
	if err := VerifyInner(m2, keys); err != nil {
		t.Fatalf("inner auth of Encode(): %v", err)
	}
	want := &Message{Fields: slices.Clone(m.Fields)}
	auth, _ := m2.Get(FieldAuth)
	want.SetField(auth)
	if !equalFields(want.Fields, m2.Fields) {
		t.Fatalf("encode round trip:\n%q\n%q", want.Fields, m2.Fields)
	}
	if enc2, err := Encode(m2, keys); err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("encoded twice:\n%q\n%q (%v)", enc, enc2, err)
	}
}

// FuzzUnmarshalClassic checks the classic parser the same way: no panic,
// and what it accepts survives both forms.
func FuzzUnmarshalClassic(f *testing.F) {
	for _, s := range seeds(f) {
		if d, err := Parse(s); err == nil {
			if c, err := MarshalClassic(d.Msg); err == nil {
				f.Add(c)
			}
		}
		f.Add(s)
	}
	keys := fuzzKeys()
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := UnmarshalClassic(b)
		if err != nil {
			return
		}
		checkClassicRoundTrip(t, m)
		net := appendNetMessage(nil, m.Fields)
		net = append(net, "3:1 x,"...)
		d, err := Parse(net)
		if err != nil || !equalFields(d.Msg.Fields, m.Fields) {
			t.Fatalf("netstring form %q: %v", net, err)
		}
		checkEncodeRoundTrip(t, m, keys)
	})
}
