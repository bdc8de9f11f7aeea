// Package filesystem is the native Filesystem resource agent: it mounts a
// device (path, LABEL= or UUID=) on a directory, after fsck for the file
// system types the OCF Filesystem agent checks, refuses a device that is
// mounted elsewhere on this node, and on stop unmounts it, killing the
// processes that hold it (as fuser -km) with SIGTERM and then SIGKILL.
package filesystem

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// ErrMountedElsewhere means the device is already mounted on another
// directory of this node; mounting it twice would break the one-owner rule
// the cluster relies on.
var ErrMountedElsewhere = errors.New("device already mounted elsewhere")

// StopError is a stop that could not unmount: the file system may still be
// in use here, so the caller must not let another node mount it.
type StopError struct {
	Dir     string // the mount point still mounted
	Holders []int  // processes still using it at the last attempt
	Err     error  // the last unmount error
}

func (e *StopError) Error() string {
	return fmt.Sprintf("could not unmount %s (processes still using it: %v): %v", e.Dir, e.Holders, e.Err)
}

func (e *StopError) Unwrap() error { return e.Err }

// Options are the environment of an agent; the zero value uses the real
// system paths and tools.
type Options struct {
	// Proc is the procfs mount (default /proc): mountinfo comes from
	// Proc/self/mountinfo, processes from Proc/PID.
	Proc string
	// DevDisk is the udev symlink tree for LABEL= and UUID= (default
	// /dev/disk); blkid is asked when a link is missing.
	DevDisk string
	// ModulesDir is the module tree of the running kernel, read by Check
	// (default /lib/modules/RELEASE, RELEASE from Proc/sys/kernel/osrelease).
	ModulesDir string
	// Log receives the agent's messages; nil discards them.
	Log *logrus.Entry
	// Tries is the number of unmount attempts followed by SIGTERM, and
	// again by SIGKILL (default 10, or 3 with fast_stop=yes).
	Tries int
	// RetryInterval is the longest wait for signalled processes to exit
	// before the next attempt (default 1s, the agent's sleep 1).
	RetryInterval time.Duration
}

// Agent manages one mount.
type Agent struct {
	cfg  config
	args []string
	opts Options
	log  *logrus.Entry
}

// New parses device::directory[::fstype[::options]] (or the OCF
// name=value parameters) without touching the system. Errors wrap
// ErrBadArgs and name the resource.
func New(args []string, opts Options) (*Agent, error) {
	cfg, err := parseArgs(args)
	a := &Agent{cfg: cfg, args: args, opts: opts, log: opts.Log}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	if a.opts.Proc == "" {
		a.opts.Proc = "/proc"
	}
	if a.opts.DevDisk == "" {
		a.opts.DevDisk = "/dev/disk"
	}
	if a.opts.Tries <= 0 {
		a.opts.Tries = 10
		if cfg.fastStop {
			a.opts.Tries = 3
		}
	}
	if a.opts.RetryInterval <= 0 {
		a.opts.RetryInterval = time.Second
	}
	if a.log == nil {
		l := logrus.New()
		l.Out = io.Discard
		a.log = logrus.NewEntry(l)
	}
	a.log = a.log.WithField("resource", a.String())
	return a, nil
}

// String names the resource as haresources writes it.
func (a *Agent) String() string {
	return "Filesystem::" + strings.Join(a.args, "::")
}

func (a *Agent) mounts() ([]mount, error) {
	p := filepath.Join(a.opts.Proc, "self", "mountinfo")
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("reading mounts: %w", err)
	}
	defer f.Close()
	ms, err := parseMountinfo(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return ms, nil
}

// mountpoint is the directory as the kernel reports it: symlinks resolved
// when it exists.
func (a *Agent) mountpoint() string {
	if p, err := filepath.EvalSymlinks(a.cfg.dir); err == nil {
		return p
	}
	return a.cfg.dir
}

// source is the resolved device: its path and, for a block device, its
// device number (0 otherwise).
type source struct {
	path string
	rdev uint64
}

func (s source) is(m mount) bool {
	if s.rdev != 0 {
		return m.dev == s.rdev || m.source == s.path
	}
	return m.source == s.path
}

// resolve turns LABEL=/UUID= into a device path and stats it. With
// mustExist false a missing device is not an error (status, stop).
func (a *Agent) resolve(ctx context.Context, mustExist bool) (source, error) {
	sp, err := deviceSpec(a.cfg.device)
	if err != nil {
		return source{}, err
	}
	s := source{path: sp.value}
	if sp.tag != "" {
		s.path, err = a.findTagged(ctx, sp)
		if err != nil {
			if mustExist {
				return s, err
			}
			return source{path: a.cfg.device}, nil
		}
	}
	if real, err := filepath.EvalSymlinks(s.path); err == nil {
		s.path = real
	}
	var st unix.Stat_t
	switch err := unix.Stat(s.path, &st); {
	case err == nil && st.Mode&unix.S_IFMT == unix.S_IFBLK:
		s.rdev = st.Rdev
	case err != nil && mustExist && a.blockType():
		return s, fmt.Errorf("couldn't find device [%s]: %w", s.path, err)
	}
	return s, nil
}

// blockType reports whether the fstype lives on a block device.
func (a *Agent) blockType() bool {
	_, _, native := mountArgs(a.cfg.options)
	return native && !slices.Contains(virtual, a.cfg.fstype) && !strings.HasPrefix(a.cfg.fstype, "fuse")
}

// findTagged resolves LABEL=x and friends through /dev/disk/by-*, then blkid.
func (a *Agent) findTagged(ctx context.Context, sp spec) (string, error) {
	link := filepath.Join(a.opts.DevDisk, "by-"+strings.ToLower(sp.tag), sp.value)
	if _, err := os.Stat(link); err == nil {
		return link, nil
	}
	out, err := exec.CommandContext(ctx, "blkid", "-l", "-o", "device", "-t", sp.tag+"="+sp.value).Output()
	dev := strings.TrimSpace(string(out))
	if err != nil || dev == "" {
		return "", fmt.Errorf("no device with %s=%s (blkid: %v)", sp.tag, sp.value, err)
	}
	return dev, nil
}

// Status reports whether the device is mounted on the directory. Another
// device on the directory is an error.
func (a *Agent) Status(ctx context.Context) (bool, error) {
	ms, err := a.mounts()
	if err != nil {
		return false, err
	}
	mp := a.mountpoint()
	i := slices.IndexFunc(ms, func(m mount) bool { return m.mountpoint == mp })
	if i < 0 {
		return false, nil
	}
	src, err := a.resolve(ctx, false)
	if err != nil {
		return false, err
	}
	// The last mount on a directory is the visible one.
	for j := len(ms) - 1; j >= i; j-- {
		if ms[j].mountpoint == mp {
			if !src.is(ms[j]) {
				return false, fmt.Errorf("%s is mounted from %s, not %s", mp, ms[j].source, src.path)
			}
			return true, nil
		}
	}
	return false, nil
}

// Start checks and mounts the file system unless it is mounted already.
func (a *Agent) Start(ctx context.Context) error {
	if err := a.start(ctx); err != nil {
		return fmt.Errorf("%s: %w", a, err)
	}
	return nil
}

func (a *Agent) start(ctx context.Context) error {
	up, err := a.Status(ctx)
	if err != nil {
		return err
	}
	if up {
		a.log.Infof("filesystem %s is already mounted", a.cfg.dir)
		return nil
	}
	ms, err := a.mounts()
	if err != nil {
		return err
	}
	mp := a.mountpoint()
	for _, m := range ms {
		if strings.HasPrefix(m.mountpoint, mp+"/") {
			return fmt.Errorf("there is one or more mounts mounted under %s (%s)", a.cfg.dir, m.mountpoint)
		}
	}
	src, err := a.resolve(ctx, true)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if src.is(m) && (src.rdev != 0 || a.blockType()) {
			return fmt.Errorf("mounting %s on %s: %w (on %s)", src.path, a.cfg.dir, ErrMountedElsewhere, m.mountpoint)
		}
	}
	fstype := a.cfg.fstype
	if err := a.checkSupported(ctx, fstype); err != nil {
		return err
	}
	if src.rdev != 0 && a.cfg.fsckNeeded() {
		if err := a.fsck(ctx, src.path, fstype); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(a.cfg.dir, 0o755); err != nil {
		return fmt.Errorf("creating mount point: %w", err)
	}
	flags, data, native := mountArgs(a.cfg.options)
	if native && fstype == "" && src.rdev != 0 {
		if fstype, err = probeType(ctx, src.path); err != nil {
			return err
		}
	}
	if !native || fstype == "" || hasHelper(fstype) {
		return a.mount8(ctx, src.path)
	}
	if err := unix.Mount(src.path, a.cfg.dir, fstype, flags, data); err != nil {
		return fmt.Errorf("couldn't mount device [%s] as %s: %w", src.path, a.cfg.dir, err)
	}
	a.log.Infof("mounted %s on %s (%s %s)", src.path, a.cfg.dir, fstype, a.cfg.options)
	return nil
}

// checkSupported is the agent's fstype_supported: the type must be in
// /proc/filesystems, after a modprobe if need be, or have a mount helper.
func (a *Agent) checkSupported(ctx context.Context, fstype string) error {
	if !needsKernel(fstype) || a.kernelHas(fstype) {
		return nil
	}
	_ = exec.CommandContext(ctx, "modprobe", "-q", fstype).Run()
	if a.kernelHas(fstype) {
		return nil
	}
	return fmt.Errorf("unknown fstype %q: not in /proc/filesystems and no module", fstype)
}

// hasHelper reports whether mount(8) would run /sbin/mount.TYPE.
func hasHelper(fstype string) bool {
	for _, d := range []string{"/sbin", "/usr/sbin"} {
		if _, err := os.Stat(filepath.Join(d, "mount."+fstype)); err == nil {
			return true
		}
	}
	return strings.HasPrefix(fstype, "fuse")
}

func probeType(ctx context.Context, dev string) (string, error) {
	out, err := exec.CommandContext(ctx, "blkid", "-p", "-o", "value", "-s", "TYPE", dev).Output()
	t := strings.TrimSpace(string(out))
	if err != nil || t == "" {
		return "", fmt.Errorf("no file system type given and blkid finds none on %s: %v", dev, err)
	}
	return t, nil
}

// fsck runs "fsck [-t TYPE] -p DEVICE"; exit codes 0-3 (clean, corrected,
// reboot advised) pass, 4 and above fail, as in the agent.
func (a *Agent) fsck(ctx context.Context, dev, fstype string) error {
	args := []string{"-p", dev}
	if fstype != "" {
		args = append([]string{"-t", fstype}, args...)
	}
	a.log.Infof("starting filesystem check on %s", dev)
	out, err := exec.CommandContext(ctx, "fsck", args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() < 4 && ee.ExitCode() >= 0:
		a.log.Infof("fsck of %s exited %d: %s", dev, ee.ExitCode(), bytes.TrimSpace(out))
	default:
		return fmt.Errorf("couldn't successfully fsck filesystem for %s: %w: %s", dev, err, bytes.TrimSpace(out))
	}
	return nil
}

// mount8 runs mount(8) as the agent does, for what mount(2) alone cannot
// do: loop and bind mounts, network and FUSE file systems, type probing.
func (a *Agent) mount8(ctx context.Context, dev string) error {
	var args []string
	if a.cfg.fstype != "" && a.cfg.fstype != "none" {
		args = append(args, "-t", a.cfg.fstype)
	}
	if a.cfg.options != "" {
		args = append(args, "-o", a.cfg.options)
	}
	args = append(args, dev, a.cfg.dir)
	out, err := exec.CommandContext(ctx, "mount", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("couldn't mount device [%s] as %s: mount %s: %w: %s",
			dev, a.cfg.dir, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	a.log.Infof("mounted %s on %s with mount %s", dev, a.cfg.dir, strings.Join(args, " "))
	return nil
}

// Stop unmounts the directory, the mounts below it and other mounts of the
// same block device (deepest first), killing the processes that hold them.
// A stop that cannot unmount returns a *StopError.
func (a *Agent) Stop(ctx context.Context) error {
	ms, err := a.mounts()
	if err != nil {
		return fmt.Errorf("%s: %w", a, err)
	}
	mp := a.mountpoint()
	src, err := a.resolve(ctx, false)
	if err != nil {
		return fmt.Errorf("%s: %w", a, err)
	}
	mine := slices.ContainsFunc(ms, func(m mount) bool { return m.mountpoint == mp })
	if !mine {
		return nil
	}
	var targets []mount
	for _, m := range ms {
		if m.mountpoint == mp || strings.HasPrefix(m.mountpoint, mp+"/") || (src.rdev != 0 && src.is(m)) {
			if !slices.ContainsFunc(targets, func(t mount) bool { return t.mountpoint == m.mountpoint }) {
				targets = append(targets, m)
			}
		}
	}
	// Reverse order of the paths, as the agent's sort -r: children first.
	slices.SortFunc(targets, func(x, y mount) int { return strings.Compare(y.mountpoint, x.mountpoint) })
	for _, t := range targets {
		if err := a.unmount(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// unmount is the agent's fs_stop: up to Tries attempts, each failure
// followed by SIGTERM to the holders, then Tries more followed by SIGKILL.
func (a *Agent) unmount(ctx context.Context, t mount) error {
	var last error
	var held []int
	for _, sig := range []syscall.Signal{unix.SIGTERM, unix.SIGKILL} {
		for i := 0; i < a.opts.Tries; i++ {
			gone, err := a.tryUnmount(t.mountpoint)
			if gone {
				a.log.Infof("unmounted %s successfully", t.mountpoint)
				return nil
			}
			last = err
			if !a.cfg.killHolders {
				held = nil
			} else if held, err = holders(a.opts.Proc, t.dev, os.Getpid()); err != nil {
				last = errors.Join(last, err)
			}
			if ctx.Err() != nil {
				return &StopError{Dir: t.mountpoint, Holders: held, Err: errors.Join(last, ctx.Err())}
			}
			if len(held) == 0 {
				a.log.Infof("couldn't unmount %s: %v; no processes to signal", t.mountpoint, last)
				a.sleep(ctx)
				continue
			}
			a.log.Infof("couldn't unmount %s: %v; sending %v to %v", t.mountpoint, last, sig, held)
			signalAndWait(held, sig, a.opts.RetryInterval)
		}
	}
	held, _ = holders(a.opts.Proc, t.dev, os.Getpid())
	return &StopError{Dir: t.mountpoint, Holders: held, Err: last}
}

// sleep waits one retry interval or until ctx ends.
func (a *Agent) sleep(ctx context.Context) {
	t := time.NewTimer(a.opts.RetryInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// tryUnmount unmounts dir once and reports whether it is no longer a
// mount point (a stacked mount below may remain: then it is not gone).
func (a *Agent) tryUnmount(dir string) (bool, error) {
	err := unix.Unmount(dir, 0)
	if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return false, fmt.Errorf("unmounting %s: %w", dir, err)
	}
	ms, merr := a.mounts()
	if merr != nil {
		return false, merr
	}
	if slices.ContainsFunc(ms, func(m mount) bool { return m.mountpoint == dir }) {
		return false, fmt.Errorf("%s is still mounted", dir)
	}
	return true, nil
}
