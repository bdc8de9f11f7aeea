package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/daemon"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
)

// Exit codes of heartbeat -s (LSB status).
const (
	exitStale   = 1 // pid file without its process
	exitStopped = 3 // no pid file
)

// daemonEnv marks the background child of a daemonising start; its value
// is the file descriptor of the pipe it reports its start-up on.
const daemonEnv = "HEARTBEAT_GO_DAEMON_FD"

// runDir is where the pid file and the API socket live.
const runDir = "/run"

// startWait bounds how long the parent waits for the child's start-up
// report (resource scripts do not run before it).
const startWait = 5 * time.Minute

// start runs the daemon: in the foreground with -f (systemd), else in a
// background child whose start-up the parent waits for.
func start(o options, stderr io.Writer) int {
	cfg := loadResolved()
	dopts := daemonOptions(o, os.Getenv, stderr)
	if !cfg.OK() {
		daemon.LogConfigError(cfg, dopts)
		return exitConfigError
	}
	if fd := os.Getenv(daemonEnv); fd != "" {
		return child(cfg, dopts, fd)
	}
	pids := daemon.NewPidfile(runDir)
	if pid, st, _ := pids.Check(); st == daemon.Running {
		return alreadyRunning(cfg, dopts, pid)
	}
	if o.foreground {
		return foreground(cfg, dopts, pids)
	}
	return daemonise(stderr)
}

// daemonOptions are the daemon's switches from the command line and from
// the environment, which the init script and the systemd unit fill from
// /etc/default/heartbeat (ha.cf stays as heartbeat 3.0.6 reads it).
func daemonOptions(o options, getenv func(string) string, stderr io.Writer) daemon.Options {
	return daemon.Options{
		Foreground:  o.foreground,
		Debug:       o.debug,
		Version:     version,
		Stderr:      stderr,
		NoRealtime:  o.noRealtime,
		MetricsAddr: getenv(daemon.MetricsEnv),
	}
}

// alreadyRunning logs 3.0.6's line; unlike 3.0.6 (exit 0) it exits 1, so
// that a script can tell a second start from a start.
func alreadyRunning(cfg *config.Config, o daemon.Options, pid int) int {
	log, logs, err := daemon.StartupLog(cfg, o, false)
	if err != nil {
		fmt.Fprintf(o.Stderr, "heartbeat: already running [pid %d].\n", pid)
		return exitFailure
	}
	defer logs.Close()
	halog.AlreadyRunning(log, pid)
	return exitFailure
}

// foreground runs the daemon in this process (heartbeat -f), with the pid
// file, systemd's READY=1 once communication is up and its watchdog.
func foreground(cfg *config.Config, o daemon.Options, pids daemon.Pidfile) int {
	if pid, err := pids.Claim(os.Getpid()); err != nil {
		if errors.Is(err, daemon.ErrRunning) {
			return alreadyRunning(cfg, o, pid)
		}
		fmt.Fprintf(o.Stderr, "heartbeat: %v\n", err)
		return exitFailure
	}
	defer pids.Release(os.Getpid())
	n := newNotifier()
	o.Ready = n.ready
	o.Status = n.watch
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.watchdog(ctx)
	return exitCode(o.Stderr, daemon.Run(ctx, cfg, o))
}

// daemonise starts this program again in the background, in its own
// session with no terminal, and waits until the child reports that it
// runs (exit 0) or why it failed (its exit code). Go cannot fork, so this
// replaces 3.0.6's fork.
func daemonise(stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "heartbeat: finding own executable: %v\n", err)
		return exitFailure
	}
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(stderr, "heartbeat: %v\n", err)
		return exitFailure
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(stderr, "heartbeat: %v\n", err)
		return exitFailure
	}
	defer null.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "heartbeat: starting the daemon: %v\n", err)
		return exitFailure
	}
	w.Close()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	code, msg := readReport(r, startWait)
	if msg != "" {
		fmt.Fprint(stderr, msg)
	}
	if code != exitOK {
		select {
		case <-exited:
		case <-time.After(time.Second):
		}
	}
	return code
}

// readReport reads the child's start-up report: "OK" or "EXIT n" after
// the text to print. A child that dies without a word failed.
func readReport(r *os.File, wait time.Duration) (int, string) {
	defer r.Close()
	_ = r.SetReadDeadline(time.Now().Add(wait))
	var msg strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "OK":
			return exitOK, msg.String()
		case strings.HasPrefix(line, "EXIT "):
			code, err := strconv.Atoi(strings.TrimPrefix(line, "EXIT "))
			if err != nil {
				code = exitFailure
			}
			return code, msg.String()
		default:
			msg.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		return exitFailure, msg.String() + fmt.Sprintf("heartbeat: waiting for the daemon to start: %v\n", err)
	}
	return exitFailure, msg.String() + "heartbeat: the daemon exited during start-up\n"
}

// child is the background daemon: it claims the pid file, runs, and tells
// the waiting parent through the pipe once the loop is built.
func child(cfg *config.Config, o daemon.Options, fdText string) int {
	fd, err := strconv.Atoi(fdText)
	if err != nil {
		return exitFailure
	}
	report := os.NewFile(uintptr(fd), "start-up report")
	os.Unsetenv(daemonEnv)
	var out strings.Builder
	o.Stderr = &out // early errors go to the parent's terminal
	fail := func(code int) int {
		fmt.Fprintf(report, "%sEXIT %d\n", out.String(), code)
		report.Close()
		return code
	}
	pids := daemon.NewPidfile(runDir)
	if pid, err := pids.Claim(os.Getpid()); err != nil {
		if errors.Is(err, daemon.ErrRunning) {
			return fail(alreadyRunning(cfg, o, pid))
		}
		fmt.Fprintf(&out, "heartbeat: %v\n", err)
		return fail(exitFailure)
	}
	defer pids.Release(os.Getpid())
	reported := false
	o.Status = func(*heartbeat.Loop) {
		if !reported {
			reported = true
			fmt.Fprintln(report, "OK")
			report.Close()
		}
	}
	o.Stderr = io.Discard
	err = daemon.Run(context.Background(), cfg, o)
	if !reported {
		fmt.Fprintf(&out, "heartbeat: %v\n", err)
		return fail(exitCodeOf(err))
	}
	return exitCodeOf(err)
}

// exitCode prints a failure and maps it to heartbeat's exit status.
func exitCode(stderr io.Writer, err error) int {
	if err != nil {
		fmt.Fprintf(stderr, "heartbeat: %v\n", err)
	}
	return exitCodeOf(err)
}

func exitCodeOf(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, config.ErrConfig):
		return exitConfigError
	}
	return exitFailure
}

// status is heartbeat -s: 3.0.6's texts and LSB codes.
func status(stdout io.Writer) int {
	pid, st, err := daemon.NewPidfile(runDir).Check()
	switch {
	case err != nil:
		fmt.Fprintf(stdout, "heartbeat: %v\n", err)
		return 4 // LSB: status unknown
	case st == daemon.Running:
		host, _ := os.Hostname()
		node := config.Load(config.Options{}).Node
		fmt.Fprintf(stdout, "heartbeat OK [pid %d et al] is running on %s [%s]...\n", pid, host, node)
		return exitOK
	case st == daemon.StalePID:
		fmt.Fprintln(stdout, "heartbeat is stopped. No process")
		return exitStale
	}
	fmt.Fprintln(stdout, "heartbeat is stopped. No process")
	return exitStopped
}

// kill is heartbeat -k: SIGTERM to the daemon, then wait until it is gone
// (its graceful stop releases the resources first, which may take long).
func kill(stderr io.Writer) int {
	pids := daemon.NewPidfile(runDir)
	pid, st, err := pids.Check()
	if err != nil {
		fmt.Fprintf(stderr, "heartbeat: %v\n", err)
		return exitFailure
	}
	if st != daemon.Running {
		fmt.Fprintln(stderr, "INFO: Heartbeat already stopped.")
		return exitOK
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		fmt.Fprintf(stderr, "heartbeat: signalling pid %d: %v\n", pid, err)
		return exitFailure
	}
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for range ticker.C {
		if _, st, _ := pids.Check(); st != daemon.Running {
			return exitOK
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			return exitOK
		}
	}
	return exitOK
}

// reload is heartbeat -r: SIGHUP to the running daemon, or a start.
func reload(o options, stderr io.Writer) int {
	pid, st, err := daemon.NewPidfile(runDir).Check()
	if err != nil || st != daemon.Running {
		return start(o, stderr)
	}
	// The daemon checks the files itself and keeps running on the old
	// ones if they are broken.
	cfg := config.Load(config.Options{})
	log, logs, err := daemon.StartupLog(cfg, daemon.Options{Stderr: stderr}, false)
	if err == nil {
		halog.SignallingReread(log, pid)
		logs.Close()
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		fmt.Fprintf(stderr, "heartbeat: signalling pid %d: %v\n", pid, err)
		return exitFailure
	}
	return exitOK
}
