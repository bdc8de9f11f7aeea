// Package config loads the configuration directory of heartbeat (ha.cf,
// authkeys, haresources) as the daemon on the local node sees it, runs the
// checks of heartbeat 3.0.6 in its order and adds heartbeat-go's own
// warnings. The result lists every problem with its position and, apart,
// the exact lines 3.0.6 would have logged, so the daemon can log them and
// operators' greps keep working.
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
	"github.com/heartbeat-go/heartbeat-go/hacf"
	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
	"github.com/heartbeat-go/heartbeat-go/haresources"
)

// DefaultDir is the configuration directory when HA_DIR is not set.
const DefaultDir = "/etc/ha.d"

// Version is the version 3.0.6's start-up line names; kept so that greps
// for "Starting heartbeat 3.0.6" keep matching.
const Version = "3.0.6"

// ErrConfig means the daemon would not start: 3.0.6's exit status 6.
var ErrConfig = errors.New("configuration error")

// Severity of a Problem.
type Severity int

// Severities: an Error stops the daemon, a Warning does not.
const (
	Error Severity = iota
	Warning
)

// Problem is one thing wrong in the configuration, at a file and line
// (Line 0: the file as a whole).
type Problem struct {
	File     string
	Line     int
	Msg      string
	Severity Severity
}

// String formats the problem as "FILE:LINE: message", warnings as
// "FILE:LINE: warning: message".
func (p Problem) String() string {
	pos := p.File
	if p.Line > 0 {
		pos = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Severity == Warning {
		return pos + ": warning: " + p.Msg
	}
	return pos + ": " + p.Msg
}

// Resolution tells which agent provides one haresources resource.
type Resolution struct {
	Resource haresources.Resource
	// Desc is the word and its agent ("httpd: LSB init script
	// /etc/init.d/httpd"); "" if no agent takes the word.
	Desc string
	Err  error
}

// Options say where and as whom to load the configuration. Zero values
// mean the daemon's defaults.
type Options struct {
	// Dir is the configuration directory; "" means $HA_DIR or /etc/ha.d.
	Dir string
	// Node is the local node name; "" means the first line of Dir/nodeinfo,
	// else `uname -n`, lower-cased.
	Node string
	// Hostname returns `uname -n`; nil means os.Hostname.
	Hostname func() (string, error)
	// Interfaces checks bcast/mcast interfaces; nil means the kernel's
	// (hacf.SystemInterfaces).
	Interfaces hacf.Interfaces
	// Getenv reads the environment (HA_DIR); nil means os.Getenv.
	Getenv func(string) string
}

// Config is the loaded configuration directory.
type Config struct {
	Dir  string
	Node string // the local node, lower-cased

	HACF        *hacf.Config           // nil if ha.cf could not be read
	Keys        *authkeys.Keys         // nil if authkeys could not be read
	Resources   *haresources.Resources // nil if not read (or pacemaker on)
	Resolutions []Resolution           // filled by ResolveResources

	// Problems are every error and warning found, sorted by file and line.
	Problems []Problem
	// Legacy are the lines 3.0.6 would log (or print to stderr) for this
	// configuration, in its order, up to where it would stop.
	Legacy []scan.LogLine
}

// OK reports whether the daemon would start.
func (c *Config) OK() bool {
	for _, p := range c.Problems {
		if p.Severity == Error {
			return false
		}
	}
	return true
}

// Err returns nil if the daemon would start, else an error wrapping ErrConfig
// that names the first problem.
func (c *Config) Err() error {
	for _, p := range c.Problems {
		if p.Severity == Error {
			return fmt.Errorf("%w: %s", ErrConfig, p)
		}
	}
	return nil
}

// Path returns the path of a file of the configuration directory.
func (c *Config) Path(name string) string { return filepath.Join(c.Dir, name) }

// legacyPath is the name 3.0.6 prints: its HA_D ends with a slash and it
// adds another ("/etc/ha.d//ha.cf").
func (c *Config) legacyPath(name string) string {
	return strings.TrimSuffix(c.Dir, "/") + "//" + name
}

// loader carries the state of one Load.
type loader struct {
	*Config
	opts    Options
	stopped bool // 3.0.6 would have stopped here: no more Legacy lines
}

// Load reads and checks the configuration directory. It always returns a
// Config; Config.Err tells whether the daemon may start.
func Load(opts Options) *Config {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	dir := opts.Dir
	if dir == "" {
		dir = getenv("HA_DIR")
	}
	if dir == "" {
		dir = DefaultDir
	}
	l := &loader{Config: &Config{Dir: dir}, opts: opts}
	l.Node = l.localNode()
	if l.opts.Interfaces == nil {
		l.opts.Interfaces = hacf.SystemInterfaces{}
	}
	l.load()
	sortProblems(l.Problems)
	return l.Config
}

func (l *loader) localNode() string {
	if l.opts.Node != "" {
		return strings.ToLower(l.opts.Node)
	}
	if b, err := os.ReadFile(l.Path("nodeinfo")); err == nil {
		if first, _, _ := strings.Cut(string(b), "\n"); strings.TrimSpace(first) != "" {
			return strings.ToLower(strings.TrimSpace(first))
		}
	}
	hostname := l.opts.Hostname
	if hostname == nil {
		hostname = os.Hostname
	}
	h, err := hostname()
	if err != nil {
		l.problem(l.Path("nodeinfo"), 0, Error, fmt.Sprintf("cannot determine the local node name: %v", err))
	}
	return strings.ToLower(h)
}

func (l *loader) problem(file string, line int, sev Severity, msg string) {
	l.Problems = append(l.Problems, Problem{File: file, Line: line, Msg: msg, Severity: sev})
}

func (l *loader) legacy(lines ...scan.LogLine) {
	if !l.stopped {
		l.Legacy = append(l.Legacy, lines...)
	}
}

func (l *loader) legacyf(prio scan.Prio, format string, args ...any) {
	l.legacy(scan.LogLine{Prio: prio, Text: fmt.Sprintf(format, args...)})
}

// stop ends the 3.0.6 log as its main does after a failed initialisation.
func (l *loader) stop() {
	l.legacyf(scan.PrioError, "Configuration error, heartbeat not started.")
	l.stopped = true
}

// addErrors turns parser errors into problems.
func (l *loader) addErrors(err error) {
	for _, e := range scan.Errors(err) {
		msg := e.Msg
		if e.Err != nil {
			msg = strings.TrimPrefix(e.Error(), e.File+fmt.Sprintf(":%d", e.Line)+": ")
		}
		l.problem(e.File, e.Line, Error, msg)
	}
}

func (l *loader) addWarnings(ws []*scan.Error) {
	for _, w := range ws {
		l.problem(w.File, w.Line, Warning, w.Msg)
	}
}

// open opens a file of the directory, refusing directories and reporting
// any failure as a problem of that file.
func (l *loader) open(name string) (*os.File, fs.FileInfo, error) {
	path := l.Path(name)
	f, err := os.Open(path)
	if err != nil {
		l.problem(path, 0, Error, fmt.Sprintf("cannot open: %v", errors.Unwrap(err)))
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = errors.New("is a directory, not a file")
	}
	if err != nil {
		f.Close()
		l.problem(path, 0, Error, fmt.Sprintf("cannot read: %v", err))
		return nil, nil, err
	}
	return f, fi, nil
}

func (l *loader) load() {
	haOK := l.loadHACF()
	if !haOK {
		l.stop()
	}
	keysOK := l.loadAuthkeys()
	if !keysOK {
		l.stop()
	}
	if l.HACF == nil {
		return
	}
	if haOK && keysOK {
		start := len(l.HACF.Log)
		err := l.HACF.Validate(l.Node)
		l.legacy(l.HACF.Log[start:]...)
		l.addErrors(err)
		if err != nil {
			l.stop()
		} else {
			l.legacyf(scan.PrioInfo, "**************************")
			l.legacyf(scan.PrioInfo, "Configuration validated. Starting heartbeat %s", Version)
		}
	}
	l.addWarnings(l.HACF.Warnings)
	l.notImplemented()
	if !l.HACF.Pacemaker {
		l.loadHaresources()
	}
	l.ownWarnings()
}

func (l *loader) loadHACF() bool {
	f, _, err := l.open("ha.cf")
	if err != nil {
		name := l.legacyPath("ha.cf")
		l.legacyf(scan.PrioError, "Cannot open config file [%s]", name)
		l.legacyf(scan.PrioInfo, "An annotated sample %s file is provided in the documentation.", name)
		l.legacyf(scan.PrioInfo, "Please copy it to %s, read it, customize it, and try again.", name)
		l.legacyf(scan.PrioError, "Heartbeat not started: configuration error.")
		return false
	}
	defer f.Close()
	c, err := hacf.Parse(f.Name(), f, hacf.Options{
		LegacyName: l.legacyPath("ha.cf"),
		Interfaces: l.opts.Interfaces,
		LookupUser: lookupUser,
		Executable: executable,
	})
	l.HACF = c
	l.legacy(c.Log...)
	l.addErrors(err)
	return err == nil
}

func (l *loader) loadAuthkeys() bool {
	name := l.legacyPath("authkeys")
	failed := func(lines ...scan.LogLine) bool {
		l.legacy(lines...)
		l.legacyf(scan.PrioError, "Authentication configuration error.")
		return false
	}
	f, fi, err := l.open("authkeys")
	if err != nil {
		return failed(scan.LogLine{Prio: scan.PrioError, Text: fmt.Sprintf("Cannot open keyfile [%s].  Stop.", name)})
	}
	defer f.Close()
	if err := authkeys.CheckPerm(f.Name(), name, fi); err != nil {
		l.addErrors(err)
		var e *scan.Error
		errors.As(err, &e)
		return failed(e.Legacy...)
	}
	keys, err := authkeys.Parse(f.Name(), f, authkeys.Options{LegacyName: name})
	l.Keys = keys
	if err != nil {
		l.addErrors(err)
		// 3.0.6 logs the missing signing key after the problems of the lines.
		var lines, last []scan.LogLine
		for _, e := range scan.Errors(err) {
			if errors.Is(e, authkeys.ErrNoActiveKey) {
				last = append(last, e.Legacy...)
			} else {
				lines = append(lines, e.Legacy...)
			}
		}
		return failed(append(lines, last...)...)
	}
	return true
}

func (l *loader) loadHaresources() {
	name := l.legacyPath("haresources")
	f, _, err := l.open("haresources")
	if err != nil {
		l.legacyf(scan.PrioError, "Cannot open resources file [%s]", name)
		l.legacyf(scan.PrioInfo, "An annotated sample %s file is provided in the documentation.", name)
		l.legacyf(scan.PrioInfo, "Please copy it to %s, read it, customize it, and try again.", name)
		l.stop()
		return
	}
	defer f.Close()
	res, err := haresources.Parse(f.Name(), f, haresources.Options{})
	l.Resources = res
	l.addErrors(err)
	l.addWarnings(res.Warnings)
	bad := err != nil // lines 3.0.6 could not read in one piece
	if bad {
		l.stop()
	}
	for _, g := range res.Groups {
		if !l.isNode(g.Node) {
			l.problem(g.File, g.Line, Error, fmt.Sprintf("Bad nodename [%s]: not a node of ha.cf", g.Node))
			if !bad {
				// 3.0.6 stops at the first one.
				l.legacyf(scan.PrioError, "Bad nodename in %s [%s]", name, g.Node)
				l.stop()
				bad = true
			}
		}
	}
}

func (l *loader) isNode(name string) bool {
	for _, n := range l.HACF.Nodes {
		if n.Name == name && n.Type == hacf.NormalNode {
			return true
		}
	}
	return false
}

// NotImplemented are the directives heartbeat-go accepts like 3.0.6 but does
// not act on yet; the check reports them.
var NotImplemented = map[string]bool{
	"serial": true, "baud": true, "watchdog": true, "ping": true, "ping6": true,
	"ping_group": true, "mcast6": true, "ucast6": true, "deadping": true,
	"respawn": true, "failfast": true, "apiauth": true, "stonith": true,
	"stonith_host": true, "use_logd": true, "conn_logd_time": true,
	"coredumps": true, "coreroot": true,
	"compression": true, "compression_threshold": true, "traditional_compression": true,
	"memreserve": true, "env": true, "autojoin": true, "uuidfrom": true,
	"quorum_server": true, "use_apphbd": true, "cluster": true, "msgfmt": true,
	"hbgenmethod": true, "crm_daemon_dir": true, "crmd_spawns_pengine": true,
	"record_config_changes": true, "record_pengine_inputs": true, "enable_config_writes": true,
}

func (l *loader) notImplemented() {
	seen := map[string]bool{}
	for _, d := range l.HACF.Directives {
		if NotImplemented[d.Name] && !seen[d.Name] {
			seen[d.Name] = true
			l.problem(l.HACF.File, d.Line, Warning, fmt.Sprintf("%s: accepted, not implemented", d.Name))
		}
	}
}

// ownWarnings are heartbeat-go's checks where 3.0.6 is silent.
func (l *loader) ownWarnings() {
	c := l.HACF
	file := c.File
	line := func(name string) int { return c.Params[name].Line }
	if c.Warntime > 0 && c.Warntime >= c.Deadtime {
		l.problem(file, line("warntime"), Warning, fmt.Sprintf("warntime %s >= deadtime %s: no \"Late heartbeat\" warning can come before a node is declared dead", c.Warntime, c.Deadtime))
	}
	network := false
	for _, m := range c.Media {
		switch m.(type) {
		case *hacf.Bcast, *hacf.Mcast, *hacf.Ucast:
			network = true
		}
	}
	if network && c.Deadtime > 0 && c.Deadtime < 4*c.Keepalive {
		l.problem(file, line("deadtime"), Warning, fmt.Sprintf("deadtime %s is less than 4 x keepalive %s: on UDP media a few lost packets in a row declare a node dead", c.Deadtime, c.Keepalive))
	}
	if c.Initdead >= c.Deadtime && c.Initdead < 2*c.Deadtime {
		l.problem(file, line("initdead"), Warning, fmt.Sprintf("initdead %s is less than 2 x deadtime %s: a peer booting slowly may be declared dead at start-up", c.Initdead, c.Deadtime))
	}
	if l.Keys != nil && network {
		if k, ok := l.Keys.ActiveKey(); ok && k.Method == authkeys.CRC {
			l.problem(l.Path("authkeys"), 0, Warning, "method crc authenticates nothing: anyone on the network can forge packets (use sha1)")
		}
	}
	if l.Resources != nil {
		l.sameIP()
	}
}

// sameIP warns about an IP address that is a resource of two groups.
func (l *loader) sameIP() {
	type seen struct {
		group int
		line  int
	}
	first := map[netip.Addr]seen{}
	for gi, g := range l.Resources.Groups {
		for _, r := range g.Resources {
			if r.Script != "IPaddr" && r.Script != "IPaddr2" || len(r.Args) == 0 {
				continue
			}
			ipText, _, _ := strings.Cut(r.Args[0], "/")
			ip, err := netip.ParseAddr(ipText)
			if err != nil {
				continue
			}
			prev, ok := first[ip]
			switch {
			case !ok:
				first[ip] = seen{gi, r.Line}
			case prev.group != gi:
				l.problem(r.File, r.Line, Warning, fmt.Sprintf("IP address %s is also a resource of the group at line %d: both groups would hold it", ip, prev.line))
			}
		}
	}
}

func sortProblems(ps []Problem) {
	// Stable insertion keeps the order of problems at the same position.
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && less(ps[j], ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func less(a, b Problem) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	return a.Line < b.Line
}

// WriteLegacy writes the 3.0.6 lines as "PRIO: text" (stderr-only lines as is).
func WriteLegacy(w io.Writer, lines []scan.LogLine) error {
	for _, ll := range lines {
		if _, err := fmt.Fprintln(w, ll.String()); err != nil {
			return err
		}
	}
	return nil
}
