package heartbeat

// takeoverInput is everything the takeover decision depends on. Future
// inputs (the outcome of a STONITH fence step, ping-node connectivity for
// ipfail) join here, so that the decision stays in this one pure function.
type takeoverInput struct {
	peerHeard      bool // the dead peer was seen alive since we started
	peerGaveUp     bool // it announced shutdone or reported holding nothing
	stonith        bool // a STONITH device is configured
	shuttingDown   bool // we are leaving ourselves
	stopFailedHere bool // a stop failed here: we wait to be fenced
}

// takeoverDecision says what to do about a dead peer's groups.
type takeoverDecision struct {
	takeover bool // start the peer's groups here
	gaveUp   bool // the peer released them: no fencing needed
}

// decideTakeover is the one place that decides whether the groups of a dead
// peer are started here. 3.0.6 always takes over (even without STONITH,
// with a warning); a node that is shutting down or has a failed stop never
// does, since either would leave a group running twice.
func decideTakeover(in takeoverInput) takeoverDecision {
	d := takeoverDecision{gaveUp: in.peerHeard && in.peerGaveUp}
	d.takeover = !in.shuttingDown && !in.stopFailedHere
	return d
}
