// Package pcap reads classic libpcap capture files (what `tcpdump -w`
// writes) and returns the UDP/IPv4 datagrams in them, for golden tests and
// for replaying captured heartbeat traffic. It has no dependencies outside
// the standard library.
//
// Supported: both byte orders, microsecond and nanosecond timestamps, and the
// link types Ethernet (with one 802.1Q tag), Linux cooked (SLL and SLL2) and
// raw IP. Frames that are not UDP over IPv4 (ARP, ICMP, IPv6) are skipped.
// The testdata directory holds the heartbeat 3.0.6 captures of
// shared/testdata/heartbeat-3.0.6/pcap with their one-line decodes.
package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"
)

// Datagram is one captured UDP payload.
type Datagram struct {
	Time    time.Time // capture time, UTC
	Src     netip.AddrPort
	Dst     netip.AddrPort
	Payload []byte
}

// Errors for files this package cannot read. A file cut short (a capture
// still running) returns the datagrams before the cut and io.ErrUnexpectedEOF.
var (
	ErrFormat    = errors.New("not a pcap file")
	ErrLinkType  = errors.New("unsupported link type")
	ErrTruncated = errors.New("udp datagram cut by the capture's snap length")
	ErrFragment  = errors.New("fragmented ip datagram")
)

// Link types (tcpdump's LINKTYPE_*).
const (
	linkEthernet = 1
	linkRaw      = 101
	linkSLL      = 113
	linkSLL2     = 276
)

// maxRecord bounds one record; heartbeat datagrams are far smaller.
const maxRecord = 256 * 1024

// ReadFile reads the capture file at path.
func ReadFile(path string) ([]Datagram, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ds, err := Read(f)
	if err != nil {
		return ds, fmt.Errorf("reading %s: %w", path, err)
	}
	return ds, nil
}

// ReadBrief reads the one-line decodes hbwire.py wrote for the capture file
// at path, one line per datagram, from the .brief.txt file beside it.
func ReadBrief(path string) ([]string, error) {
	b, err := os.ReadFile(strings.TrimSuffix(path, ".pcap") + ".brief.txt")
	if err != nil || len(b) == 0 {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"), nil
}

// Read reads a capture from r.
func Read(r io.Reader) ([]Datagram, error) {
	var hdr [24]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("file header: %w", noEOF(err))
	}
	var order binary.ByteOrder
	nano := false
	switch binary.LittleEndian.Uint32(hdr[:4]) {
	case 0xa1b2c3d4:
		order = binary.LittleEndian
	case 0xa1b23c4d:
		order, nano = binary.LittleEndian, true
	case 0xd4c3b2a1:
		order = binary.BigEndian
	case 0x4d3cb2a1:
		order, nano = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("%w: magic %x", ErrFormat, hdr[:4])
	}
	link := order.Uint32(hdr[20:24]) & 0xffff // the upper bits carry FCS flags
	switch link {
	case linkEthernet, linkRaw, linkSLL, linkSLL2:
	default:
		return nil, fmt.Errorf("%w: %d", ErrLinkType, link)
	}
	var out []Datagram
	for n := 1; ; n++ {
		var rec [16]byte
		if _, err := io.ReadFull(r, rec[:]); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, fmt.Errorf("record %d header: %w", n, noEOF(err))
		}
		sec, frac, incl := order.Uint32(rec[0:4]), order.Uint32(rec[4:8]), order.Uint32(rec[8:12])
		if incl > maxRecord {
			return out, fmt.Errorf("record %d: %w: %d bytes", n, ErrFormat, incl)
		}
		frame := make([]byte, incl)
		if _, err := io.ReadFull(r, frame); err != nil {
			return out, fmt.Errorf("record %d: %w", n, noEOF(err))
		}
		if !nano {
			frac *= 1000
		}
		d, ok, err := udp(link, frame)
		if err != nil {
			return out, fmt.Errorf("record %d: %w", n, err)
		}
		if ok {
			d.Time = time.Unix(int64(sec), int64(frac)).UTC()
			out = append(out, d)
		}
	}
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// udp extracts the UDP datagram of a frame; ok is false for other frames.
func udp(link uint32, frame []byte) (d Datagram, ok bool, err error) {
	var ethertype uint16
	switch link {
	case linkEthernet:
		if len(frame) < 14 {
			return d, false, nil
		}
		ethertype, frame = binary.BigEndian.Uint16(frame[12:14]), frame[14:]
		if ethertype == 0x8100 && len(frame) >= 4 {
			ethertype, frame = binary.BigEndian.Uint16(frame[2:4]), frame[4:]
		}
	case linkSLL:
		if len(frame) < 16 {
			return d, false, nil
		}
		ethertype, frame = binary.BigEndian.Uint16(frame[14:16]), frame[16:]
	case linkSLL2:
		if len(frame) < 20 {
			return d, false, nil
		}
		ethertype, frame = binary.BigEndian.Uint16(frame[0:2]), frame[20:]
	case linkRaw:
		ethertype = 0x0800
	}
	if ethertype != 0x0800 || len(frame) < 20 || frame[0]>>4 != 4 {
		return d, false, nil
	}
	ihl := int(frame[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(frame[2:4]))
	if ihl < 20 || total < ihl || frame[9] != 17 {
		return d, false, nil
	}
	if flags := binary.BigEndian.Uint16(frame[6:8]); flags&0x3fff != 0 { // MF or an offset
		return d, false, ErrFragment
	}
	if total > len(frame) || total-ihl < 8 {
		return d, false, ErrTruncated
	}
	ip, seg := frame[:total], frame[ihl:total]
	ulen := int(binary.BigEndian.Uint16(seg[4:6]))
	if ulen < 8 || ulen > len(seg) {
		return d, false, ErrTruncated
	}
	src, _ := netip.AddrFromSlice(ip[12:16])
	dst, _ := netip.AddrFromSlice(ip[16:20])
	d.Src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(seg[0:2]))
	d.Dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(seg[2:4]))
	d.Payload = seg[8:ulen]
	return d, true, nil
}
