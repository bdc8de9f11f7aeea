package hacf

import (
	"fmt"
	"strings"
	"time"

	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
)

// directive is an option directive of 3.0.6's Directives[] table.
type directive struct {
	// set applies one value and reports whether it was valid; it logs
	// 3.0.6's lines and records the error itself when there is a message.
	set    func(c *Config, line int, value string) bool
	record bool   // the value is kept for hbparameter
	def    string // default value shown by `heartbeat -D`, "" for none
	help   string
}

// directiveOrder is the order of 3.0.6's table, which `heartbeat -D` follows.
var directiveOrder = []string{
	"cluster", "node", "hopfudge", "keepalive", "deadtime", "deadping", "initdead",
	"warntime", "watchdog", "baud", "udpport", "logfacility", "logfile", "debugfile",
	"nice_failback", "auto_failback", "rtprio", "hbgenmethod", "realtime", "debug",
	"msgfmt", "use_logd", "conn_logd_time", "use_apphbd", "log_badpack", "syslogmsgfmt",
	"coredumps", "coreroot", "crm_daemon_dir", "crmd_spawns_pengine", "crm", "pacemaker",
	"autojoin", "uuidfrom", "compression", "compression_threshold",
	"traditional_compression", "env", "max_rexmit_delay", "record_config_changes",
	"record_pengine_inputs", "enable_config_writes", "memreserve", "quorum_server",
}

var directives map[string]directive

func init() {
	directives = map[string]directive{
		"cluster":       {set: setAny, record: true, def: "linux-ha", help: "the name of cluster"},
		"node":          {set: addNode},
		"hopfudge":      {set: intRange(func(c *Config, v int) { c.Hopfudge = v }, 0, 255), record: true, def: "1", help: "# of hops above cluster size"},
		"keepalive":     {set: setTime(func(c *Config) *time.Duration { return &c.Keepalive }, 1), record: true, def: "1000ms", help: "keepalive time"},
		"deadtime":      {set: setTime(func(c *Config) *time.Duration { return &c.Deadtime }, 0), record: true, def: "30000ms", help: "node deadtime"},
		"deadping":      {set: setTime(func(c *Config) *time.Duration { return &c.Deadping }, 0), record: true, help: "ping deadtime"},
		"initdead":      {set: setTime(func(c *Config) *time.Duration { return &c.Initdead }, 0), record: true, help: "initial deadtime"},
		"warntime":      {set: setWarntime, record: true, help: "warning time"},
		"watchdog":      {set: setWatchdog, record: true, help: "watchdog device"},
		"baud":          {set: setBaud, record: true, def: "19200", help: "baud rate"},
		"udpport":       {set: setUDPPort, record: true, help: "UDP port number"},
		"logfacility":   {set: setFacility, record: true, help: "syslog log facility"},
		"logfile":       {set: func(c *Config, _ int, v string) bool { c.Logfile = v; return true }, record: true, help: "log file"},
		"debugfile":     {set: func(c *Config, _ int, v string) bool { c.Debugfile = v; return true }, record: true, help: "debug file"},
		"nice_failback": {set: setNiceFailback},
		"auto_failback": {set: setAutoFailback, record: true, def: "legacy", help: "auto failback"},
		"rtprio":        {set: intRange(func(c *Config, v int) { c.RTPrio = v }, 1, 99), record: true, help: "realtime priority"},
		"hbgenmethod":   {set: setGenMethod, record: true, def: "file", help: "protocol generation computation method"},
		"realtime":      {set: setBool(func(c *Config, v bool) { c.Realtime = v }), record: true, def: "true", help: "enable realtime behavior?"},
		"debug":         {set: intRange(func(c *Config, v int) { c.Debug = v }, 0, 255), record: true, help: "debug level"},
		"msgfmt":        {set: setMsgfmt, record: true, def: "classic", help: "message format in the wire"},
		"use_logd":      {set: setUseLogd, record: true, help: "use logging daemon"},
		"conn_logd_time": {set: func(_ *Config, _ int, v string) bool {
			ms, ok := ParseTime(v)
			return ok && ms > 0
		}, record: true, def: "60", help: "the interval to reconnect to logd"},
		"use_apphbd":              {set: setBool(nil), help: "register with apphbd"},
		"log_badpack":             {set: setBool(func(c *Config, v bool) { c.LogBadpack = v }), record: true, def: "true", help: "warn about bad packets"},
		"syslogmsgfmt":            {set: setBool(func(c *Config, v bool) { c.SyslogMsgFmt = v }), record: true, def: "true", help: "log to files in syslog format"},
		"coredumps":               {set: setBool(func(c *Config, v bool) { c.Coredumps = v }), record: true, def: "true", help: "enable Linux-HA core dumps"},
		"coreroot":                {set: setAny, record: true, help: "set root directory of core dump area"},
		"crm_daemon_dir":          {set: beforePacemaker(setAny), record: true, help: "location for Pacemaker daemons"},
		"crmd_spawns_pengine":     {set: beforePacemaker(setBool(nil)), record: true, help: "should pengine be spawned directly by heartbeat"},
		"crm":                     {set: func(c *Config, l int, v string) bool { return c.applyOption(l, "pacemaker", v) }, help: "historical alias for 'pacemaker'"},
		"pacemaker":               {set: setPacemaker, record: true, def: "false", help: "enable Pacemaker resource management"},
		"autojoin":                {set: setAutojoin, record: true, def: "none", help: "set automatic join mode/style"},
		"uuidfrom":                {set: oneOf("uuidfrom", "file", "nodename"), record: true, def: "file", help: "set the source for uuid"},
		"compression":             {set: oneOf("compression", "zlib", "bz2"), record: true, def: "zlib", help: "set compression module"},
		"compression_threshold":   {set: positive("compress_threshhold(%s) invalid", "set_compression_threshold: "), record: true, def: "2", help: "set compression threshold"},
		"traditional_compression": {set: checkBool("set_traditional_compression"), record: true, def: "no", help: "set traditional_compression"},
		"env":                     {set: setEnv, help: "set environment variable for respawn clients"},
		"max_rexmit_delay":        {set: positive("Invalid max_rexmit_delay time(%s)", ""), record: true, def: "250", help: "set the maximum rexmit delay time"},
		"record_config_changes":   {set: checkBool("ha_config_check_boolean"), record: true, def: "on", help: "record changes to the cib (valid only with: pacemaker on)"},
		"record_pengine_inputs":   {set: checkBool("ha_config_check_boolean"), record: true, def: "on", help: "record the input used by the policy engine (valid only with: pacemaker on)"},
		"enable_config_writes":    {set: checkBool("ha_config_check_boolean"), record: true, def: "on", help: "write configuration changes to disk (valid only with: pacemaker on)"},
		"memreserve":              {set: positive("", ""), record: true, def: "6500", help: "number of kbytes to preallocate in heartbeat"},
		"quorum_server":           {set: setAny, record: true, help: "the name or ip of quorum server"},
	}
}

// applyOption runs directive d on value and records it (3.0.6 add_option for
// a Directives[] entry); used for aliases.
func (c *Config) applyOption(line int, name, value string) bool {
	d := directives[name]
	ok := d.set(c, line, value)
	if ok && d.record {
		c.Params[name] = Param{value, line}
	}
	return ok
}

// invalid records an error with no 3.0.6 message of its own (3.0.6 only
// prints the generic "configuration error" pair for it).
func (c *Config) invalid(line int, name, value string) bool {
	c.fail(line, fmt.Sprintf("invalid %s value [%s]", name, value))
	return false
}

func setAny(*Config, int, string) bool { return true }

func addNode(c *Config, line int, v string) bool {
	name := strings.ToLower(v)
	for _, n := range c.Nodes {
		if n.Name == name {
			c.warn(line, fmt.Sprintf("node %s is declared twice", name))
		}
	}
	c.Nodes = append(c.Nodes, Node{name, NormalNode, line})
	return true
}

func intRange(apply func(*Config, int), lo, hi int) func(*Config, int, string) bool {
	return func(c *Config, line int, v string) bool {
		n := Atoi(v)
		if n < lo || n > hi {
			if lo == 1 && hi == 99 { // rtprio has a message
				c.fail(line, fmt.Sprintf("Illegal realtime priority [%s]", v),
					c.logf(line, scan.PrioError, "Illegal realtime priority [%s]", v))
				return false
			}
			return c.invalid(line, "number", v)
		}
		apply(c, n)
		return true
	}
}

// setTime stores a time value; min is the smallest accepted number of ms.
func setTime(field func(*Config) *time.Duration, min int64) func(*Config, int, string) bool {
	return func(c *Config, line int, v string) bool {
		ms, ok := ParseTime(v)
		if !ok || ms < min {
			c.fail(line, fmt.Sprintf("invalid time [%s] (a number of seconds, or with ms or us)", v))
			return false
		}
		*field(c) = time.Duration(ms) * time.Millisecond
		return true
	}
}

func setWarntime(c *Config, line int, v string) bool {
	ms, ok := ParseTime(v)
	if !ok || ms <= 0 {
		c.fail(line, fmt.Sprintf("Warn time [%s] is invalid.", v), c.stderrf(line, "Warn time [%s] is invalid.", v))
		return false
	}
	c.Warntime = time.Duration(ms) * time.Millisecond
	return true
}

func setWatchdog(c *Config, line int, v string) bool {
	if c.Watchdog != "" {
		c.fail(line, "Watchdog device multiply specified.", c.stderrf(line, "heartbeat: Watchdog device multiply specified."))
		return false
	}
	c.Watchdog = v
	return true
}

var bauds = map[int]bool{9600: true, 19200: true, 38400: true, 57600: true, 115200: true, 230400: true, 460800: true}

func setBaud(c *Config, line int, v string) bool {
	if c.baudSet {
		c.fail(line, "Baudrate multiply specified.", c.stderrf(line, "heartbeat: Baudrate multiply specified."))
		return false
	}
	c.baudSet = true
	n := Atoi(v)
	if !bauds[n] {
		c.fail(line, fmt.Sprintf("invalid baudrate [%s] specified.", v), c.stderrf(line, "heartbeat: invalid baudrate [%s] specified.", v))
		return false
	}
	if c.anyMedia {
		c.warn(line, "baud must precede the media lines to apply to them")
	}
	c.Baud = n
	return true
}

func setUDPPort(c *Config, line int, v string) bool {
	n := Atoi(v)
	if n <= 0 {
		c.fail(line, fmt.Sprintf("invalid port [%s] specified.", v), c.stderrf(line, "heartbeat: invalid port [%s] specified.", v))
		return false
	}
	if c.bcastPort != 0 || c.ucastPort != 0 {
		c.warn(line, "udpport after a bcast/ucast line does not apply to it (heartbeat 3.0.6 fixes the port at the first such line)")
	}
	c.UDPPort = n
	return true
}

// facilities are glibc's syslog facility names (cl_syslogfac_str2int).
var facilities = map[string]int{
	"auth": 4, "authpriv": 10, "cron": 9, "daemon": 3, "ftp": 11, "kern": 0, "lpr": 6,
	"mail": 2, "mark": 24, "news": 7, "security": 4, "syslog": 5, "user": 1, "uucp": 8,
	"local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20, "local5": 21,
	"local6": 22, "local7": 23, "none": 0,
}

func setFacility(c *Config, line int, v string) bool {
	f, ok := facilities[v]
	if !ok {
		c.fail(line, fmt.Sprintf("Log facility(%s) not valid", v),
			c.logf(line, scan.PrioError, "Log facility(%s) not valid", v))
		return false
	}
	c.logfacility = f
	c.LogFacility = v
	return true
}

func setNiceFailback(c *Config, line int, v string) bool {
	b, ok := ParseBool(v)
	_ = b // 3.0.6 ignores the value itself: see niceFailback
	c.logf(line, scan.PrioError, "nice_failback flag is obsolete.. Use auto_failback {on, off, legacy} instead.")
	if ok {
		if c.niceFailback {
			c.logf(line, scan.PrioError, "'nice_failback %s' has been changed to 'auto_failback off'", v)
			c.AutoFailback = Off
		} else {
			c.logf(line, scan.PrioError, "nice_failback %s has been strictly interpreted as 'auto_failback legacy'", v)
			c.logf(line, scan.PrioError, "Consider converting to 'auto_failback on'.")
			c.logf(line, scan.PrioError, "When you do, then you can use ipfail, and hb_standby")
			c.AutoFailback = Legacy
		}
		c.warn(line, fmt.Sprintf("nice_failback is obsolete; 3.0.6 made it auto_failback %s", c.AutoFailback))
	}
	end := c.logf(line, scan.PrioError, "See documentation for details.")
	if !ok {
		c.fail(line, fmt.Sprintf("invalid nice_failback value [%s]", v), end)
	}
	return ok
}

func setAutoFailback(c *Config, line int, v string) bool {
	if b, ok := ParseBool(v); ok {
		c.niceFailback = true
		c.AutoFailback = Off
		if b {
			c.AutoFailback = On
		}
		return true
	}
	if strings.EqualFold(v, "legacy") {
		c.niceFailback = false
		c.AutoFailback = Legacy
		return true
	}
	return c.invalid(line, "auto_failback", v)
}

func setBool(apply func(*Config, bool)) func(*Config, int, string) bool {
	return func(c *Config, line int, v string) bool {
		b, ok := ParseBool(v)
		if !ok {
			return c.invalid(line, "boolean", v)
		}
		if apply != nil {
			apply(c, b)
		}
		return true
	}
}

// checkBool is a boolean whose bad value 3.0.6 reports as "FUNC:Invalid directive value V".
func checkBool(fn string) func(*Config, int, string) bool {
	return func(c *Config, line int, v string) bool {
		if _, ok := ParseBool(v); !ok {
			c.fail(line, fmt.Sprintf("invalid boolean [%s]", v),
				c.logf(line, scan.PrioError, "%s:Invalid directive value %s", fn, v))
			return false
		}
		return true
	}
}

func setGenMethod(c *Config, line int, v string) bool {
	switch v {
	case "file", "time":
		c.TimeGenMethod = v == "time"
		return true
	}
	c.fail(line, fmt.Sprintf("Illegal hb generation method [%s]", v),
		c.logf(line, scan.PrioError, "Illegal hb generation method [%s]", v))
	return false
}

func setMsgfmt(c *Config, line int, v string) bool {
	switch v {
	case "classic", "netstring":
		c.Netstring = v == "netstring"
		return true
	}
	return c.invalid(line, "msgfmt", v)
}

func setUseLogd(c *Config, line int, v string) bool {
	b, ok := ParseBool(v)
	if b {
		c.logf(line, scan.PrioInfo, "Enabling logging daemon ")
		c.logf(line, scan.PrioInfo, "logfile and debug file are those specified in logd config file (default /etc/logd.cf)")
	} else {
		c.logf(line, scan.PrioWarn, "Logging daemon is disabled --enabling logging daemon is recommended")
	}
	if !ok {
		return c.invalid(line, "use_logd", v)
	}
	c.UseLogd = &b
	return true
}

func beforePacemaker(set func(*Config, int, string) bool) func(*Config, int, string) bool {
	return func(c *Config, line int, v string) bool {
		if _, ok := c.Params["pacemaker"]; ok {
			c.fail(line, "must come before the pacemaker directive",
				c.logf(line, scan.PrioError, "If you specify %s, it must come before the pacemaker directive\n", v))
			return false
		}
		return set(c, line, v)
	}
}

func setPacemaker(c *Config, line int, v string) bool {
	if c.pacemakerSeen {
		c.fail(line, "pacemaker/crm directive used multiple times!",
			c.logf(line, scan.PrioError, "pacemaker/crm directive used multiple times!"))
		return false
	}
	c.pacemakerSeen = true
	c.logf(line, scan.PrioInfo, "Pacemaker support: %s", v)
	switch strings.ToLower(v) {
	case "minimal", "manual", "respawn", "ccm-only", "valgrind":
	default:
		on, ok := ParseBool(v)
		if !ok {
			return c.invalid(line, "pacemaker", v)
		}
		if !on {
			return true
		}
	}
	c.Pacemaker = true
	c.fail(line, "pacemaker (crm) is not supported: heartbeat-go runs haresources (v1) only")
	return false
}

func setAutojoin(c *Config, line int, v string) bool {
	switch strings.ToLower(v) {
	case "none", "other", "any":
		c.Autojoin = strings.ToLower(v)
		return true
	}
	c.fail(line, fmt.Sprintf("Invalid autojoin directive [%s]", v),
		c.logf(line, scan.PrioError, "Invalid autojoin directive [%s]", v))
	return false
}

func oneOf(name string, values ...string) func(*Config, int, string) bool {
	return func(c *Config, line int, v string) bool {
		for _, ok := range values {
			if v == ok {
				return true
			}
		}
		if name == "uuidfrom" {
			c.fail(line, fmt.Sprintf("Invalid uuidfrom directive [%s]", v),
				c.logf(line, scan.PrioError, "Invalid uuidfrom directive [%s]", v))
			return false
		}
		return c.invalid(line, name, v)
	}
}

// positive accepts an integer > 0; format (with %s for the value) is
// 3.0.6's message, if it has one.
func positive(format, prefix string) func(*Config, int, string) bool {
	return func(c *Config, line int, v string) bool {
		if Atoi(v) > 0 {
			return true
		}
		if format == "" {
			return c.invalid(line, "number", v)
		}
		msg := fmt.Sprintf(format, v)
		c.fail(line, msg, c.logf(line, scan.PrioError, "%s%s", prefix, msg))
		return false
	}
}

func setEnv(c *Config, line int, v string) bool {
	if strings.IndexByte(v, '=') <= 0 {
		c.fail(line, fmt.Sprintf("invalid nvpair(%s)", v),
			c.logf(line, scan.PrioError, "set_env: invalid nvpair(%s)", v))
		return false
	}
	return true
}
