// Command hb_standby asks the local heartbeat to give its resources (all,
// local, foreign or failback) to the other node, as 3.0.6's script does by
// writing into heartbeat's FIFO; it fails within seconds when heartbeat is
// not running instead of blocking.
package main

import (
	"os"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/api"
)

func main() {
	t := api.Tool{FIFO: api.DefaultFIFO, Now: time.Now}
	os.Exit(t.Run(os.Args[0], os.Args[1:], os.Stdout, os.Stderr))
}
