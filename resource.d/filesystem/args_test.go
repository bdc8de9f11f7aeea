package filesystem

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseArgs(t *testing.T) {
	base := config{runFsck: fsckAuto, killHolders: true}
	with := func(f func(*config)) config { c := base; f(&c); return c }
	tests := []struct {
		name string
		args []string
		want config
	}{
		{"device and dir", []string{"/dev/sdb1", "/data"}, with(func(c *config) { c.device, c.dir = "/dev/sdb1", "/data" })},
		{"fstype", []string{"/dev/drbd1", "/data/", "ext4"}, with(func(c *config) { c.device, c.dir, c.fstype = "/dev/drbd1", "/data", "ext4" })},
		{"options", []string{"/dev/drbd1", "/data", "ext2", "noatime,errors=remount-ro"},
			with(func(c *config) {
				c.device, c.dir, c.fstype, c.options = "/dev/drbd1", "/data", "ext2", "noatime,errors=remount-ro"
			})},
		{"label", []string{"LABEL=web", "/srv/www", "ext4"}, with(func(c *config) { c.device, c.dir, c.fstype = "LABEL=web", "/srv/www", "ext4" })},
		{"uuid", []string{"UUID=0b1e-77", "/srv"}, with(func(c *config) { c.device, c.dir = "UUID=0b1e-77", "/srv" })},
		{"named", []string{"device=/dev/sdc1", "directory=/mnt/x", "fstype=xfs", "run_fsck=force", "force_unmount=no", "fast_stop=yes"},
			with(func(c *config) {
				c.device, c.dir, c.fstype, c.runFsck, c.killHolders, c.fastStop = "/dev/sdc1", "/mnt/x", "xfs", fsckForce, false, true
			})},
		{"force_unmount safe", []string{"device=/dev/sdc1", "directory=/mnt/x", "force_unmount=safe"},
			with(func(c *config) { c.device, c.dir = "/dev/sdc1", "/mnt/x" })},
		{"nfs", []string{"server:/export", "/mnt/nfs", "nfs4", "vers=4.2"},
			with(func(c *config) {
				c.device, c.dir, c.fstype, c.options = "server:/export", "/mnt/nfs", "nfs4", "vers=4.2"
			})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseArgs(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("parseArgs(%q)\n got %+v\nwant %+v", tc.args, got, tc.want)
			}
		})
	}
}

func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"none", nil, "got 0 arguments"},
		{"device only", []string{"/dev/sdb1"}, "got 1 arguments"},
		{"five", []string{"/dev/a", "/b", "ext4", "ro", "x"}, "got 5 arguments"},
		{"relative dir", []string{"/dev/sdb1", "data"}, "not an absolute path"},
		{"empty dir", []string{"/dev/sdb1", ""}, "missing directory"},
		{"empty device", []string{"", "/data"}, "missing device"},
		{"bad fstype", []string{"/dev/sdb1", "/data", "Ext4!"}, `unknown fstype "Ext4!"`},
		{"empty label", []string{"LABEL=", "/data"}, "bad LABEL"},
		{"dash device", []string{"-x", "/data"}, `device "-x"`},
		{"blank in options", []string{"/dev/a", "/b", "ext4", "ro, noatime"}, "blank in options"},
		{"run_fsck", []string{"device=/dev/a", "directory=/b", "run_fsck=sometimes"}, "run_fsck"},
		{"unknown named", []string{"device=/dev/a", "directory=/b", "colour=red"}, "want one of"},
		{"named twice", []string{"device=/dev/a", "device=/dev/b", "directory=/b"}, "given twice"},
		{"bool", []string{"device=/dev/a", "directory=/b", "fast_stop=perhaps"}, "not a boolean"},
		{"named missing dir", []string{"device=/dev/a"}, "missing directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseArgs(tc.args)
			if err == nil || !errors.Is(err, ErrBadArgs) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parseArgs(%q) = %v, want ErrBadArgs containing %q", tc.args, err, tc.want)
			}
		})
	}
}

func TestNewNamesResource(t *testing.T) {
	_, err := New([]string{"/dev/sdb1", "data"}, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "Filesystem::/dev/sdb1::data: ") {
		t.Fatalf("New error = %v, want it to start with the haresources word", err)
	}
	a, err := New([]string{"/dev/sdb1", "/data", "ext4"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.String() != "Filesystem::/dev/sdb1::/data::ext4" || a.opts.Tries != 10 {
		t.Errorf("String() = %q, Tries = %d; want Filesystem::/dev/sdb1::/data::ext4 and 10", a.String(), a.opts.Tries)
	}
}

func TestDeviceSpec(t *testing.T) {
	tests := []struct{ in, tag, value string }{
		{"/dev/sdb1", "", "/dev/sdb1"},
		{"LABEL=data", "LABEL", "data"},
		{"UUID=1234-abcd", "UUID", "1234-abcd"},
		{"PARTUUID=0a-01", "PARTUUID", "0a-01"},
		{"PARTLABEL=p", "PARTLABEL", "p"},
		{"-L data", "LABEL", "data"},
		{"-Udead", "UUID", "dead"},
		{"--label=data", "LABEL", "data"},
		{"--uuid 77", "UUID", "77"},
		{`LABEL="x"`, "LABEL", "x"},
	}
	for _, tc := range tests {
		s, err := deviceSpec(tc.in)
		if err != nil || s.tag != tc.tag || s.value != tc.value {
			t.Errorf("deviceSpec(%q) = %+v, %v; want %s %s", tc.in, s, err, tc.tag, tc.value)
		}
	}
}

func TestMountArgs(t *testing.T) {
	tests := []struct {
		opts   string
		flags  uintptr
		data   string
		native bool
	}{
		{"", 0, "", true},
		{"defaults", 0, "", true},
		{"ro,noatime", unix.MS_RDONLY | unix.MS_NOATIME, "", true},
		{"ro,rw", 0, "", true},
		{"nosuid,nodev,noexec,errors=remount-ro,data=ordered", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, "errors=remount-ro,data=ordered", true},
		{"_netdev,nofail,x-systemd.automount,relatime,commit=30", unix.MS_RELATIME, "commit=30", true},
		{"sync,dirsync,lazytime", unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_LAZYTIME, "", true},
		{"loop", 0, "", false},
		{"ro,bind", 0, "", false},
		{"loop=/dev/loop7", 0, "", false},
	}
	for _, tc := range tests {
		flags, data, native := mountArgs(tc.opts)
		if flags != tc.flags || data != tc.data || native != tc.native {
			t.Errorf("mountArgs(%q) = %#x, %q, %v; want %#x, %q, %v", tc.opts, flags, data, native, tc.flags, tc.data, tc.native)
		}
	}
}

func TestFsckNeeded(t *testing.T) {
	tests := []struct {
		fstype, run string
		want        bool
	}{
		{"ext2", fsckAuto, true},
		{"", fsckAuto, true},
		{"ext4", fsckAuto, false},
		{"xfs", fsckAuto, false},
		{"vfat", fsckAuto, false},
		{"btrfs", fsckAuto, true},
		{"ext4", fsckForce, true},
		{"ext2", fsckNo, false},
	}
	for _, tc := range tests {
		if got := (config{fstype: tc.fstype, runFsck: tc.run}).fsckNeeded(); got != tc.want {
			t.Errorf("fsckNeeded(%q, run_fsck=%s) = %v, want %v", tc.fstype, tc.run, got, tc.want)
		}
	}
}

func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{
		"/dev/sdb1::/data", "/dev/drbd1::/data::ext4", "/dev/drbd1::/data::ext2::noatime,errors=remount-ro",
		"LABEL=web::/srv/www::ext4", "device=/dev/a::directory=/b::run_fsck=force", "-L x::/y", "::", "=::=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseArgs(strings.Split(s, "::"))
		if err != nil {
			if !errors.Is(err, ErrBadArgs) {
				t.Fatalf("error %v does not wrap ErrBadArgs", err)
			}
			return
		}
		if c.device == "" || !strings.HasPrefix(c.dir, "/") {
			t.Fatalf("accepted %q as %+v", s, c)
		}
		if _, _, _ = mountArgs(c.options); c.runFsck == "" {
			t.Fatalf("accepted %q without a run_fsck mode", s)
		}
	})
}
