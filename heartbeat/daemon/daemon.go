// Package daemon assembles a heartbeat node from a loaded configuration:
// logging, identity files, media, resource agents and the event loop, plus
// the signals of 3.0.6 (TERM stops gracefully, HUP rereads authkeys).
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
	"github.com/heartbeat-go/heartbeat-go/hacf"
	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
	"github.com/heartbeat-go/heartbeat-go/resource.d"
	"github.com/sirupsen/logrus"
)

// Options are the daemon's paths and switches; zero values are Debian's.
type Options struct {
	StateDir   string // /var/lib/heartbeat
	RunDir     string // /run
	Foreground bool   // log to stderr too (heartbeat -f)
	Debug      int    // -d count, added to ha.cf's debug
	Version    string
	Stderr     io.Writer
	// Fence is what a failed stop triggers; nil means 3.0.6's: reboot -nf.
	Fence func(reason string) error
	// Ready is called when communication is up (systemd notify).
	Ready func()
	// Status, if set, receives the loop so API servers can read snapshots.
	Status func(*heartbeat.Loop)
	// NoRealtime is heartbeat -l: no memory locking, no real-time policy
	// even with ha.cf's `realtime on`.
	NoRealtime bool
	// MetricsAddr, if set, is where the Prometheus endpoint listens
	// (HEARTBEAT_METRICS_ADDR of /etc/default/heartbeat, see MetricsEnv).
	MetricsAddr string

	resourceOp func(heartbeat.ResourceOp) // set by startMetrics
}

func (o *Options) defaults() {
	if o.StateDir == "" {
		o.StateDir = "/var/lib/heartbeat"
	}
	if o.RunDir == "" {
		o.RunDir = "/run"
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Fence == nil {
		o.Fence = rebootNow
	}
}

// rebootNow is 3.0.6's answer to a failed stop (ResourceManager: reboot -nf).
func rebootNow(reason string) error {
	out, err := exec.Command("reboot", "-nf").CombinedOutput()
	if err != nil {
		return fmt.Errorf("reboot -nf after %s: %w: %s", reason, err, out)
	}
	return nil
}

// Run runs the node described by cfg until a graceful stop or ctx ends. A
// restart after a partition (3.0.6 re-execs itself) runs the node again
// with a new generation after deadtime + 1 s.
func Run(ctx context.Context, cfg *config.Config, o Options) error {
	o.defaults()
	logs, err := setupLogs(cfg, o)
	if err != nil {
		return err
	}
	defer logs.Close()
	log := logrus.NewEntry(logs.Logger)
	for _, l := range cfg.Legacy {
		if !l.Stderr {
			halog.Log(log, priority(l.Prio), l.Text)
		}
	}
	if cfg.HACF.Realtime && !o.NoRealtime {
		goRealtime(log, cfg.HACF.RTPrio)
	}
	_, stopMetrics, err := startMetrics(ctx, &o, log)
	if err != nil {
		return err
	}
	defer stopMetrics()

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)

	for {
		err := runOnce(ctx, cfg, o, log, logs, sigs)
		if !errors.Is(err, heartbeat.ErrRestart) {
			return err
		}
		halog.RestartExec(log)
		wait := cfg.HACF.Deadtime + time.Second
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func setupLogs(cfg *config.Config, o Options) (*halog.Logs, error) {
	h := cfg.HACF
	return halog.Setup(halog.Options{
		Logfile:      h.Logfile,
		Debugfile:    h.Debugfile,
		Logfacility:  h.LogFacility,
		Debug:        h.Debug + o.Debug,
		SyslogMsgFmt: h.SyslogMsgFmt,
		Foreground:   o.Foreground,
		Host:         cfg.Node,
		Stderr:       o.Stderr,
	})
}

// runOnce runs one generation of the node.
func runOnce(ctx context.Context, cfg *config.Config, o Options, log *logrus.Entry, logs *halog.Logs, sigs <-chan os.Signal) error {
	h := cfg.HACF
	halog.Version(log, config.Version)
	gen, first, err := heartbeat.NextGeneration(o.StateDir, time.Now())
	if err != nil {
		return err
	}
	if first {
		halog.NoPreviousGeneration(log, gen)
	}
	halog.Generation(log, gen)
	uuid, created, err := heartbeat.LoadUUID(o.StateDir)
	if err != nil {
		return err
	}
	if created {
		halog.NewUUID(log)
	}

	rmLog := log.WithField(halog.FieldTag, halog.ScriptTag{Name: "ResourceManager"})
	resolver := resource.NewResolver(resource.Config{
		HADir: cfg.Dir + "/",
		Env: resource.Environment{
			LogFile:     h.Logfile,
			DebugLog:    h.Debugfile,
			LogFacility: h.LogFacility,
			CurHost:     cfg.Node,
			Debug:       h.Debug,
		},
		Log: log.WithField(halog.FieldPrio, halog.Debug),
	})
	defer resolver.Close()
	groups, err := resolveGroups(ctx, cfg, resolver)
	if err != nil {
		return err
	}

	packets := make(chan media.Packet, 256)
	mctx, closeMedia := context.WithCancel(context.WithoutCancel(ctx))
	defer closeMedia()
	senders, links, err := openMedia(mctx, h, packets, log)
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range senders {
			_ = s.(io.Closer).Close()
		}
	}()

	requests := make(chan heartbeat.Request, 16)
	loop := &heartbeat.Loop{
		Config: heartbeat.Config{
			Node:             cfg.Node,
			Nodes:            nodeNames(h),
			Links:            links,
			Keepalive:        h.Keepalive,
			Deadtime:         h.Deadtime,
			Warntime:         h.Warntime,
			Initdead:         h.Initdead,
			AutoFailback:     autoFailback(h.AutoFailback),
			Groups:           groups,
			Hopfudge:         h.Hopfudge,
			MaxStartFailures: 1,
		},
		Keys:        cfg.Keys,
		UUID:        uuid,
		Generation:  gen,
		Media:       senders,
		Packets:     packets,
		Requests:    requests,
		Log:         log,
		RMLog:       rmLog,
		ResourceDir: cfg.Dir + "//resource.d",
		Fence:       o.Fence,
		Load:        heartbeat.ReadLoad,
		Ready:       o.Ready,
		ResourceOp:  o.resourceOp,
	}
	if o.Status != nil {
		o.Status(loop)
	}
	stopOperator, err := startOperator(ctx, cfg, o, loop, requests, log, logs)
	if err != nil {
		return err
	}
	defer stopOperator()
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	go forwardSignals(lctx, sigs, requests, cfg, log, logs)
	return loop.Run(lctx)
}

// forwardSignals turns TERM/INT into a graceful shutdown and HUP into a
// reload of authkeys and a reopen of the log files.
func forwardSignals(ctx context.Context, sigs <-chan os.Signal, requests chan<- heartbeat.Request, cfg *config.Config, log *logrus.Entry, logs *halog.Logs) {
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-sigs:
			if s != syscall.SIGHUP {
				requests <- heartbeat.Request{Kind: heartbeat.ReqShutdown}
				continue
			}
			_ = logs.Reopen()
			keys, err := reloadKeys(cfg.Path("authkeys"))
			if err != nil {
				halog.Log(log, halog.Err, fmt.Sprintf("Authentication reparsing error: %v; keeping the running keys.", err))
				continue
			}
			halog.RereadingAuth(log)
			requests <- heartbeat.Request{Kind: heartbeat.ReqRekey, Keys: keys}
		}
	}
}

// reloadKeys rereads authkeys; a broken file leaves the running keys.
func reloadKeys(path string) (*authkeys.Keys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := authkeys.CheckPerm(path, path, fi); err != nil {
		return nil, err
	}
	return authkeys.Parse(path, f, authkeys.Options{})
}

func nodeNames(h *hacf.Config) []string {
	var names []string
	for _, n := range h.Nodes {
		if n.Type == hacf.NormalNode {
			names = append(names, n.Name)
		}
	}
	return names
}

func autoFailback(a hacf.AutoFailback) heartbeat.AutoFailback {
	switch a {
	case hacf.On:
		return heartbeat.FailbackOn
	case hacf.Off:
		return heartbeat.FailbackOff
	}
	return heartbeat.FailbackLegacy
}

// resolveGroups binds every haresources word to its agent.
func resolveGroups(ctx context.Context, cfg *config.Config, r *resource.Resolver) ([]*heartbeat.Group, error) {
	if cfg.Resources == nil {
		return nil, nil
	}
	var groups []*heartbeat.Group
	for _, g := range cfg.Resources.Groups {
		hg := &heartbeat.Group{Owner: g.Node, Key: g.Key}
		for _, res := range g.Resources {
			agent, err := r.Resolve(ctx, res.Text)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: resource %s: %w", res.File, res.Line, res.Text, err)
			}
			hg.Resources = append(hg.Resources, heartbeat.Resource{Name: res.Script, Args: res.Args, Agent: agent})
		}
		groups = append(groups, hg)
	}
	return groups, nil
}

// openMedia opens every UDP medium of ha.cf.
func openMedia(ctx context.Context, h *hacf.Config, out chan<- media.Packet, log *logrus.Entry) ([]heartbeat.Sender, []string, error) {
	var senders []heartbeat.Sender
	var links []string
	seen := map[string]bool{}
	for _, m := range h.Media {
		var mc media.Config
		switch m := m.(type) {
		case *hacf.Bcast:
			mc = media.Config{Type: media.Bcast, Iface: m.Iface, Port: uint16(m.Port)}
		case *hacf.Mcast:
			mc = media.Config{Type: media.Mcast, Iface: m.Iface, Port: uint16(m.Port), Group: m.Group, TTL: uint8(m.TTL), Loop: m.Loop != 0}
		case *hacf.Ucast:
			peer, err := netip.ParseAddr(m.Peer)
			if err != nil {
				return nil, nil, fmt.Errorf("ucast %s %s: only IPv4 addresses are supported: %w", m.Iface, m.Peer, err)
			}
			mc = media.Config{Type: media.Ucast, Iface: m.Iface, Port: uint16(m.Port), Peer: peer}
		default:
			halog.Log(log, halog.Warning, fmt.Sprintf("%s medium (ha.cf line %d) is accepted but not implemented", m.Type(), m.Line()))
			continue
		}
		u, err := media.Open(ctx, mc, out, log)
		if err != nil {
			return nil, nil, fmt.Errorf("opening %s: %w", mc, err)
		}
		switch mc.Type {
		case media.Bcast:
			halog.BcastStarted(log, int(mc.Port), mc.Iface)
		case media.Mcast:
			halog.McastStarted(log, mc.Group.String(), int(mc.Port), mc.Iface, int(mc.TTL), boolInt(mc.Loop))
		case media.Ucast:
			halog.UcastStarted(log, int(mc.Port), mc.Iface, mc.Peer.String())
		}
		senders = append(senders, u)
		if !seen[mc.Iface] {
			seen[mc.Iface] = true
			links = append(links, mc.Iface)
		}
	}
	if len(senders) == 0 {
		return nil, nil, errors.New("no usable heartbeat medium")
	}
	return senders, links, nil
}

// PIDFile is 3.0.6's pid file name under the run directory.
const PIDFile = "heartbeat.pid"

// priority maps a 3.0.6 priority word to halog's priority.
func priority(p scan.Prio) halog.Priority {
	for q := halog.Emerg; q <= halog.Debug; q++ {
		if q.String() == string(p) {
			return q
		}
	}
	return halog.Info
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
