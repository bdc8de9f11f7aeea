//go:build integration

package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
)

// contribDir is the repository's contrib/ seen from tests/.
func contribDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("../contrib")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestInitScript drives contrib/init.d/heartbeat with our daemon bound over
// /usr/libexec/heartbeat/heartbeat inside the nodes (their mount
// namespaces only): the texts and exit codes of spec 7.5.
func TestInitScript(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bin := cluster.GoBinary(t, "heartbeat")
	script := filepath.Join(contribDir(t), "init.d/heartbeat")
	c := cluster.New(t, cluster.Options{
		Haresources: labHaresources,
		ResourceD:   map[string]string{"spectest": cluster.Spectest},
	})
	n1, n2 := c.Nodes[0], c.Nodes[1]
	for _, n := range c.Nodes {
		for _, m := range [][2]string{{bin, cluster.RealHeartbeat}, {script, "/etc/init.d/heartbeat"}} {
			if _, err := n.Exec(ctx, "mount", "--bind", m[0], m[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	initd := "/etc/init.d/heartbeat"
	expectOut(t, ctx, n1, 3, "heartbeat is stopped. No process\n", initd, "status")
	for _, n := range c.Nodes {
		expectOut(t, ctx, n, 0, "Starting High-Availability services: Done.\n\n", initd, "start")
	}
	expectOut(t, ctx, n1, 0, "Starting High-Availability services: Done.\n\n", initd, "start")
	if _, err := os.Stat(filepath.Join(n1.Dir, "run/lock/subsys/heartbeat")); err != nil {
		t.Errorf("lock file: %v", err)
	}
	pid, _ := n1.ReadFile("run/heartbeat.pid")
	expectOut(t, ctx, n1, 0, "heartbeat OK [pid "+strings.TrimSpace(pid)+" et al] is running on node1 [node1]...\n", initd, "status")
	if err := cluster.WaitFor(ctx, "node1 to hold its group", func() error { return holds(ctx, n1, c) }); err != nil {
		t.Fatal(err)
	}
	// As 3.0.6: heartbeat -r prints its signalling line between the two.
	out, code := runIn(ctx, n1, initd, "reload")
	if code != 0 || !strings.HasPrefix(out, "Reloading High-Availability services: ") ||
		!strings.HasSuffix(out, "info: Signalling heartbeat pid "+strings.TrimSpace(pid)+" to reread config files\nDone.\n\n") {
		t.Errorf("reload: exit %d: %q", code, out)
	}

	began := time.Now()
	out, code = runIn(ctx, n1, initd, "restart")
	want := "Stopping High-Availability services: Done.\n\nWaiting to allow resource takeover to complete:Done.\n\nStarting High-Availability services: Done.\n\n"
	if code != 0 || out != want || time.Since(began) < 15*time.Second {
		t.Errorf("restart: exit %d after %v: %q", code, time.Since(began), out)
	}
	if err := cluster.WaitFor(ctx, "node1 to hold its group again", func() error { return holds(ctx, n1, c) }); err != nil {
		t.Fatal(err)
	}

	expectOut(t, ctx, n1, 0, "Stopping High-Availability services: Done.\n\n", initd, "stop")
	expectOut(t, ctx, n1, 3, "heartbeat is stopped. No process\n", initd, "status")
	expectOut(t, ctx, n1, 0, "Stopping High-Availability services: Done.\n\n", initd, "stop")
	if err := cluster.WaitFor(ctx, "node2 to take the group", func() error { return holds(ctx, n2, c) }); err != nil {
		t.Fatal(err)
	}
	expectOut(t, ctx, n1, 1, "Usage: /etc/init.d/heartbeat {start|stop|status|restart|reload|force-reload}\n", initd, "bogus")
	expectOut(t, ctx, n2, 0, "Stopping High-Availability services: Done.\n\n", initd, "stop")
}

// TestPackaging builds the .deb and checks that it replaces Debian's
// heartbeat (dpkg --dry-run against this machine's database, which has
// heartbeat 3.0.6 installed), and verifies the systemd unit.
func TestPackaging(t *testing.T) {
	dir := os.Getenv("HBGO_BIN")
	cluster.GoBinary(t, "heartbeat")
	out := t.TempDir()
	if b, err := exec.Command(filepath.Join(contribDir(t), "deb/build.sh"), dir, "1.0", out).CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v: %s", err, b)
	}
	deb := filepath.Join(out, "heartbeat-go_1.0_amd64.deb")
	info, err := exec.Command("dpkg-deb", "--field", deb, "Provides", "Conflicts", "Replaces").CombinedOutput()
	if err != nil || string(info) != "Provides: heartbeat\nConflicts: heartbeat\nReplaces: heartbeat\n" {
		t.Errorf("control fields: %v: %q", err, info)
	}
	contents, err := exec.Command("dpkg-deb", "--contents", deb).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"./usr/libexec/heartbeat/heartbeat", "./usr/bin/cl_status", "./usr/share/heartbeat/hb_standby",
		"./usr/share/heartbeat/hb_takeover", "./etc/init.d/heartbeat", "./lib/systemd/system/heartbeat.service",
		"./etc/logrotate.d/heartbeat", "./etc/default/heartbeat"} {
		if !strings.Contains(string(contents), " "+p+"\n") {
			t.Errorf("%s missing from the package", p)
		}
	}
	if strings.Contains(string(contents), "./etc/ha.d") {
		t.Error("the package ships files in /etc/ha.d")
	}
	dry, _ := exec.Command("dpkg", "--dry-run", "-i", deb).CombinedOutput()
	if !strings.Contains(string(dry), "will remove heartbeat in favour of heartbeat-go") {
		t.Errorf("dpkg --dry-run -i: %s", dry)
	}
	if b, err := exec.Command("systemd-analyze", "verify", filepath.Join(contribDir(t), "systemd/heartbeat.service")).CombinedOutput(); err != nil || strings.Contains(string(b), "heartbeat.service") {
		t.Errorf("systemd-analyze verify: %v: %s", err, b)
	}
}
