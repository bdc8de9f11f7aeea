//go:build integration

package tests

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
)

// runIn runs a command in node n and returns its combined output and exit
// code (-1 if it could not run).
func runIn(ctx context.Context, n *cluster.Node, name string, args ...string) (string, int) {
	out, err := n.Cmd(ctx, name, args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	return string(out) + err.Error(), -1
}

// clStamp is the variable head of cl_status's error lines.
var clStamp = regexp.MustCompile(`(?m)^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d node\d cl_status: \[\d+\]: `)

// expectOut runs a command in n and fails the test unless its output (with
// cl_status's time stamps blanked) and exit code are as given.
func expectOut(t *testing.T, ctx context.Context, n *cluster.Node, code int, want string, name string, args ...string) {
	t.Helper()
	out, got := runIn(ctx, n, name, args...)
	out = clStamp.ReplaceAllString(out, "STAMP ")
	if got != code || out != want {
		t.Errorf("%s: %s %s: exit %d, output\n%q\nwant exit %d, output\n%q", n.Name, name, strings.Join(args, " "), got, out, code, want)
	}
}

func waitRsc(t *testing.T, ctx context.Context, n *cluster.Node, clStatus, want string) {
	t.Helper()
	err := cluster.WaitFor(ctx, n.Name+" rscstatus "+want, func() error {
		out, code := runIn(ctx, n, clStatus, "rscstatus")
		if code != 0 || strings.TrimSpace(out) != want {
			return fmt.Errorf("rscstatus: exit %d, %q", code, out)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOperatorSurface runs two heartbeat-go nodes started as an operator
// would (daemonising, no -f) and checks the tools against them: the pid
// file, -s/-k/-r, every cl_status row of spec 7.1 with our cl_status and
// Debian's /usr/bin/cl_status, hb_standby/hb_takeover (ours and Debian's
// scripts) moving the group, SIGHUP with broken authkeys, a logrotate move
// of ha-log, and the tools with the daemon stopped.
func TestOperatorSurface(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	bin := cluster.GoBinary(t, "heartbeat")
	ourCl := cluster.GoBinary(t, "cl_status")
	ourStandby := cluster.GoBinary(t, "hb_standby")
	c := cluster.New(t, cluster.Options{
		Haresources: labHaresources,
		ResourceD:   map[string]string{"spectest": cluster.Spectest},
	})
	n1, n2 := c.Nodes[0], c.Nodes[1]

	// The node trees copy the host's /var/lib/heartbeat: start without a FIFO.
	if err := os.Remove(filepath.Join(n1.Dir, "lib/fifo")); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, n := range c.Nodes {
		expectOut(t, ctx, n, 3, "heartbeat is stopped. No process\n", bin, "-s")
		if out, code := runIn(ctx, n, bin); code != 0 {
			t.Fatalf("%s: start: exit %d: %s", n.Name, code, out)
		}
	}
	// A second start is refused (3.0.6 exits 0 here).
	out, code := runIn(ctx, n1, bin)
	if code != 1 || !strings.Contains(out, "info: heartbeat: already running [pid ") {
		t.Errorf("second start: exit %d: %s", code, out)
	}
	pidText, _ := n1.ReadFile("run/heartbeat.pid")
	pid := strings.TrimSpace(pidText)
	expectOut(t, ctx, n1, 0, "heartbeat OK [pid "+pid+" et al] is running on node1 [node1]...\n", bin, "-s")
	if fi, err := os.Stat(filepath.Join(n1.Dir, "run/heartbeat/register")); err != nil || fi.Mode().Perm() != 0o777 {
		t.Errorf("API socket: %v %v", fi, err)
	}
	if log, _ := n1.ReadLog(); !strings.Contains(log, "info: Creating FIFO /var/lib/heartbeat/fifo.") {
		t.Errorf("no FIFO creation line in ha-log")
	}

	waitRsc(t, ctx, n1, ourCl, "local")
	// node2 has no group of its own; like 3.0.6 it reports "local" (its
	// rsc_hold) once its start-up exchange is over.
	waitRsc(t, ctx, n2, ourCl, "local")
	if err := cluster.WaitFor(ctx, "node1 to hold its group", func() error { return holds(ctx, n1, c) }); err != nil {
		t.Fatal(err)
	}

	version := "3.0.6 (heartbeat-go "
	rows := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"hbstatus"}, 0, "Heartbeat is running on this machine.\n"},
		{[]string{"listnodes"}, 0, "node2\nnode1\n"},
		{[]string{"listnodes", "-v"}, 0, "\nnode2\tactive\t(nodetype: normal)\n\teth0\tup\n\nnode1\tactive\t(nodetype: normal)\n\teth0\tup\n"},
		{[]string{"listnodes", "-n"}, 0, "node2\nnode1\n"},
		{[]string{"listnodes", "-p"}, 0, ""},
		{[]string{"nodestatus", "node1"}, 0, "active\n"},
		{[]string{"nodestatus", "node2"}, 0, "active\n"},
		{[]string{"nodestatus", "nosuchnode"}, 11, "Error. May be due to incorrect node name\n"},
		{[]string{"nodestatus", "-m", "node2"}, 0, "The cluster node node2 is active\n"},
		{[]string{"nodetype", "node2"}, 0, "normal\n"},
		{[]string{"nodeweight", "node2"}, 0, "100\n"},
		{[]string{"nodesite", "node2"}, 0, "\n"},
		{[]string{"listhblinks", "node2"}, 0, "\teth0\n"},
		{[]string{"listhblinks", "-v", "node2"}, 0, "\teth0\tup\n"},
		{[]string{"hblinkstatus", "node2", "eth0"}, 0, "up\n"},
		{[]string{"hblinkstatus", "node2", "eth9"}, 13, "STAMP ERROR: Cannot get heartbeat link status\nSTAMP ERROR: REASON: \n"},
		{[]string{"rscstatus"}, 0, "local\n"},
		{[]string{"rscstatus", "-m"}, 0, "This node is holding local resources.\n"},
		{[]string{"clientstatus", "node2", "ipfail", "1000"}, 1, "offline\n"},
		{[]string{"hbparameter", "-p", "keepalive"}, 0, "1\n"},
		{[]string{"hbparameter", "-p", "deadtime"}, 0, "5\n"},
		{[]string{"hbparameter", "-p", "warntime"}, 0, "3\n"},
		{[]string{"hbparameter", "-p", "initdead"}, 0, "10\n"},
		{[]string{"hbparameter", "-p", "udpport"}, 0, "694\n"},
		{[]string{"hbparameter", "-p", "auto_failback"}, 0, "on\n"},
		{[]string{"hbparameter", "-p", "logfacility"}, 0, "local0\n"},
		{[]string{"hbparameter", "-p", "node"}, 1, "STAMP ERROR: Cannot get parameter node's value\nSTAMP ERROR: REASON: \n"},
		{[]string{"hbparameter", "-p", "nosuch"}, 1, "STAMP ERROR: Cannot get parameter nosuch's value\nSTAMP ERROR: REASON: \n"},
		{[]string{"hbparameter", "-m", "-p", "deadtime"}, 0, "Heartbeat parameter deadtime's value: 5\n"},
		{[]string{"bogus"}, 11, "STAMP ERROR: bogus: invalid sub-command.\n"},
	}
	for _, cl := range []string{ourCl, "/usr/bin/cl_status"} {
		for _, r := range rows {
			expectOut(t, ctx, n1, r.code, r.want, cl, r.args...)
		}
		for _, args := range [][]string{{"hbparameter", "-p", "hbversion"}, {"hbstatus", "-v"}} {
			out, code := runIn(ctx, n1, cl, args...)
			if code != 0 || !strings.Contains(out, version) {
				t.Errorf("%s %v: exit %d: %q", cl, args, code, out)
			}
		}
	}

	// hb_standby (ours) moves the group to node2; Debian's hb_takeover
	// script, writing the FIFO itself, brings it back.
	mark := n1.LogMark()
	if out, code := runIn(ctx, n1, ourStandby); code != 0 || !strings.Contains(out, "Going standby [all].") {
		t.Fatalf("hb_standby: exit %d: %s", code, out)
	}
	if err := n1.WaitLogSince(ctx, mark, "node1 wants to go standby [all]"); err != nil {
		t.Fatal(err)
	}
	// As 3.0.6, node2 now holds "all" (it has no local groups of its own).
	waitRsc(t, ctx, n2, ourCl, "all")
	waitRsc(t, ctx, n1, "/usr/bin/cl_status", "none")
	if err := cluster.WaitFor(ctx, "node2 to hold the group", func() error { return holds(ctx, n2, c) }); err != nil {
		t.Fatal(err)
	}
	if out, code := runIn(ctx, n1, "/usr/share/heartbeat/hb_takeover"); code != 0 {
		t.Fatalf("Debian hb_takeover: exit %d: %s", code, out)
	}
	// As in 3.0.6's capture 04, node1 now holds "all".
	waitRsc(t, ctx, n1, ourCl, "all")
	if err := cluster.WaitFor(ctx, "node1 to hold the group", func() error { return holds(ctx, n1, c) }); err != nil {
		t.Fatal(err)
	}

	// SIGHUP (heartbeat -r) with a broken authkeys keeps the daemon and its keys.
	good, _ := n1.ReadFile("ha.d/authkeys")
	if err := os.WriteFile(filepath.Join(n1.Dir, "ha.d/authkeys"), []byte("auth 9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mark = n1.LogMark()
	if out, code := runIn(ctx, n1, bin, "-r"); code != 0 || !strings.Contains(out, "info: Signalling heartbeat pid "+pid+" to reread config files") {
		t.Errorf("heartbeat -r: exit %d: %s", code, out)
	}
	if err := n1.WaitLogSince(ctx, mark, "Authentication reparsing error"); err != nil {
		t.Error(err)
	}
	if err := os.WriteFile(filepath.Join(n1.Dir, "ha.d/authkeys"), []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	expectOut(t, ctx, n1, 0, "heartbeat OK [pid "+pid+" et al] is running on node1 [node1]...\n", bin, "-s")
	expectOut(t, ctx, n1, 0, "active\n", ourCl, "nodestatus", "node2")

	// logrotate moves ha-log: the next line starts a new ha-log.
	if err := os.Rename(filepath.Join(n1.Dir, "log/ha-log"), filepath.Join(n1.Dir, "log/ha-log.1")); err != nil {
		t.Fatal(err)
	}
	if out, code := runIn(ctx, n1, bin, "-r"); code != 0 {
		t.Errorf("heartbeat -r: exit %d: %s", code, out)
	}
	if err := n1.WaitLog(ctx, "info: Rereading authentication file."); err != nil {
		t.Error(err)
	}

	// Graceful stop: the group moves at once, the pid file goes.
	if out, code := runIn(ctx, n1, bin, "-k"); code != 0 {
		t.Errorf("heartbeat -k: exit %d: %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(n1.Dir, "run/heartbeat.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file after a clean stop: %v", err)
	}
	expectOut(t, ctx, n1, 3, "heartbeat is stopped. No process\n", bin, "-s")
	expectOut(t, ctx, n1, 0, "INFO: Heartbeat already stopped.\n", bin, "-k")
	waitRsc(t, ctx, n2, ourCl, "all")
	if err := n2.WaitLog(ctx, "node node1: is dead"); err != nil { // after deadtime, as 3.0.6
		t.Error(err)
	}
	expectOut(t, ctx, n2, 1, "dead\n", "/usr/bin/cl_status", "nodestatus", "node1")

	// With no daemon the tools answer at once.
	expectOut(t, ctx, n1, 1, "Heartbeat is stopped on this machine.\n", ourCl, "hbstatus")
	for _, cl := range []string{ourCl, "/usr/bin/cl_status"} {
		expectOut(t, ctx, n1, 1, "STAMP ERROR: Cannot signon with heartbeat\nSTAMP ERROR: REASON: hb_api_signon: Can't initiate connection to heartbeat\n", cl, "rscstatus")
	}
	began := time.Now()
	out, code = runIn(ctx, n1, ourStandby)
	if code == 0 || !strings.Contains(out, "heartbeat is not running") || time.Since(began) > 5*time.Second {
		t.Errorf("hb_standby without daemon: exit %d after %v: %s", code, time.Since(began), out)
	}

	// A stale pid file (pid 1 of the node is the anchor, not heartbeat).
	if err := os.WriteFile(filepath.Join(n1.Dir, "run/heartbeat.pid"), []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	expectOut(t, ctx, n1, 1, "heartbeat is stopped. No process\n", bin, "-s")
	if out, code := runIn(ctx, n1, bin); code != 0 {
		t.Fatalf("start over a stale pid file: exit %d: %s", code, out)
	}
	if pidText, _ := n1.ReadFile("run/heartbeat.pid"); strings.TrimSpace(pidText) == "1" {
		t.Error("stale pid file not replaced")
	}
	waitRsc(t, ctx, n1, ourCl, "local")
}
