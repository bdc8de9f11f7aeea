package api

import (
	"fmt"
	"io"
	"time"
)

// FIFOTimeout bounds how long hb_standby and hb_takeover try to hand
// their message to the daemon.
const FIFOTimeout = 5 * time.Second

// Tool is hb_standby or hb_takeover: check the one argument as the 3.0.6
// scripts do (texts and exit codes of spec 7.3), then write their message
// into the FIFO. Unlike the scripts, it fails within FIFOTimeout when no
// daemon reads the FIFO.
type Tool struct {
	Takeover bool   // hb_takeover; false is hb_standby
	FIFO     string // DefaultFIFO
	Now      func() time.Time
}

// Run runs the tool as prog with args and returns its exit code.
func (t Tool) Run(prog string, args []string, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprintln(stdout, "usage:")
		fmt.Fprintf(stderr, "%s [all|foreign|local|failback]\n", prog)
		return 1
	}
	if len(args) >= 2 {
		fmt.Fprintf(stdout, "%s: too many arguments\n", prog)
		return usage()
	}
	set := "all"
	if len(args) == 1 {
		set = args[0]
	}
	switch set {
	case "all", "foreign", "local":
	case "failback":
		if !t.Takeover {
			set = "foreign"
		}
	case "--help":
		return usage()
	default:
		fmt.Fprintf(stdout, "%s: wrong resources(%s).\n", prog, set)
		return usage()
	}
	m := newMsg("t", "hb_takeover", "rsc_hold", set)
	if !t.Takeover {
		// ha_log without HA_LOGFILE: HA_DATEFMT "%b %d %T " on stderr.
		fmt.Fprintf(stderr, "%s Going standby [%s].\n", t.Now().Format("Jan 02 15:04:05"), set)
		m = newMsg("t", "ask_resources", "rsc_hold", set, "info", "me")
	}
	if err := SendFIFO(t.FIFO, m, FIFOTimeout); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	return 0
}
