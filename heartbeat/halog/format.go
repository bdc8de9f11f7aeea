// Package halog writes heartbeat 3.0.6's log formats (spec §6) through logrus.
//
// The daemon builds one *logrus.Logger with Setup and injects it; nothing here is global.
// The Formatter prints only the message, never logrus fields, so files stay byte-compatible
// with what 3.0.6 wrote and with existing greps. Three reserved fields steer it:
//
//   - FieldPrio: a Priority (EMERG … debug); without it the word follows the logrus level.
//   - FieldTag: the entity. A string is a daemon entity (default "heartbeat"); a ScriptTag
//     selects the shell-script layout 3.0.6's ResourceManager, mach_down, harc and hb_standby
//     used (spec §6.2).
//   - FieldPID: the process id shown in brackets (default os.Getpid()).
//
// Every line operators grep for comes from one named function in lines.go.
package halog

import (
	"bytes"
	"os"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"
)

// Reserved logrus field keys.
const (
	FieldPrio = "prio" // Priority of the line
	FieldTag  = "tag"  // string entity or ScriptTag
	FieldPID  = "pid"  // int process id shown in the line
)

// DefaultEntity is the daemon's entity name, the word before ": [PID]:".
const DefaultEntity = "heartbeat"

// Layouts of the two timestamps 3.0.6 writes. The syslog-style day is zero-padded
// ("Nov 02"), unlike time.Stamp.
const (
	syslogStamp = "Jan 02 15:04:05"
	haStamp     = "2006/01/02_15:04:05"
)

// Priority is a syslog severity; its value equals the syslog number (EMERG = 0).
type Priority int

// The eight priorities, with the words cluster-glue prints for them.
const (
	Emerg   Priority = iota // EMERG
	Alert                   // ALERT
	Crit                    // CRIT
	Err                     // ERROR
	Warning                 // WARN
	Notice                  // notice
	Info                    // info
	Debug                   // debug
)

var prioWords = [...]string{"EMERG", "ALERT", "CRIT", "ERROR", "WARN", "notice", "info", "debug"}

// String returns the word 3.0.6 prints for p, or "(undef)" as cluster-glue does.
func (p Priority) String() string {
	if p < 0 || int(p) >= len(prioWords) {
		return "(undef)"
	}
	return prioWords[p]
}

// Level is the logrus level entries of priority p are logged at: EMERG to ERROR at
// Error (never Panic or Fatal, which would exit), WARN at Warn, notice and info at Info.
func (p Priority) Level() logrus.Level {
	switch {
	case p <= Err:
		return logrus.ErrorLevel
	case p == Warning:
		return logrus.WarnLevel
	case p == Debug:
		return logrus.DebugLevel
	default:
		return logrus.InfoLevel
	}
}

// PriorityOf returns the entry's FieldPrio, or a priority derived from its level:
// Panic EMERG, Fatal ALERT, Error ERROR, Warn WARN, Info info, Debug and Trace debug.
func PriorityOf(e *logrus.Entry) Priority {
	if p, ok := e.Data[FieldPrio].(Priority); ok {
		return p
	}
	switch e.Level {
	case logrus.PanicLevel:
		return Emerg
	case logrus.FatalLevel:
		return Alert
	case logrus.ErrorLevel:
		return Err
	case logrus.WarnLevel:
		return Warning
	case logrus.InfoLevel:
		return Info
	default:
		return Debug
	}
}

// ScriptTag names a shell-script logger of 3.0.6: TAG = Name(Instance)[pid].
type ScriptTag struct {
	Name     string // script basename (or path, as OCF agents print it)
	Instance string // OCF_RESOURCE_INSTANCE; "" means "default"
}

// String returns "Name(Instance)".
func (t ScriptTag) String() string {
	inst := t.Instance
	if inst == "" {
		inst = "default"
	}
	return t.Name + "(" + inst + ")"
}

// Script returns e tagged as the shell script name(instance): its lines use the layout of
// spec §6.2 and their message carries its own level word, as ha_log's text does.
func Script(e *logrus.Entry, name, instance string) *logrus.Entry {
	return e.WithField(FieldTag, ScriptTag{Name: name, Instance: instance})
}

// WithPID returns e with the process id its lines show.
func WithPID(e *logrus.Entry, pid int) *logrus.Entry {
	return e.WithField(FieldPID, pid)
}

// Log logs msg at priority p (the logrus level follows from p).
func Log(e *logrus.Entry, p Priority, msg string) {
	e.WithField(FieldPrio, p).Log(p.Level(), msg)
}

// Formatter renders entries as 3.0.6 lines. The zero value writes the daemon line of
// `syslogmsgfmt false` with an empty host; Setup fills it in.
type Formatter struct {
	Host         string         // node name as `uname -n` prints it (not lower-cased)
	Zone         *time.Location // time zone of the timestamps; nil means time.Local
	SyslogMsgFmt bool           // ha.cf syslogmsgfmt (3.0.6 default true): "Nov 02 17:16:40 host heartbeat: [PID]: "
	DebugFile    bool           // script lines in the debugfile layout "TAG[PID]:\tDATE msg"
	Entity       string         // entity of untagged entries; "" means DefaultEntity
	PID          int            // pid of entries without FieldPID; 0 means os.Getpid()
}

var _ logrus.Formatter = (*Formatter)(nil)

// Format renders one line, newline included.
//
// Daemon, syslogmsgfmt true:  "Nov 02 17:16:40 node1 heartbeat: [4929]: info: msg"
// Daemon, syslogmsgfmt false: "heartbeat[4929]: 2026/11/02_17:16:40 info: msg"
// Script, logfile:            "2026/11/22_17:16:55  ResourceManager(default)[6379]:    info: msg"
// Script, debugfile:          "ResourceManager(default)[6379]:\t2026/11/22_17:16:55 info: msg"
func (f *Formatter) Format(e *logrus.Entry) ([]byte, error) {
	b := e.Buffer
	if b == nil {
		b = new(bytes.Buffer)
	}
	t := e.Time.In(f.zone())
	pid := f.pid(e)
	if tag, ok := e.Data[FieldTag].(ScriptTag); ok {
		f.scriptLine(b, t, tag, pid, e.Message)
	} else {
		f.daemonLine(b, t, f.entity(e), pid, PriorityOf(e), e.Message)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// daemonLine writes cluster-glue's append_log layout.
func (f *Formatter) daemonLine(b *bytes.Buffer, t time.Time, entity string, pid int, p Priority, msg string) {
	if f.SyslogMsgFmt {
		b.WriteString(t.Format(syslogStamp))
		b.WriteByte(' ')
		b.WriteString(f.Host)
		b.WriteByte(' ')
		b.WriteString(entity)
		b.WriteString(": [")
		b.WriteString(strconv.Itoa(pid))
		b.WriteString("]: ")
	} else {
		b.WriteString(entity)
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(pid))
		b.WriteString("]: ")
		b.WriteString(t.Format(haStamp))
		b.WriteByte(' ')
	}
	b.WriteString(p.String())
	b.WriteString(": ")
	b.WriteString(msg)
}

// scriptLine writes ocf-shellfuncs' ha_log layouts. The daemon exports
// HA_DATEFMT="%Y/%m/%d_%T<TAB>" and ha_log echoes `hadate` unquoted, so the trailing TAB
// splits a word: one blank before the TAG in the logfile becomes two, and the debugfile
// gets a single blank after the date.
func (f *Formatter) scriptLine(b *bytes.Buffer, t time.Time, tag ScriptTag, pid int, msg string) {
	if f.DebugFile {
		writeScriptTag(b, tag, pid)
		b.WriteString(":\t")
		b.WriteString(t.Format(haStamp))
		b.WriteByte(' ')
		b.WriteString(msg)
		return
	}
	b.WriteString(t.Format(haStamp))
	b.WriteString("  ")
	writeScriptTag(b, tag, pid)
	b.WriteString(":    ")
	b.WriteString(msg)
}

func writeScriptTag(b *bytes.Buffer, tag ScriptTag, pid int) {
	b.WriteString(tag.String())
	b.WriteByte('[')
	b.WriteString(strconv.Itoa(pid))
	b.WriteByte(']')
}

func (f *Formatter) zone() *time.Location {
	if f.Zone == nil {
		return time.Local
	}
	return f.Zone
}

// entity returns the daemon entity of an entry that is not a script line.
func (f *Formatter) entity(e *logrus.Entry) string {
	if s, ok := e.Data[FieldTag].(string); ok && s != "" {
		return s
	}
	if f.Entity != "" {
		return f.Entity
	}
	return DefaultEntity
}

func (f *Formatter) pid(e *logrus.Entry) int {
	if pid, ok := e.Data[FieldPID].(int); ok {
		return pid
	}
	if f.PID != 0 {
		return f.PID
	}
	return os.Getpid()
}
