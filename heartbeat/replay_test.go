package heartbeat

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// replayNode returns node2 of the lab cluster that has heard node1's
// generation 200 (status seq 1) at simEpoch, and the hook of its log.
func replayNode(t *testing.T) (*Node, *test.Hook) {
	t.Helper()
	logger, hook := test.NewNullLogger()
	cfg := newSim(t, FailbackOn).cfg
	cfg.Node = "node2"
	n := NewNode(cfg, 300, simEpoch, logrus.NewEntry(logger), 1)
	n.Start(simEpoch)
	n.Receive(simEpoch, fromNode1(200, 1, newMsg(tStatus, fSt, stActive, fDt, "1388", fProtocol, "1")), "eth0")
	return n, hook
}

// fromNode1 completes m as node1 of generation gen sends it.
func fromNode1(gen, seq uint64, m Msg) Msg {
	m = append(m, KV{fSrc, "node1"})
	if seq != 0 {
		m = append(m, KV{fSeq, hex(seq)})
	}
	return append(m, KV{fHg, hex(gen)})
}

func countLogged(hook *test.Hook, text string) int {
	n := 0
	for _, e := range hook.AllEntries() {
		if strings.Contains(e.Message, text) {
			n++
		}
	}
	return n
}

// A flood of replayed messages (sequenced or not) of an older generation is
// logged once a second with a count, not once per message.
func TestReplaysRateLimited(t *testing.T) {
	n, hook := replayNode(t)
	now := simEpoch
	for i := range 100 {
		now = now.Add(5 * time.Millisecond)
		m := newMsg(tStatus, fSt, stDead, fDt, "1388")
		seq := uint64(i + 1)
		if i%2 == 1 {
			m, seq = newMsg(tAck, fDest, "node2", fAckseq, "1"), 0
		}
		n.Receive(now, fromNode1(100, seq, m), "eth0")
	}
	n.Receive(simEpoch.Add(1500*time.Millisecond), fromNode1(100, 7, newMsg(tStatus, fSt, stDead)), "eth0")
	if got := countLogged(hook, "should_drop_message: attempted replay attack [node1]? [gen = 100, curgen = 200]"); got != 2 {
		t.Errorf("%d replay lines for 101 replays in 1.5 s, want 2", got)
	}
	if got := countLogged(hook, "99 more replayed packet(s) from node1 dropped"); got != 1 {
		t.Errorf("%d summaries of the 99 suppressed replays, want 1", got)
	}
	if got := countLogged(hook, "Status update for node node1: status dead"); got != 0 {
		t.Error("a replayed status was processed")
	}
}

// An old-generation NS_ackmsg of a peer declared dead does not bring its
// link back up.
func TestReplayedAckOfDeadPeer(t *testing.T) {
	n, hook := replayNode(t)
	dead := simEpoch.Add(20 * time.Second)
	n.Tick(dead)
	if countLogged(hook, "node node1: is dead") != 1 || countLogged(hook, "Link node1:eth0 dead.") != 1 {
		t.Fatalf("node1 not declared dead: %v", hook.AllEntries())
	}
	n.Receive(dead.Add(time.Second), fromNode1(100, 0, newMsg(tAck, fDest, "node2", fAckseq, "5")), "eth0")
	if got := countLogged(hook, "Link node1:eth0 up."); got != 1 {
		t.Errorf("Link node1:eth0 up. logged %d times, want once (before the death)", got)
	}
	if countLogged(hook, "attempted replay attack [node1]") != 1 {
		t.Error("the replayed NS_ackmsg was not reported")
	}
}

// A sequenced message for another uuid of our name still fills its place in
// the sequence, so the next one is not reported lost.
func TestOtherUUIDKeepsSequence(t *testing.T) {
	n, hook := replayNode(t)
	keys, err := authkeys.Parse("authkeys", strings.NewReader("auth 1\n1 sha1 spec-test-secret\n"), authkeys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := &Loop{Config: Config{Node: "node2"}, Keys: keys, UUID: wire.UUID{2}, uuids: map[string]wire.UUID{}}
	at := simEpoch
	for seq, kv := range [][]string{
		{"t", "reqnodes", "dest", "node2"},
		{"t", "status", "st", "active", "dt", "1388", "protocol", "1"},
	} {
		m := &wire.Message{}
		for i := 0; i < len(kv); i += 2 {
			m.Set(kv[i], kv[i+1])
		}
		at = at.Add(time.Second)
		wire.AddControlFields(m, wire.Origin{Node: "node1", UUID: wire.UUID{1}, DestUUID: wire.UUID{9}, Seq: uint64(seq + 2), Generation: 200, Time: at, TTL: 3})
		buf, err := wire.Encode(m, keys)
		if err != nil {
			t.Fatal(err)
		}
		l.receive(n, media.Packet{Buf: buf, From: netip.MustParseAddrPort("10.250.0.1:694"), At: at, Medium: "eth0"})
	}
	if got := countLogged(hook, "lost packet"); got != 0 {
		t.Errorf("%d lost-packet lines: %v", got, hook.AllEntries())
	}
	for _, o := range n.TakeOut() {
		if o.Msg.Type() == tRepNodes {
			t.Errorf("answered a reqnodes for another uuid: %v", o.Msg)
		}
	}
}
