package resource

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/heartbeat-go/heartbeat-go/resource.d/filesystem"
	"github.com/heartbeat-go/heartbeat-go/resource.d/ipaddr"
)

// Config says where the Resolver looks for agents and how it runs them.
// Every zero field takes the default named in its comment, so Config{}
// describes a stock Debian host; tests point the paths at temp dirs.
type Config struct {
	// HADir is heartbeat's configuration directory, exported as HA_DIR.
	// Default "/etc/ha.d/" (3.0.6 exports it with the trailing slash).
	HADir string
	// ResourceDir holds heartbeat resource scripts, searched first.
	// Default HADir + "resource.d".
	ResourceDir string
	// InitDir holds LSB init scripts, searched second. Default "/etc/init.d".
	InitDir string
	// OCFRoot is the OCF tree, exported as OCF_ROOT. Default "/usr/lib/ocf".
	OCFRoot string
	// OCFProvider names the directory under OCFRoot/resource.d searched for
	// OCF agents, exported as OCF_RESOURCE_PROVIDER. Default "heartbeat".
	OCFProvider string
	// SystemdDir exists when systemd is the running init (sd_booted); only
	// then are systemd units considered. Default "/run/systemd/system".
	SystemdDir string
	// Systemctl is the systemctl command. Default "systemctl" (from PATH).
	Systemctl string
	// Drbdadm is the drbdadm command of drbddisk. Default "/sbin/drbdadm",
	// the DRBDADM of Debian's drbddisk script.
	Drbdadm string
	// ProcDRBD is read when `drbdadm role` gives no answer. Default "/proc/drbd".
	ProcDRBD string
	// DRBDRetryInterval is the pause between two drbdadm attempts of drbddisk.
	// Default 1 s, as the script sleeps.
	DRBDRetryInterval time.Duration

	// Timeout bounds one start or stop; a script still running then is
	// killed with its process group and the operation fails. Default 5 min
	// (3.0.6 waits forever).
	Timeout time.Duration
	// StatusTimeout bounds one status or monitor run. Default 1 min.
	StatusTimeout time.Duration
	// WaitDelay is how long the output of a finished script is still read
	// before the operation returns without it (a background child may keep
	// it open; it is then drained until Close). Default 5 s.
	WaitDelay time.Duration

	// IPaddr and Filesystem configure the built-in agents of those names
	// (IPaddr, IPaddr2, IPv6addr; Filesystem). A nil Log becomes Log with
	// the resource field.
	IPaddr     ipaddr.Options
	Filesystem filesystem.Options

	// Env holds the variables heartbeat exports to its scripts.
	Env Environment
	// Environ is the environment scripts inherit, before Env is applied and
	// LC_ALL and LANGUAGE are removed. Nil means os.Environ() at NewResolver.
	Environ []string
	// Log receives the output of every script, line by line at debug level
	// with the fields resource, op and stream (3.0.6 writes it to the
	// debugfile). Nil discards it.
	Log *logrus.Entry
}

// Environment is what 3.0.6's heartbeat sets in the environment of resource
// scripts (spec 3.2); HA_DIR and OCF_ROOT come from Config.HADir and
// Config.OCFRoot, and HA_LOGD is always "no".
type Environment struct {
	// Funcs is HA_FUNCS. Default HADir + "/shellfuncs" ("/etc/ha.d//shellfuncs").
	Funcs string
	// LogFile, DebugLog and LogFacility are HA_LOGFILE, HA_DEBUGLOG and
	// HA_LOGFACILITY from ha.cf; each is left unset when empty.
	LogFile, DebugLog, LogFacility string
	// DateFmt is HA_DATEFMT. Default "%Y/%m/%d_%T\t".
	DateFmt string
	// CurHost is HA_CURHOST, this node's name; unset when empty.
	CurHost string
	// Debug is HA_debug, the ha.cf debug level; unset when 0.
	Debug int
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	defDur := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.HADir, "/etc/ha.d/")
	def(&c.ResourceDir, filepath.Join(c.HADir, "resource.d"))
	def(&c.InitDir, "/etc/init.d")
	def(&c.OCFRoot, "/usr/lib/ocf")
	def(&c.OCFProvider, "heartbeat")
	def(&c.SystemdDir, "/run/systemd/system")
	def(&c.Systemctl, "systemctl")
	def(&c.Drbdadm, "/sbin/drbdadm")
	def(&c.ProcDRBD, "/proc/drbd")
	defDur(&c.DRBDRetryInterval, time.Second)
	defDur(&c.Timeout, 5*time.Minute)
	defDur(&c.StatusTimeout, time.Minute)
	defDur(&c.WaitDelay, 5*time.Second)
	// Plain concatenation, not Join: 3.0.6 exports the double slash.
	def(&c.Env.Funcs, c.HADir+"/shellfuncs")
	def(&c.Env.DateFmt, "%Y/%m/%d_%T\t")
	if c.Environ == nil {
		c.Environ = os.Environ()
	}
	if c.Log == nil {
		l := logrus.New()
		l.Out = io.Discard
		c.Log = logrus.NewEntry(l)
	}
	return c
}

// environ builds a script's environment: the inherited one without LC_ALL,
// LANGUAGE and anything set here, then heartbeat's variables, then extra
// (KEY=value pairs of the agent). Inherited OCF_RESKEY_ variables are dropped
// too, so they cannot pose as parameters of an OCF agent.
func (c *Config) environ(extra ...string) []string {
	set := []string{"HA_DIR=" + c.HADir, "HA_FUNCS=" + c.Env.Funcs,
		"HA_DATEFMT=" + c.Env.DateFmt, "OCF_ROOT=" + c.OCFRoot, "HA_LOGD=no"}
	opt := func(k, v string) {
		if v != "" {
			set = append(set, k+"="+v)
		}
	}
	opt("HA_LOGFILE", c.Env.LogFile)
	opt("HA_DEBUGLOG", c.Env.DebugLog)
	opt("HA_LOGFACILITY", c.Env.LogFacility)
	opt("HA_CURHOST", c.Env.CurHost)
	if c.Env.Debug > 0 {
		opt("HA_debug", strconv.Itoa(c.Env.Debug))
	}
	set = append(set, extra...)

	drop := map[string]bool{"LC_ALL": true, "LANGUAGE": true}
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		drop[k] = true
	}
	env := make([]string, 0, len(c.Environ)+len(set))
	for _, kv := range c.Environ {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] && !strings.HasPrefix(k, "OCF_RESKEY_") {
			env = append(env, kv)
		}
	}
	return append(env, set...)
}
