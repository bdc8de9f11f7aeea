package heartbeat

import "os"

// fieldPrio carries 3.0.6's priority word (CRIT, notice, …) on a log entry.
const fieldPrio = "prio"

// pid is the process id printed in 3.0.6's shutdown line.
func pid() int { return os.Getpid() }
