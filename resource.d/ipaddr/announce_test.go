package ipaddr

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
)

func TestGratuitousFrames(t *testing.T) {
	mac := net.HardwareAddr{0x2e, 0xca, 0xe6, 0x15, 0xdd, 0x92}
	vip := netip.MustParseAddr("10.99.0.5")
	frames, err := gratuitousFrames(mac, vip)
	if err != nil {
		t.Fatal(err)
	}
	// What send_arp put on the wire for 10.99.0.5 (tcpdump -xx, captured
	// from the real IPaddr agent on this machine), padded by us to the
	// Ethernet minimum of 60 bytes as a NIC pads send_arp's 42.
	const pad = "000000000000000000000000000000000000"
	want := [2]string{
		"ffffffffffff2ecae615dd92080600010800060400012ecae615dd920a6300050000000000000a630005" + pad,
		"ffffffffffff2ecae615dd92080600010800060400022ecae615dd920a6300052ecae615dd920a630005" + pad,
	}
	for i, f := range frames {
		if got := hex.EncodeToString(f); got != want[i] {
			t.Errorf("frame %d\n got %s\nwant %s", i, got, want[i])
		}
		var eth ethernet.Frame
		if err := eth.UnmarshalBinary(f); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		var p arp.Packet
		if err := p.UnmarshalBinary(eth.Payload); err != nil {
			t.Fatalf("frame %d payload: %v", i, err)
		}
		if eth.Destination.String() != "ff:ff:ff:ff:ff:ff" || p.SenderIP != vip || p.TargetIP != vip ||
			p.SenderHardwareAddr.String() != mac.String() {
			t.Errorf("frame %d = %v %+v, want broadcast with VIP as sender and target", i, eth.Destination, p)
		}
	}
}

// recorder is an announcer that records when each packet was sent.
type recorder struct {
	mu     sync.Mutex
	at     []time.Duration
	start  time.Time
	closed bool
}

func (r *recorder) Send(i int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.at = append(r.at, time.Since(r.start))
	return nil
}

func (r *recorder) Schedule(repeat int, interval time.Duration) (int, time.Duration) {
	return 2 * repeat, interval / 2
}

func (r *recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}

func (r *recorder) sent() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.at...)
}

func TestAnnounceSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := New(KindIPaddr, []string{"10.0.0.5/24/eth0"}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := &recorder{start: time.Now()}
		if err := a.announce(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		if got := r.sent(); len(got) != 1 || got[0] != 0 {
			t.Fatalf("after announce returned: sent at %v, want one packet at 0", got)
		}
		time.Sleep(time.Hour)
		got := r.sent()
		if len(got) != 20 {
			t.Fatalf("sent %d packets, want 20 (10 rounds of request and reply)", len(got))
		}
		for i, d := range got {
			if want := time.Duration(i) * 250 * time.Millisecond; d != want {
				t.Errorf("packet %d at %v, want %v", i, d, want)
			}
		}
		synctest.Wait()
		if !r.closed {
			t.Error("announcer not closed after the last packet")
		}
	})
}

func TestStopEndsAnnouncements(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := New(KindIPaddr2, []string{"10.0.0.5/24/eth0"}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := &recorder{start: time.Now()}
		if err := a.announce(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond) // packets at 0, 100, 200 ms
		a.mu.Lock()
		a.stopAnnouncer()
		a.mu.Unlock()
		time.Sleep(time.Hour)
		if got := r.sent(); len(got) != 3 || !r.closed {
			t.Errorf("sent %v (closed %v), want 3 packets and a closed socket", got, r.closed)
		}
	})
}

func TestContextEndsAnnouncements(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := New(KindIPaddr2, []string{"10.0.0.5/24/eth0"}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := &recorder{start: time.Now()}
		ctx, cancel := context.WithCancel(t.Context())
		if err := a.announce(ctx, r); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
		cancel()
		time.Sleep(time.Hour)
		if got := r.sent(); len(got) != 2 {
			t.Errorf("sent %v, want 2 packets before the context ended", got)
		}
	})
}

func TestAnnounceFirstPacketError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := New(KindIPaddr2, []string{"10.0.0.5/24/eth0"}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := &recorder{start: time.Now()}
		if err := a.announce(t.Context(), failing{r}); err == nil {
			t.Fatal("announce succeeded although the first packet failed")
		}
		if !r.closed {
			t.Error("socket left open after the first packet failed")
		}
	})
}

// failing is a recorder whose sends all fail.
type failing struct{ *recorder }

func (failing) Send(int) error { return errors.New("network down") }
