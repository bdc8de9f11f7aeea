package hacf

import (
	"fmt"
	"strings"

	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
)

// wholeLine are 3.0.6's WLdirectives: they parse the rest of the line.
var wholeLine map[string]func(c *Config, line int, rest string)

func init() {
	wholeLine = map[string]func(*Config, int, string){
		"stonith":      parseStonith,
		"stonith_host": parseStonithHost,
		"apiauth":      parseAPIAuth,
		"respawn":      func(c *Config, line int, rest string) { c.client(line, rest, false) },
		"failfast":     func(c *Config, line int, rest string) { c.client(line, rest, true) },
	}
}

func parseStonith(c *Config, line int, rest string) {
	if len(fields(rest)) == 0 {
		c.fail(line, "No Stonith type given", c.logf(line, scan.PrioError, "No Stonith type given"))
	}
}

func parseStonithHost(c *Config, line int, rest string) {
	f := fields(rest)
	switch {
	case len(f) == 0:
		c.fail(line, "No Stonith hostname argument given", c.logf(line, scan.PrioError, "No Stonith hostname argument given"))
	case len(f) == 1:
		c.fail(line, "No Stonith type given", c.logf(line, scan.PrioError, "No Stonith type given"))
	}
}

func parseAPIAuth(c *Config, line int, rest string) {
	f := fields(rest)
	ok := len(f) >= 2
	var uid, gid bool
	for _, a := range f[min(1, len(f)):] {
		switch {
		case strings.HasPrefix(a, "uid=") && !uid:
			uid = true
		case strings.HasPrefix(a, "gid=") && !gid:
			gid = true
		default:
			ok = false
		}
	}
	if !ok {
		c.fail(line, fmt.Sprintf("Invalid apiauth directive [%s]", rest),
			c.logf(line, scan.PrioError, "Invalid apiauth directive [%s]", rest),
			c.logf(line, scan.PrioInfo, "Syntax: apiauth client [uid=uidlist] [gid=gidlist]"),
			c.logf(line, scan.PrioInfo, "Where uidlist is a comma-separated list of uids,"),
			c.logf(line, scan.PrioInfo, "and gidlist is a comma-separated list of gids"),
			c.logf(line, scan.PrioInfo, "One or the other must be specified."))
	}
}

func (c *Config) client(line int, rest string, failfast bool) {
	f := fields(rest)
	if len(f) == 0 {
		c.fail(line, "Invalid uid [] specified for client child", c.logf(line, scan.PrioError, "Invalid uid [] specified for client child"))
		return
	}
	user := f[0]
	if c.opts.LookupUser != nil {
		if err := c.opts.LookupUser(user); err != nil {
			c.fail(line, fmt.Sprintf("Invalid uid [%s] specified for client child", user),
				c.logf(line, scan.PrioError, "Invalid uid [%s] specified for client child", user))
			return
		}
	}
	cmd := strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(rest, whitespace), user), whitespace)
	if !strings.HasPrefix(cmd, "/") {
		c.fail(line, fmt.Sprintf("Client child command [%s] is not full pathname", cmd),
			c.logf(line, scan.PrioError, "Client child command [%s] is not full pathname", cmd))
		return
	}
	path := fields(cmd)[0]
	if c.opts.Executable != nil {
		if err := c.opts.Executable(path); err != nil {
			c.fail(line, fmt.Sprintf("Client child command [%s] is not executable", path),
				c.logf(line, scan.PrioError, "Client child command [%s] is not executable", path))
			return
		}
	}
	c.Clients = append(c.Clients, Client{User: user, Command: cmd, Path: path, Failfast: failfast, Line: line})
}
