// Package heartbeat is the membership and failover state machine of a
// heartbeat v1 node: status heartbeats, dead-node detection, sequence
// bookkeeping, and the resource protocol of heartbeat 3.0.6 (starting,
// resource, ask_resources, ip-request, shutdone). Node is driven by its
// owner's event loop (Run) one event at a time and never reads a clock: every
// method takes the current time.
package heartbeat

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/sirupsen/logrus"
)

// AutoFailback is the auto_failback mode of ha.cf.
type AutoFailback int

// The three modes of spec 5.1.
const (
	FailbackLegacy AutoFailback = iota // the 3.0.6 default: ip-request protocol
	FailbackOn                         // nice_failback, groups return to their owner
	FailbackOff                        // nice_failback, groups stay where they are
)

// Protocol constants of 3.0.6.
const (
	requestDelay   = 10 * time.Second // RQSTDELAY: deadlock breaker at start-up
	standbyTimeout = 10 * time.Second // STANDBY_INIT_TO_MS: to get the answer to ask_resources me
	standbyRscTime = time.Hour        // HB_STANDBY_RSC_TO_MS: for the resource work of a standby
	dtBoostPeriod  = 5 * time.Second  // dt = deadtime + 2 s this long after start
	dtBoost        = 2 * time.Second
	rexmitDelay    = 250 * time.Millisecond // max_rexmit_delay
	historySize    = 500                    // sent messages kept for NS_rexmit
	rexmitMinGap   = time.Second            // a message is resent at most once a second
	partitionDelay = 2 * time.Second        // heal: give up resources this much later
	// ipRequestRetry: legacy mode, an unanswered ip-request is sent again
	// this much later (ours; 3.0.6 asks once).
	ipRequestRetry = 30 * time.Second
	// resourceManager is the script 3.0.6 names in "No local resources [...]".
	resourceManager = "/usr/share/heartbeat/ResourceManager"
)

// Config is what a node needs to know, taken from ha.cf and haresources.
type Config struct {
	Node         string   // local node name (lower case)
	Nodes        []string // ha.cf node lines, in order, including Node
	Links        []string // link names of the media (eth0)
	Keepalive    time.Duration
	Deadtime     time.Duration
	Warntime     time.Duration
	Initdead     time.Duration
	AutoFailback AutoFailback
	Groups       []*Group // haresources lines in order
	Hopfudge     int      // ttl = hopfudge + number of nodes
	// MaxStartFailures is how often a group may fail to start on this node
	// before it is left stopped here (3.0.6 has no limit and strands the
	// group; spec 9.1 item 10).
	MaxStartFailures int
	// Stonith says a STONITH device is configured (not yet implemented:
	// always false, so takeovers log 3.0.6's two warnings).
	Stonith bool
}

// rstate is the resource-protocol state of spec 5.2.
type rstate int

const (
	rInit rstate = iota
	rStarting
	rBothStarting
	rRscRcvd
	rStable
	rShutdown
)

// standbyRole is this node's part in a running standby exchange (spec 5.5).
type standbyRole int

const (
	standbyNone  standbyRole = iota
	standbyMe                // we give up a set
	standbyOther             // we take the peer's set
	standbyDone              // we gave up our set and wait for the peer's "done"
)

// peer is what a node knows of another node.
type peer struct {
	name        string
	state       string // "" before it is heard, then init, up, active, dead
	deadtime    time.Duration
	lastHeard   time.Time
	lastStatus  time.Time
	links       map[string]time.Time // last packet per link
	linkUp      map[string]bool
	seq         seqTrack
	protocol    bool
	ackTrigger  uint64
	hold        Holding // as the peer reported it, from its point of view
	holdSeq     uint64  // sequence number of the full report hold comes from
	stable      bool
	isGo        bool
	rexmit      map[uint64]time.Time // missing seq → when to ask for it
	replayAt    time.Time            // when a replay of p was last logged
	replays     int                  // replays of p not logged since then
	shutdone    bool                 // announced a graceful shutdown
	failbackDue bool                 // came (back) up while we ran: see checkFailback
	// healPending: a Go peer returned after a partition; once it reports
	// holding none of our groups, we announce ours again.
	healPending bool
	ackDue      Msg  // NS_ackmsg to send once the current message is processed
	heardUp     bool // reqnodes sent

	// handoffs counts our requests to generation handoffGen of the peer
	// to take groups that failed to start here (see handOffStranded).
	handoffs, handoffGen uint64

	// askedSeq is the highest sequence number of generation askedGen we
	// had from the peer when we last asked to go standby: an "other" it
	// sent up to then answers an earlier request.
	askedSeq, askedGen uint64
}

func (p *peer) alive() bool { return p.state != "" && p.state != stDead }

// Node states on the wire.
const (
	stInit   = "init"
	stUp     = "up"
	stActive = "active"
	stDead   = "dead"
)

// Out is one message the node wants sent. Seq is 0 for NS_ messages.
type Out struct {
	Msg Msg
	Seq uint64
	At  time.Time // creation time, for the ts field
}

type sent struct {
	out      Out
	resentAt time.Time
}

// jobKind says whether a job starts or stops groups.
type jobKind int

const (
	jobAcquire jobKind = iota
	jobRelease
	jobAnnounce // announce running groups again (gratuitous ARP)
)

// Job is resource work the node hands to its runner; the runner reports
// back with JobDone. Only one job runs at a time, as in 3.0.6.
type Job struct {
	Kind   jobKind
	Groups []int // indices into Config.Groups, in the order to process
	Why    string
	Peer   string
	Set    Holding // the standby set, from the node's own point of view
}

// Acquire reports whether the job starts groups (otherwise it stops them).
func (j Job) Acquire() bool { return j.Kind == jobAcquire }

// Announce reports whether the job only announces running groups again.
func (j Job) Announce() bool { return j.Kind == jobAnnounce }

// JobResult is the outcome of a Job.
type JobResult struct {
	Job        Job
	Failed     []int // groups that failed to start (already stopped again)
	StopFailed bool  // a stop failed and the resource may still run here
}

// Node is the state of the local cluster node. Only the owner's event loop
// touches it.
type Node struct {
	cfg  Config
	log  *logrus.Entry
	rng  *rand.Rand
	gen  uint64
	boot time.Time

	seq        uint64
	status     string
	nextStatus time.Time
	commUp     bool
	peers      map[string]*peer
	order      []*peer // peers in ha.cf order
	ownLinks   map[string]bool
	history    map[uint64]*sent
	out        []Out
	jobs       []Job

	rstate    rstate
	rscrcvdAt time.Time
	hold      Holding
	running   []bool // per group: started here and not stopped
	pending   int    // jobs handed out and not yet done
	// ipRequestPending: legacy mode, our ip-requests wait until every live
	// peer is active.
	ipRequestPending bool
	// ipAsked: per group, when we last sent an ip-request for it that has
	// not been answered (zero: none).
	ipAsked     []time.Time
	standby     standbyRole
	standbySet  Holding
	standbyFrom string
	// standbyEnd: the exchange is cancelled then: 10 s for the answer to
	// "me" and for the release to begin after "other", an hour for each
	// step after that (3.0.6 waits an hour as soon as it answers "other").
	standbyEnd time.Time
	// standbyWaiting: we sent "me" and wait for "other", or sent "other"
	// and wait for "done".
	standbyWaiting bool
	initialDone    bool
	failures       []int

	// owedFrom, owedSet: we cancelled a standby in which we had answered
	// the peer owedFrom "other" before its "done" came. If that "done"
	// still arrives, the peer has released owedSet and waits for us.
	owedFrom string
	owedSet  Holding

	shutdownAsked bool
	shuttingDown  bool
	done          bool
	restartAt     time.Time // partition heal: give up and restart then
	healing       bool      // a heal release of the foreign groups is queued or running
	healOverrun   bool      // a takeover queued since: the heal must not drop HoldForeign
	restart       bool      // the loop must restart the node (new generation)
	fenceNeeded   bool

	takeovers Takeovers // for Status
}

// NewNode returns the state of a node that starts at now with generation gen.
func NewNode(cfg Config, gen uint64, now time.Time, log *logrus.Entry, seed uint64) *Node {
	n := &Node{
		cfg:      cfg,
		log:      log,
		rng:      rand.New(rand.NewPCG(seed, gen)),
		gen:      gen,
		boot:     now,
		peers:    map[string]*peer{},
		ownLinks: map[string]bool{},
		history:  map[uint64]*sent{},
		running:  make([]bool, len(cfg.Groups)),
		ipAsked:  make([]time.Time, len(cfg.Groups)),
		failures: make([]int, len(cfg.Groups)),
	}
	for _, name := range cfg.Nodes {
		if name == cfg.Node {
			continue
		}
		p := &peer{
			name:       name,
			deadtime:   cfg.Deadtime,
			links:      map[string]time.Time{},
			linkUp:     map[string]bool{},
			ackTrigger: n.rng.Uint64N(10),
			rexmit:     map[uint64]time.Time{},
		}
		n.peers[name] = p
		n.order = append(n.order, p)
	}
	return n
}

// TakeOut returns and clears the messages to send.
func (n *Node) TakeOut() []Out {
	out := n.out
	n.out = nil
	return out
}

// TakeJobs returns and clears the resource jobs to run, in order. They
// count as running until JobDone reports each of them.
func (n *Node) TakeJobs() []Job {
	jobs := n.jobs
	n.jobs = nil
	n.pending += len(jobs)
	return jobs
}

// Done reports that a graceful shutdown has finished: the loop may exit.
func (n *Node) Done() bool { return n.done }

// RestartWanted reports that the node gave up its resources after a
// partition and must start afresh with a new generation (3.0.6 re-execs).
func (n *Node) RestartWanted() bool { return n.restart }

// FenceNeeded reports that a stop failed and this node must be fenced before
// anyone may take its groups (3.0.6 reboots).
func (n *Node) FenceNeeded() bool { return n.fenceNeeded }

// send queues a message; sequenced ones get the next number and are kept for
// retransmission.
func (n *Node) send(now time.Time, m Msg) {
	o := Out{Msg: m, At: now}
	if !unsequenced(m.Type()) {
		n.seq++
		o.Seq = n.seq
		n.history[o.Seq] = &sent{out: o}
		delete(n.history, o.Seq-historySize)
	}
	n.out = append(n.out, o)
}

// dt is the deadtime this node advertises (spec 4.3, 9.1 item 7).
func (n *Node) dt(now time.Time) time.Duration {
	if now.Sub(n.boot) < dtBoostPeriod {
		return n.cfg.Deadtime + dtBoost
	}
	return n.cfg.Deadtime
}

func (n *Node) sendStatus(now time.Time) {
	n.send(now, newMsg(tStatus, fSt, n.status, fDt, hex(uint64(n.dt(now).Milliseconds())), fProtocol, "1", fImpl, "go"))
	n.nextStatus = now.Add(n.cfg.Keepalive)
}

func (n *Node) setStatus(now time.Time, st string) {
	n.status = st
	halog.LocalStatus(n.log, st)
	n.sendStatus(now)
}

// Start sends the first heartbeats: status init, then up.
func (n *Node) Start(now time.Time) {
	n.status = stInit
	n.sendStatus(now)
	n.setStatus(now, stUp)
	if len(n.order) == 0 {
		n.commNowUp(now)
	}
}

// NextDeadline is when Tick must run next at the latest.
func (n *Node) NextDeadline() time.Time {
	next := n.nextStatus
	earlier := func(t time.Time) {
		if !t.IsZero() && t.Before(next) {
			next = t
		}
	}
	for _, p := range n.order {
		if p.alive() {
			earlier(p.lastHeard.Add(n.timeout(p)))
			for _, at := range p.links {
				earlier(at.Add(n.timeout(p)))
			}
		} else if p.state == "" && !n.commUp {
			earlier(n.boot.Add(n.cfg.Initdead))
		}
		if p.alive() {
			for _, at := range p.rexmit {
				earlier(at)
			}
		}
	}
	if n.rstate == rRscRcvd || n.rstate == rBothStarting {
		earlier(n.rscrcvdAt.Add(requestDelay))
	}
	if n.standby != standbyNone {
		earlier(n.standbyEnd)
	}
	earlier(n.restartAt)
	return next
}

// timeout is how long a peer may stay silent.
func (n *Node) timeout(p *peer) time.Duration {
	if !n.commUp {
		return max(n.cfg.Initdead, p.deadtime)
	}
	return p.deadtime
}

// Tick runs the timers: heartbeats, dead peers and links, retransmission
// requests, the start-up deadlock breaker, the standby timeout.
func (n *Node) Tick(now time.Time) {
	if n.done {
		return
	}
	if !now.Before(n.nextStatus) {
		n.sendStatus(now)
	}
	if !n.commUp && !now.Before(n.boot.Add(n.cfg.Initdead)) {
		n.commNowUp(now)
	}
	for _, p := range n.order {
		n.checkPeer(now, p)
		n.askRexmit(now, p)
	}
	if (n.rstate == rRscRcvd || n.rstate == rBothStarting) && !now.Before(n.rscrcvdAt.Add(requestDelay)) {
		halog.LocalTransitionCompleted(n.log)
		n.becomeStable(now, "T_RESOURCES(us)")
	}
	if n.standby != standbyNone && !now.Before(n.standbyEnd) {
		halog.StandbyNoReply(n.log)
		n.cancelStandby()
	}
	if !n.restartAt.IsZero() && !now.Before(n.restartAt) {
		n.restartAt = time.Time{}
		halog.RestartTriggered(n.log)
		n.beginShutdown(now, true)
	}
	if n.shutdownAsked && !n.shuttingDown && !n.busy() && n.standby == standbyNone {
		n.beginShutdown(now, false)
	}
	n.retryIPRequests(now)
	// Some ways of settling (a standby exchange that ends or times out)
	// do not check for a failback; 3.0.6 retries its check every second.
	n.checkFailback(now)
}

// checkPeer declares a silent peer or link dead.
func (n *Node) checkPeer(now time.Time, p *peer) {
	timeout := n.timeout(p)
	if p.state == "" {
		if n.commUp && !now.Before(n.boot.Add(n.cfg.Initdead)) {
			n.peerDead(now, p)
		}
		return
	}
	if !p.alive() {
		return
	}
	for _, link := range n.cfg.Links {
		at, ok := p.links[link]
		if ok && p.linkUp[link] && now.Sub(at) >= timeout {
			p.linkUp[link] = false
			defer halog.LinkDead(n.log, p.name, link)
		}
	}
	if now.Sub(p.lastHeard) >= timeout {
		n.peerDead(now, p)
	}
}

// Receive processes one authenticated message that arrived on link.
func (n *Node) Receive(now time.Time, m Msg, link string) {
	if n.done {
		return
	}
	src := strings.ToLower(m.Get(fSrc))
	if src == n.cfg.Node {
		if !n.ownLinks[link] {
			n.ownLinks[link] = true
			halog.LinkUp(n.log, n.cfg.Node, link)
		}
		return
	}
	p, ok := n.peers[src]
	if !ok {
		return
	}
	t := m.Type()
	if !unsequenced(t) {
		// The ACK goes out after the message is processed, so that a
		// status we send in answer (to a peer that just started) is first.
		defer n.sendAck(now, p)
		if !n.sequence(now, p, m) {
			return
		}
	} else if gen, ok := parseHex(m.Get(fHg)); ok && p.seq.known && gen < p.seq.gen {
		// NS_ messages carry no seq, but an older generation is a replay
		// all the same (3.0.6 processes them: an old NS_ackmsg would
		// bring a dead peer's link back up).
		n.replayed(now, p, gen)
		return
	}
	n.heard(now, p, link)
	if dest := m.Get(fDest); dest != "" && strings.ToLower(dest) != n.cfg.Node {
		return
	}
	switch t {
	case tStatus:
		n.onStatus(now, p, m)
	case tAck:
	case tRexmit:
		n.onRexmit(now, p, m)
	case tNakRexmit:
		n.onNakRexmit(p, m)
	case tReqNodes:
		n.send(now, append(Msg{{fDest, p.name}}, newMsg(tRepNodes, fNodelist, strings.Join(n.cfg.Nodes, " ")+" ", fDelnodes, " ")...))
	case tShutdone:
		n.onShutdone(now, p)
	case tStarting:
		n.onStarting(now, p, m)
	case tResource:
		n.onResource(now, p, m)
	case tAskResources:
		n.onAskResources(now, p, m)
	case tTakeover:
		n.onTakeover(now, p, m)
	case tIPRequest:
		n.onIPRequest(now, p, m)
	case tIPRequestRsp:
		n.onIPRequestResp(now, m)
	}
	n.audit(now)
}

// sendAck sends the NS_ackmsg that sequence decided on, if any.
func (n *Node) sendAck(now time.Time, p *peer) {
	if p.ackDue != nil {
		n.send(now, p.ackDue)
		p.ackDue = nil
	}
}

// heard records a packet from p on link.
func (n *Node) heard(now time.Time, p *peer, link string) {
	p.lastHeard = now
	p.links[link] = now
	if !p.linkUp[link] {
		p.linkUp[link] = true
		halog.LinkUp(n.log, p.name, link)
	}
}

// sequence applies the bookkeeping of spec 4.5; it reports whether to
// process the message.
func (n *Node) sequence(now time.Time, p *peer, m Msg) bool {
	seq, ok1 := parseHex(m.Get(fSeq))
	gen, ok2 := parseHex(m.Get(fHg))
	if !ok1 || !ok2 {
		halog.BadSequenceNumber(n.log)
		return false
	}
	isStatus := m.Type() == tStatus
	before := p.seq.last
	v := p.seq.check(gen, seq, isStatus, p.state == stDead)
	switch v {
	case seqReplay:
		n.replayed(now, p, gen)
	case seqRestart:
		halog.PeerRestart(n.log, p.name)
		p.rexmit = map[uint64]time.Time{}
		p.state = ""
		p.hold, p.holdSeq, p.stable, p.shutdone = HoldNone, 0, false, false
		// It left and came back while we ran, whatever our own state:
		// groups we took from it go back once it is stable.
		p.failbackDue = true
		if n.standby != standbyNone {
			// The restarted peer knows nothing of the exchange and will
			// not finish it (it was back before its deadtime, so the
			// exchange was not cancelled by its death).
			halog.CancellingStandby(n.log)
			n.cancelStandby()
		}
		if n.owedFrom == p.name {
			n.owedFrom = ""
		}
	case seqGap:
		halog.LostPackets(n.log, int(seq-before-1), p.name, before, seq)
		for s := before + 1; s < seq; s++ {
			p.rexmit[s] = now.Add(50*time.Millisecond + time.Duration(n.rng.Int64N(int64(rexmitDelay-50*time.Millisecond))))
		}
	case seqFilled:
		delete(p.rexmit, seq)
		if p.seq.inOrder() {
			halog.NoPktsMissing(n.log, p.name)
		}
	case seqResync:
		halog.LostALot(n.log)
		p.rexmit = map[uint64]time.Time{}
	case seqAccept, seqReturn:
		// A peer declared dead at initdead and first heard now is back
		// from a partition if it is active already: both started while
		// the link was down, and both run the groups. (A peer that boots
		// now says init or up first and joins as usual.)
		if v == seqAccept && !(isStatus && p.state == stDead && m.Get(fSt) == stActive) {
			break
		}
		// A peer first heard now has no earlier status to tell its kind.
		p.isGo = m.Get(fImpl) == "go"
		n.returning(now, p)
	}
	if v.accepted() && p.protocol && p.seq.inOrder() && seq%10 == p.ackTrigger {
		p.ackDue = append(newMsg(tAck, fDest, p.name), KV{fAckseq, hex(seq)})
	}
	return v.accepted()
}

// replayed logs a message of an older generation of p at most once a
// second, with the number of those not logged since: 3.0.6 logs every one,
// so replaying captured packets could fill the disk.
func (n *Node) replayed(now time.Time, p *peer, gen uint64) {
	if !p.replayAt.IsZero() && now.Sub(p.replayAt) < time.Second {
		p.replays++
		return
	}
	if p.replays > 0 {
		halog.Log(n.log, halog.Warning, fmt.Sprintf("%d more replayed packet(s) from %s dropped", p.replays, p.name))
		p.replays = 0
	}
	p.replayAt = now
	halog.ReplayAttack(n.log, p.name, gen, p.seq.gen)
}

// askRexmit sends the retransmission requests that are due.
func (n *Node) askRexmit(now time.Time, p *peer) {
	if !p.alive() {
		return
	}
	for seq, at := range p.rexmit {
		if now.Before(at) {
			continue
		}
		n.send(now, newMsg(tRexmit, fDest, p.name, fFirstseq, strconv.FormatUint(seq, 10), fLastseq, strconv.FormatUint(seq, 10)))
		p.rexmit[seq] = now.Add(rexmitDelay)
	}
}

// onNakRexmit logs a peer's NS_nak_rexmit: a packet we asked for is gone.
// Like 3.0.6 it reads firstseq as hex.
func (n *Node) onNakRexmit(p *peer, m Msg) {
	seq, ok := parseHex(m.Get(fFirstseq))
	if !ok || seq == 0 {
		halog.BadNakSeq(n.log)
		return
	}
	halog.IrretrievablyLost(n.log, p.name, seq)
}

// onRexmit answers a peer's NS_rexmit from the history.
func (n *Node) onRexmit(now time.Time, p *peer, m Msg) {
	first, err1 := strconv.ParseUint(m.Get(fFirstseq), 10, 64)
	last, err2 := strconv.ParseUint(m.Get(fLastseq), 10, 64)
	if err1 != nil || err2 != nil || last < first {
		return
	}
	for seq := first; seq <= last && seq < first+50; seq++ {
		s, ok := n.history[seq]
		switch {
		case !ok:
			reason := "seqno not found"
			if seq+historySize <= n.seq {
				reason = "seqno too low"
			}
			n.send(now, newMsg(tNakRexmit, fDest, p.name, fFirstseq, hex(seq), fInfo, reason))
		case now.Sub(s.resentAt) >= rexmitMinGap:
			s.resentAt = now
			n.out = append(n.out, s.out)
		}
	}
}

// onStatus handles a peer's heartbeat.
func (n *Node) onStatus(now time.Time, p *peer, m Msg) {
	if dt, ok := parseHex(m.Get(fDt)); ok && dt > 0 {
		p.deadtime = time.Duration(dt) * time.Millisecond
	}
	p.protocol = m.Has(fProtocol)
	p.isGo = m.Get(fImpl) == "go"
	if !p.lastStatus.IsZero() && p.alive() {
		interval := now.Sub(p.lastStatus)
		if interval > p.deadtime {
			halog.LateHeartbeatDead(n.log, p.name, interval)
			p.lastStatus = now
			n.peerDead(now, p)
			return
		}
		if interval > n.cfg.Warntime {
			halog.LateHeartbeat(n.log, p.name, interval)
		}
	}
	p.lastStatus = now
	st := m.Get(fSt)
	if st == p.state {
		return
	}
	first := p.state == ""
	if !p.alive() {
		// A node coming (back) up has to report its holding again, and
		// gets its groups back once it is stable (auto_failback on).
		p.stable = false
		if n.rstate == rStable {
			p.failbackDue = true
		}
	}
	p.state = st
	halog.NodeStatus(n.log, p.name, st)
	if first {
		// Our status goes out before anything else to a node that just
		// (re)started: 3.0.6 goes active once it has heard every link and
		// takes our groups itself if it does not know our status by then.
		n.sendStatus(now)
	}
	if first && st == stActive && p.isGo && n.rstate == rStable {
		// A heartbeat-go peer restarted where we could not hear it and
		// is active at once: it may hold groups taken while it thought
		// us dead, and the report it sent before this status was
		// dropped (a new generation must show itself by a status first).
		// Our report starts the exchange that settles who keeps them.
		n.report(now, "")
	}
	if first && !p.heardUp {
		p.heardUp = true
		n.send(now, newMsg(tReqNodes, fDest, p.name))
	}
	if !n.commUp && n.allHeard() {
		n.commNowUp(now)
	}
	if st == stActive {
		n.sendIPRequests(now)
	}
}

func (n *Node) allHeard() bool {
	for _, p := range n.order {
		if p.state == "" {
			return false
		}
	}
	return true
}

// commNowUp is 3.0.6's Comm_now_up: every node heard (or initdead passed).
func (n *Node) commNowUp(now time.Time) {
	n.commUp = true
	halog.CommNowUp(n.log)
	n.setStatus(now, stActive)
	if n.cfg.AutoFailback == FailbackLegacy {
		n.reqOurResources(now, false)
		return
	}
	n.send(now, newMsg(tStarting))
	n.rstate = rStarting
	if len(n.order) == 0 {
		// A one-node cluster has nobody to wait for (3.0.6 stays in
		// transition for ever and never starts its groups).
		halog.LocalTransitionCompleted(n.log)
		n.becomeStable(now, "T_RESOURCES(us)")
		return
	}
	for _, p := range n.order {
		if p.alive() && p.stable {
			// The peer reported before we were up: answer as if it asked.
			n.rstate = rRscRcvd
			n.rscrcvdAt = now
		}
	}
}

// nodesUp counts the nodes (this one included) that are alive.
func (n *Node) nodesUp() int {
	up := 1
	for _, p := range n.order {
		if p.alive() {
			up++
		}
	}
	return up
}

// stable is 3.0.6's idea of a stable resource state (spec 5.2).
func (n *Node) stable() bool {
	if n.busy() || n.standby != standbyNone {
		return false
	}
	switch n.rstate {
	case rStable, rShutdown, rInit:
	default:
		return false
	}
	// Legacy peers never report their resources: only our own work counts.
	return n.cfg.AutoFailback == FailbackLegacy || n.peersStable()
}

// peersStable reports whether every peer that is up has reported a stable
// resource state (3.0.6's other_is_stable).
func (n *Node) peersStable() bool {
	for _, p := range n.order {
		if p.alive() && !p.stable {
			return false
		}
	}
	return true
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// report broadcasts this node's holding (a resource message). isstable is
// 1 once the start-up exchange is over, as 3.0.6 sends it.
func (n *Node) report(now time.Time, info string) {
	stable := n.rstate == rStable
	kv := []string{fRscHold, n.hold.String(), fRtype, "full", fIsStable, boolStr(stable)}
	if info != "" {
		kv = append(kv, fInfo, info)
	}
	n.send(now, newMsg(tResource, kv...))
}

// onStarting: a peer (re)started its resource protocol and asks for our holding.
func (n *Node) onStarting(now time.Time, p *peer, m Msg) {
	// A starting retransmitted after the peer's later messages (lost in
	// a partition at its start) is stale: the peer will not report again.
	if seq, ok := parseHex(m.Get(fSeq)); !ok || seq >= p.seq.last {
		p.stable = false
	}
	if n.cfg.AutoFailback == FailbackLegacy {
		return
	}
	if n.rstate == rStarting {
		n.rstate = rBothStarting
		n.rscrcvdAt = now
	}
	n.report(now, "")
}

// onResource records a peer's holding report.
func (n *Node) onResource(now time.Time, p *peer, m Msg) {
	h, ok := ParseHolding(m.Get(fRscHold))
	if !ok {
		return
	}
	seq, _ := parseHex(m.Get(fSeq))
	if seq < p.holdSeq {
		// Retransmitted after a later full report (it was lost in a
		// partition): the peer's holding has changed since.
		return
	}
	if m.Get(fRtype) == "full" {
		p.hold, p.holdSeq = h, seq
	} else {
		p.hold |= h
	}
	if m.Get(fInfo) == "standby" && n.standby == standbyOther && n.standbyWaiting && p.name == n.standbyFrom {
		// The peer took our "other" and releases its set, which may take
		// long. Until this report comes, the peer may have dropped the
		// exchange (it declared us dead), and we wait only standbyTimeout.
		n.standbyEnd = now.Add(standbyRscTime)
	}
	if p.healPending && p.hold&HoldForeign == 0 {
		// The peer has let go of our groups after a partition; neighbours
		// may still send to its MAC: announce ours again.
		p.healPending = false
		if running := n.runningOf(HoldLocal); len(running) > 0 {
			n.queue(Job{Kind: jobAnnounce, Groups: running, Why: "announce"})
		}
	}
	if p.isGo && n.hold&HoldLocal != 0 && p.hold&HoldForeign != 0 && m.Get(fInfo) != infoHeal {
		// A heartbeat-go peer claims our groups (a partition or freeze
		// that only it noticed): tell it we hold them, so that it
		// releases them (audit). Answers are never answered.
		n.report(now, infoHeal)
	}
	if !m.Has(fIsStable) {
		return
	}
	wasStable := p.stable
	p.stable = m.Get(fIsStable) == "1"
	if n.cfg.AutoFailback == FailbackLegacy {
		return
	}
	switch n.rstate {
	case rStarting, rBothStarting:
		n.rstate = rRscRcvd
		n.rscrcvdAt = now
	}
	if n.rstate == rRscRcvd {
		switch {
		case p.stable:
			halog.RemoteTransitionCompleted(n.log)
			n.becomeStable(now, "T_RESOURCES(them)")
		case p.isGo && p.hold&HoldForeign == 0:
			// Both nodes are Go: the peer holds none of our groups, so
			// there is nothing to wait for (3.0.6 idles RQSTDELAY here).
			halog.LocalTransitionCompleted(n.log)
			n.becomeStable(now, "T_RESOURCES(us)")
		}
		return
	}
	if p.stable && !wasStable {
		halog.RemoteTransitionCompleted(n.log)
	}
	n.checkFailback(now)
}

// becomeStable ends the start-up exchange: take our own groups (unless the
// peer holds them) and tell the peer we are stable.
func (n *Node) becomeStable(now time.Time, reason string) {
	n.rstate = rStable
	n.reqOurResources(now, false)
	if !n.initialDone && !n.busy() {
		n.initialComplete(reason)
	}
	n.report(now, "")
	n.checkFailback(now)
}

func (n *Node) initialComplete(reason string) {
	if n.initialDone {
		return
	}
	n.initialDone = true
	halog.InitialAcquisitionComplete(n.log, reason)
}

// groupsOf returns the indices of the groups in a set, from our point of view.
func (n *Node) groupsOf(set Holding) []int {
	var idx []int
	for i, g := range n.cfg.Groups {
		local := g.Owner == n.cfg.Node
		if (local && set&HoldLocal != 0) || (!local && set&HoldForeign != 0) {
			idx = append(idx, i)
		}
	}
	return idx
}

// groupsOfNode returns the groups whose preferred node is name.
func (n *Node) groupsOfNode(name string) []int {
	var idx []int
	for i, g := range n.cfg.Groups {
		if g.Owner == name {
			idx = append(idx, i)
		}
	}
	return idx
}

// sendIPRequests asks the peers for our groups (legacy mode) once every live
// peer is active: 3.0.6 runs rc.d/ip-request only after its own
// communication is up, and a request that reaches it earlier is lost.
func (n *Node) sendIPRequests(now time.Time) {
	if !n.ipRequestPending || !n.peersActive() {
		return
	}
	n.ipRequestPending = false
	for _, i := range n.groupsOfNode(n.cfg.Node) {
		if !n.running[i] {
			n.askIP(now, i)
		}
	}
}

func (n *Node) askIP(now time.Time, i int) {
	n.ipAsked[i] = now
	n.send(now, newMsg(tIPRequest, fIPAddr, n.cfg.Groups[i].First()))
}

// retryIPRequests asks again for a group whose ip-request has had no answer
// for ipRequestRetry. 3.0.6 asks once: an answer lost inside the peer (its
// rc.d/ip-request reply goes through the FIFO) leaves the group down for
// good. A second answer is harmless: only the first one is acted on.
func (n *Node) retryIPRequests(now time.Time) {
	for _, i := range n.groupsOfNode(n.cfg.Node) {
		at := n.ipAsked[i]
		switch {
		case at.IsZero():
		case n.running[i] || n.shuttingDown:
			n.ipAsked[i] = time.Time{}
		case now.Sub(at) >= ipRequestRetry && n.peersActive() && n.nodesUp() > 1:
			halog.IPRequestRetry(n.log, n.cfg.Groups[i].First())
			n.askIP(now, i)
		}
	}
}

// peersActive reports whether every peer that is up has reported status
// active.
func (n *Node) peersActive() bool {
	for _, p := range n.order {
		if p.alive() && p.state != stActive {
			return false
		}
	}
	return true
}

// reqOurResources is 3.0.6's req_our_resources (spec 5.3).
func (n *Node) reqOurResources(now time.Time, force bool) {
	mine := n.groupsOfNode(n.cfg.Node)
	if len(mine) == 0 {
		halog.NoLocalResources(n.log, resourceManager, n.cfg.Node)
		n.hold |= HoldLocal
		return
	}
	if n.cfg.AutoFailback == FailbackLegacy {
		n.claim(HoldLocal, mine)
		if n.nodesUp() < 2 || force {
			n.queue(Job{Kind: jobAcquire, Groups: n.startable(mine), Why: "req_our_resources"})
			return
		}
		n.ipRequestPending = true
		n.sendIPRequests(now)
		return
	}
	peerHoldsOurs := false
	for _, p := range n.order {
		if p.alive() && p.hold&HoldForeign != 0 {
			peerHoldsOurs = true
		}
	}
	if !force && (peerHoldsOurs || n.hold&HoldLocal != 0) {
		halog.LocalAcquisitionCompleted(n.log, true)
		return
	}
	n.claim(HoldLocal, mine)
	n.queue(Job{Kind: jobAcquire, Groups: n.startable(mine), Why: "req_our_resources"})
}

// queue adds a job; it runs when the runner is free.
func (n *Node) queue(j Job) {
	n.jobs = append(n.jobs, j)
}

// busy reports whether resource work is queued or running.
func (n *Node) busy() bool { return n.pending > 0 || len(n.jobs) > 0 }

// JobDone is the runner's report of a finished job.
func (n *Node) JobDone(now time.Time, r JobResult) {
	n.pending--
	j := r.Job
	if j.Announce() {
		return
	}
	for _, i := range j.Groups {
		n.running[i] = j.Acquire()
	}
	for _, i := range r.Failed {
		n.running[i] = false
		n.failures[i]++
	}
	if r.StopFailed {
		n.fenceNeeded = true
		return
	}
	switch j.Why {
	case "req_our_resources":
		n.unclaimIdle(HoldLocal)
		halog.LocalAcquisitionCompleted(n.log, false)
		if n.cfg.AutoFailback != FailbackLegacy {
			n.report(now, "req_our_resources()")
		}
		n.initialComplete("req_our_resources")
	case "mach_down":
		// If nothing started, the owner takes its groups back when
		// it returns.
		n.unclaimIdle(HoldForeign)
		halog.MachDownComplete(n.log)
		n.initialComplete("mach_down")
		if n.cfg.AutoFailback != FailbackLegacy {
			// 3.0.6's mach_down script injects this only with nice_failback.
			n.send(now, newMsg(tResource, fRscHold, HoldForeign.String(), fInfo, "mach_down"))
			n.report(now, "")
		}
	case "standby-give":
		if n.standby == standbyMe {
			n.standby, n.standbyEnd = standbyDone, now.Add(standbyRscTime)
		}
		halog.StandbyReleaseCompleted(n.log, j.Set.String())
		n.send(now, newMsg(tAskResources, fRscHold, j.Set.String(), fInfo, "done"))
		halog.LocalStandbyCompleted(n.log, j.Set.String())
	case "standby-take":
		halog.StandbyAcquireCompleted(n.log, j.Set.Swap().String())
		n.hold |= j.Set.Swap()
		n.unclaimIdle(j.Set.Swap())
		n.standby, n.standbyWaiting = standbyNone, false
		// The new holding goes out before "done" (as in 3.0.6's capture 04),
		// so the peer never sees the standby over with nobody holding the set.
		n.report(now, "")
		n.send(now, newMsg(tAskResources, fRscHold, j.Set.String(), fInfo, "done"))
		halog.StandbyAcquisitionDone(n.log, j.Set.String())
		n.initialComplete("auto_failback")
	case "ip-request":
		n.send(now, append(Msg{{fDest, j.Peer}}, newMsg(tIPRequestRsp, fIPAddr, n.cfg.Groups[j.Groups[0]].First(), fWeOwn, "yes", fOK, "OK")...))
	case "ip-request-resp":
		n.initialComplete("ip-request-resp")
	case "shutdown", "restart":
		halog.AllRelinquished(n.log)
		n.hold = HoldNone
		n.send(now, newMsg(tShutdone, fSt, stDead))
		if j.Why == "restart" {
			n.restart = true
		} else {
			halog.ShutdownComplete(n.log, n.cfg.Node)
		}
		n.done = true
	case "heal":
		if !n.healOverrun {
			n.hold &^= HoldForeign
		}
		n.healing, n.healOverrun = false, false
		n.report(now, "")
	}
	n.startFailures(now, r.Failed)
	// A failback that came due while this job ran (the owner became
	// stable meanwhile) is not lost.
	n.checkFailback(now)
}

// startFailures hands groups that failed to start here to a healthy peer,
// at most MaxStartFailures times per group (3.0.6 strands them, 9.1 item 10).
func (n *Node) startFailures(now time.Time, failed []int) {
	if len(failed) == 0 {
		return
	}
	var set Holding
	for _, i := range failed {
		g := n.cfg.Groups[i]
		if n.exhausted(i) {
			halog.StartFailuresExhausted(n.log, g.First(), n.failures[i], n.cfg.Node)
		}
		if g.Owner == n.cfg.Node {
			set |= HoldLocal
		} else {
			set |= HoldForeign
		}
	}
	n.unclaimIdle(set)
	if n.cfg.AutoFailback == FailbackLegacy || n.nodesUp() < 2 {
		return
	}
	n.handOff(now, set)
}

// maxHandoffs is how often we ask one incarnation of a peer to take groups
// that failed to start here: a request may meet the peer in flux, and a
// peer where they failed too refuses every time.
const maxHandoffs = 2

// handoffsSent is how often we asked this incarnation of the peer to take
// groups that failed to start here (since it last returned from a partition).
func (p *peer) handoffsSent() uint64 {
	if p.handoffGen != p.seq.gen {
		return 0
	}
	return p.handoffs
}

// handOff asks the peers to take set, groups that failed to start here.
func (n *Node) handOff(now time.Time, set Holding) {
	for _, p := range n.order {
		if p.alive() {
			p.handoffs, p.handoffGen = p.handoffsSent()+1, p.seq.gen
		}
	}
	n.askStandby(now, set)
}

// handOffStranded hands a set with a group that failed to start here too
// often, and does not run here, to a peer that does not hold that set: the
// handoff of startFailures again, when no peer could take the set at the
// time (it was dead, on the other side of a partition, or in flux). At most
// maxHandoffs times per incarnation of the peer and return after a
// partition, and only once the peer has reported its holding since it
// returned. A foreign set we hold none of is the owner's to take back
// (adoptOrphans).
func (n *Node) handOffStranded(now time.Time) {
	if n.cfg.AutoFailback == FailbackLegacy || n.rstate != rStable || !n.stable() || n.shuttingDown || n.fenceNeeded || !n.restartAt.IsZero() {
		return
	}
	for _, set := range []Holding{HoldLocal, HoldForeign} {
		if set == HoldForeign && n.hold&set == 0 {
			continue
		}
		if !slices.ContainsFunc(n.groupsOf(set), func(i int) bool { return !n.running[i] && n.exhausted(i) }) {
			continue
		}
		for _, p := range n.order {
			if p.alive() && !p.healPending && p.hold&set.Swap() == 0 && p.handoffsSent() < maxHandoffs {
				n.handOff(now, set)
				return
			}
		}
	}
}

// Standby is hb_standby: give set (from our point of view) to the peer.
func (n *Node) Standby(now time.Time, set Holding) {
	if n.cfg.AutoFailback == FailbackLegacy {
		// 3.0.6 still sends the request, and both nodes refuse it.
		halog.StandbyNeedsNiceFailback(n.log)
		n.send(now, newMsg(tAskResources, fRscHold, set.String(), fInfo, "me"))
		return
	}
	if n.shuttingDown {
		// 3.0.6 ignores standby messages, its own included, once its
		// resources shut down.
		return
	}
	if n.standbyRefused(now, n.cfg.Node, n.peersStable()) {
		// 3.0.6 refuses its own request too, but sends it, and a peer
		// that sees things otherwise may start an exchange that stalls.
		return
	}
	n.askStandby(now, set)
}

// askStandby starts a standby exchange of our own: hb_standby, or a
// failback or start-failure handoff (whose callers have checked stability
// themselves; the peer's "done" may still be ahead of its stable report).
func (n *Node) askStandby(now time.Time, set Holding) {
	if n.standby != standbyNone {
		halog.StandbyInProgress(n.log, n.cfg.Node, n.standbyEnd.Sub(now))
		return
	}
	halog.WantsStandby(n.log, n.cfg.Node, set.String())
	for _, p := range n.order {
		p.askedSeq, p.askedGen = p.seq.last, p.seq.gen
	}
	n.standby, n.standbySet, n.standbyEnd, n.standbyWaiting = standbyMe, set, now.Add(standbyTimeout), true
	n.send(now, newMsg(tAskResources, fRscHold, set.String(), fInfo, "me"))
}

// Takeover is hb_takeover: ask the peer to give us set (our point of view).
func (n *Node) Takeover(now time.Time, set string) {
	n.send(now, newMsg(tTakeover, fRscHold, set))
}

// onTakeover is the peer's hb_takeover: run hb_standby for the complementary set.
func (n *Node) onTakeover(now time.Time, p *peer, m Msg) {
	var set Holding
	switch m.Get(fRscHold) {
	case "local":
		set = HoldForeign
	case "foreign":
		set = HoldLocal
	default:
		set = HoldAll
	}
	n.Standby(now, set)
}

// standbyRefused logs why a standby request from node cannot start now and
// reports whether it was refused. 3.0.6 runs these checks on both nodes, the
// requesting one included, each with its own view.
func (n *Node) standbyRefused(now time.Time, node string, peerStable bool) bool {
	switch {
	case n.standby != standbyNone:
		halog.StandbyInProgress(n.log, node, n.standbyEnd.Sub(now))
	case !peerStable:
		halog.StandbyIgnoredOtherInFlux(n.log, "me", node)
	case n.busy() || n.rstate != rStable:
		halog.StandbyIgnoredLocalInFlux(n.log, "me", node)
	default:
		return false
	}
	return true
}

// onAskResources runs the standby exchange of spec 5.5.
func (n *Node) onAskResources(now time.Time, p *peer, m Msg) {
	if n.cfg.AutoFailback == FailbackLegacy {
		halog.StandbyNeedsNiceFailback(n.log)
		return
	}
	set, ok := ParseHolding(m.Get(fRscHold))
	if !ok || n.shuttingDown {
		// 3.0.6 ignores standby messages once its resources shut down:
		// a set taken now would outlive the final release.
		return
	}
	switch m.Get(fInfo) {
	case "me":
		if n.standbyRefused(now, p.name, p.stable) {
			return
		}
		for _, i := range n.groupsOf(set.Swap()) {
			if n.exhausted(i) {
				// Taking the set would stop a group on the peer that
				// cannot start here.
				halog.StandbyIgnoredFailedHere(n.log, p.name, n.cfg.Groups[i].First())
				return
			}
		}
		// 3.0.6 logs the request only once it accepts it.
		halog.WantsStandby(n.log, p.name, set.String())
		n.standby, n.standbySet, n.standbyFrom, n.standbyEnd, n.standbyWaiting, n.owedFrom = standbyOther, set, p.name, now.Add(standbyTimeout), true, ""
		n.send(now, newMsg(tAskResources, fRscHold, set.String(), fInfo, "other"))
	case "other":
		if n.standby != standbyMe {
			return
		}
		if seq, _ := parseHex(m.Get(fSeq)); p.isGo && p.seq.gen == p.askedGen && seq <= p.askedSeq {
			// A retransmitted answer to an earlier request, lost in a
			// partition: the peer has not accepted this one and would
			// ignore our "done".
			return
		}
		halog.StandbyPeerCanTake(n.log, p.name, set.String())
		n.standbyWaiting, n.standbyEnd = false, now.Add(standbyRscTime)
		n.hold &^= set
		n.send(now, newMsg(tResource, fRscHold, n.hold.String(), fRtype, "full", fIsStable, "0", fInfo, "standby"))
		halog.StandbyGiveUp(n.log, set.String())
		n.queue(Job{Kind: jobRelease, Groups: n.groupsOf(set), Why: "standby-give", Set: set})
	case "done":
		if p.name == n.owedFrom && set == n.owedSet && (n.standby == standbyNone || (n.standby == standbyMe && n.standbyWaiting)) {
			// The peer released the set after we gave up waiting for
			// it (we declared it dead, or its release did not begin
			// within standbyTimeout): take the set as we offered,
			// dropping a request of ours that the peer has not
			// answered. 3.0.6 ignores this "done" and the peer stays in
			// transition for an hour (or both restart after a partition).
			if n.standby == standbyMe {
				halog.CancellingStandby(n.log)
			}
			n.standby, n.standbySet, n.standbyFrom, n.owedFrom = standbyOther, set, p.name, ""
		}
		switch n.standby {
		case standbyOther:
			n.standbyWaiting, n.standbyEnd = false, now.Add(standbyRscTime)
			halog.StandbyAcquireFrom(n.log, set.String(), p.name)
			halog.StandbyAcquire(n.log, set.Swap().String())
			n.takeovers.Standby++
			n.queue(Job{Kind: jobAcquire, Groups: n.startable(n.groupsOf(set.Swap())), Why: "standby-take", Set: set, Peer: p.name})
		case standbyMe:
			// Our release is not over: this "done" ends an earlier
			// exchange (3.0.6's state ME).
			halog.IgnoredStandby(n.log, "done", p.name, 1)
		case standbyDone:
			halog.OtherCompletedStandby(n.log, set.String())
			n.standby, n.standbyWaiting = standbyNone, false
			n.report(now, "")
		}
	}
}

// claim adds set to our holding unless every one of its groups failed to
// start here too often: none will run here, and a peer must neither let go
// of them for us (a heal) nor think them held. A set of no groups is held.
func (n *Node) claim(set Holding, groups []int) {
	if len(groups) == 0 || len(n.startable(groups)) > 0 {
		n.hold |= set
	}
}

// unclaimIdle drops from our holding each subset of set (local, foreign) of
// which no group runs here (they failed to start, now or too often before),
// so that rscstatus tells the truth and the owner takes them back; a subset
// of which some group runs stays held, so that no peer starts that group
// too. An empty subset stays held, as in 3.0.6.
func (n *Node) unclaimIdle(set Holding) {
	for _, h := range []Holding{HoldLocal, HoldForeign} {
		if set&h != 0 && len(n.groupsOf(h)) > 0 && len(n.runningOf(h)) == 0 {
			n.hold &^= h
		}
	}
}

// exhausted reports whether group i failed to start here too often: it is
// left stopped here until the daemon restarts.
func (n *Node) exhausted(i int) bool { return n.failures[i] >= n.cfg.MaxStartFailures }

// startable drops the groups that failed too often here.
func (n *Node) startable(groups []int) []int {
	var ok []int
	for _, i := range groups {
		if !n.exhausted(i) {
			ok = append(ok, i)
		}
	}
	return ok
}

// checkFailback gives a peer its groups back when auto_failback is on and
// the peer came (back) up while we ran: it restarted, returned from the
// dead, or first came up after our start-up exchange. It acts once both
// sides are settled, as 3.0.6's PerformAutoFailback does after a takeover.
func (n *Node) checkFailback(now time.Time) {
	if n.cfg.AutoFailback != FailbackOn || n.shuttingDown || !n.stable() {
		return
	}
	for _, p := range n.order {
		if !p.alive() || !p.stable || !p.failbackDue {
			continue
		}
		// Both sides are settled: the failback is due now or not at all
		// (3.0.6 clears rsc_needs_failback at each check). A group of the
		// peer we take later (its hb_standby, a group that failed to
		// start there) stays here.
		p.failbackDue = false
		if n.hold&HoldForeign != 0 && len(n.groupsOfNode(p.name)) > 0 {
			n.askStandby(now, HoldForeign)
			return
		}
	}
}

// onShutdone: the peer gave up its groups and goes away; take them now.
func (n *Node) onShutdone(now time.Time, p *peer) {
	halog.ShutdownNotice(n.log, p.name)
	p.shutdone = true
	// No failback to a node that leaves: it is due again when it is back.
	p.failbackDue = false
	p.hold = HoldNone
	p.stable = true
	if n.shuttingDown {
		return
	}
	halog.ResourcesBeingAcquired(n.log, p.name)
	n.takeovers.Shutdown++
	if n.cfg.AutoFailback == FailbackLegacy {
		n.claim(HoldForeign, n.groupsOfNode(p.name))
		n.queue(Job{Kind: jobAcquire, Groups: n.startable(n.groupsOfNode(p.name)), Why: "mach_down", Peer: p.name})
		return
	}
	n.standby, n.standbySet, n.standbyFrom, n.standbyEnd = standbyOther, HoldAll, p.name, now.Add(standbyRscTime)
	halog.StandbyAcquire(n.log, HoldAll.String())
	n.queue(Job{Kind: jobAcquire, Groups: n.startable(n.groupsOf(HoldAll)), Why: "standby-take", Set: HoldAll, Peer: p.name})
}

// peerDead runs the takeover of spec 5.4 for a peer that went silent.
func (n *Node) peerDead(now time.Time, p *peer) {
	wasHeard := p.state != ""
	p.state = stDead
	p.stable = true
	clear(p.rexmit)
	halog.NodeDead(n.log, p.name)
	if n.standby != standbyNone {
		halog.CancellingStandby(n.log)
		n.cancelStandby()
	}
	d := decideTakeover(takeoverInput{
		peerHeard:      wasHeard,
		peerGaveUp:     p.shutdone || (wasHeard && p.hold == HoldNone && n.cfg.AutoFailback != FailbackLegacy),
		stonith:        n.cfg.Stonith,
		shuttingDown:   n.shuttingDown,
		stopFailedHere: n.fenceNeeded,
	})
	if d.gaveUp {
		halog.DeadNodeGaveUp(n.log, p.name)
		n.send(now, newMsg(tStonith, fNode, p.name, fResult, "unneeded"))
	} else {
		n.send(now, newMsg(tStonith, fNode, p.name, fResult, "n_stnth"))
		halog.NoStonith(n.log)
	}
	for _, link := range n.cfg.Links {
		if p.linkUp[link] {
			p.linkUp[link] = false
			defer halog.LinkDead(n.log, p.name, link)
		}
	}
	if !d.takeover {
		return
	}
	if !d.gaveUp || !p.shutdone {
		halog.ResourcesBeingAcquired(n.log, p.name)
	}
	p.hold = HoldNone
	n.claim(HoldForeign, n.groupsOfNode(p.name))
	// The takeover runs after a heal release still under way, and the
	// groups it starts are held.
	n.healOverrun = n.healing
	if !p.shutdone { // else counted at its shutdown notice
		n.takeovers.DeadPeer++
	}
	if n.rstate != rStable && n.cfg.AutoFailback != FailbackLegacy {
		n.rstate = rStable
	}
	n.reqOurResources(now, true)
	n.queue(Job{Kind: jobAcquire, Groups: n.startable(n.groupsOfNode(p.name)), Why: "mach_down", Peer: p.name})
}

// infoHeal marks a resource report that answers a heartbeat-go peer
// claiming our groups.
const infoHeal = "heal"

// cancelStandby ends the standby exchange in progress unfinished.
func (n *Node) cancelStandby() {
	if n.standby == standbyOther && n.standbyWaiting {
		n.owedFrom, n.owedSet = n.standbyFrom, n.standbySet
	}
	n.standby, n.standbyWaiting = standbyNone, false
}

// returning handles a status from a peer we declared dead (spec 5.8).
func (n *Node) returning(now time.Time, p *peer) {
	halog.ReturningAfterPartition(n.log, p.name)
	p.state = stActive
	// The late-heartbeat check must not declare the peer dead again for
	// the silence we just forgave.
	p.lastStatus = time.Time{}
	// Requests to take groups that failed here may have met the peer
	// frozen or cut off: it may be asked again.
	p.handoffs = 0
	if p.isGo && n.cfg.AutoFailback != FailbackLegacy {
		// Both sides are heartbeat-go: the preferred owner of each group
		// keeps it and only the other side releases (3.0.6 restarts both).
		// Each side reports what it holds now; a side that finds the
		// peer claiming its own groups releases them (audit). Legacy
		// mode has no holding reports: both restart, as in 3.0.6.
		p.stable = true
		p.healPending = true
		// If the peer restarted while it could not hear us, it drops
		// our messages until a status tells it our generation.
		n.sendStatus(now)
		n.report(now, "")
		return
	}
	n.restartAt = now.Add(partitionDelay)
}

// heal releases every foreign group, so that in a heartbeat-go cluster
// the preferred owner keeps its groups when both sides claim them. It
// releases all of them, not only those running now: a takeover queued
// just before the peer came back may still be starting one (stopping a
// stopped group is harmless, as 3.0.6's givegroup assumes).
func (n *Node) heal() {
	if n.healing || n.shuttingDown {
		return
	}
	n.healing = true
	n.queue(Job{Kind: jobRelease, Groups: n.groupsOf(HoldForeign), Why: "heal"})
}

// onIPRequest: legacy mode, the peer wants its group back.
func (n *Node) onIPRequest(now time.Time, p *peer, m Msg) {
	key := m.Get(fIPAddr)
	for i, g := range n.cfg.Groups {
		if g.First() != key {
			continue
		}
		if n.running[i] || n.busy() {
			// A takeover under way may be starting the group: the
			// release runs after it (stopping a stopped group is
			// harmless).
			n.queue(Job{Kind: jobRelease, Groups: []int{i}, Why: "ip-request", Peer: p.name})
			return
		}
		n.send(now, append(Msg{{fDest, p.name}}, newMsg(tIPRequestRsp, fIPAddr, key, fWeOwn, "no", fOK, "OK")...))
		return
	}
}

// onIPRequestResp: legacy mode, the holder released our group.
func (n *Node) onIPRequestResp(now time.Time, m Msg) {
	if n.shuttingDown {
		return
	}
	key := m.Get(fIPAddr)
	for i, g := range n.cfg.Groups {
		if g.First() == key && g.Owner == n.cfg.Node && !n.running[i] && !n.ipAsked[i].IsZero() {
			n.ipAsked[i] = time.Time{}
			n.queue(Job{Kind: jobAcquire, Groups: []int{i}, Why: "ip-request-resp"})
			return
		}
	}
}

// Shutdown asks for a graceful shutdown: release everything, send
// shutdone, finish. It waits for running resource work.
func (n *Node) Shutdown(now time.Time) {
	if n.shuttingDown {
		return
	}
	n.shutdownAsked = true
	if n.busy() || n.standby != standbyNone {
		// As 3.0.6, a standby exchange in progress is resource activity.
		halog.ShutdownDelayed(n.log)
		return
	}
	n.beginShutdown(now, false)
}

func (n *Node) beginShutdown(now time.Time, restart bool) {
	n.shuttingDown = true
	n.standby, n.standbyWaiting, n.owedFrom = standbyNone, false, ""
	n.rstate = rShutdown
	if restart {
		halog.Restarting(n.log)
	} else {
		halog.ShutdownInProgress(n.log, pid())
	}
	n.hold = HoldNone
	if n.cfg.AutoFailback != FailbackLegacy {
		n.report(now, "shutdown")
	}
	halog.GivingUpAll(n.log)
	why := "shutdown"
	if restart {
		why = "restart"
	}
	all := make([]int, len(n.cfg.Groups))
	for i := range all {
		all[i] = i
	}
	n.jobs = nil
	n.queue(Job{Kind: jobRelease, Groups: all, Why: why})
}

// audit logs the inconsistencies 3.0.6 checks after every message.
func (n *Node) audit(now time.Time) {
	if n.cfg.AutoFailback == FailbackLegacy {
		return
	}
	for _, p := range n.order {
		if !p.alive() {
			continue
		}
		if n.hold&HoldLocal != 0 && p.hold&HoldForeign != 0 {
			halog.BothOwnOurs(n.log)
		}
		if n.hold&HoldForeign != 0 && p.hold&HoldLocal != 0 {
			halog.BothOwnForeign(n.log)
			if p.isGo {
				// Both took the groups while they could not hear each
				// other: the owner keeps them, we release.
				n.heal()
			}
		}
	}
	n.adoptOrphans(now)
	n.handOffStranded(now)
}

// adoptOrphans takes our own groups back when every node is stable and none
// holds them (3.0.6 only logs "No one owns our local resources!" and leaves
// the service down). Groups that failed to start here too often stay down.
func (n *Node) adoptOrphans(now time.Time) {
	if n.hold&HoldLocal != 0 || n.rstate != rStable || !n.stable() || n.shuttingDown || n.fenceNeeded {
		return
	}
	for _, p := range n.order {
		if p.state == "" || (p.alive() && p.hold&HoldForeign != 0) {
			return
		}
	}
	if len(n.startable(n.groupsOfNode(n.cfg.Node))) == 0 {
		return
	}
	halog.NoOneOwnsLocal(n.log)
	n.reqOurResources(now, false)
}

// runningOf lists the groups of a set (our point of view) that run here.
func (n *Node) runningOf(set Holding) []int {
	var idx []int
	for _, i := range n.groupsOf(set) {
		if n.running[i] {
			idx = append(idx, i)
		}
	}
	return idx
}
