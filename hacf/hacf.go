// Package hacf parses /etc/ha.d/ha.cf exactly as heartbeat 3.0.6 does: the
// same directives, defaults, units and quirks, the raw text of every value
// (cl_status hbparameter prints it as written), and the lines 3.0.6 logs
// about the file, so that the daemon can repeat them word for word.
//
// Parse handles the syntax of each line; Validate runs the post-parse checks
// of 3.0.6 (spec section 1.3) in the same order and fills in the computed
// defaults.
package hacf

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
)

// AutoFailback is the auto_failback mode.
type AutoFailback int

// The auto_failback modes; Legacy is 3.0.6's default.
const (
	Legacy AutoFailback = iota
	On
	Off
)

func (a AutoFailback) String() string {
	return [...]string{"legacy", "on", "off"}[a]
}

// NodeType tells cluster members from ping pseudo-nodes.
type NodeType int

// Node types.
const (
	NormalNode NodeType = iota
	PingNode
)

// Node is a `node` name (lower-cased, as 3.0.6 stores it) or a ping node.
type Node struct {
	Name string
	Type NodeType
	Line int
}

// Param is the raw text of a directive's value, as cl_status hbparameter
// prints it. Line is 0 for a default filled in by Validate.
type Param struct {
	Value string
	Line  int
}

// Directive is one directive occurrence: the name and its argument text
// (a single option for option directives, the rest of the line otherwise).
type Directive struct {
	Name  string
	Value string
	Line  int
}

// Client is a `respawn` or `failfast` line.
type Client struct {
	User     string
	Command  string // the whole command line
	Path     string // the program
	Failfast bool
	Line     int
}

// Config is a parsed ha.cf.
type Config struct {
	File  string
	Nodes []Node
	Media []Medium

	// Times; before Validate, a zero Warntime/Deadping and a negative
	// Initdead mean "not given".
	Keepalive time.Duration
	Deadtime  time.Duration
	Warntime  time.Duration
	Initdead  time.Duration
	Deadping  time.Duration

	UDPPort       int
	AutoFailback  AutoFailback
	Logfile       string
	Debugfile     string
	LogFacility   string // "" when not given; "none" disables syslog
	UseLogd       *bool  // nil when not given
	SyslogMsgFmt  bool
	Debug         int
	Watchdog      string
	Baud          int
	Realtime      bool
	RTPrio        int // 0 when not given
	Hopfudge      int
	TimeGenMethod bool // hbgenmethod time
	Netstring     bool // msgfmt netstring
	LogBadpack    bool
	Coredumps     bool
	Pacemaker     bool
	Autojoin      string
	Clients       []Client

	// Params is every recorded directive value, last one wins, as
	// cl_status hbparameter reports it; Validate adds the defaults.
	Params map[string]Param
	// Directives is every directive of the file in order.
	Directives []Directive
	// Warnings are problems 3.0.6 accepts silently (ours, never fatal).
	Warnings []*scan.Error
	// Log holds the lines 3.0.6 logs (or prints to stderr) while parsing and
	// validating this file, errors included, in 3.0.6's order.
	Log []scan.LogLine

	opts       Options
	legacyName string
	errs       scan.ErrorList
	// niceFailback mirrors 3.0.6's global of that name: true once an
	// auto_failback line had a boolean value. It decides what nice_failback means.
	niceFailback  bool
	baudSet       bool
	pacemakerSeen bool
	anyMedia      bool
	bcastPort     int // fixed at the first bcast line, 0 before
	ucastPort     int
	logfacility   int // -1 none given, as config->log_facility
}

// Options change how Parse checks the file.
type Options struct {
	// LegacyName is the file name 3.0.6 prints in its messages, e.g.
	// "/etc/ha.d//ha.cf" (sic); empty means the name given to Parse.
	LegacyName string
	// Interfaces checks the interfaces of bcast and mcast lines, as 3.0.6
	// does while parsing; nil skips the check.
	Interfaces Interfaces
	// LookupUser checks the user of respawn/failfast lines; nil skips it.
	LookupUser func(name string) error
	// Executable checks the program of respawn/failfast lines; nil skips it.
	Executable func(path string) error
}

// DefaultUDPPort is heartbeat's registered port; /etc/services has no
// ha-cluster entry on Debian 12, so 3.0.6 falls back to it.
const DefaultUDPPort = 694

// Parse reads ha.cf from r. It always returns a Config, complete as far as
// the file could be read, and every syntax error as a scan.ErrorList sorted
// by line. Like 3.0.6 it keeps going after an error.
func Parse(name string, r io.Reader, opts Options) (*Config, error) {
	c := &Config{
		File:         name,
		Keepalive:    time.Second,
		Deadtime:     30 * time.Second,
		Initdead:     -1,
		Deadping:     -1,
		Hopfudge:     1,
		Realtime:     true,
		LogBadpack:   true,
		SyslogMsgFmt: true,
		Coredumps:    true,
		Autojoin:     "none",
		Params:       map[string]Param{},
		opts:         opts,
		legacyName:   opts.LegacyName,
		logfacility:  -1,
	}
	if c.legacyName == "" {
		c.legacyName = name
	}
	sc := scan.New(name, r)
	for l, ok := sc.Next(); ok; l, ok = sc.Next() {
		c.parseLine(l)
	}
	c.errs = append(c.errs, sc.Errs...)
	c.errs.Sort()
	if len(c.errs) > 0 {
		c.logf(0, scan.PrioError, "Heartbeat not started: configuration error.")
	}
	return c, c.errs.Err()
}

func (c *Config) logf(line int, prio scan.Prio, format string, args ...any) scan.LogLine {
	l := scan.LogLine{Line: line, Prio: prio, Text: fmt.Sprintf(format, args...)}
	c.Log = append(c.Log, l)
	return l
}

func (c *Config) stderrf(line int, format string, args ...any) scan.LogLine {
	l := scan.LogLine{Line: line, Stderr: true, Text: fmt.Sprintf(format, args...)}
	c.Log = append(c.Log, l)
	return l
}

// fail records a syntax error with the 3.0.6 lines logged for it.
func (c *Config) fail(line int, msg string, legacy ...scan.LogLine) {
	c.errs.Add(c.File, line, msg, legacy...)
}

func (c *Config) parseLine(l scan.Line) {
	bp := strings.TrimLeft(l.Text, whitespace)
	if i := strings.IndexByte(bp, '#'); i >= 0 {
		bp = bp[:i]
	}
	if i := strings.IndexAny(bp, "\r\n"); i >= 0 {
		bp = bp[:i]
	}
	if bp == "" {
		return
	}
	n := strings.IndexAny(bp, whitespace)
	if n < 0 {
		n = len(bp)
	}
	directive, rest := bp[:n], strings.TrimLeft(bp[n:], delims)
	if directive == "udp" {
		c.logf(l.Num, scan.PrioWarn, "WARNING: directive 'udp' replaced by 'bcast'")
		directive = "bcast"
	}
	_, isOption := directives[directive]
	switch {
	case wholeLineMedia[directive]:
		c.Directives = append(c.Directives, Directive{directive, rest, l.Num})
		c.anyMedia = true
		c.wholeLineMedium(l.Num, directive, rest)
		return
	case wholeLine[directive] != nil:
		c.Directives = append(c.Directives, Directive{directive, rest, l.Num})
		c.anyMedia = true // 3.0.6 sets any_media_statements_yet here too
		wholeLine[directive](c, l.Num, rest)
		return
	case !isOption && !mediaTypes[directive]:
		c.fail(l.Num, fmt.Sprintf("Illegal directive [%s]", directive),
			c.logf(l.Num, scan.PrioError, "Illegal directive [%s] in %s", directive, c.legacyName))
		return
	}
	if rest == "" {
		c.Directives = append(c.Directives, Directive{directive, "", l.Num})
		c.warn(l.Num, fmt.Sprintf("%s without a value is ignored (as by heartbeat 3.0.6)", directive))
		return
	}
	for _, opt := range strings.FieldsFunc(rest, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		c.Directives = append(c.Directives, Directive{directive, opt, l.Num})
		c.addOption(l.Num, directive, opt)
	}
}

// Warnings are problems 3.0.6 is silent about; they never stop the daemon.
func (c *Config) warn(line int, msg string) {
	c.Warnings = append(c.Warnings, &scan.Error{File: c.File, Line: line, Msg: msg})
}

// addOption applies one argument of an option directive (3.0.6 add_option).
func (c *Config) addOption(line int, directive, value string) {
	if d, ok := directives[directive]; ok {
		if d.set(c, line, value) && d.record {
			c.Params[directive] = Param{value, line}
		}
		return
	}
	c.anyMedia = true
	switch directive {
	case "bcast":
		c.bcast(line, value)
	case "ping", "ping6":
		c.Nodes = append(c.Nodes, Node{strings.ToLower(value), PingNode, line})
		c.Media = append(c.Media, &Other{directive, []string{value}, line})
	default: // serial
		c.Media = append(c.Media, &Other{directive, []string{value}, line})
	}
}

func (c *Config) port(fixed *int) int {
	if *fixed == 0 {
		*fixed = DefaultUDPPort
		if p, ok := c.Params["udpport"]; ok {
			*fixed = Atoi(p.Value)
		}
	}
	return *fixed
}

func (c *Config) bcast(line int, iface string) {
	port := c.port(&c.bcastPort)
	if c.opts.Interfaces != nil {
		if _, err := c.opts.Interfaces.Broadcast(iface); err != nil {
			c.fail(line, fmt.Sprintf("bcast: interface %s: %v", iface, err),
				c.logf(line, scan.PrioError, "glib: Get broadcast for interface %s failed: %s", iface, strerror(err)),
				c.logf(line, scan.PrioError, "glib: IP interface [%s] does not exist", iface),
				c.logf(line, scan.PrioError, "Illegal bcast [UDP/IP broadcast] in config file [%s]", iface))
			return
		}
	}
	c.Media = append(c.Media, &Bcast{Iface: iface, Port: port, At: line})
}

// fields splits the rest of a whole-line directive at blanks (WHITESPACE, no commas).
func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(whitespace, r) })
}

func (c *Config) wholeLineMedium(line int, kind, rest string) {
	args := fields(rest)
	bad := func(msg string, legacy ...scan.LogLine) { c.fail(line, kind+": "+msg, legacy...) }
	switch kind {
	case "mcast":
		c.mcast(line, args, bad)
	case "ucast":
		if len(args) == 0 {
			// 3.0.6 registers no medium and then dereferences it (crash).
			bad("missing interface and peer")
			return
		}
		if len(args) < 2 {
			bad(fmt.Sprintf("[%s] missing target IP address/hostname", args[0]),
				c.logf(line, scan.PrioError, "glib: ucast: [%s] missing target IP address/hostname", args[0]))
			return
		}
		if len(args) > 2 {
			c.warn(line, fmt.Sprintf("ucast: heartbeat 3.0.6 ignores everything after the first peer (%s)", strings.Join(args[2:], " ")))
		}
		c.Media = append(c.Media, &Ucast{Iface: args[0], Peer: args[1], Port: c.port(&c.ucastPort), At: line})
	case "ping_group":
		if len(args) < 2 {
			bad("needs a group name and at least one address")
			return
		}
		c.Nodes = append(c.Nodes, Node{strings.ToLower(args[0]), PingNode, line})
		c.Media = append(c.Media, &Other{kind, args, line})
	default: // mcast6, ucast6
		if len(args) < 2 {
			bad("missing arguments")
			return
		}
		c.Media = append(c.Media, &Other{kind, args, line})
	}
}

func (c *Config) mcast(line int, args []string, bad func(string, ...scan.LogLine)) {
	crit := func(format string, a ...any) scan.LogLine {
		return c.logf(line, scan.PrioError, "glib: "+format, a...)
	}
	if len(args) == 0 {
		bad("missing interface, group, port, ttl and loop")
		return
	}
	dev := args[0]
	if c.opts.Interfaces != nil {
		if _, err := c.opts.Interfaces.Addr(dev); err != nil {
			bad(fmt.Sprintf("interface %s: %v", dev, err),
				crit("mcast device [%s] is invalid or not set up properly", dev))
			return
		}
	}
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	if arg(1) == "" {
		bad(fmt.Sprintf("[%s] missing mcast address", dev), crit("mcast [%s] missing mcast address", dev))
		return
	}
	group, err := netip.ParseAddr(arg(1))
	if err != nil || !group.Is4() || !group.IsMulticast() {
		bad(fmt.Sprintf("[%s] bad addr [%s]", dev, arg(1)), crit("mcast [%s] bad addr [%s]", dev, arg(1)))
		return
	}
	if arg(2) == "" {
		bad(fmt.Sprintf("[%s] missing port", dev), crit("mcast [%s] missing port", dev))
		return
	}
	port := Atoi(arg(2)) & 0xffff // u_short
	if port == 0 {
		bad(fmt.Sprintf("[%s] bad port [%d]", dev, port), crit(" mcast [%s] bad port [%d]", dev, port))
		return
	}
	if arg(3) == "" {
		bad(fmt.Sprintf("[%s] missing ttl", dev), crit("mcast [%s] missing ttl", dev))
		return
	}
	ttl := Atoi(arg(3)) & 0xff // u_char
	if ttl > 4 {
		bad(fmt.Sprintf("[%s] bad ttl [%d]", dev, ttl), crit(" mcast [%s] bad ttl [%d]", dev, ttl))
		return
	}
	if arg(4) == "" {
		bad(fmt.Sprintf("[%s] missing loop", dev), crit("mcast [%s] missing loop", dev))
		return
	}
	loop := Atoi(arg(4)) & 0xff
	if loop > 1 {
		bad(fmt.Sprintf("[%s] bad loop [%d]", dev, loop), crit(" mcast [%s] bad loop [%d]", dev, loop))
		return
	}
	c.Media = append(c.Media, &Mcast{Iface: dev, Group: group, Port: port, TTL: ttl, Loop: loop, At: line})
}
