package heartbeat

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/heartbeat-go/heartbeat-go/resource.d/resourcetest"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// TestSnapshotTakeovers checks that each way of taking over a peer's
// resources is counted once, under its cause.
func TestSnapshotTakeovers(t *testing.T) {
	tests := []struct {
		name string
		mode AutoFailback
		act  func(s *sim)
		want map[string]Takeovers
	}{
		{"dead peer", FailbackOn, func(s *sim) {
			s.kill("node1")
			clear(s.node("node1").running)
			s.run(10 * time.Second)
		}, map[string]Takeovers{"node2": {DeadPeer: 1}}},
		{"shutdown notice", FailbackOn, func(s *sim) {
			s.node("node1").n.Shutdown(s.now)
			s.flush(s.node("node1"))
			// Past deadtime: the silent peer is then dead, but its
			// takeover was counted at the notice.
			s.run(10 * time.Second)
		}, map[string]Takeovers{"node2": {Shutdown: 1}}},
		{"shutdown notice legacy", FailbackLegacy, func(s *sim) {
			s.node("node1").n.Shutdown(s.now)
			s.flush(s.node("node1"))
			s.run(10 * time.Second)
		}, map[string]Takeovers{"node2": {Shutdown: 1}}},
		{"standby and back", FailbackOn, func(s *sim) {
			s.node("node1").n.Standby(s.now, HoldAll)
			s.flush(s.node("node1"))
			s.run(5 * time.Second)
			s.node("node1").n.Takeover(s.now, "all")
			s.flush(s.node("node1"))
			s.run(5 * time.Second)
		}, map[string]Takeovers{"node1": {Standby: 1}, "node2": {Standby: 1}}},
		{"partition", FailbackOn, func(s *sim) {
			s.cut = true
			s.run(10 * time.Second)
		}, map[string]Takeovers{"node1": {DeadPeer: 1}, "node2": {DeadPeer: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, tt.mode)
			s.start("node1")
			s.start("node2")
			s.run(5 * time.Second)
			for _, sn := range s.nodes {
				if got := sn.n.Snapshot().Takeovers; got != (Takeovers{}) {
					t.Fatalf("%s before: %+v", sn.name, got)
				}
			}
			tt.act(s)
			for _, sn := range s.nodes {
				if got := sn.n.Snapshot().Takeovers; got != tt.want[sn.name] {
					t.Errorf("%s: takeovers %+v, want %+v\n%s", sn.name, got, tt.want[sn.name], s.logs())
				}
			}
		})
	}
}

// TestSnapshotLastHeard checks the arrival times per peer and per link.
func TestSnapshotLastHeard(t *testing.T) {
	s := newSim(t, FailbackOn)
	s.cfg.Links = []string{"eth0", "eth1"} // the simulation delivers on eth0
	s.start("node1")
	s.start("node2")
	s.run(5 * time.Second)
	n1 := s.node("node1").n
	st := n1.Snapshot()
	eth0 := st.Nodes[1].Links[0].LastHeard
	if st.Nodes[1].Name != "node2" || eth0.IsZero() || !st.Nodes[1].LastHeard.Equal(eth0) || s.now.Sub(eth0) > time.Second {
		t.Fatalf("node2 after 5 s: %+v (now +%v)", st.Nodes[1], s.now.Sub(simEpoch))
	}
	if l := st.Nodes[1].Links[1]; l.Up || !l.LastHeard.IsZero() {
		t.Errorf("eth1 never heard on: %+v", l)
	}
	if !st.Nodes[0].LastHeard.IsZero() || !st.Nodes[0].Links[0].LastHeard.IsZero() {
		t.Errorf("local node: %+v", st.Nodes[0])
	}

	at := s.now.Add(300 * time.Millisecond)
	n1.Receive(at, Msg{{fT, "NS_ackmsg"}, {fSrc, "node2"}, {fHg, hex(s.node("node2").gen)}}, "eth1")
	st = n1.Snapshot()
	if got := st.Nodes[1]; !got.LastHeard.Equal(at) || !got.Links[1].LastHeard.Equal(at) || !got.Links[1].Up || !got.Links[0].LastHeard.Equal(eth0) {
		t.Errorf("after a packet on eth1 at +%v: %+v", at.Sub(simEpoch), got)
	}
}

// advanceUntil moves a synctest bubble's clock on, a millisecond at a
// time, until rec has recorded call (at most a minute).
func advanceUntil(t *testing.T, rec *resourcetest.Recorder, call string) {
	t.Helper()
	for range time.Minute / time.Millisecond {
		synctest.Wait()
		if slices.Contains(rec.Ops(), call) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no %q within a minute; calls %q", call, rec.Ops())
}

type nullSender struct{}

func (nullSender) Send([]byte) error { return nil }

// TestLoopCountsAndObserves runs the event loop: a peer that never comes
// up is taken over at initdead, its group's agent operations reach the
// ResourceOp observer with their durations, and bad datagrams are counted
// in the published Status, also those whose log lines are suppressed.
func TestLoopCountsAndObserves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ours := keys(t, "auth 1\n1 sha1 ours\n")
		theirs := keys(t, "auth 1\n1 sha1 theirs\n")
		logger, _ := test.NewNullLogger()
		var rec resourcetest.Recorder
		slow, bad := resourcetest.New("slow", &rec), resourcetest.New("bad::x", &rec)
		slowGate, badGate := slow.Gate(true), bad.Gate(true)
		bad.FailStart(-1)
		var mu sync.Mutex
		var ops []ResourceOp
		packets := make(chan media.Packet)
		l := &Loop{
			Config: Config{
				Node: "node1", Nodes: []string{"node1", "node2"}, Links: []string{"eth0"},
				Keepalive: time.Second, Deadtime: 5 * time.Second, Warntime: 3 * time.Second, Initdead: 10 * time.Second,
				AutoFailback: FailbackOn, Hopfudge: 1, MaxStartFailures: 1,
				Groups: []*Group{{Owner: "node2", Key: "slow bad::x", Resources: []Resource{
					{Name: "slow", Agent: slow},
					{Name: "bad", Args: []string{"x"}, Agent: bad},
				}}},
			},
			Keys: ours, Generation: 1, Media: []Sender{nullSender{}},
			Packets: packets, Requests: make(chan Request),
			Log: logrus.NewEntry(logger), RMLog: logrus.NewEntry(logger),
			ResourceOp: func(op ResourceOp) {
				mu.Lock()
				defer mu.Unlock()
				ops = append(ops, op)
			},
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel() // a failed test must not leave the loop at a gate
		done := make(chan error, 1)
		go func() { done <- l.Run(ctx) }()

		// initdead, then the takeover: slow takes 3 s to start, bad 1 s
		// to fail, and the stops of the release take no time.
		advanceUntil(t, &rec, "slow start")
		time.Sleep(3 * time.Second)
		slowGate <- struct{}{}
		advanceUntil(t, &rec, "bad::x start")
		time.Sleep(time.Second)
		badGate <- struct{}{}
		badGate <- struct{}{}
		slowGate <- struct{}{}
		time.Sleep(5 * time.Second) // nothing else is started or stopped
		synctest.Wait()
		if got, want := rec.Ops(), []string{"slow status", "slow start", "bad::x status", "bad::x start", "bad::x stop", "slow stop"}; !slices.Equal(got, want) {
			t.Errorf("agent calls %q, want %q", got, want)
		}
		if got := l.Status().Takeovers; got != (Takeovers{DeadPeer: 1}) {
			t.Errorf("takeovers %+v, want one of a dead peer", got)
		}
		type op struct {
			word, op string
			d        time.Duration
			failed   bool
		}
		var got []op
		mu.Lock()
		for _, o := range ops {
			got = append(got, op{o.Resource, o.Op, o.Duration, o.Err != nil})
		}
		mu.Unlock()
		want := []op{
			{"slow", "status", 0, false},
			{"slow", "start", 3 * time.Second, false},
			{"bad::x", "status", 0, false},
			{"bad::x", "start", time.Second, true},
			{"bad::x", "stop", 0, false},
			{"slow", "stop", 0, false},
		}
		if !slices.Equal(got, want) {
			t.Errorf("observed %+v\nwant %+v", got, want)
		}

		m := &wire.Message{}
		m.Set("t", "status")
		wire.AddControlFields(m, wire.Origin{Node: "node2", Seq: 1, Generation: 5, Time: time.Unix(1, 0), TTL: 3})
		forged, err := wire.Encode(m, theirs)
		if err != nil {
			t.Fatal(err)
		}
		from := netip.MustParseAddrPort("10.250.0.2:694")
		for _, buf := range [][]byte{forged, forged, []byte("garbage"), forged} {
			packets <- media.Packet{Buf: buf, From: from, At: time.Now(), Medium: "eth0"}
		}
		synctest.Wait()
		if got := l.Status().BadPackets; got != (BadPackets{Auth: 3, Malformed: 1}) {
			t.Errorf("bad packets %+v, want 3 failed authentication and 1 malformed", got)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
}
