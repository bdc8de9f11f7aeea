package daemon

import (
	"fmt"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/sirupsen/logrus"
)

// StartupLog returns a logger for the lines heartbeat prints before it
// runs (3.0.6's pre-daemon parent): stderr, plus the log files of ha.cf
// when toFiles is set and ha.cf could be read. Close the returned Logs.
func StartupLog(cfg *config.Config, o Options, toFiles bool) (*logrus.Entry, *halog.Logs, error) {
	o.defaults()
	o.Foreground = true
	var logs *halog.Logs
	var err error
	if toFiles && cfg.HACF != nil {
		logs, err = setupLogs(cfg, o)
	} else {
		syslogFmt := cfg.HACF == nil || cfg.HACF.SyslogMsgFmt
		logs, err = halog.Setup(halog.Options{Foreground: true, Stderr: o.Stderr, Host: cfg.Node, SyslogMsgFmt: syslogFmt})
	}
	if err != nil {
		return nil, nil, fmt.Errorf("setting up logging: %w", err)
	}
	return logrus.NewEntry(logs.Logger), logs, nil
}

// LogConfigError logs a configuration that does not start as 3.0.6 does
// (its lines, generic pair included, on stderr and in the log files), then
// every problem with its position on stderr.
func LogConfigError(cfg *config.Config, o Options) {
	o.defaults()
	log, logs, err := StartupLog(cfg, o, true)
	if err != nil {
		fmt.Fprintf(o.Stderr, "heartbeat: %v\n", err)
	} else {
		defer logs.Close()
		for _, l := range cfg.Legacy {
			if l.Stderr {
				fmt.Fprintln(o.Stderr, l.Text)
				continue
			}
			halog.Log(log, priority(l.Prio), l.Text)
		}
	}
	for _, p := range cfg.Problems {
		fmt.Fprintf(o.Stderr, "heartbeat: %s\n", p)
	}
}
