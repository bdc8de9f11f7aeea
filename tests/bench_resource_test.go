//go:build integration && bench

package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/heartbeat-go/heartbeat-go/resource.d"
	"github.com/heartbeat-go/heartbeat-go/tests/netns"
)

// Environment of the re-executed benchmark body: the test name, and the
// loop device (attached by the parent) holding the ext4 file system.
const (
	rbChildEnv = "HBGO_RESBENCH_CHILD"
	rbLoopEnv  = "HBGO_RESBENCH_LOOP"
)

// rbRuns is how many start+stop cycles each implementation runs.
const rbRuns = 7

// TestResourceBench compares start+stop of the built-in IPaddr and
// Filesystem agents with the heartbeat 3.0.6 wrapper scripts
// /etc/ha.d/resource.d/IPaddr and /etc/ha.d/resource.d/Filesystem (which
// run the OCF agents of resource-agents), on the same machine, in the same
// network namespace (a veth on a bridge) and on the same ext4 loop device.
// Both go through resource.Resolver as the daemon runs them: the scripts
// are found under other names (symlinks in a temp resource.d), since the
// built-ins take IPaddr and Filesystem first. Runs alternate between the
// two. It prints medians and the ratio script/native; it asserts only that
// every start and stop worked (run: make bench).
func TestResourceBench(t *testing.T) {
	if os.Getenv(rbChildEnv) == t.Name() {
		rbBody(t, os.Getenv(rbLoopEnv))
		return
	}
	netns.RequireRoot(t)
	for _, p := range []string{"/etc/ha.d/resource.d/IPaddr", "/etc/ha.d/resource.d/Filesystem"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("heartbeat's script is missing (Debian package heartbeat): %v", err)
		}
	}
	img := filepath.Join(t.TempDir(), "fs.img")
	netns.Must(t, "truncate", "-s", "64M", img)
	netns.Must(t, "mkfs.ext4", "-q", "-F", img)
	loop := strings.TrimSpace(netns.Must(t, "losetup", "--find", "--show", img))
	t.Cleanup(func() {
		// Only the device this test attached.
		if out, err := exec.Command("losetup", "-d", loop).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v: %s", loop, err, out)
		}
	})

	ns := netns.New(t, "hbrb")
	sw := netns.Switch(t)
	netns.Veth(t, ns, "eth0", "10.251.0.1/24", sw, "br0")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := ns.Cmd(ctx, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), rbChildEnv+"="+t.Name(), rbLoopEnv+"="+loop)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("benchmark in namespace %s: %v\n%s", ns.Name, err, out)
	}
	fmt.Print(rbTable(string(out)))
	if pids := netns.Must(t, "ip", "netns", "pids", ns.Name); strings.TrimSpace(pids) != "" {
		// send_arp of the OCF IPaddr agent may still run; the namespace
		// cleanup kills it.
		t.Logf("processes left in namespace %s: %s", ns.Name, strings.Fields(pids))
	}
}

// rbTable returns the lines of the child's output between the markers.
func rbTable(out string) string {
	_, rest, _ := strings.Cut(out, "--- table\n")
	table, _, _ := strings.Cut(rest, "--- end\n")
	return table
}

// rbCase is one agent in its two implementations.
type rbCase struct {
	name           string
	native, script string // haresources words
}

// rbBody runs inside the namespace (and the private mount namespace ip
// netns exec gives it).
func rbBody(t *testing.T, loop string) {
	mnt := t.TempDir()
	hadir := t.TempDir()
	rd := filepath.Join(hadir, "resource.d")
	if err := os.Mkdir(rd, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"IPaddr", "Filesystem"} {
		if err := os.Symlink("/etc/ha.d/resource.d/"+name, filepath.Join(rd, name+"-script")); err != nil {
			t.Fatal(err)
		}
	}
	// A short WaitDelay: the script's time is until it exits, not until
	// its background send_arp closes the output pipe (3.0.6 sends script
	// output to a file and does not wait either).
	r := resource.NewResolver(resource.Config{HADir: hadir + "/", InitDir: t.TempDir(), WaitDelay: time.Millisecond})
	t.Cleanup(func() { _ = r.Close() })

	cases := []rbCase{
		{"IPaddr", "IPaddr::10.251.0.100/24/eth0", "IPaddr-script::10.251.0.100/24/eth0"},
		{"Filesystem", "Filesystem::" + loop + "::" + mnt + "::ext4", "Filesystem-script::" + loop + "::" + mnt + "::ext4"},
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "agent\timplementation\truns\tstart (median)\tstop (median)\tstart+stop (median)\tratio script/native\t\n")
	for _, c := range cases {
		var native, script []rbSample
		for range rbRuns {
			native = append(native, rbCycle(t, r, c.native))
			script = append(script, rbCycle(t, r, c.script))
		}
		n, s := rbMedians(native), rbMedians(script)
		fmt.Fprintf(w, "%s\tnative (Go)\t%d\t%v\t%v\t%v\t\t\n", c.name, rbRuns, n.start, n.stop, n.total)
		fmt.Fprintf(w, "%s\t/etc/ha.d/resource.d/%s\t%d\t%v\t%v\t%v\t%s\t\n", c.name, c.name, rbRuns, s.start, s.stop, s.total,
			strconv.FormatFloat(float64(s.total)/float64(n.total), 'f', 1, 64)+"x")
	}
	w.Flush()
	fmt.Print("--- table\n" + b.String() + "--- end\n")
}

// rbSample is one start+stop cycle.
type rbSample struct{ start, stop, total time.Duration }

// rbCycle resolves word, checks it is stopped, and times Start and Stop;
// each must succeed and the status must follow.
func rbCycle(t *testing.T, r *resource.Resolver, word string) rbSample {
	t.Helper()
	a, err := r.Resolve(t.Context(), word)
	if err != nil {
		t.Fatal(err)
	}
	status := func(want bool) {
		t.Helper()
		if running, err := a.Status(t.Context()); err != nil || running != want {
			t.Fatalf("%s: Status = %v, %v; want %v", word, running, err, want)
		}
	}
	status(false)
	t0 := time.Now()
	if err := a.Start(t.Context()); err != nil {
		t.Fatalf("%s: %v", word, err)
	}
	t1 := time.Now()
	status(true)
	t2 := time.Now()
	if err := a.Stop(t.Context()); err != nil {
		t.Fatalf("%s: %v", word, err)
	}
	t3 := time.Now()
	status(false)
	return rbSample{start: t1.Sub(t0), stop: t3.Sub(t2), total: t1.Sub(t0) + t3.Sub(t2)}
}

// rbMedians takes the median of each column.
func rbMedians(s []rbSample) rbSample {
	med := func(f func(rbSample) time.Duration) time.Duration {
		d := make([]time.Duration, len(s))
		for i, x := range s {
			d[i] = f(x)
		}
		slices.Sort(d)
		if len(d)%2 == 1 {
			return d[len(d)/2].Round(10 * time.Microsecond)
		}
		return ((d[len(d)/2-1] + d[len(d)/2]) / 2).Round(10 * time.Microsecond)
	}
	return rbSample{
		start: med(func(x rbSample) time.Duration { return x.start }),
		stop:  med(func(x rbSample) time.Duration { return x.stop }),
		total: med(func(x rbSample) time.Duration { return x.total }),
	}
}
