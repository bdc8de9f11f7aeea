package hacf

import (
	"fmt"
	"strconv"
	"time"

	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
)

// Validate runs the post-parse checks of 3.0.6 (spec 1.3) in its order for
// the node localNode (already lower-cased), fills in the computed defaults
// (warntime, initdead, deadping, udpport and the fixed defaults of
// `heartbeat -D`, also into Params) and appends 3.0.6's lines to Log.
// 3.0.6 runs these checks only after ha.cf and authkeys parsed cleanly.
func (c *Config) Validate(localNode string) error {
	var errs scan.ErrorList
	fail := func(line int, msg string, legacy ...scan.LogLine) {
		errs.Add(c.File, line, msg, legacy...)
	}
	for _, name := range directiveOrder {
		if d := directives[name]; d.def != "" {
			if _, ok := c.Params[name]; !ok {
				c.Params[name] = Param{Value: d.def}
				if name == "pacemaker" {
					// 3.0.6 applies the default through the directive, which logs.
					c.pacemakerSeen = true
					c.logf(0, scan.PrioInfo, "Pacemaker support: %s", d.def)
				}
			}
		}
	}
	if _, ok := c.Params["debug"]; !ok {
		c.Params["debug"] = Param{Value: "0"}
	}
	if len(c.Media) == 0 {
		fail(0, "No heartbeat media defined", c.logf(0, scan.PrioError, "No heartbeat media defined"))
	}
	if c.Warntime <= 0 {
		c.Warntime = c.Deadtime / 2
		c.Params["warntime"] = Param{Value: msText(c.Warntime)}
	}
	if len(c.Nodes) == 0 && c.Autojoin != "any" {
		fail(0, "no nodes defined", c.logf(0, scan.PrioError, "no nodes defined"))
	}
	if !c.hasNode(localNode) {
		if c.Autojoin == "any" {
			c.Nodes = append(c.Nodes, Node{Name: localNode})
			c.logf(0, scan.PrioNotice, "Current node [%s] added to configuration.", localNode)
		} else {
			fail(0, fmt.Sprintf("Current node [%s] not in configuration!", localNode),
				c.logf(0, scan.PrioError, "Current node [%s] not in configuration!", localNode),
				c.logf(0, scan.PrioInfo, "By default, cluster nodes are named by `uname -n` and must be declared with a 'node' directive in the ha.cf file."),
				c.logf(0, scan.PrioInfo, "See also: http://linux-ha.org/wiki/Ha.cf#node_directive"))
		}
	}
	keep, dead := c.Keepalive.Milliseconds(), c.Deadtime.Milliseconds()
	if dead <= 2*keep {
		fail(c.Params["deadtime"].Line, fmt.Sprintf("Dead time [%d] is too small compared to keeplive [%d]", dead, keep),
			c.logf(0, scan.PrioError, "Dead time [%d] is too small compared to keeplive [%d]", dead, keep))
	}
	if c.Initdead < 0 {
		switch {
		case dead > 10000:
			c.Initdead = c.Deadtime
		case dead < 6000:
			c.Initdead = 12 * time.Second
		default:
			c.Initdead = 2 * c.Deadtime
		}
		c.Params["initdead"] = Param{Value: msText(c.Initdead)}
	}
	if init := c.Initdead.Milliseconds(); init < dead {
		fail(c.Params["initdead"].Line, fmt.Sprintf("Initial dead time [%d] is smaller than deadtime [%d]", init, dead),
			c.logf(0, scan.PrioError, "Initial dead time [%d] is smaller than deadtime [%d]", init, dead))
	} else if init < 10000 {
		c.logf(0, scan.PrioWarn, "Initial dead time [%d ms] may be too small!", init)
		c.logf(0, scan.PrioInfo, "Initial dead time accounts for slow network startup time")
		c.logf(0, scan.PrioInfo, "It should be >= deadtime and >= 10 seconds")
	}
	if c.Deadping < 0 {
		c.Deadping = c.Deadtime
		c.Params["deadping"] = Param{Value: msText(c.Deadping)}
	} else if ping := c.Deadping.Milliseconds(); ping <= 2*keep {
		fail(c.Params["deadping"].Line, fmt.Sprintf("Ping dead time [%d] is too small compared to keeplive [%d]", ping, keep),
			c.logf(0, scan.PrioError, "Ping dead time [%d] is too small compared to keeplive [%d]", ping, keep))
	}
	if _, ok := c.Params["udpport"]; !ok {
		c.UDPPort = DefaultUDPPort
		c.Params["udpport"] = Param{Value: strconv.Itoa(DefaultUDPPort)}
	}
	if !c.niceFailback && !c.Pacemaker {
		c.logf(0, scan.PrioWarn, "Deprecated 'legacy' auto_failback option selected.")
		c.logf(0, scan.PrioWarn, "Please convert to 'auto_failback on'.")
		c.logf(0, scan.PrioWarn, "See documentation for conversion details.")
	}
	c.checkLogd(fail)
	if !c.Pacemaker && c.Autojoin != "none" {
		fail(c.Params["autojoin"].Line, "R1 style resource management conflicts with autojoin set",
			c.logf(0, scan.PrioError, "R1 style resource management conflicts with  autojoin set"),
			c.logf(0, scan.PrioError, "You need either unset autojoin or enable crm"))
	}
	return errs.Err()
}

// checkLogd is 3.0.6's check_logd_usage.
func (c *Config) checkLogd(fail func(int, string, ...scan.LogLine)) {
	if c.Logfile == "" && c.Debugfile == "" && c.logfacility <= 0 {
		switch {
		case c.UseLogd == nil:
			c.logf(0, scan.PrioInfo, "No log entry found in ha.cf -- use logd")
			// 3.0.6 then adds `use_logd yes`, which logs like the directive.
			c.logf(0, scan.PrioWarn, "Initializing connection to logging daemon failed. Logging daemon may not be running")
			c.logf(0, scan.PrioInfo, "Enabling logging daemon ")
			c.logf(0, scan.PrioInfo, "logfile and debug file are those specified in logd config file (default /etc/logd.cf)")
			c.Params["use_logd"] = Param{Value: "yes"}
		case !*c.UseLogd:
			fail(c.Params["use_logd"].Line, "No log entry found in ha.cf and use_logd is set to off",
				c.logf(0, scan.PrioError, "No log entry found in ha.cf and use_logd is set to off"))
		}
		return
	}
	if c.UseLogd == nil || !*c.UseLogd {
		c.logf(0, scan.PrioWarn, "Logging daemon is disabled --enabling logging daemon is recommended")
		return
	}
	// 3.0.6 tests char arrays for NULL here, so logfile and debugfile are always named.
	facility := ""
	if c.logfacility > 0 {
		facility = "/logfacility"
	}
	c.logf(0, scan.PrioWarn, "logd is enabled but logfile/debugfile%s is still configured in ha.cf", facility)
}

func (c *Config) hasNode(name string) bool {
	for _, n := range c.Nodes {
		if n.Name == name {
			return true
		}
	}
	return false
}

// msText renders a computed time as 3.0.6 records it ("%ldms").
func msText(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}
