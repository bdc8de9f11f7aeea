//go:build integration

package tests

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/resource.d/filesystem"
	"github.com/heartbeat-go/heartbeat-go/tests/netns"
)

// fsLoopDev makes a 32 MiB image in a temp dir, formats it with mkfs.TYPE
// and the label, attaches it to a loop device and returns the device.
func fsLoopDev(t *testing.T, fstype, label string) string {
	t.Helper()
	netns.RequireRoot(t)
	img := filepath.Join(t.TempDir(), "fs.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 32<<20); err != nil {
		t.Fatal(err)
	}
	netns.Must(t, "mkfs."+fstype, "-q", "-F", "-L", label, img)
	dev := strings.TrimSpace(netns.Must(t, "losetup", "-f", "--show", img))
	t.Cleanup(func() { _ = exec.Command("losetup", "-d", dev).Run() })
	return dev
}

// fsMountDir returns a fresh directory that is unmounted (lazily, in case a
// test failed half-way) when the test ends.
func fsMountDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "mnt")
	t.Cleanup(func() {
		for exec.Command("umount", "-l", d).Run() == nil {
		}
	})
	return d
}

func fsNewAgent(t *testing.T, opts filesystem.Options, args ...string) *filesystem.Agent {
	t.Helper()
	a, err := filesystem.New(args, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// fsMountLine returns the /proc/self/mountinfo line for dir, or "".
func fsMountLine(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == dir {
			return l
		}
	}
	return ""
}

// fsHolder starts a process that keeps a file in dir open (and, with cwd,
// its working directory in dir) and returns a channel with its exit error.
func fsHolder(t *testing.T, dir string, cwd bool) (*exec.Cmd, chan error) {
	t.Helper()
	cmd := exec.Command("sh", "-c", `exec 3>"$0/held.$$"; exec sleep 600`, dir)
	if cwd {
		cmd = exec.Command("sleep", "600")
		cmd.Dir = dir
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	exited := make(chan struct{})
	go func() { done <- cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	// Wait until sh has opened the file and exec'd sleep.
	vipWaitFor(t, "the holder to open its file", func() bool {
		exe, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "exe"))
		return strings.HasSuffix(exe, "/sleep")
	})
	return cmd, done
}

func TestFilesystemMountStopKillsHolders(t *testing.T) {
	dev := fsLoopDev(t, "ext4", "hb"+netns.Suffix())
	dir := fsMountDir(t)
	a := fsNewAgent(t, filesystem.Options{Tries: 3, RetryInterval: 2 * time.Second}, dev, dir, "ext4", "noatime,nodev,errors=remount-ro")
	ctx := t.Context()

	if up, err := a.Status(ctx); err != nil || up {
		t.Fatalf("Status before start = %v, %v", up, err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	line := fsMountLine(t, dir)
	if !regexp.MustCompile(` rw,nodev,noatime( \S+)* - ext4 ` + regexp.QuoteMeta(dev) + ` rw,.*errors=remount-ro`).MatchString(line) {
		t.Fatalf("mountinfo line %q: want ext4 from %s with nodev,noatime and errors=remount-ro", line, dev)
	}
	if up, err := a.Status(ctx); err != nil || !up {
		t.Fatalf("Status after start = %v, %v", up, err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(mi), " "+dir+" "); n != 1 {
		t.Fatalf("%s mounted %d times after a second start", dir, n)
	}

	_, fdDone := fsHolder(t, dir, false)
	_, cwdDone := fsHolder(t, dir, true)
	began := time.Now()
	if err := a.Stop(ctx); err != nil {
		t.Fatalf("Stop with holders: %v", err)
	}
	t.Logf("stop with two holders (killed by SIGTERM) took %v", time.Since(began))
	for name, done := range map[string]chan error{"open-file holder": fdDone, "cwd holder": cwdDone} {
		select {
		case err := <-done:
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.String() != "signal: terminated" {
				t.Errorf("%s ended with %v, want killed by SIGTERM", name, err)
			}
		default:
			t.Errorf("%s still runs after stop", name)
		}
	}
	if l := fsMountLine(t, dir); l != "" {
		t.Fatalf("still mounted after stop: %s", l)
	}
	if up, err := a.Status(ctx); err != nil || up {
		t.Fatalf("Status after stop = %v, %v", up, err)
	}
	if err := a.Stop(ctx); err != nil {
		t.Fatalf("stopping an unmounted filesystem: %v", err)
	}
}

func TestFilesystemRefusesDoubleMountAndResolvesTags(t *testing.T) {
	label := "hb" + netns.Suffix()
	dev := fsLoopDev(t, "ext4", label)
	uuid := strings.TrimSpace(netns.Must(t, "blkid", "-p", "-o", "value", "-s", "UUID", dev))
	dir1, dir2 := fsMountDir(t), fsMountDir(t)

	a := fsNewAgent(t, filesystem.Options{}, "UUID="+uuid, dir1, "ext4")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(t.Context()) })
	if l := fsMountLine(t, dir1); !strings.Contains(l, " "+dev+" ") {
		t.Fatalf("UUID=%s mounted as %q, want %s", uuid, l, dev)
	}
	for _, args := range [][]string{{dev, dir2, "ext4"}, {"LABEL=" + label, dir2}} {
		b := fsNewAgent(t, filesystem.Options{}, args...)
		err := b.Start(t.Context())
		if !errors.Is(err, filesystem.ErrMountedElsewhere) {
			t.Errorf("second mount %q = %v, want ErrMountedElsewhere", args, err)
		}
		if l := fsMountLine(t, dir2); l != "" {
			t.Errorf("second mount %q happened: %s", args, l)
		}
	}
}

func TestFilesystemFsckDirtyExt2(t *testing.T) {
	for _, tc := range []struct {
		runFsck string
		checked bool
	}{{"auto", true}, {"no", false}} {
		t.Run("run_fsck="+tc.runFsck, func(t *testing.T) {
			dev := fsLoopDev(t, "ext2", "hb"+netns.Suffix())
			// Not clean, last checked in 2000: fsck -p must check it.
			netns.Must(t, "debugfs", "-w", "-R", "ssv state 0", dev)
			netns.Must(t, "debugfs", "-w", "-R", "ssv lastcheck 20000101", dev)
			dir := fsMountDir(t)
			a := fsNewAgent(t, filesystem.Options{}, "device="+dev, "directory="+dir, "fstype=ext2", "run_fsck="+tc.runFsck)
			if err := a.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := a.Stop(t.Context()); err != nil {
				t.Fatal(err)
			}
			out := netns.Must(t, "dumpe2fs", "-h", dev)
			m := regexp.MustCompile(`(?m)^Last checked:\s+(.*)$`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no Last checked in dumpe2fs output:\n%s", out)
			}
			if checked := !strings.Contains(m[1], "2000"); checked != tc.checked {
				t.Errorf("Last checked %q: fsck ran = %v, want %v", m[1], checked, tc.checked)
			}
		})
	}
}

func TestFilesystemStopFailureIsReported(t *testing.T) {
	dev := fsLoopDev(t, "ext4", "hb"+netns.Suffix())
	dir := fsMountDir(t)
	a := fsNewAgent(t, filesystem.Options{Tries: 1, RetryInterval: 50 * time.Millisecond},
		"device="+dev, "directory="+dir, "fstype=ext4", "force_unmount=no")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	cmd, _ := fsHolder(t, dir, true)
	err := a.Stop(t.Context())
	var se *filesystem.StopError
	if !errors.As(err, &se) || se.Dir != dir || len(se.Holders) != 1 || se.Holders[0] != cmd.Process.Pid {
		t.Fatalf("Stop = %v, want a StopError for %s naming holder %d", err, dir, cmd.Process.Pid)
	}
	if up, err := a.Status(t.Context()); err != nil || !up {
		t.Fatalf("Status after a failed stop = %v, %v; want still mounted", up, err)
	}
}

func TestFilesystemLoopOptionUsesMount8(t *testing.T) {
	netns.RequireRoot(t)
	img := filepath.Join(t.TempDir(), "loop.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 32<<20); err != nil {
		t.Fatal(err)
	}
	netns.Must(t, "mkfs.ext4", "-q", "-F", img)
	dir := fsMountDir(t)
	a := fsNewAgent(t, filesystem.Options{}, img, dir, "ext4", "loop,ro")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if l := fsMountLine(t, dir); !strings.Contains(l, " ro,") || !strings.Contains(l, "/dev/loop") {
		t.Fatalf("mountinfo %q: want a read-only loop mount", l)
	}
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if l := fsMountLine(t, dir); l != "" {
		t.Fatalf("still mounted: %s", l)
	}
}
