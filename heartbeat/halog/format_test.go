package halog

import (
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// entryFor rebuilds the logrus entry a real line would have come from.
func entryFor(r record) *logrus.Entry {
	e := logrus.NewEntry(logrus.New()).WithTime(r.time).WithField(FieldPID, r.pid)
	if r.script {
		return Script(e, r.entity, r.inst)
	}
	return e.WithFields(logrus.Fields{FieldTag: r.entity, FieldPrio: r.prio})
}

// TestFormatterReproducesRealLogs parses every line of every real 3.0.6 log, re-renders it
// with the same time, host, entity, pid and priority, and compares the bytes.
func TestFormatterReproducesRealLogs(t *testing.T) {
	total := 0
	for _, path := range realLogFiles(t) {
		recs, foreign := readRecords(t, path)
		for _, line := range foreign {
			t.Logf("%s: not a logger line: %q", path, line)
		}
		for _, r := range recs {
			f := &Formatter{Host: r.host, Zone: time.UTC, SyslogMsgFmt: true, DebugFile: r.debug}
			e := entryFor(r)
			e.Message = r.msg
			got, err := f.Format(e)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != r.raw {
				t.Errorf("%s:\n got %q\nwant %q", r.file, got, r.raw)
			}
			total++
		}
	}
	t.Logf("%d real log lines reproduced byte for byte", total)
}

// TestFormatterLayouts covers what the captures lack: syslogmsgfmt false, other zones,
// defaults, the single-digit day, and every priority word.
func TestFormatterLayouts(t *testing.T) {
	at := time.Date(2026, time.November, 2, 17, 16, 40, 0, time.UTC)
	plus2 := time.FixedZone("X", 2*3600)
	tests := []struct {
		name  string
		f     Formatter
		entry func(*logrus.Entry) *logrus.Entry
		level logrus.Level
		want  string
	}{
		{"syslog day zero-padded", Formatter{Host: "Node1", Zone: time.UTC, SyslogMsgFmt: true, PID: 4929}, nil, logrus.InfoLevel,
			"Nov 02 17:16:40 Node1 heartbeat: [4929]: info: msg\n"},
		{"2.x format", Formatter{Host: "node1", Zone: time.UTC, PID: 4929}, nil, logrus.InfoLevel,
			"heartbeat[4929]: 2026/11/02_17:16:40 info: msg\n"},
		{"zone field converts", Formatter{Host: "node1", Zone: plus2, SyslogMsgFmt: true, PID: 1}, nil, logrus.WarnLevel,
			"Nov 02 19:16:40 node1 heartbeat: [1]: WARN: msg\n"},
		{"entity and pid fields", Formatter{Host: "node1", Zone: time.UTC, SyslogMsgFmt: true}, func(e *logrus.Entry) *logrus.Entry {
			return WithPID(e.WithField(FieldTag, "cl_status"), 8022)
		}, logrus.ErrorLevel, "Nov 02 17:16:40 node1 cl_status: [8022]: ERROR: msg\n"},
		{"formatter entity", Formatter{Host: "node1", Zone: time.UTC, SyslogMsgFmt: true, Entity: "cl_status", PID: 7}, nil, logrus.InfoLevel,
			"Nov 02 17:16:40 node1 cl_status: [7]: info: msg\n"},
		{"prio field beats level", Formatter{Host: "h", Zone: time.UTC, SyslogMsgFmt: true, PID: 1}, func(e *logrus.Entry) *logrus.Entry {
			return e.WithField(FieldPrio, Crit)
		}, logrus.ErrorLevel, "Nov 02 17:16:40 h heartbeat: [1]: CRIT: msg\n"},
		{"trace prints debug", Formatter{Host: "h", Zone: time.UTC, PID: 1}, nil, logrus.TraceLevel,
			"heartbeat[1]: 2026/11/02_17:16:40 debug: msg\n"},
		{"script logfile", Formatter{Host: "h", Zone: time.UTC, SyslogMsgFmt: true}, func(e *logrus.Entry) *logrus.Entry {
			return WithPID(Script(e, "IPaddr", "IPaddr_10.0.0.1"), 6494)
		}, logrus.InfoLevel, "2026/11/02_17:16:40  IPaddr(IPaddr_10.0.0.1)[6494]:    msg\n"},
		{"script debugfile ignores syslogmsgfmt", Formatter{Host: "h", Zone: time.UTC, DebugFile: true}, func(e *logrus.Entry) *logrus.Entry {
			return WithPID(Script(e, "harc", ""), 5)
		}, logrus.InfoLevel, "harc(default)[5]:\t2026/11/02_17:16:40 msg\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := logrus.NewEntry(logrus.New()).WithTime(at)
			if tt.entry != nil {
				e = tt.entry(e)
			}
			e.Level, e.Message = tt.level, "msg"
			got, err := tt.f.Format(e)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPriorityWordsAndLevels(t *testing.T) {
	tests := []struct {
		p     Priority
		word  string
		level logrus.Level
	}{
		{Emerg, "EMERG", logrus.ErrorLevel}, {Alert, "ALERT", logrus.ErrorLevel},
		{Crit, "CRIT", logrus.ErrorLevel}, {Err, "ERROR", logrus.ErrorLevel},
		{Warning, "WARN", logrus.WarnLevel}, {Notice, "notice", logrus.InfoLevel},
		{Info, "info", logrus.InfoLevel}, {Debug, "debug", logrus.DebugLevel},
		{Priority(8), "(undef)", logrus.InfoLevel}, {Priority(-1), "(undef)", logrus.ErrorLevel},
	}
	for _, tt := range tests {
		if tt.p.String() != tt.word || tt.p.Level() != tt.level {
			t.Errorf("Priority(%d) = %q at %v, want %q at %v", int(tt.p), tt.p, tt.p.Level(), tt.word, tt.level)
		}
	}
	levels := map[logrus.Level]Priority{
		logrus.PanicLevel: Emerg, logrus.FatalLevel: Alert, logrus.ErrorLevel: Err, logrus.WarnLevel: Warning,
		logrus.InfoLevel: Info, logrus.DebugLevel: Debug, logrus.TraceLevel: Debug,
	}
	for l, want := range levels {
		if got := PriorityOf(&logrus.Entry{Level: l}); got != want {
			t.Errorf("PriorityOf(level %v) = %v, want %v", l, got, want)
		}
	}
}

// FuzzFormat checks that any message, tag and pid render as one entry ending in a newline
// that carries the message unchanged.
func FuzzFormat(f *testing.F) {
	f.Add("info", "Configuration validated. Starting heartbeat 3.0.6", "heartbeat", 4929, false)
	f.Add("", "Running /etc/ha.d//resource.d/spectest alpha start", "ResourceManager", 6379, true)
	f.Add("x", "s=###\n11:(0)t=status,\x00", "", -1, true)
	f.Fuzz(func(t *testing.T, inst, msg, tag string, pid int, script bool) {
		e := logrus.NewEntry(logrus.New()).WithTime(time.Unix(1795367800, 0)).WithField(FieldPID, pid)
		if script {
			e = Script(e, tag, inst)
		} else {
			e = e.WithField(FieldTag, tag)
		}
		e.Message = msg
		for _, f := range []Formatter{{SyslogMsgFmt: true, Zone: time.UTC}, {DebugFile: true, Zone: time.UTC}} {
			out, err := f.Format(e)
			if err != nil {
				t.Fatal(err)
			}
			s := string(out)
			if !strings.HasSuffix(s, msg+"\n") {
				t.Fatalf("%q does not end with the message", s)
			}
		}
	})
}
