package filesystem

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/heartbeat-go/heartbeat-go/resource.d/ocfarg"
	"golang.org/x/sys/unix"
)

// ErrBadArgs is wrapped by every argument error.
var ErrBadArgs = errors.New("bad arguments")

// Values of run_fsck.
const (
	fsckAuto  = "auto"
	fsckForce = "force"
	fsckNo    = "no"
)

// config is one parsed Filesystem resource.
type config struct {
	device  string // as given: /dev/sdb1, LABEL=x, UUID=y, host:/export
	dir     string // absolute, without trailing slashes
	fstype  string // "" = probe
	options string // comma-separated mount options as for mount -o
	runFsck string
	// fastStop picks the OCF agent's stop budget: 6 s (yes) or, the
	// Debian default, the 20 s operation timeout; one unmount attempt a
	// second, the first half followed by SIGTERM, the second by SIGKILL.
	fastStop bool
	// killHolders is force_unmount: kill the processes using the mount.
	killHolders bool
}

var namedKeys = []string{"device", "directory", "fstype", "options", "run_fsck", "force_unmount", "fast_stop"}

// parseArgs reads device::directory[::fstype[::options]] as the heartbeat
// wrapper /etc/ha.d/resource.d/Filesystem does, or name=value arguments
// with the OCF agent's parameter names when the first argument is one.
func parseArgs(args []string) (config, error) {
	c := config{runFsck: fsckAuto, killHolders: true}
	vals := map[string]string{}
	if len(args) > 0 && isNamed(args[0]) {
		for _, a := range args {
			k, v, ok := strings.Cut(a, "=")
			if !ok || !slices.Contains(namedKeys, k) {
				return c, fmt.Errorf("%w: %q: want one of %s as name=value", ErrBadArgs, a, strings.Join(namedKeys, ", "))
			}
			if _, dup := vals[k]; dup {
				return c, fmt.Errorf("%w: parameter %q given twice", ErrBadArgs, k)
			}
			vals[k] = v
		}
	} else {
		if len(args) < 2 || len(args) > 4 {
			return c, fmt.Errorf("%w: want device::directory[::fstype[::options]], got %d arguments", ErrBadArgs, len(args))
		}
		for i, a := range args {
			vals[namedKeys[i]] = a
		}
	}
	return c, c.apply(vals)
}

func isNamed(a string) bool {
	k, _, ok := strings.Cut(a, "=")
	return ok && slices.Contains(namedKeys, k)
}

func (c *config) apply(vals map[string]string) error {
	c.device = strings.TrimSpace(vals["device"])
	if c.device == "" {
		return fmt.Errorf("%w: missing device", ErrBadArgs)
	}
	if _, err := deviceSpec(c.device); err != nil {
		return err
	}
	dir := vals["directory"]
	if dir == "" {
		return fmt.Errorf("%w: missing directory", ErrBadArgs)
	}
	if !path.IsAbs(dir) {
		return fmt.Errorf("%w: directory %q is not an absolute path", ErrBadArgs, dir)
	}
	c.dir = path.Clean(dir)
	c.fstype = vals["fstype"]
	for _, r := range c.fstype {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return fmt.Errorf("%w: unknown fstype %q", ErrBadArgs, c.fstype)
		}
	}
	c.options = vals["options"]
	if strings.ContainsAny(c.options, " \t\n") {
		return fmt.Errorf("%w: blank in options %q", ErrBadArgs, c.options)
	}
	if v, ok := vals["run_fsck"]; ok && v != "" {
		switch v {
		case fsckAuto, fsckForce, fsckNo:
			c.runFsck = v
		default:
			return fmt.Errorf("%w: run_fsck %q: want auto, force or no", ErrBadArgs, v)
		}
	}
	if v, ok := vals["force_unmount"]; ok && v != "safe" {
		b, err := ocfarg.Bool(v)
		if err != nil {
			return fmt.Errorf("%w: force_unmount: %w", ErrBadArgs, err)
		}
		c.killHolders = b
	}
	if v, ok := vals["fast_stop"]; ok {
		b, err := ocfarg.Bool(v)
		if err != nil {
			return fmt.Errorf("%w: fast_stop: %w", ErrBadArgs, err)
		}
		c.fastStop = b
	}
	return nil
}

// spec is a device given by a tag (LABEL=, UUID=, -L, --uuid=...).
type spec struct {
	tag   string // LABEL, UUID, PARTLABEL, PARTUUID; "" for a path
	value string
}

// deviceSpec splits a tagged device. mount(8) takes LABEL=, UUID=,
// PARTLABEL=, PARTUUID=; the OCF agent also takes -L/-U/--label/--uuid.
func deviceSpec(d string) (spec, error) {
	for _, t := range []struct{ prefix, tag string }{
		{"LABEL=", "LABEL"}, {"UUID=", "UUID"}, {"PARTLABEL=", "PARTLABEL"}, {"PARTUUID=", "PARTUUID"},
		{"--label=", "LABEL"}, {"--uuid=", "UUID"}, {"--label ", "LABEL"}, {"--uuid ", "UUID"},
		{"-L", "LABEL"}, {"-U", "UUID"},
	} {
		if v, ok := strings.CutPrefix(d, t.prefix); ok {
			v = strings.Trim(strings.TrimSpace(v), `"`)
			if v == "" || strings.ContainsAny(v, "/\x00") {
				return spec{}, fmt.Errorf("%w: device %q: bad %s", ErrBadArgs, d, t.tag)
			}
			return spec{tag: t.tag, value: v}, nil
		}
	}
	if strings.HasPrefix(d, "-") {
		return spec{}, fmt.Errorf("%w: device %q", ErrBadArgs, d)
	}
	return spec{value: d}, nil
}

// mountFlags are the mount(8) options that are MS_* flags; the second
// value says whether the option sets (true) or clears the flag.
var mountFlags = map[string]struct {
	flag uintptr
	set  bool
}{
	"ro": {unix.MS_RDONLY, true}, "rw": {unix.MS_RDONLY, false},
	"nosuid": {unix.MS_NOSUID, true}, "suid": {unix.MS_NOSUID, false},
	"nodev": {unix.MS_NODEV, true}, "dev": {unix.MS_NODEV, false},
	"noexec": {unix.MS_NOEXEC, true}, "exec": {unix.MS_NOEXEC, false},
	"sync": {unix.MS_SYNCHRONOUS, true}, "async": {unix.MS_SYNCHRONOUS, false},
	"dirsync": {unix.MS_DIRSYNC, true},
	"noatime": {unix.MS_NOATIME, true}, "atime": {unix.MS_NOATIME, false},
	"nodiratime": {unix.MS_NODIRATIME, true}, "diratime": {unix.MS_NODIRATIME, false},
	"relatime": {unix.MS_RELATIME, true}, "norelatime": {unix.MS_RELATIME, false},
	"strictatime": {unix.MS_STRICTATIME, true}, "nostrictatime": {unix.MS_STRICTATIME, false},
	"lazytime": {unix.MS_LAZYTIME, true}, "nolazytime": {unix.MS_LAZYTIME, false},
	"mand": {unix.MS_MANDLOCK, true}, "nomand": {unix.MS_MANDLOCK, false},
	"silent": {unix.MS_SILENT, true}, "loud": {unix.MS_SILENT, false},
}

// userspaceOnly are fstab options mount(8) consumes itself.
var userspaceOnly = []string{"defaults", "auto", "noauto", "user", "nouser", "users", "owner", "group", "nofail", "_netdev"}

// needsMount8 are options only mount(8) and its helpers implement.
var needsMount8 = []string{"loop", "bind", "rbind", "remount", "move", "uhelper", "helper", "offset", "sizelimit", "encryption"}

// mountArgs turns an options string into mount(2) flags and data. ok is
// false when the options need mount(8) (loop devices, bind mounts, ...).
func mountArgs(options string) (flags uintptr, data string, ok bool) {
	var rest []string
	for _, o := range strings.Split(options, ",") {
		name, _, _ := strings.Cut(o, "=")
		switch {
		case o == "":
		case slices.Contains(needsMount8, name):
			return 0, "", false
		case slices.Contains(userspaceOnly, o), strings.HasPrefix(o, "x-"), strings.HasPrefix(o, "comment="):
		default:
			if f, known := mountFlags[o]; known {
				if f.set {
					flags |= f.flag
				} else {
					flags &^= f.flag
				}
				continue
			}
			rest = append(rest, o)
		}
	}
	return flags, strings.Join(rest, ","), true
}

// journaled lists the types the OCF agent does not fsck with run_fsck=auto
// (journaled, network and virtual file systems).
var journaled = []string{
	"ext4", "ext4dev", "ext3", "reiserfs", "reiser4", "nss", "xfs", "jfs", "vfat", "fat", "nfs4", "nfs", "efs",
	"cifs", "smbfs", "ocfs2", "gfs2", "none", "lustre", "glusterfs", "ceph", "tmpfs", "overlay", "overlayfs",
	"rozofs", "zfs", "cvfs",
}

// fsckNeeded is is_fsck_needed of the OCF agent: an empty fstype is
// checked too (fsck finds the type).
func (c config) fsckNeeded() bool {
	switch c.runFsck {
	case fsckForce:
		return true
	case fsckNo:
		return false
	}
	return !slices.Contains(journaled, c.fstype)
}

// virtual lists types whose source is not a block device.
var virtual = []string{
	"nfs4", "nfs", "efs", "smbfs", "cifs", "glusterfs", "ceph", "tmpfs", "overlay", "overlayfs", "rozofs",
	"zfs", "cvfs", "none", "lustre",
}
