package halog

import (
	"errors"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Options are the ha.cf logging settings, as plain values, plus what tests replace.
type Options struct {
	Logfile      string // ha.cf logfile: every priority but debug; "" for none
	Debugfile    string // ha.cf debugfile: every priority; "" for none
	Logfacility  string // ha.cf logfacility: syslog facility name; "" or "none" for no syslog
	Debug        int    // ha.cf debug level: above 0 also passes logrus Trace (extra detail, printed "debug")
	SyslogMsgFmt bool   // ha.cf syslogmsgfmt; 3.0.6's default is true, so set it unless ha.cf says off
	Foreground   bool   // also write every line to Stderr (before daemonising, or -f)

	Host          string         // node name; "" means os.Hostname(), which is `uname -n`
	Zone          *time.Location // timestamps' zone; nil means time.Local
	Owner         *Owner         // owner of log files created; nil leaves them root's
	Stderr        io.Writer      // nil means os.Stderr
	SyslogNetwork string         // "" dials the local syslog daemon (/dev/log)
	SyslogAddr    string         // address for SyslogNetwork
	OnError       func(error)    // failed writes; nil prints them to Stderr
}

// Logs is a configured logger and the sinks behind it.
type Logs struct {
	Logger *logrus.Logger // Out is io.Discard; one hook per destination does the writing

	files  []*File
	syslog *syslogHook
}

// Setup builds the logger for o. Files are opened at their first line.
func Setup(o Options) (*Logs, error) {
	host := o.Host
	if host == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("getting node name for log lines: %w", err)
		}
		host = h
	}
	stderr := o.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	onError := o.OnError
	if onError == nil {
		onError = func(err error) { fmt.Fprintf(stderr, "heartbeat: logging: %v\n", err) }
	}
	base := Formatter{Host: host, Zone: o.Zone, SyslogMsgFmt: o.SyslogMsgFmt}
	debugFmt := base
	debugFmt.DebugFile = true

	logger := logrus.New()
	logger.Out = io.Discard
	logger.Formatter = &base
	logger.SetLevel(logrus.DebugLevel)
	if o.Debug > 0 {
		logger.SetLevel(logrus.TraceLevel)
	}
	l := &Logs{Logger: logger}

	switch {
	case o.Logfile != "" && o.Logfile == o.Debugfile:
		// One file for both: every line once, in the logfile layout.
		l.addFile(o.Logfile, o.Owner, logrus.AllLevels, &base, onError)
	default:
		if o.Logfile != "" {
			l.addFile(o.Logfile, o.Owner, logfileLevels, &base, onError)
		}
		if o.Debugfile != "" {
			l.addFile(o.Debugfile, o.Owner, logrus.AllLevels, &debugFmt, onError)
		}
	}
	if o.Logfacility != "" && o.Logfacility != "none" {
		fac, err := ParseFacility(o.Logfacility)
		if err != nil {
			return nil, err
		}
		l.syslog = &syslogHook{
			network: o.SyslogNetwork, addr: o.SyslogAddr, facility: fac,
			format: &base, onError: onError, writers: map[string]*syslog.Writer{},
		}
		logger.AddHook(l.syslog)
	}
	if o.Foreground {
		logger.AddHook(&writerHook{levels: logrus.AllLevels, format: &base, w: stderr, onError: onError})
	}
	return l, nil
}

// logfileLevels are all but debug: 3.0.6 keeps debug lines out of the logfile.
var logfileLevels = []logrus.Level{
	logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel, logrus.InfoLevel,
}

func (l *Logs) addFile(path string, owner *Owner, levels []logrus.Level, f logrus.Formatter, onError func(error)) {
	file := NewFile(path, owner)
	l.files = append(l.files, file)
	l.Logger.AddHook(&writerHook{levels: levels, format: f, w: file, onError: onError})
}

// Reopen closes the log files; the next line opens each path again. Call it on SIGHUP.
func (l *Logs) Reopen() error {
	var errs []error
	for _, f := range l.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// Close closes the log files and the syslog connections.
func (l *Logs) Close() error {
	err := l.Reopen()
	if l.syslog != nil {
		err = errors.Join(err, l.syslog.close())
	}
	return err
}

// writerHook formats entries of its levels and writes each as one Write call. Write
// errors go to onError, not back to logrus, which would skip the remaining hooks.
type writerHook struct {
	levels  []logrus.Level
	format  logrus.Formatter
	w       io.Writer
	onError func(error)
}

func (h *writerHook) Levels() []logrus.Level { return h.levels }

func (h *writerHook) Fire(e *logrus.Entry) error {
	line, err := h.format.Format(e)
	if err == nil {
		_, err = h.w.Write(line)
	}
	if err != nil {
		h.onError(err)
	}
	return nil
}

// ErrBadFacility is returned for a logfacility name syslog does not know.
var ErrBadFacility = errors.New("unknown syslog facility")

// facilities are the names glibc's facilitynames (which cluster-glue uses) accepts.
var facilities = map[string]syslog.Priority{
	"auth": syslog.LOG_AUTH, "security": syslog.LOG_AUTH, "authpriv": syslog.LOG_AUTHPRIV,
	"cron": syslog.LOG_CRON, "daemon": syslog.LOG_DAEMON, "ftp": syslog.LOG_FTP,
	"kern": syslog.LOG_KERN, "lpr": syslog.LOG_LPR, "mail": syslog.LOG_MAIL,
	"news": syslog.LOG_NEWS, "syslog": syslog.LOG_SYSLOG, "user": syslog.LOG_USER,
	"uucp":   syslog.LOG_UUCP,
	"local0": syslog.LOG_LOCAL0, "local1": syslog.LOG_LOCAL1, "local2": syslog.LOG_LOCAL2,
	"local3": syslog.LOG_LOCAL3, "local4": syslog.LOG_LOCAL4, "local5": syslog.LOG_LOCAL5,
	"local6": syslog.LOG_LOCAL6, "local7": syslog.LOG_LOCAL7,
}

// ParseFacility returns the syslog facility of a logfacility name (case-sensitive, as in
// 3.0.6). "none" is not a facility: callers treat it as "no syslog".
func ParseFacility(name string) (syslog.Priority, error) {
	if fac, ok := facilities[name]; ok {
		return fac, nil
	}
	return 0, fmt.Errorf("log facility %q: %w", name, ErrBadFacility)
}

// syslogHook sends every entry to syslog as 3.0.6 does: ident "heartbeat" and text
// "[PID]: prio: msg" for daemon lines; ident "Name(Instance)" and the bare text for script
// lines, whose severity ha_log guesses from the text. log/syslog adds our own "[pid]" to
// the ident, so the syslog line reads "heartbeat[P]: [P]: info: …" where 3.0.6 has
// "heartbeat: [P]: info: …".
type syslogHook struct {
	network, addr string
	facility      syslog.Priority
	format        *Formatter
	onError       func(error)

	mu      sync.Mutex
	writers map[string]*syslog.Writer // by ident, dialled at first use
}

func (h *syslogHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h *syslogHook) Fire(e *logrus.Entry) error {
	ident, sev, text := h.render(e)
	if err := h.send(ident, sev, text); err != nil {
		h.onError(err)
	}
	return nil
}

// render returns the ident, severity and text of e's syslog message.
func (h *syslogHook) render(e *logrus.Entry) (string, Priority, string) {
	if tag, ok := e.Data[FieldTag].(ScriptTag); ok {
		return tag.String(), scriptSeverity(e.Message), e.Message
	}
	entity := h.format.entity(e)
	p := PriorityOf(e)
	return entity, p, "[" + strconv.Itoa(h.format.pid(e)) + "]: " + p.String() + ": " + e.Message
}

// scriptSeverity is ha_log's guess: ERROR anywhere is err, WARN warning, INFO (or the text
// "info") info, everything else notice — so "info: Running …" goes out as notice.
func scriptSeverity(text string) Priority {
	switch {
	case strings.Contains(text, "ERROR"):
		return Err
	case strings.Contains(text, "WARN"):
		return Warning
	case strings.Contains(text, "INFO") || text == "info":
		return Info
	default:
		return Notice
	}
}

func (h *syslogHook) send(ident string, sev Priority, text string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, ok := h.writers[ident]
	if !ok {
		var err error
		w, err = syslog.Dial(h.network, h.addr, h.facility|syslog.LOG_INFO, ident)
		if err != nil {
			return fmt.Errorf("connecting to syslog as %s: %w", ident, err)
		}
		h.writers[ident] = w
	}
	var err error
	switch sev {
	case Emerg:
		err = w.Emerg(text)
	case Alert:
		err = w.Alert(text)
	case Crit:
		err = w.Crit(text)
	case Err:
		err = w.Err(text)
	case Warning:
		err = w.Warning(text)
	case Notice:
		err = w.Notice(text)
	case Info:
		err = w.Info(text)
	default:
		err = w.Debug(text)
	}
	if err != nil {
		return fmt.Errorf("writing to syslog: %w", err)
	}
	return nil
}

func (h *syslogHook) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for ident, w := range h.writers {
		errs = append(errs, w.Close())
		delete(h.writers, ident)
	}
	return errors.Join(errs...)
}
