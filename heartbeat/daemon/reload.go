package daemon

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/sirupsen/logrus"
)

// loggingParams are the ha.cf directives a SIGHUP applies at once.
var loggingParams = []string{"logfile", "debugfile", "logfacility", "debug", "syslogmsgfmt"}

// reloader handles the ha.cf side of SIGHUP (authkeys and log reopening
// are forwardSignals'). 3.0.6 re-executes itself when ha.cf's mtime
// changed ("quick restart", keeping its resources). heartbeat-go checks
// the new file first and keeps running on the old one if it is broken; if
// it is valid it applies the logging directives at once and logs which
// other directives changed and take effect at the next start.
type reloader struct {
	cfg   *config.Config
	o     Options
	log   *logrus.Entry
	logs  *halog.Logs
	mtime time.Time
	hup   chan os.Signal
}

func newReloader(cfg *config.Config, o Options, log *logrus.Entry, logs *halog.Logs) *reloader {
	r := &reloader{cfg: cfg, o: o, log: log, logs: logs, hup: make(chan os.Signal, 1)}
	if fi, err := os.Stat(cfg.Path("ha.cf")); err == nil {
		r.mtime = fi.ModTime()
	}
	signal.Notify(r.hup, syscall.SIGHUP)
	return r
}

func (r *reloader) run(ctx context.Context) {
	defer signal.Stop(r.hup)
	var applied *halog.Logs
	defer func() {
		if applied != nil {
			applied.Close()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.hup:
			if l := r.reload(); l != nil {
				if applied != nil {
					applied.Close()
				}
				applied = l
			}
		}
	}
}

// reload rereads ha.cf if it changed and returns the logs it switched to.
func (r *reloader) reload() *halog.Logs {
	fi, err := os.Stat(r.cfg.Path("ha.cf"))
	if err != nil || fi.ModTime().Equal(r.mtime) {
		return nil
	}
	r.mtime = fi.ModTime()
	next := config.Load(config.Options{Dir: r.cfg.Dir, Node: r.cfg.Node})
	if !next.OK() {
		for _, p := range next.Problems {
			if p.Severity == config.Error {
				halog.Log(r.log, halog.Err, p.String())
			}
		}
		halog.Log(r.log, halog.Err, "Configuration error in changed ha.cf: keeping the running configuration.")
		return nil
	}
	changed := changedParams(r.cfg, next)
	if len(changed) == 0 {
		halog.Log(r.log, halog.Info, "ha.cf changed, no directive differs.")
		return nil
	}
	var later []string
	var logs *halog.Logs
	for _, name := range changed {
		if !slices.Contains(loggingParams, name) {
			later = append(later, name)
		}
	}
	if len(later) < len(changed) {
		l, err := setupLogs(next, r.o)
		if err != nil {
			halog.Log(r.log, halog.Err, fmt.Sprintf("Logging directives of changed ha.cf: %v; keeping the running ones.", err))
		} else {
			r.logs.Logger.ReplaceHooks(l.Logger.Hooks)
			r.logs.Logger.SetLevel(l.Logger.GetLevel())
			logs = l
			halog.Log(r.log, halog.Info, "Logging configuration of ha.cf reloaded.")
		}
	}
	if len(later) > 0 {
		halog.Log(r.log, halog.Warning, fmt.Sprintf("ha.cf changed [%s]: heartbeat-go applies these at its next start (restart it; resources move).", strings.Join(later, ", ")))
	}
	return logs
}

// changedParams lists the ha.cf directives whose value differs, sorted.
func changedParams(a, b *config.Config) []string {
	var out []string
	for k, p := range a.HACF.Params {
		if q, ok := b.HACF.Params[k]; !ok || q.Value != p.Value {
			out = append(out, k)
		}
	}
	for k := range b.HACF.Params {
		if _, ok := a.HACF.Params[k]; !ok {
			out = append(out, k)
		}
	}
	if !slices.Equal(nodeNames(a.HACF), nodeNames(b.HACF)) && !slices.Contains(out, "node") {
		out = append(out, "node")
	}
	slices.Sort(out)
	return out
}
