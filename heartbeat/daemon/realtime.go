package daemon

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// goRealtime does what 3.0.6 does for `realtime on` (the default): lock the
// process in memory, so that paging cannot delay a heartbeat, and run every
// thread with the SCHED_RR real-time policy at priority prio (0 means the
// policy's maximum). Threads the Go runtime creates later inherit the
// policy. Failures are logged, as 3.0.6 logs them, and are not fatal.
func goRealtime(log *logrus.Entry, prio int) {
	// MCL_ONFAULT: lock pages as they are touched instead of populating
	// every mapping the Go runtime reserves (that would cost ~100 MB).
	if err := unix.Mlockall(unix.MCL_CURRENT | unix.MCL_FUTURE | unix.MCL_ONFAULT); err != nil {
		if errors.Is(err, unix.ENOMEM) || errors.Is(err, unix.EPERM) {
			halog.CannotLockMemory(log)
		} else {
			halog.Log(log, halog.Err, fmt.Sprintf("Cannot lock ourselves into memory: %v", err))
		}
	}
	if prio <= 0 {
		prio = 99 // sched_get_priority_max(SCHED_RR) on Linux
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		halog.Log(log, halog.Err, fmt.Sprintf("Unable to set scheduler parameters: %v", err))
		return
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := setRR(tid, prio); err != nil {
			halog.Log(log, halog.Err, fmt.Sprintf("Unable to set scheduler parameters: %v", err))
			return
		}
	}
}

// setRR sets SCHED_RR with priority prio on one thread.
func setRR(tid, prio int) error {
	attr := &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_RR, Priority: uint32(prio)}
	return unix.SchedSetAttr(tid, attr, 0)
}
