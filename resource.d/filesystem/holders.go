package filesystem

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// holders returns the processes that use a file on the file system with
// device number dev, as fuser -m does: through their working directory,
// root, executable, open files or memory mappings. self is left out.
func holders(proc string, dev uint64, self int) ([]int, error) {
	ents, err := os.ReadDir(proc)
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", proc, err)
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if usesDev(filepath.Join(proc, e.Name()), dev) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// usesDev reports whether the process at dir (/proc/PID) uses dev. A
// process that exits during the scan simply does not match.
func usesDev(dir string, dev uint64) bool {
	on := func(p string) bool {
		var st unix.Stat_t
		return unix.Stat(p, &st) == nil && st.Dev == dev
	}
	for _, l := range []string{"cwd", "root", "exe"} {
		if on(filepath.Join(dir, l)) {
			return true
		}
	}
	fds, _ := os.ReadDir(filepath.Join(dir, "fd"))
	for _, fd := range fds {
		if on(filepath.Join(dir, "fd", fd.Name())) {
			return true
		}
	}
	f, err := os.Open(filepath.Join(dir, "maps"))
	if err != nil {
		return false
	}
	defer f.Close()
	return mapsUseDev(f, dev)
}

// mapsUseDev reports whether a /proc/PID/maps listing maps a file of dev
// ("addr perms offset MM:mm inode path", the device in hex).
func mapsUseDev(f *os.File, dev uint64) bool {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		majS, minS, ok := strings.Cut(fields[3], ":")
		maj, err1 := strconv.ParseUint(majS, 16, 32)
		mnr, err2 := strconv.ParseUint(minS, 16, 32)
		if ok && err1 == nil && err2 == nil && unix.Mkdev(uint32(maj), uint32(mnr)) == dev {
			return true
		}
	}
	return false
}

// signalAndWait sends sig to pids through pidfds (so a recycled pid is
// never hit) and waits until all of them have exited or wait has passed.
// It returns the pids it could signal.
func signalAndWait(pids []int, sig syscall.Signal, wait time.Duration) []int {
	var fds []unix.PollFd
	var hit []int
	for _, pid := range pids {
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			continue // gone already
		}
		if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil {
			unix.Close(fd)
			continue
		}
		hit = append(hit, pid)
		fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
	}
	defer func() {
		for _, p := range fds {
			unix.Close(int(p.Fd))
		}
	}()
	deadline := time.Now().Add(wait)
	for len(fds) > 0 {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if err != nil && !errors.Is(err, unix.EINTR) {
			break
		}
		if n <= 0 {
			continue
		}
		// Drop the exited ones (readable pidfds) and wait for the rest.
		kept := fds[:0]
		for _, p := range fds {
			if p.Revents != 0 {
				unix.Close(int(p.Fd))
				continue
			}
			kept = append(kept, p)
		}
		fds = kept
	}
	return hit
}
