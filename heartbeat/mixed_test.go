package heartbeat

import (
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// script plays a heartbeat 3.0.6 node1 against a heartbeat-go node2: it
// sends node1's messages in order and runs node2's resource jobs at once.
type script struct {
	t    *testing.T
	n    *Node
	hook *test.Hook
	now  time.Time
	gen  uint64
	seq  uint64
	st   string // node1's status, sent every second while time passes
	sent []Msg  // what node2 sent
}

func newScript(t *testing.T, mode AutoFailback) *script {
	t.Helper()
	logger, hook := test.NewNullLogger()
	cfg := newSim(t, mode).cfg
	cfg.Node = "node2"
	s := &script{t: t, hook: hook, now: simEpoch}
	s.n = NewNode(cfg, 300, s.now, logrus.NewEntry(logger), 1)
	s.n.Start(s.now)
	return s
}

// restart makes node1 a new incarnation (3.0.6's restart exec).
func (s *script) restart(gen uint64) { s.gen, s.seq = gen, 0 }

// from delivers a message of node1 (sequenced, as 3.0.6 sends them all).
func (s *script) from(t string, kv ...string) {
	s.wait(10 * time.Millisecond)
	s.deliver(t, kv...)
}

func (s *script) deliver(t string, kv ...string) {
	s.seq++
	if t == tStatus {
		s.st = newMsg(t, kv...).Get(fSt)
	}
	s.n.Receive(s.now, fromNode1(s.gen, s.seq, newMsg(t, kv...)), "eth0")
	s.settle()
}

// wait lets d pass on node2, with its timers and jobs, while node1 keeps
// sending its status.
func (s *script) wait(d time.Duration) {
	end := s.now.Add(d)
	for s.now.Before(end) {
		s.now = s.now.Add(10 * time.Millisecond)
		if s.now.After(end) {
			s.now = end
		}
		if s.st != "" && s.now.Sub(simEpoch)%time.Second == 0 {
			s.deliver(tStatus, fSt, s.st, fDt, "bb8", fProtocol, "1")
		}
		s.n.Tick(s.now)
		s.settle()
	}
}

// settle runs node2's queued jobs to success and keeps what it sent.
func (s *script) settle() {
	for {
		for _, o := range s.n.TakeOut() {
			s.sent = append(s.sent, o.Msg)
		}
		jobs := s.n.TakeJobs()
		if len(jobs) == 0 {
			return
		}
		for _, j := range jobs {
			s.n.JobDone(s.now, JobResult{Job: j})
		}
	}
}

// sentSince reports whether node2 sent a message of type t with the given
// fields since message index i.
func (s *script) sentSince(i int, t string, kv ...string) bool {
	for _, m := range s.sent[i:] {
		if m.Type() != t {
			continue
		}
		match := true
		for j := 0; j+1 < len(kv); j += 2 {
			match = match && m.Get(kv[j]) == kv[j+1]
		}
		if match {
			return true
		}
	}
	return false
}

// After a partition heal in a mixed cluster both nodes restart. Here the
// heartbeat-go node2 restarted first, heard the old 3.0.6 node1 finish its
// restart with a shutdown notice, took every group and began its start-up
// exchange; the new node1 came up during it, found node2 holding its group
// and waited for the failback (seen in CI: node2 kept the group for good).
// node1 left and came back while node2 held its group: auto_failback on
// gives it back once both are stable, whichever ends its start-up first,
// as 3.0.6 does after its mach_down.
func TestFailbackToPeerBackDuringOurStartup(t *testing.T) {
	for name, peerFirst := range map[string]bool{"node2 stable first": false, "node1 stable first": true} {
		t.Run(name, func(t *testing.T) {
			s := newScript(t, FailbackOn)
			s.restart(200)
			s.from(tShutdone, fSt, stDead)
			s.from(tStatus, fSt, stActive, fDt, "bb8", fProtocol, "1")
			s.wait(time.Second)
			if s.n.hold != HoldAll {
				t.Fatalf("node2 holds %v after node1's shutdown notice, want all", s.n.hold)
			}
			s.restart(201)
			s.from(tStatus, fSt, stInit, fDt, "bb8", fProtocol, "1")
			s.from(tStatus, fSt, stUp, fDt, "bb8", fProtocol, "1")
			s.from(tStatus, fSt, stActive, fDt, "bb8", fProtocol, "1")
			s.from(tStarting)
			s.from(tResource, fRscHold, "none", fRtype, "full", fIsStable, "0")
			if !peerFirst {
				s.wait(requestDelay)
				if s.n.rstate != rStable {
					t.Fatal("node2 did not end its start-up exchange")
				}
			}
			if s.sentSince(0, tAskResources, fInfo, "me") {
				t.Fatal("node2 asked for the failback before node1 was stable (3.0.6 ignores that)")
			}
			mark := len(s.sent)
			s.from(tResource, fRscHold, "none", fRtype, "full", fIsStable, "1")
			if !s.sentSince(mark, tAskResources, fRscHold, "foreign", fInfo, "me") {
				for _, e := range s.hook.AllEntries() {
					t.Log(e.Message)
				}
				t.Fatalf("node2 keeps node1's group: no failback request once both are stable; sent %v", s.sent[mark:])
			}
			mark = len(s.sent)
			s.from(tAskResources, fRscHold, "foreign", fInfo, "other")
			if s.n.hold&HoldForeign != 0 || s.n.running[0] || !s.sentSince(mark, tAskResources, fRscHold, "foreign", fInfo, "done") {
				t.Fatalf("node2 did not hand the group back: holds %v, running %v, sent %v", s.n.hold, s.n.running, s.sent[mark:])
			}
		})
	}
}

// A 3.0.6 node1 that restarted and shuts down before it reported a stable
// state leaves its group to node2, which must not offer it back to the
// node that is leaving.
func TestNoFailbackToLeavingPeer(t *testing.T) {
	s := newScript(t, FailbackOn)
	s.restart(200)
	s.from(tStatus, fSt, stActive, fDt, "bb8", fProtocol, "1")
	s.from(tStarting)
	s.from(tResource, fRscHold, "local", fRtype, "full", fIsStable, "1")
	s.wait(2 * time.Second)
	s.restart(201)
	s.from(tStatus, fSt, stInit, fDt, "bb8", fProtocol, "1")
	s.from(tStatus, fSt, stUp, fDt, "bb8", fProtocol, "1")
	s.from(tStatus, fSt, stActive, fDt, "bb8", fProtocol, "1")
	s.from(tStarting)
	mark := len(s.sent)
	s.from(tShutdone, fSt, stDead)
	s.wait(2 * time.Second)
	if s.n.hold != HoldAll {
		t.Fatalf("node2 holds %v after node1's shutdown notice, want all", s.n.hold)
	}
	if s.sentSince(mark, tAskResources, fInfo, "me") {
		t.Fatalf("node2 offered the group back to node1 that shuts down; sent %v", s.sent[mark:])
	}
}
