//go:build integration

package tests

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
	"github.com/heartbeat-go/heartbeat-go/tests/netns"
)

// debHost is the hostname of the throw-away root, its node name in ha.cf.
const debHost = "debnode"

// debHACf names a second node that never comes: like any 3.0.6 node whose
// peer is down, debnode declares it dead after initdead and takes every
// group. (With `node debnode` alone, 3.0.6 never leaves "transition" and its
// stop then waits forever for the resource activity to finish.)
const debHACf = `logfile /var/log/ha-log
logfacility none
keepalive 1
deadtime 3
warntime 2
initdead 3
udpport 694
bcast eth0
auto_failback on
node ` + debHost + `
node debpeer
crm off
`

const debAuthkeys = "auth 1\n1 sha1 deb-install-secret\n"

// debMasked are the commands that must never run for real in the root;
// symlinks are bound through to their target inside the root.
var debMasked = []string{
	"/usr/sbin/reboot", "/usr/sbin/halt", "/usr/sbin/poweroff", "/usr/sbin/shutdown", "/usr/sbin/init",
	"/usr/bin/systemctl", "/usr/bin/pkill", "/usr/bin/pgrep", "/usr/bin/killall",
}

const debMaskStub = `#!/bin/sh
echo "MASKED: $0 $*" >> /var/log/masked-commands.log
exit 0
`

// debAnchorScript runs in a fresh mount, UTS and PID namespace inside the
// test's network namespace. It builds the throw-away root on a tmpfs over
// $DIR/mnt: each real top-level directory of the host is an overlay whose
// lower layer is the host's and whose upper layer is on that tmpfs (outside
// every lower tree), each symlink (usr-merge: /bin -> usr/bin) is copied;
// /proc is the PID namespace's own, /dev and /sys are bound, /run and /tmp
// are empty tmpfs. It masks debMasked inside the root, signals $DIR/ready
// and becomes PID 1 in the root: a bash loop, which reaps the daemon once it
// exits. Any failing step ends the anchor before anything runs in the root.
const debAnchorScript = `set -e
mount --make-rprivate /
B=$DIR/mnt
mount -t tmpfs -o mode=0755 hbgo-deb "$B"
R=$B/root
mkdir "$R" "$B/upper" "$B/work"
for d in usr etc var opt bin sbin lib lib64; do
  if [ -L "/$d" ]; then
    ln -s "$(readlink "/$d")" "$R/$d"
  elif [ -d "/$d" ]; then
    mkdir "$R/$d" "$B/upper/$d" "$B/work/$d"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$B/upper/$d,workdir=$B/work/$d" "$R/$d"
  fi
done
mkdir -m 0755 "$R/proc" "$R/dev" "$R/sys" "$R/run" "$R/root"
mkdir -m 1777 "$R/tmp"
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount --rbind /sys "$R/sys"
mount -t tmpfs -o mode=0755 hbgo-run "$R/run"
mkdir -m 1777 "$R/run/lock"
mount -t tmpfs -o mode=1777 hbgo-tmp "$R/tmp"
cp "$DIR/mask.sh" "$R/run/masked.sh"
hostname "$NODE"
chroot "$R" /bin/sh -c 'for f in $MASKED; do if [ -e "$f" ]; then mount --bind /run/masked.sh "$f"; fi; done'
: > "$DIR/ready"
exec chroot "$R" /bin/bash -c 'while :; do sleep 3600 & wait $!; done'
`

// debRoot is the running throw-away root.
type debRoot struct {
	pid  int    // its PID 1 as the host sees it
	root string // /proc/PID/root: the root's files seen from the host
}

// TestDebInstall installs the .deb for real over Debian's heartbeat 3.0.6
// in a throw-away root (overlays over the host's /usr, /etc, /var and /opt,
// in private mount, UTS, PID and network namespaces), with the lab
// configuration in /etc/ha.d: dpkg replaces heartbeat by heartbeat-go,
// /etc/ha.d stays as it was, and Debian's runbook — /etc/init.d/heartbeat
// start, cl_status, status, stop — brings the node up with its VIP and down
// again. The host's package database and files are checked unchanged.
func TestDebInstall(t *testing.T) {
	netns.RequireRoot(t)
	for _, tool := range []string{"dpkg", "dpkg-deb", "apt-get", "chroot", "ping"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the .deb install test needs %s: %v", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	bin := cluster.GoBinary(t, "heartbeat")
	debDir := t.TempDir()
	if out, err := exec.CommandContext(ctx, filepath.Join(contribDir(t), "deb/build.sh"), filepath.Dir(bin), "1.0", debDir).CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v: %s", err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(debDir, "heartbeat-go_1.0_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("build.sh made %q, want one heartbeat-go_1.0_*.deb", debs)
	}
	deb := debs[0]
	// Registered first, so it runs last: after the root is gone.
	hostPaths := debHostPaths(t, deb)
	hostBefore := debHostState(hostPaths)
	dir := t.TempDir()
	t.Cleanup(func() {
		if diff := diff(hostBefore, debHostState(hostPaths)); diff != "" {
			t.Errorf("the host changed:\n%s", diff)
		}
		mounts, _ := os.ReadFile("/proc/self/mountinfo")
		if bytes.Contains(mounts, []byte(dir)) {
			t.Errorf("a mount of the throw-away root is visible on the host:\n%s", mounts)
		}
	})

	subnet := fmt.Sprintf("10.250.%d", 1+rand.IntN(254))
	vip := subnet + ".100"
	sw := netns.Switch(t)
	node := netns.New(t, "hbdeb")
	netns.Veth(t, node, "eth0", subnet+".1/24", sw, "br0")
	client := netns.New(t, "hbdebcl")
	netns.Veth(t, client, "eth0", subnet+".250/24", sw, "br0")

	r := startDebRoot(t, ctx, node, dir)
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"var/log/ha-log", "var/log/masked-commands.log"} {
				b, _ := os.ReadFile(filepath.Join(r.root, f))
				t.Logf("/%s in the root:\n%s", f, b)
			}
		}
	})

	// The machine as an operator has it: Debian's heartbeat installed and
	// configured for this node.
	if st := r.dpkgStatus(t, ctx, "heartbeat"); st["Status"] != "install ok installed" || !strings.HasPrefix(st["Version"], "1:3.0.6") {
		t.Fatalf("Debian's heartbeat 3.0.6 is not installed in the root: %q", st)
	}
	r.sameFile(t, bin, "/usr/libexec/heartbeat/heartbeat", false)
	config := map[string]struct {
		text string
		mode os.FileMode
	}{
		"ha.cf":       {debHACf, 0o644},
		"authkeys":    {debAuthkeys, 0o600},
		"haresources": {debHost + " " + vip + "/24/eth0\n", 0o644},
	}
	for name, f := range config {
		debWrite(t, filepath.Join(r.root, "etc/ha.d", name), f.text, f.mode)
	}
	// A new machine: no node identity inherited from the host.
	for _, f := range []string{"hb_uuid", "hb_generation", "hostcache", "delhostcache", "fifo"} {
		if err := os.Remove(filepath.Join(r.root, "var/lib/heartbeat", f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	haDir := filepath.Join(r.root, "etc/ha.d")
	haBefore, err := debTree(haDir)
	if err != nil {
		t.Fatal(err)
	}

	debWrite(t, filepath.Join(r.root, "tmp", filepath.Base(deb)), string(mustRead(t, deb)), 0o644)
	// The issue's `apt-get install ./heartbeat-go_*.deb` plans exactly this
	// swap (a simulation: it changes nothing).
	out, code := r.run(ctx, "apt-get", "-s", "install", "/tmp/"+filepath.Base(deb))
	var plan []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && slices.Contains([]string{"Remv", "Inst", "Conf"}, f[0]) {
			plan = append(plan, f[0]+" "+f[1])
		}
	}
	if want := []string{"Remv heartbeat", "Inst heartbeat-go", "Conf heartbeat-go"}; code != 0 || !slices.Equal(plan, want) {
		t.Errorf("apt-get -s install: exit %d, plan %q, want %q:\n%s", code, plan, want, out)
	}
	out, code = r.run(ctx, "dpkg", "-i", "/tmp/"+filepath.Base(deb))
	if code != 0 || !strings.Contains(out, "dpkg: yes, will remove heartbeat in favour of heartbeat-go") {
		t.Fatalf("dpkg -i: exit %d:\n%s", code, out)
	}
	t.Logf("dpkg -i:\n%s", out)
	if st := r.dpkgStatus(t, ctx, "heartbeat-go"); st["Status"] != "install ok installed" || st["Version"] != "1.0" {
		t.Errorf("heartbeat-go after dpkg -i: %q", st)
	}
	// Removed, its conffiles (all of /etc/ha.d it shipped) kept.
	if st := r.dpkgStatus(t, ctx, "heartbeat"); !strings.HasSuffix(st["Status"], " config-files") {
		t.Errorf("heartbeat after dpkg -i: %q, want only its conffiles left", st)
	}
	if out, code := r.run(ctx, "dpkg", "--audit"); code != 0 || out != "" {
		t.Errorf("dpkg --audit: exit %d: %s", code, out)
	}
	// Every shipped file as packaged (dpkg records the sums at unpack).
	if sums, err := os.ReadFile(filepath.Join(r.root, "var/lib/dpkg/info/heartbeat-go.md5sums")); err != nil || !strings.Contains(string(sums), "  usr/libexec/heartbeat/heartbeat\n") {
		t.Errorf("heartbeat-go.md5sums: %v: %s", err, sums)
	}
	if out, code := r.run(ctx, "dpkg", "--verify", "heartbeat-go"); code != 0 || out != "" {
		t.Errorf("dpkg --verify heartbeat-go: exit %d: %s", code, out)
	}
	if haAfter, err := debTree(haDir); err != nil {
		t.Error(err)
	} else if diff := diff(haBefore, haAfter); diff != "" {
		t.Errorf("dpkg -i changed /etc/ha.d:\n%s", diff)
	}
	for name, f := range config {
		p := filepath.Join(haDir, name)
		b, err := os.ReadFile(p)
		fi, serr := os.Stat(p)
		if err != nil || serr != nil || string(b) != f.text || fi.Mode().Perm() != f.mode {
			t.Errorf("/etc/ha.d/%s after dpkg -i: %v %v %q", name, err, serr, b)
		}
	}
	r.sameFile(t, bin, "/usr/libexec/heartbeat/heartbeat", true)
	r.sameFile(t, filepath.Join(contribDir(t), "init.d/heartbeat"), "/etc/init.d/heartbeat", true)
	if t.Failed() {
		t.FailNow()
	}

	initd := "/etc/init.d/heartbeat"
	r.expect(t, ctx, 0, "Starting High-Availability services: Done.\n\n", initd, "start")
	if err := cluster.WaitFor(ctx, "cl_status hbstatus", func() error {
		if out, code := r.run(ctx, "cl_status", "hbstatus"); code != 0 {
			return fmt.Errorf("exit %d: %s", code, out)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := cluster.WaitFor(ctx, "the node to take its group after initdead", func() error {
		if !r.hasAddr(ctx, vip) {
			return fmt.Errorf("%s not on eth0", vip)
		}
		if out, _ := r.run(ctx, "cl_status", "rscstatus"); out != "all\n" {
			return fmt.Errorf("rscstatus %q", out)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if out, err := client.Run(ctx, "ping", "-c", "1", "-W", "2", vip); err != nil {
		t.Errorf("the VIP does not answer on the bridge: %v: %s", err, out)
	}
	pidText, err := os.ReadFile(filepath.Join(r.root, "run/heartbeat.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(pidText))
	if exe, code := r.run(ctx, "readlink", "/proc/"+pid+"/exe"); code != 0 || exe != "/usr/libexec/heartbeat/heartbeat\n" {
		t.Errorf("pid %s runs %q (exit %d), want the installed daemon", pid, exe, code)
	}
	r.expect(t, ctx, 0, "heartbeat OK [pid "+pid+" et al] is running on "+debHost+" ["+debHost+"]...\n", initd, "status")

	r.expect(t, ctx, 0, "Stopping High-Availability services: Done.\n\n", initd, "stop")
	if err := cluster.WaitFor(ctx, "the daemon to be gone", func() error {
		if _, err := os.Stat(filepath.Join(r.root, "proc", pid)); err == nil {
			return fmt.Errorf("pid %s still exists", pid)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(r.root, "run/heartbeat.pid")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pid file after stop: %v", err)
	}
	if r.hasAddr(ctx, vip) {
		t.Errorf("%s still on eth0 after stop", vip)
	}
	r.expect(t, ctx, 3, "heartbeat is stopped. No process\n", initd, "status")
	if b, err := os.ReadFile(filepath.Join(r.root, "var/log/masked-commands.log")); err == nil {
		t.Errorf("masked commands ran:\n%s", b)
	}
}

// startDebRoot starts the anchor in ns and waits until the root is ready;
// t.Cleanup kills every process in it, which takes its mounts along.
func startDebRoot(t *testing.T, ctx context.Context, ns *netns.NS, dir string) *debRoot {
	t.Helper()
	if err := os.Mkdir(filepath.Join(dir, "mnt"), 0o755); err != nil {
		t.Fatal(err)
	}
	debWrite(t, filepath.Join(dir, "mask.sh"), debMaskStub, 0o755)
	// ip netns exec execs unshare, whose forked child is the anchor. Should
	// the test binary die before its cleanups (a -timeout panic, a SIGKILL),
	// the kernel kills unshare (Pdeathsig, which fires when the creating
	// thread exits: hence the locked thread, which lives as long as the
	// test's goroutine) and unshare's death kills the anchor (--kill-child),
	// PID 1 of the root: everything in it dies and its mounts go.
	runtime.LockOSThread()
	cmd := exec.Command("ip", "netns", "exec", ns.Name,
		"unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child", "--propagation", "private", "sh", "-c", debAnchorScript)
	cmd.Env = append(os.Environ(), "DIR="+dir, "NODE="+debHost, "MASKED="+strings.Join(debMasked, " "))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// Read only once the anchor has exited (Wait has copied everything).
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	r := &debRoot{}
	t.Cleanup(func() {
		if r.pid > 0 {
			_ = syscall.Kill(r.pid, syscall.SIGKILL)
		}
		_ = cmd.Process.Kill()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Errorf("the anchor of the throw-away root did not exit")
		}
	})
	if err := cluster.WaitFor(ctx, "the throw-away root", func() error {
		select {
		case <-done:
			return fmt.Errorf("anchor exited: %s", out.String())
		default:
		}
		_, err := os.Stat(filepath.Join(dir, "ready"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(kids))
	if len(f) != 1 {
		t.Fatalf("unshare has children %q, want one anchor", kids)
	}
	if r.pid, err = strconv.Atoi(f[0]); err != nil {
		t.Fatal(err)
	}
	r.root = fmt.Sprintf("/proc/%d/root", r.pid)
	r.verifyMasks(t, ctx)
	return r
}

// run runs a command in the root (all its namespaces, its root directory)
// with a clean environment and returns its combined output and exit code;
// -1 if it could not run.
func (r *debRoot) run(ctx context.Context, name string, args ...string) (string, int) {
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{
		"-t", strconv.Itoa(r.pid), "-m", "-u", "-n", "-p", "-r", "-w", "--", name}, args...)...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LC_ALL=C"}
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	default:
		return fmt.Sprintf("%s: %v", out, err), -1
	}
}

// expect runs a command in the root and checks its exit code and output.
func (r *debRoot) expect(t *testing.T, ctx context.Context, code int, want string, name string, args ...string) {
	t.Helper()
	out, got := r.run(ctx, name, args...)
	if got != code || out != want {
		t.Errorf("%s %s: exit %d, want %d: %q, want %q", name, strings.Join(args, " "), got, code, out, want)
	}
}

// dpkgStatus returns the fields of `dpkg -s pkg` in the root.
func (r *debRoot) dpkgStatus(t *testing.T, ctx context.Context, pkg string) map[string]string {
	t.Helper()
	out, code := r.run(ctx, "dpkg-query", "-W", "-f", "${Status}\n${Version}\n", pkg)
	if code != 0 {
		t.Fatalf("dpkg-query %s: exit %d: %s", pkg, code, out)
	}
	lines := strings.SplitN(out, "\n", 3)
	return map[string]string{"Status": lines[0], "Version": lines[1]}
}

// sameFile checks whether path in the root has exactly the bytes of the
// host file want.
func (r *debRoot) sameFile(t *testing.T, want, path string, same bool) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(r.root, path))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, mustRead(t, want)) != same {
		t.Errorf("%s in the root is the same as %s: %v, want %v", path, want, !same, same)
	}
}

// hasAddr tells whether addr/24 is on the root's eth0.
func (r *debRoot) hasAddr(ctx context.Context, addr string) bool {
	out, _ := r.run(ctx, "ip", "-o", "-4", "addr", "show", "dev", "eth0")
	return strings.Contains(out, " "+addr+"/24 ")
}

// verifyMasks checks inside the root that every masked command that exists
// is the stub (same device and inode).
func (r *debRoot) verifyMasks(t *testing.T, ctx context.Context) {
	t.Helper()
	args := []string{"-L", "-c", "%d:%i %n", "/run/masked.sh"}
	for _, p := range debMasked {
		if _, err := os.Stat(filepath.Join(r.root, p)); err == nil {
			args = append(args, p)
		}
	}
	out, code := r.run(ctx, "stat", args...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != len(args)-3 {
		t.Fatalf("stat of the masked commands: exit %d: %s", code, out)
	}
	stub, _, _ := strings.Cut(lines[0], " ")
	for _, l := range lines[1:] {
		if id, p, _ := strings.Cut(l, " "); id != stub {
			t.Fatalf("%s is not masked in the root (%s, stub %s)", p, id, stub)
		}
	}
}

// debTree describes every entry under dir by its path relative to dir:
// type, mode, owner and content (a file's SHA-256, a symlink's target).
func debTree(dir string) (map[string]string, error) {
	tree := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		tree[rel], err = debDescribe(p)
		return err
	})
	return tree, err
}

// debDescribe is one line of debTree, or "absent".
func debDescribe(p string) (string, error) {
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "absent", nil
	}
	if err != nil {
		return "", err
	}
	st := fi.Sys().(*syscall.Stat_t)
	desc := fmt.Sprintf("%v %d:%d", fi.Mode(), st.Uid, st.Gid)
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		return desc + " -> " + target, err
	case fi.Mode().IsRegular():
		b, err := os.ReadFile(p)
		sum := sha256.Sum256(b)
		return desc + " " + hex.EncodeToString(sum[:]), err
	}
	return desc, nil
}

// debHostPaths are the host paths the test must leave alone: every file the
// package ships, dpkg's records of heartbeat-go, and /etc/ha.d.
func debHostPaths(t *testing.T, deb string) []string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", "--fsys-tarfile", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	tar := exec.Command("tar", "-t")
	tar.Stdin = bytes.NewReader(out)
	names, err := tar.Output()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, n := range strings.Fields(string(names)) {
		if !strings.HasSuffix(n, "/") {
			paths = append(paths, strings.TrimPrefix(n, "."))
		}
	}
	for _, suffix := range []string{"list", "md5sums", "conffiles", "postinst"} {
		paths = append(paths, "/var/lib/dpkg/info/heartbeat-go."+suffix)
	}
	return append(paths, "/etc/ha.d")
}

// debHostState describes the host paths and what dpkg says about heartbeat
// and heartbeat-go.
func debHostState(paths []string) map[string]string {
	state := map[string]string{}
	for _, p := range paths {
		if p == "/etc/ha.d" {
			tree, err := debTree(p)
			if err != nil {
				state[p] = err.Error()
			}
			for rel, desc := range tree {
				state[filepath.Join(p, rel)] = desc
			}
			continue
		}
		desc, err := debDescribe(p)
		if err != nil {
			desc = err.Error()
		}
		state[p] = desc
	}
	for _, pkg := range []string{"heartbeat", "heartbeat-go"} {
		out, err := exec.Command("dpkg", "-s", pkg).CombinedOutput()
		state["dpkg -s "+pkg] = fmt.Sprintf("%v\n%s", err, out)
	}
	return state
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// debWrite writes text to path with exactly mode (WriteFile's mode is
// umasked and ignored for an existing file).
func debWrite(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
