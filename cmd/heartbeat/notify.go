package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/heartbeat-go/heartbeat-go/heartbeat"
)

// notifier speaks systemd's notify protocol for Type=notify units: READY=1
// once the node has joined the cluster or passed initdead, and WATCHDOG=1
// only while the event loop keeps publishing snapshots (it does at every
// event, at least every keepalive), so a hung loop gets the unit restarted
// or killed as WatchdogSec says. Outside systemd ($NOTIFY_SOCKET unset)
// every call is a no-op.
type notifier struct {
	loop   atomic.Pointer[heartbeat.Loop]
	notify func(state string) // sd_notify
	// interval is WatchdogSec; 0 when systemd wants no watchdog.
	interval time.Duration
}

func newNotifier() *notifier {
	n := &notifier{notify: func(state string) { _, _ = daemon.SdNotify(false, state) }}
	n.interval, _ = daemon.SdWatchdogEnabled(false)
	return n
}

// ready is daemon.Options.Ready.
func (n *notifier) ready() { n.notify(daemon.SdNotifyReady) }

// watch is daemon.Options.Status: it learns the loop of each run.
func (n *notifier) watch(l *heartbeat.Loop) { n.loop.Store(l) }

// watchdog pets systemd's watchdog at half its interval while the loop's
// snapshot changes between two looks.
func (n *notifier) watchdog(ctx context.Context) {
	if n.interval <= 0 {
		return
	}
	t := time.NewTicker(n.interval / 2)
	defer t.Stop()
	var last *heartbeat.Status
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l := n.loop.Load()
		if l == nil {
			n.notify(daemon.SdNotifyWatchdog) // still starting: media, agents
			continue
		}
		if s := l.Status(); s != last {
			last = s
			n.notify(daemon.SdNotifyWatchdog)
		}
	}
}
