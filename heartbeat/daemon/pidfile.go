package daemon

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PIDState says what a pid file tells.
type PIDState int

// The states of a pid file.
const (
	NoPIDFile PIDState = iota // no pid file: stopped (heartbeat -s exits 3)
	StalePID                  // a pid file whose process is gone or is another program (exit 1)
	Running                   // a heartbeat process has the pid of the file
)

// ErrRunning is a start refused because heartbeat already runs.
var ErrRunning = errors.New("heartbeat is already running")

// Pidfile is /run/heartbeat.pid. Unlike 3.0.6 it is removed on a clean stop
// and a stale one is replaced: the process it names must still exist and
// be a heartbeat (3.0.6 or ours, whose command name is heartbeat).
type Pidfile struct {
	Path string // /run/heartbeat.pid
	Proc string // procfs root, /proc
	Self int    // our pid, never taken for a running daemon; 0 means os.Getpid()
}

// NewPidfile returns the pid file under runDir with the system's procfs.
func NewPidfile(runDir string) Pidfile {
	return Pidfile{Path: filepath.Join(runDir, PIDFile), Proc: "/proc"}
}

// Check reads the pid file and tells whether the daemon it names runs.
func (p Pidfile) Check() (int, PIDState, error) {
	b, err := os.ReadFile(p.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, NoPIDFile, nil
	}
	if err != nil {
		return 0, NoPIDFile, fmt.Errorf("reading the pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, StalePID, nil
	}
	if p.isHeartbeat(pid) {
		return pid, Running, nil
	}
	return pid, StalePID, nil
}

// isHeartbeat reports whether pid is a live heartbeat process other than
// ourselves.
func (p Pidfile) isHeartbeat(pid int) bool {
	self := p.Self
	if self == 0 {
		self = os.Getpid()
	}
	if pid == self {
		return false
	}
	b, err := os.ReadFile(filepath.Join(p.Proc, strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// stat is "PID (COMM) STATE …"; COMM may hold spaces and parentheses.
	s := string(b)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open || close+3 > len(s) {
		return false
	}
	if state := s[close+2]; state == 'Z' || state == 'X' {
		return false
	}
	return s[open+1:close] == "heartbeat"
}

// Claim writes pid into the pid file unless a running heartbeat holds it
// (ErrRunning, with its pid). A stale file is replaced.
func (p Pidfile) Claim(pid int) (int, error) {
	for range 2 {
		f, err := os.OpenFile(p.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, werr := fmt.Fprintf(f, "%d\n", pid)
			return 0, errors.Join(werr, f.Close())
		}
		if !errors.Is(err, fs.ErrExist) {
			return 0, fmt.Errorf("creating the pid file: %w", err)
		}
		other, st, err := p.Check()
		if err != nil {
			return 0, err
		}
		if st == Running {
			return other, fmt.Errorf("%w [pid %d]", ErrRunning, other)
		}
		if err := os.Remove(p.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("removing the stale pid file: %w", err)
		}
	}
	return 0, fmt.Errorf("creating the pid file %s: another process keeps creating it", p.Path)
}

// Release removes the pid file if it still holds pid.
func (p Pidfile) Release(pid int) error {
	b, err := os.ReadFile(p.Path)
	if err != nil {
		return nil
	}
	if strings.TrimSpace(string(b)) != strconv.Itoa(pid) {
		return nil
	}
	return os.Remove(p.Path)
}
