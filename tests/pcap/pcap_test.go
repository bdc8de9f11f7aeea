package pcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCaptures reads every capture and checks each datagram's time and
// addresses against the line hbwire.py wrote for it.
func TestCaptures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.pcap")
	if err != nil || len(files) != 16 {
		t.Fatalf("want 16 captures, got %d (%v)", len(files), err)
	}
	total := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ds, err := ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ReadBrief(file)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != len(want) {
				t.Fatalf("read %d datagrams, decode has %d lines", len(ds), len(want))
			}
			for i, d := range ds {
				got := d.Time.Format("15:04:05.000") + " " + d.Src.String() + ">" + d.Dst.String() + " "
				if !strings.HasPrefix(want[i], got) {
					t.Fatalf("datagram %d: %q, decode says %q", i, got, want[i])
				}
				if !bytes.HasPrefix(d.Payload, []byte("###\n")) {
					t.Fatalf("datagram %d: payload %q is not a heartbeat message", i, d.Payload[:8])
				}
			}
			total += len(ds)
		})
	}
	if total != 1842 {
		t.Errorf("%d datagrams in all captures, want 1842", total)
	}
}

// capture builds a pcap file: a header with magic and link type, then one
// record per frame.
func capture(order binary.AppendByteOrder, magic, link uint32, frames ...[]byte) []byte {
	var b []byte
	b = order.AppendUint32(b, magic)
	b = order.AppendUint16(b, 2)
	b = order.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = order.AppendUint32(b, 65535)
	b = order.AppendUint32(b, link)
	for i, f := range frames {
		b = order.AppendUint32(b, 1795367800+uint32(i))
		b = order.AppendUint32(b, 250)
		b = order.AppendUint32(b, uint32(len(f)))
		b = order.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// ipv4UDP builds an IPv4/UDP packet 10.0.0.1:1000 > 10.0.0.2:694.
func ipv4UDP(payload string, flags uint16) []byte {
	ip := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(payload)))
	binary.BigEndian.PutUint16(ip[6:], flags)
	u := []byte{0x03, 0xe8, 0x02, 0xb6, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(u[4:], uint16(8+len(payload)))
	return append(append(ip, u...), payload...)
}

func TestFormats(t *testing.T) {
	pkt := ipv4UDP("hello", 0x4000) // DF set: not a fragment
	eth := append([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00}, pkt...)
	vlan := append([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00, 0, 5, 0x08, 0x00}, pkt...)
	sll := append(append(make([]byte, 14), 0x08, 0x00), pkt...)
	sll2 := append(append([]byte{0x08, 0x00}, make([]byte, 18)...), pkt...)
	arp := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x06, 0, 1}
	padded := append(append([]byte{}, eth...), 0, 0, 0, 0)
	tests := []struct {
		name string
		file []byte
		want int
		nano bool
	}{
		{"ethernet little endian", capture(binary.LittleEndian, 0xa1b2c3d4, linkEthernet, eth, arp, padded), 2, false},
		{"ethernet big endian", capture(binary.BigEndian, 0xa1b2c3d4, linkEthernet, eth), 1, false},
		{"nanoseconds", capture(binary.LittleEndian, 0xa1b23c4d, linkEthernet, eth), 1, true},
		{"vlan", capture(binary.LittleEndian, 0xa1b2c3d4, linkEthernet, vlan), 1, false},
		{"raw", capture(binary.LittleEndian, 0xa1b2c3d4, linkRaw, pkt), 1, false},
		{"sll", capture(binary.LittleEndian, 0xa1b2c3d4, linkSLL, sll), 1, false},
		{"sll2", capture(binary.BigEndian, 0xa1b23c4d, linkSLL2, sll2), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := Read(bytes.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != tt.want {
				t.Fatalf("got %d datagrams, want %d", len(ds), tt.want)
			}
			d := ds[0]
			if string(d.Payload) != "hello" || d.Src.String() != "10.0.0.1:1000" || d.Dst.String() != "10.0.0.2:694" {
				t.Errorf("got %s > %s %q", d.Src, d.Dst, d.Payload)
			}
			wantNS := 250000
			if tt.nano {
				wantNS = 250
			}
			if d.Time.Unix() != 1795367800 || d.Time.Nanosecond() != wantNS {
				t.Errorf("time %v (%d ns), want 1795367800 s %d ns", d.Time, d.Time.Nanosecond(), wantNS)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	eth := func(p []byte) []byte { return append([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00}, p...) }
	good := capture(binary.LittleEndian, 0xa1b2c3d4, linkEthernet, eth(ipv4UDP("hello", 0)))
	tests := []struct {
		name string
		file []byte
		want error
		n    int // datagrams returned before the error
	}{
		{"empty", nil, io.ErrUnexpectedEOF, 0},
		{"bad magic", append([]byte("GIF89a"), make([]byte, 30)...), ErrFormat, 0},
		{"link type", capture(binary.LittleEndian, 0xa1b2c3d4, 105), ErrLinkType, 0},
		{"cut in record header", good[:30], io.ErrUnexpectedEOF, 0},
		{"cut in frame", good[:len(good)-2], io.ErrUnexpectedEOF, 0},
		{"cut after a record", append(append([]byte{}, good...), good[24:30]...), io.ErrUnexpectedEOF, 1},
		{"fragment", capture(binary.LittleEndian, 0xa1b2c3d4, linkEthernet, eth(ipv4UDP("x", 0x2000))), ErrFragment, 0},
		{"snap length", capture(binary.LittleEndian, 0xa1b2c3d4, linkEthernet, eth(ipv4UDP("hello", 0))[:40]), ErrTruncated, 0},
		{"huge record", append(bytes.Clone(good[:24]), 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0), ErrFormat, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := Read(bytes.NewReader(tt.file))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if len(ds) != tt.n {
				t.Errorf("got %d datagrams, want %d", len(ds), tt.n)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"testdata/01-startup.pcap", "testdata/11-start-failure.pcap"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 2000)])
	}
	f.Add(capture(binary.BigEndian, 0xa1b23c4d, linkSLL2, make([]byte, 19)))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := Read(bytes.NewReader(b))
		if err == nil && len(b) < 24 {
			t.Fatalf("accepted %d bytes", len(b))
		}
		for _, d := range ds {
			if len(d.Payload) > len(b) || !d.Src.IsValid() || !d.Dst.IsValid() {
				t.Fatalf("bad datagram %+v", d)
			}
		}
	})
}
