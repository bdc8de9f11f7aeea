package halog

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// The catalogue of lines operators grep for (spec §6.3, §2.5). Each function writes
// exactly 3.0.6's text at 3.0.6's priority; the tests re-render lines taken from real
// 3.0.6 logs through them. Arguments are the values 3.0.6 printed, already formatted the
// way it formats them (paths with their double slashes, resource lists as in haresources).
// The configuration lines (spec §6.5, "Heartbeat not started: configuration error." and
// the directive warnings) are not here: hacf and heartbeat/config produce them with the
// positions they report.

// logf logs a formatted daemon line.
func logf(e *logrus.Entry, p Priority, format string, args ...any) {
	Log(e, p, fmt.Sprintf(format, args...))
}

// scriptf logs a line of the 3.0.6 shell script name, whose text starts with its level word.
func scriptf(e *logrus.Entry, name string, p Priority, format string, args ...any) {
	Log(Script(e, name, ""), p, p.String()+": "+fmt.Sprintf(format, args...))
}

// ms is a duration in whole milliseconds, as 3.0.6 prints intervals.
func ms(d time.Duration) int64 { return d.Milliseconds() }

// ---- Start-up ----

// CoreDumpWarnings logs the three WARN lines about core_pattern and core_uses_pid.
func CoreDumpWarnings(e *logrus.Entry) {
	Log(e, Warning, "Core dumps could be lost if multiple dumps occur.")
	Log(e, Warning, "Consider setting non-default value in /proc/sys/kernel/core_pattern (or equivalent) for maximum supportability")
	Log(e, Warning, "Consider setting /proc/sys/kernel/core_uses_pid (or equivalent) to 1 for maximum supportability")
}

// Version logs "info: heartbeat: version VERSION" (first line of the daemonised process).
func Version(e *logrus.Entry, version string) { logf(e, Info, "heartbeat: version %s", version) }

// NoPreviousGeneration logs "WARN: No Previous generation - starting at GEN" (first run).
func NoPreviousGeneration(e *logrus.Entry, gen uint64) {
	logf(e, Warning, "No Previous generation - starting at %d", gen)
}

// Generation logs "info: Heartbeat generation: GEN".
func Generation(e *logrus.Entry, gen uint64) { logf(e, Info, "Heartbeat generation: %d", gen) }

// NewUUID logs "info: No uuid found for current node - generating a new uuid." (first run).
func NewUUID(e *logrus.Entry) {
	Log(e, Info, "No uuid found for current node - generating a new uuid.")
}

// CreatingFIFO logs "info: Creating FIFO PATH." (first run).
func CreatingFIFO(e *logrus.Entry, path string) { logf(e, Info, "Creating FIFO %s.", path) }

// BcastStarted logs "info: glib: UDP Broadcast heartbeat started on port P (P) interface IF".
func BcastStarted(e *logrus.Entry, port int, iface string) {
	logf(e, Info, "glib: UDP Broadcast heartbeat started on port %d (%d) interface %s", port, port, iface)
}

// McastStarted logs "info: glib: UDP multicast heartbeat started for group G port P interface IF (ttl=T loop=L)".
func McastStarted(e *logrus.Entry, group string, port int, iface string, ttl, loop int) {
	logf(e, Info, "glib: UDP multicast heartbeat started for group %s port %d interface %s (ttl=%d loop=%d)",
		group, port, iface, ttl, loop)
}

// UcastStarted logs the seven "glib: ucast: …" lines of a ucast medium, ending with
// "info: glib: ucast: started on port P interface IF to PEER".
func UcastStarted(e *logrus.Entry, port int, iface, peer string) {
	logf(e, Info, "glib: ucast: write socket priority set to IPTOS_LOWDELAY on %s", iface)
	logf(e, Info, "glib: ucast: bound send socket to device: %s", iface)
	Log(e, Info, "glib: ucast: set SO_REUSEPORT(w)")
	Log(e, Info, "glib: ucast: set SO_REUSEADDR")
	logf(e, Info, "glib: ucast: bound receive socket to device: %s", iface)
	Log(e, Info, "glib: ucast: set SO_REUSEPORT")
	logf(e, Info, "glib: ucast: started on port %d interface %s to %s", port, iface, peer)
}

// CannotLockMemory logs "ERROR: Cannot lock ourselves into memory:  System limits on
// locked-in memory are too small." (harmless; 3.0.6 logs it at every start).
func CannotLockMemory(e *logrus.Entry) {
	Log(e, Err, "Cannot lock ourselves into memory:  System limits on locked-in memory are too small.")
}

// LocalStatus logs "info: Local status now set to: 'STATUS'".
func LocalStatus(e *logrus.Entry, status string) {
	logf(e, Info, "Local status now set to: '%s'", status)
}

// LinkUp logs "info: Link NODE:IF up.".
func LinkUp(e *logrus.Entry, node, iface string) { logf(e, Info, "Link %s:%s up.", node, iface) }

// LinkDead logs "info: Link NODE:IF dead.".
func LinkDead(e *logrus.Entry, node, iface string) { logf(e, Info, "Link %s:%s dead.", node, iface) }

// NodeStatus logs "info: Status update for node NODE: status STATUS".
func NodeStatus(e *logrus.Entry, node, status string) {
	logf(e, Info, "Status update for node %s: status %s", node, status)
}

// CommNowUp logs "info: Comm_now_up(): updating status to active".
func CommNowUp(e *logrus.Entry) { Log(e, Info, "Comm_now_up(): updating status to active") }

// LocalTransitionCompleted logs "info: local resource transition completed.".
func LocalTransitionCompleted(e *logrus.Entry) { Log(e, Info, "local resource transition completed.") }

// RemoteTransitionCompleted logs "info: remote resource transition completed.".
func RemoteTransitionCompleted(e *logrus.Entry) {
	Log(e, Info, "remote resource transition completed.")
}

// InitialAcquisitionComplete logs "info: Initial resource acquisition complete (WHY)", WHY
// being T_RESOURCES(us), T_RESOURCES(them), mach_down, auto_failback, req_our_resources or
// ip-request-resp.
func InitialAcquisitionComplete(e *logrus.Entry, why string) {
	logf(e, Info, "Initial resource acquisition complete (%s)", why)
}

// LocalAcquisitionCompleted logs "info: Local Resource acquisition completed." and, when
// there was nothing to acquire, the variant ending in " (none)".
func LocalAcquisitionCompleted(e *logrus.Entry, none bool) {
	if none {
		Log(e, Info, "Local Resource acquisition completed. (none)")
		return
	}
	Log(e, Info, "Local Resource acquisition completed.")
}

// NoLocalResources logs "info: No local resources [RM listkeys NODE] to acquire.", RM being
// the ResourceManager path 3.0.6 would have run.
func NoLocalResources(e *logrus.Entry, resourceManager, node string) {
	logf(e, Info, "No local resources [%s listkeys %s] to acquire.", resourceManager, node)
}

// ---- Failure detection and takeover ----

// LateHeartbeat logs "WARN: Late heartbeat: Node NODE: interval N ms" (interval > warntime).
func LateHeartbeat(e *logrus.Entry, node string, interval time.Duration) {
	logf(e, Warning, "Late heartbeat: Node %s: interval %d ms", node, ms(interval))
}

// LateHeartbeatDead logs "CRIT: Late heartbeat: Node NODE: interval N ms (> deadtime)".
func LateHeartbeatDead(e *logrus.Entry, node string, interval time.Duration) {
	logf(e, Crit, "Late heartbeat: Node %s: interval %d ms (> deadtime)", node, ms(interval))
}

// NodeDead logs "WARN: node NODE: is dead".
func NodeDead(e *logrus.Entry, node string) { logf(e, Warning, "node %s: is dead", node) }

// NoStonith logs "WARN: No STONITH device configured." and "WARN: Shared disks are not protected.".
func NoStonith(e *logrus.Entry) {
	Log(e, Warning, "No STONITH device configured.")
	Log(e, Warning, "Shared disks are not protected.")
}

// ResourcesBeingAcquired logs "info: Resources being acquired from NODE.".
func ResourcesBeingAcquired(e *logrus.Entry, node string) {
	logf(e, Info, "Resources being acquired from %s.", node)
}

// DeadNodeGaveUp logs "info: Dead node NODE gave up resources.".
func DeadNodeGaveUp(e *logrus.Entry, node string) {
	logf(e, Info, "Dead node %s gave up resources.", node)
}

// MachDownComplete logs the daemon's "info: mach_down takeover complete.".
func MachDownComplete(e *logrus.Entry) { Log(e, Info, "mach_down takeover complete.") }

// TakeoverCancelled logs "info: Resource takeover cancelled - shutdown in progress.".
func TakeoverCancelled(e *logrus.Entry) {
	Log(e, Info, "Resource takeover cancelled - shutdown in progress.")
}

// MachDownTakingOver logs the mach_down script line "info: Taking over resource group GROUP"
// (GROUP is the first resource of the haresources line).
func MachDownTakingOver(e *logrus.Entry, group string) {
	scriptf(e, "mach_down", Info, "Taking over resource group %s", group)
}

// MachDownForeignAcquired logs the mach_down script line "info: SCRIPT: nice_failback:
// foreign resources acquired", SCRIPT being mach_down's path (/usr/share/heartbeat/mach_down).
func MachDownForeignAcquired(e *logrus.Entry, script string) {
	scriptf(e, "mach_down", Info, "%s: nice_failback: foreign resources acquired", script)
}

// MachDownNodeComplete logs the mach_down script line "info: mach_down takeover complete for node NODE.".
func MachDownNodeComplete(e *logrus.Entry, node string) {
	scriptf(e, "mach_down", Info, "mach_down takeover complete for node %s.", node)
}

// CancellingStandby logs "info: Cancelling pending standby operation" (a node died while a
// standby exchange ran).
func CancellingStandby(e *logrus.Entry) { Log(e, Info, "Cancelling pending standby operation") }

// ---- Partition ----

// ReturningAfterPartition logs "CRIT: Cluster node NODE returning after partition." and
// the four advice lines that follow it.
func ReturningAfterPartition(e *logrus.Entry, node string) {
	logf(e, Crit, "Cluster node %s returning after partition.", node)
	Log(e, Info, "For information on cluster partitions, See URL: http://linux-ha.org/wiki/Split_Brain")
	Log(e, Warning, "Deadtime value may be too small.")
	Log(e, Info, "See FAQ for information on tuning deadtime.")
	Log(e, Info, "URL: http://linux-ha.org/wiki/FAQ#Heavy_Load")
}

// BothOwnOurs logs "ERROR: Both machines own our resources!".
func BothOwnOurs(e *logrus.Entry) { Log(e, Err, "Both machines own our resources!") }

// NoOneOwnsLocal logs "ERROR: No one owns our local resources!" (3.0.6's
// audit when both nodes are stable and neither holds this node's groups).
func NoOneOwnsLocal(e *logrus.Entry) { Log(e, Err, "No one owns our local resources!") }

// BothOwnForeign logs "ERROR: Both machines own foreign resources!".
func BothOwnForeign(e *logrus.Entry) { Log(e, Err, "Both machines own foreign resources!") }

// RestartTriggered logs "info: Heartbeat restart triggered.".
func RestartTriggered(e *logrus.Entry) { Log(e, Info, "Heartbeat restart triggered.") }

// Restarting logs "info: Restarting heartbeat.".
func Restarting(e *logrus.Entry) { Log(e, Info, "Restarting heartbeat.") }

// RestartExec logs "info: Performing heartbeat restart exec.".
func RestartExec(e *logrus.Entry) { Log(e, Info, "Performing heartbeat restart exec.") }

// PeerRestart logs "info: Heartbeat restart on node NODE".
func PeerRestart(e *logrus.Entry, node string) { logf(e, Info, "Heartbeat restart on node %s", node) }

// DispatchDelayed logs 3.0.6's main-loop delay pair: "WARN: Gmain_timeout_dispatch:
// Dispatch function for WHAT was delayed N ms (> LIMIT ms) before being called (GSource: 0xSRC)"
// and "info: Gmain_timeout_dispatch: started at T should have started at T0" (T in ticks).
func DispatchDelayed(e *logrus.Entry, what string, delay, limit time.Duration, source uint64, started, due uint64) {
	logf(e, Warning, "Gmain_timeout_dispatch: Dispatch function for %s was delayed %d ms (> %d ms) before being called (GSource: %#x)",
		what, ms(delay), ms(limit), source)
	logf(e, Info, "Gmain_timeout_dispatch: started at %d should have started at %d", started, due)
}

// ---- Standby and failback ----

// WantsStandby logs "info: NODE wants to go standby [WHICH]".
func WantsStandby(e *logrus.Entry, node, which string) {
	logf(e, Info, "%s wants to go standby [%s]", node, which)
}

// StandbyPeerCanTake logs "info: standby: NODE can take our WHICH resources".
func StandbyPeerCanTake(e *logrus.Entry, node, which string) {
	logf(e, Info, "standby: %s can take our %s resources", node, which)
}

// StandbyGiveUp logs "info: give up WHICH HA resources (standby).".
func StandbyGiveUp(e *logrus.Entry, which string) {
	logf(e, Info, "give up %s HA resources (standby).", which)
}

// StandbyReleaseCompleted logs "info: WHICH HA resource release completed (standby).".
func StandbyReleaseCompleted(e *logrus.Entry, which string) {
	logf(e, Info, "%s HA resource release completed (standby).", which)
}

// LocalStandbyCompleted logs "info: Local standby process completed [WHICH].".
func LocalStandbyCompleted(e *logrus.Entry, which string) {
	logf(e, Info, "Local standby process completed [%s].", which)
}

// StandbyAcquireFrom logs "info: standby: acquire [WHICH] resources from NODE".
func StandbyAcquireFrom(e *logrus.Entry, which, node string) {
	logf(e, Info, "standby: acquire [%s] resources from %s", which, node)
}

// StandbyAcquire logs "info: acquire WHICH HA resources (standby).".
func StandbyAcquire(e *logrus.Entry, which string) {
	logf(e, Info, "acquire %s HA resources (standby).", which)
}

// StandbyAcquireCompleted logs "info: WHICH HA resource acquisition completed (standby).".
func StandbyAcquireCompleted(e *logrus.Entry, which string) {
	logf(e, Info, "%s HA resource acquisition completed (standby).", which)
}

// StandbyAcquisitionDone logs "info: Standby resource acquisition done [WHICH].".
func StandbyAcquisitionDone(e *logrus.Entry, which string) {
	logf(e, Info, "Standby resource acquisition done [%s].", which)
}

// OtherCompletedStandby logs "info: Other node completed standby takeover of WHICH resources.".
func OtherCompletedStandby(e *logrus.Entry, which string) {
	logf(e, Info, "Other node completed standby takeover of %s resources.", which)
}

// StandbyNeedsNiceFailback logs "info: Standby mode only implemented when nice_failback on"
// (hb_standby refused in auto_failback legacy).
func StandbyNeedsNiceFailback(e *logrus.Entry) {
	Log(e, Info, "Standby mode only implemented when nice_failback on")
}

// IgnoredStandby logs "ERROR: Ignored standby message 'KIND' from NODE in state N".
func IgnoredStandby(e *logrus.Entry, kind, node string, state int) {
	logf(e, Err, "Ignored standby message '%s' from %s in state %d", kind, node, state)
}

// StandbyInProgress logs "WARN: Standby in progress- new request from NODE ignored [N seconds
// left]", N being left rounded up to whole seconds as 3.0.6 does (0 when none is left).
func StandbyInProgress(e *logrus.Entry, node string, left time.Duration) {
	logf(e, Warning, "Standby in progress- new request from %s ignored [%d seconds left]", node, (max(0, ms(left))+999)/1000)
}

// StandbyIgnoredOtherInFlux logs "WARN: standby message [INFO] from NODE ignored.  Other side is in flux.".
func StandbyIgnoredOtherInFlux(e *logrus.Entry, info, node string) {
	logf(e, Warning, "standby message [%s] from %s ignored.  Other side is in flux.", info, node)
}

// StandbyIgnoredLocalInFlux logs "WARN: standby message [INFO] from NODE ignored.  local resources in flux.".
func StandbyIgnoredLocalInFlux(e *logrus.Entry, info, node string) {
	logf(e, Warning, "standby message [%s] from %s ignored.  local resources in flux.", info, node)
}

// StandbyNoReply logs "WARN: No reply to standby request.  Standby request cancelled." (the
// standby timer ran out).
func StandbyNoReply(e *logrus.Entry) {
	Log(e, Warning, "No reply to standby request.  Standby request cancelled.")
}

// GoingStandby logs the hb_standby script line "Going standby [WHICH]." (no level word).
func GoingStandby(e *logrus.Entry, which string) {
	Log(Script(e, "hb_standby", ""), Info, "Going standby ["+which+"].")
}

// ---- Shutdown ----

// ShutdownInProgress logs "info: Heartbeat shutdown in progress. (PID)".
func ShutdownInProgress(e *logrus.Entry, pid int) {
	logf(e, Info, "Heartbeat shutdown in progress. (%d)", pid)
}

// ShutdownDelayed logs "WARN: Shutdown delayed until current resource activity finishes.".
func ShutdownDelayed(e *logrus.Entry) {
	Log(e, Warning, "Shutdown delayed until current resource activity finishes.")
}

// GivingUpAll logs "info: Giving up all HA resources.".
func GivingUpAll(e *logrus.Entry) { Log(e, Info, "Giving up all HA resources.") }

// AllRelinquished logs "info: All HA resources relinquished.".
func AllRelinquished(e *logrus.Entry) { Log(e, Info, "All HA resources relinquished.") }

// ShutdownComplete logs "info: NODE Heartbeat shutdown complete.".
func ShutdownComplete(e *logrus.Entry, node string) {
	logf(e, Info, "%s Heartbeat shutdown complete.", node)
}

// ShutdownNotice logs "info: Received shutdown notice from 'NODE'.".
func ShutdownNotice(e *logrus.Entry, node string) {
	logf(e, Info, "Received shutdown notice from '%s'.", node)
}

// ---- Reload and operator requests ----

// SignallingReread logs "info: Signalling heartbeat pid PID to reread config files" (heartbeat -r).
func SignallingReread(e *logrus.Entry, pid int) {
	logf(e, Info, "Signalling heartbeat pid %d to reread config files", pid)
}

// RereadingAuth logs "info: Rereading authentication file.".
func RereadingAuth(e *logrus.Entry) { Log(e, Info, "Rereading authentication file.") }

// AlreadyRunning logs "info: heartbeat: already running [pid PID].".
func AlreadyRunning(e *logrus.Entry, pid int) {
	logf(e, Info, "heartbeat: already running [pid %d].", pid)
}

// APIBadRequest logs "ERROR: api_process_request: bad request [REQ]".
func APIBadRequest(e *logrus.Entry, req string) {
	logf(e, Err, "api_process_request: bad request [%s]", req)
}

// ---- Packets ----

// LostPackets logs "WARN: N lost packet(s) for [NODE] [FROM:TO]".
func LostPackets(e *logrus.Entry, n int, node string, from, to uint64) {
	logf(e, Warning, "%d lost packet(s) for [%s] [%d:%d]", n, node, from, to)
}

// NoPktsMissing logs "info: No pkts missing from NODE!".
func NoPktsMissing(e *logrus.Entry, node string) { logf(e, Info, "No pkts missing from %s!", node) }

// IrretrievablyLost logs "ERROR: Irretrievably lost packet: node NODE seq N" (a peer's NAK;
// N in decimal although the NAK carries it in hex).
func IrretrievablyLost(e *logrus.Entry, node string, seq uint64) {
	logf(e, Err, "Irretrievably lost packet: node %s seq %d", node, seq)
}

// BadNakSeq logs "ERROR: should_drop_message: bad nak seq number" (a NAK whose firstseq is
// not a positive hex number).
func BadNakSeq(e *logrus.Entry) { Log(e, Err, "should_drop_message: bad nak seq number") }

// BadSequenceNumber logs "ERROR: should_drop_message: bad sequence number" (seq or hg missing
// or not hex).
func BadSequenceNumber(e *logrus.Entry) { Log(e, Err, "should_drop_message: bad sequence number") }

// ReplayAttack logs "ERROR: should_drop_message: attempted replay attack [NODE]? [gen = G,
// curgen = C]" (a message from an older generation of NODE).
func ReplayAttack(e *logrus.Entry, node string, gen, curgen uint64) {
	logf(e, Err, "should_drop_message: attempted replay attack [%s]? [gen = %d, curgen = %d]", node, gen, curgen)
}

// LostALot logs "ERROR: lost a lot of packets!" (a gap too wide to ask for).
func LostALot(e *logrus.Entry) { Log(e, Err, "lost a lot of packets!") }

// ---- Authentication failures (spec §2.5) ----

// AuthTokenMismatch logs "ERROR: authtoken does not match, authtoken=GOT, authstr=WANT"
// (digest received, digest computed here).
func AuthTokenMismatch(e *logrus.Entry, got, want string) {
	logf(e, Err, "authtoken does not match, authtoken=%s, authstr=%s", got, want)
}

// InvalidAuthIndex logs "WARN: Invalid authentication [N] in message!" (netstring datagram
// naming an unknown key index).
func InvalidAuthIndex(e *logrus.Entry, n int) {
	logf(e, Warning, "Invalid authentication [%d] in message!", n)
}

// BadNetstringAuth logs "WARN: Bad/invalid netstring auth string" (netstring datagram whose
// trailer is not "INDEX DIGEST").
func BadNetstringAuth(e *logrus.Entry) { Log(e, Warning, "Bad/invalid netstring auth string") }

// InvalidAuthType logs "WARN: Invalid authentication type [N] in message!" (classic datagram
// naming an unknown key index).
func InvalidAuthType(e *logrus.Entry, n int) {
	logf(e, Warning, "Invalid authentication type [%d] in message!", n)
}

// BadAuthToken logs "WARN: Bad/invalid auth token, authtoken=ADDR" (classic datagram whose
// auth field is missing or not "INDEX DIGEST"). 3.0.6 prints the address of the field's value
// ("%p"), "(nil)" when there is none; so does this, for token.
func BadAuthToken(e *logrus.Entry, token []byte) {
	addr := "(nil)"
	if token != nil {
		addr = fmt.Sprintf("%p", token)
	}
	Log(e, Warning, "Bad/invalid auth token, authtoken="+addr)
}

// FailedAuthentication logs "WARN: string2msg_ll: node [NODE] failed authentication", the
// last line about a classic datagram that failed authentication (NODE is "?" when it names
// none).
func FailedAuthentication(e *logrus.Entry, node string) {
	if node == "" {
		node = "?"
	}
	logf(e, Warning, "string2msg_ll: node [%s] failed authentication", node)
}

// NetstringAuthFailed logs "ERROR: netstring authentication failed, s=PKT, autotoken=TRAILER"
// for a received datagram pkt. Like 3.0.6's "%s", PKT stops at the first NUL byte (a binary
// uuid may hold one) and TRAILER is the rest of the datagram from the content of the
// trailing auth netstring on, its closing comma included. Raw bytes, newlines included,
// go into the log unchanged.
func NetstringAuthFailed(e *logrus.Entry, pkt []byte) {
	Log(e, Err, "netstring authentication failed, s="+cString(pkt)+", autotoken="+cString(authTrailer(pkt)))
}

// authTrailer returns pkt from the content of the netstring after the last "%%%\n" on, or
// nil when there is none.
func authTrailer(pkt []byte) []byte {
	end := bytes.LastIndex(pkt, []byte("%%%\n"))
	if end < 0 {
		return nil
	}
	rest := pkt[end+4:]
	colon := bytes.IndexByte(rest, ':')
	if colon < 0 {
		return nil
	}
	return rest[colon+1:]
}

// cString is b up to its first NUL, as C's "%s" prints a buffer.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// DumpMessage logs "ERROR: MSG: Dumping message with N fields" and one
// "ERROR: MSG[i] : [FIELD]" per field. Fields are rendered by the caller as 3.0.6 does:
// "name=value" for strings, "(T)name=0xADDR(SLEN NETSLEN)" for binary ones.
func DumpMessage(e *logrus.Entry, fields []string) {
	logf(e, Err, "MSG: Dumping message with %d fields", len(fields))
	for i, f := range fields {
		logf(e, Err, "MSG[%d] : [%s]", i, f)
	}
}

// ---- ResourceManager and harc script lines (spec §6.2) ----

// AcquiringGroup logs the ResourceManager line "info: Acquiring resource group: LINE",
// LINE being the haresources line ("node1 10.250.0.100/24/eth0 spectest::alpha").
func AcquiringGroup(e *logrus.Entry, line string) {
	scriptf(e, "ResourceManager", Info, "Acquiring resource group: %s", line)
}

// ReleasingGroup logs the ResourceManager line "info: Releasing resource group: LINE".
func ReleasingGroup(e *logrus.Entry, line string) {
	scriptf(e, "ResourceManager", Info, "Releasing resource group: %s", line)
}

// RunningResource logs the ResourceManager line "info: Running PATH ARGS OP". 3.0.6 prints
// the path as found ("/etc/ha.d//resource.d/x" when starting, "/etc/ha.d/resource.d/x" when
// releasing) and ARGS joined by blanks; empty ARGS leave two blanks.
func RunningResource(e *logrus.Entry, path string, args []string, op string) {
	scriptf(e, "ResourceManager", Info, "Running %s %s %s", path, strings.Join(args, " "), op)
}

// ResourceReturnCode logs the ResourceManager line "ERROR: Return code RC from PATH".
func ResourceReturnCode(e *logrus.Entry, rc int, path string) {
	scriptf(e, "ResourceManager", Err, "Return code %d from %s", rc, path)
}

// GivingUpOnFailure logs the ResourceManager line "CRIT: Giving up resources due to failure of RSC".
func GivingUpOnFailure(e *logrus.Entry, rsc string) {
	scriptf(e, "ResourceManager", Crit, "Giving up resources due to failure of %s", rsc)
}

// RetryingStop logs the ResourceManager line "info: Retrying failed stop operation [RSC]".
func RetryingStop(e *logrus.Entry, rsc string) {
	scriptf(e, "ResourceManager", Info, "Retrying failed stop operation [%s]", rsc)
}

// StopFailureReboot logs the ResourceManager lines "CRIT: Resource STOP failure. Reboot
// required!" and "CRIT: Killing heartbeat ungracefully!" (a stop failed and the resource runs).
func StopFailureReboot(e *logrus.Entry) {
	scriptf(e, "ResourceManager", Crit, "Resource STOP failure. Reboot required!")
	scriptf(e, "ResourceManager", Crit, "Killing heartbeat ungracefully!")
}

// NotLSBCompliant logs the three ResourceManager lines of a stop that failed although the
// resource RSC is not running: "ERROR: Resource script for RSC probably not LSB-compliant.",
// "WARN: it (RSC) MUST succeed on a stop when already stopped" and "WARN: Machine reboot
// narrowly avoided!".
func NotLSBCompliant(e *logrus.Entry, rsc string) {
	scriptf(e, "ResourceManager", Err, "Resource script for %s probably not LSB-compliant.", rsc)
	scriptf(e, "ResourceManager", Warning, "it (%s) MUST succeed on a stop when already stopped", rsc)
	scriptf(e, "ResourceManager", Warning, "Machine reboot narrowly avoided!")
}

// CannotLocateScript logs the ResourceManager line "ERROR: Cannot locate resource script NAME".
func CannotLocateScript(e *logrus.Entry, name string) {
	scriptf(e, "ResourceManager", Err, "Cannot locate resource script %s", name)
}

// HarcRunning logs the harc line "info: Running RCDIR/EVENT EVENT ARGS…" (RCDIR as 3.0.6
// spells it: "/etc/ha.d//rc.d").
func HarcRunning(e *logrus.Entry, rcdir, event string, args ...string) {
	all := append([]string{event}, args...)
	scriptf(e, "harc", Info, "Running %s/%s %s", rcdir, event, strings.Join(all, " "))
}

// IPRequestResp logs the rc.d/ip-request-resp line "received ip-request-resp GROUP OK WEOWN"
// (no level word; auto_failback legacy), from the response message's ipaddr, ok and weown
// fields.
func IPRequestResp(e *logrus.Entry, group, ok, weown string) {
	Log(Script(e, "ip-request-resp", ""), Info, "received ip-request-resp "+group+" "+ok+" "+weown)
}

// ---- heartbeat-go's own lines (no 3.0.6 counterpart) ----

// StartFailuresExhausted logs "CRIT: Resource group GROUP failed to start N time(s) here:
// leaving it stopped on NODE" (3.0.6 has no start-failure limit, spec 9.1 item 10).
func StartFailuresExhausted(e *logrus.Entry, group string, n int, node string) {
	logf(e, Crit, "Resource group %s failed to start %d time(s) here: leaving it stopped on %s", group, n, node)
}

// Reannouncing logs "info: Partition healed: announcing resource group GROUP again"
// (the owner re-sends gratuitous ARPs, so clients leave the other node).
func Reannouncing(e *logrus.Entry, group string) {
	logf(e, Info, "Partition healed: announcing resource group %s again", group)
}

// StandbyIgnoredFailedHere logs "WARN: standby message [me] from NODE ignored: resource group
// GROUP failed to start here" (3.0.6 has no start-failure limit and takes the group).
func StandbyIgnoredFailedHere(e *logrus.Entry, node, group string) {
	logf(e, Warning, "standby message [me] from %s ignored: resource group %s failed to start here", node, group)
}

// IPRequestRetry logs "WARN: No answer to ip-request for GROUP: asking again" (legacy
// mode; 3.0.6 asks once and waits for ever).
func IPRequestRetry(e *logrus.Entry, group string) {
	logf(e, Warning, "No answer to ip-request for %s: asking again", group)
}

// FencingFailed logs "CRIT: Fencing this node failed: ERR; keeping the group claimed here"
// (3.0.6 reboots and cannot fail that way).
func FencingFailed(e *logrus.Entry, err error) {
	logf(e, Crit, "Fencing this node failed: %v; keeping the group claimed here", err)
}

// PacketsSuppressed logs "WARN: N more packet(s) from ADDR failed authentication or
// decoding", the count of failures not reported since the last report (3.0.6 reports
// every one).
func PacketsSuppressed(e *logrus.Entry, n int, addr string) {
	logf(e, Warning, "%d more packet(s) from %s failed authentication or decoding", n, addr)
}

// BadPacket logs "ERROR: dropping bad packet from ADDR: ERR" (a datagram that does not
// decode; 3.0.6 logs parser-specific lines).
func BadPacket(e *logrus.Entry, addr string, err error) {
	logf(e, Err, "dropping bad packet from %s: %v", addr, err)
}

// EncodeFailed logs "ERROR: encoding message: ERR" (an outgoing message that cannot be
// encoded or signed is not sent).
func EncodeFailed(e *logrus.Entry, err error) { logf(e, Err, "encoding message: %v", err) }

// SendFailed logs "debug: sending: ERR" (a medium refused a datagram; 3.0.6 logs nothing
// comparable at the default level).
func SendFailed(e *logrus.Entry, err error) { logf(e, Debug, "sending: %v", err) }
