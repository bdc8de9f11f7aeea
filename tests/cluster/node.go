package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pollInterval is how often the Wait helpers look again.
const pollInterval = 100 * time.Millisecond

// Addr returns the node's eth0 address.
func (n *Node) Addr() netip.Addr { return n.addr }

// Cmd returns a command that runs inside the node (its mount, UTS, network
// and PID namespaces). Output not consumed by the caller is not waited for
// longer than a second after the command exits.
func (n *Node) Cmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{
		"-t", strconv.Itoa(n.anchorPID), "-m", "-u", "-n", "-p", "--", name}, args...)...)
	cmd.WaitDelay = time.Second
	return cmd
}

// Exec runs a command inside the node and returns its combined output.
func (n *Node) Exec(ctx context.Context, name string, args ...string) (string, error) {
	out, err := n.Cmd(ctx, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %s %s: %w: %s", n.Name, name, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// StartReal starts the real heartbeat 3.0.6 in the node. It daemonises, so
// this returns when the parent exits; its early output goes to Dir/start.out.
func (n *Node) StartReal(ctx context.Context) error {
	return n.startDaemonising(ctx, RealHeartbeat)
}

func (n *Node) startDaemonising(ctx context.Context, bin string, args ...string) error {
	f, err := os.OpenFile(filepath.Join(n.Dir, "start.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := n.Cmd(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(f.Name())
		return fmt.Errorf("%s: starting %s: %w: %s", n.Name, bin, err, out)
	}
	return nil
}

// StartGo starts our daemon bin with args in the node and returns at once;
// it may stay in the foreground (it is then reaped and, at cleanup, killed)
// or daemonise. Its stdout and stderr go to Dir/go.out.
func (n *Node) StartGo(bin string, args ...string) error {
	f, err := os.OpenFile(filepath.Join(n.Dir, "go.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	// Not CommandContext: the daemon outlives this call; destroy kills it.
	cmd := exec.Command("nsenter", append([]string{
		"-t", strconv.Itoa(n.anchorPID), "-m", "-u", "-n", "-p", "--", bin}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: starting %s: %w", n.Name, bin, err)
	}
	n.mu.Lock()
	n.started = append(n.started, cmd)
	n.mu.Unlock()
	n.wg.Go(func() { _ = cmd.Wait() })
	return nil
}

// GoBinary returns the path of our binary name in the directory $HBGO_BIN
// (set by `make integration`); the test fails if it is missing.
func GoBinary(t interface {
	Helper()
	Fatalf(string, ...any)
}, name string) string {
	t.Helper()
	dir := os.Getenv("HBGO_BIN")
	if dir == "" {
		t.Fatalf("cluster: HBGO_BIN is not set (run `make integration`)")
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("cluster: %v", err)
	}
	return p
}

// DaemonPID returns the daemon's PID as the host sees it, from the node's
// /run/heartbeat.pid (which holds the PID inside the node).
func (n *Node) DaemonPID() (int, error) {
	b, err := os.ReadFile(filepath.Join(n.Dir, "run", "heartbeat.pid"))
	if err != nil {
		return 0, fmt.Errorf("%s: reading the pid file: %w", n.Name, err)
	}
	inner, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("%s: pid file %q: %w", n.Name, b, err)
	}
	for _, p := range n.Pids() {
		if p.Inner == inner {
			return p.Host, nil
		}
	}
	return 0, fmt.Errorf("%s: no process with pid %d in the node", n.Name, inner)
}

// Stop sends SIGTERM to the daemon named in /run/heartbeat.pid (graceful
// shutdown: resources are released) and waits until it has exited.
func (n *Node) Stop(ctx context.Context) error {
	pid, err := n.DaemonPID()
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("%s: SIGTERM to %d: %w", n.Name, pid, err)
	}
	for alive(pid) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for pid %d to exit: %w", n.Name, pid, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
	return nil
}

// Kill sends SIGKILL to every process of the node but its anchor (the
// daemon and any resource script it runs), as a crash would, and waits
// until they are gone. Kernel state such as addresses stays.
func (n *Node) Kill(ctx context.Context) error {
	for {
		ps := n.Pids()
		if len(ps) == 0 {
			return nil
		}
		for _, p := range ps {
			_ = syscall.Kill(p.Host, syscall.SIGKILL)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: killing %v: %w", n.Name, ps, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// Proc is a live process of a node.
type Proc struct {
	Host  int    // PID in the host's namespace
	Inner int    // PID inside the node
	Comm  string // command name
}

// Orphans lists the host PIDs of the children of the node's PID 1 (the
// processes that lost their parent), zombies included.
func (n *Node) Orphans() ([]int, error) { return children(n.anchorPID) }

// children lists the host PIDs of the children of process pid.
func children(pid int) ([]int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// Pids lists the node's live processes (zombies excluded), anchor excluded.
func (n *Node) Pids() []Proc {
	want, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", n.anchorPID))
	if err != nil {
		return nil
	}
	entries, _ := os.ReadDir("/proc")
	var ps []Proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == n.anchorPID {
			continue
		}
		if ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid)); err != nil || ns != want {
			continue
		}
		p, ok := readProc(pid)
		if ok {
			ps = append(ps, p)
		}
	}
	return ps
}

// readProc reads name, state and namespace PIDs from /proc/PID/status; it
// reports false for zombies and vanished processes.
func readProc(pid int) (Proc, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Proc{}, false
	}
	p := Proc{Host: pid}
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		switch k {
		case "Name":
			p.Comm = f[0]
		case "State":
			if f[0] == "Z" || f[0] == "X" {
				return Proc{}, false
			}
		case "NSpid":
			p.Inner, _ = strconv.Atoi(f[len(f)-1])
		}
	}
	return p, true
}

func alive(pid int) bool {
	_, ok := readProc(pid)
	return ok
}

// ReadLog returns the node's /var/log/ha-log ("" if not written yet).
func (n *Node) ReadLog() (string, error) {
	return n.ReadFile("log/ha-log")
}

// ReadFile reads a file of the node's private trees; rel is relative to
// Dir: "log/…" is /var/log, "run/…" /run, "ha.d/…" /etc/ha.d and "lib/…"
// /var/lib/heartbeat. A missing file reads as "".
func (n *Node) ReadFile(rel string) (string, error) {
	b, err := os.ReadFile(filepath.Join(n.Dir, rel))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return string(b), err
}

// LogMark returns the current length of ha-log, for WaitLogSince.
func (n *Node) LogMark() int {
	s, _ := n.ReadLog()
	return len(s)
}

// WaitLog waits until ha-log contains substr.
func (n *Node) WaitLog(ctx context.Context, substr string) error {
	return n.WaitLogSince(ctx, 0, substr)
}

// WaitLogSince waits until ha-log contains substr after byte offset mark.
// The error quotes the end of the log.
func (n *Node) WaitLogSince(ctx context.Context, mark int, substr string) error {
	for {
		s, err := n.ReadLog()
		if err != nil {
			return err
		}
		if len(s) >= mark && strings.Contains(s[mark:], substr) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for %q in ha-log: %w; log ends:\n%s", n.Name, substr, ctx.Err(), tail(s, 15))
		case <-time.After(pollInterval):
		}
	}
}

// WaitFor polls cond until it returns nil and returns its last error when
// ctx ends.
func WaitFor(ctx context.Context, what string, cond func() error) error {
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last: %w)", what, ctx.Err(), err)
		case <-time.After(pollInterval):
		}
	}
}

// HasAddr reports whether addr is configured on the node's interface dev.
func (n *Node) HasAddr(ctx context.Context, dev string, addr netip.Addr) (bool, error) {
	out, err := n.NS.Run(ctx, "ip", "-o", "-4", "addr", "show", "dev", dev)
	if err != nil {
		return false, err
	}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		for i, w := range f {
			if w == "inet" && i+1 < len(f) && strings.HasPrefix(f[i+1], addr.String()+"/") {
				return true, nil
			}
		}
	}
	return false, nil
}

// Unplug sets the node's bridge port down, as the 3.0.6 lab's partition
// scenario did (the node's eth0 loses its carrier).
func (n *Node) Unplug(ctx context.Context) error {
	if _, err := n.sw.Run(ctx, "ip", "link", "set", n.Port, "down"); err != nil {
		return fmt.Errorf("unplugging %s: %w", n.Name, err)
	}
	return nil
}

// Plug sets the node's bridge port up again.
func (n *Node) Plug(ctx context.Context) error {
	if _, err := n.sw.Run(ctx, "ip", "link", "set", n.Port, "up"); err != nil {
		return fmt.Errorf("plugging %s: %w", n.Name, err)
	}
	return nil
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
