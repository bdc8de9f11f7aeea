package heartbeat

import "os"

// pid is the process id printed in 3.0.6's shutdown line.
func pid() int { return os.Getpid() }
