package filesystem

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMountinfo(t *testing.T) {
	f, err := os.Open("testdata/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, err := parseMountinfo(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []mount{
		{unix.Mkdev(0, 21), "/proc", "proc", "proc"},
		{unix.Mkdev(254, 1), "/", "ext4", "/dev/vda1"},
		{unix.Mkdev(7, 3), "/srv/data", "ext4", "/dev/loop3"},
		{unix.Mkdev(0, 50), "/srv/data/cache", "tmpfs", "tmpfs"},
		{unix.Mkdev(7, 3), "/mnt/bind", "ext4", "/dev/loop3"},
		{unix.Mkdev(8, 17), "/mnt/with space", "xfs", "/dev/sdb1"},
		{unix.Mkdev(0, 51), "/export/nfs", "nfs4", "server:/export"},
	}
	if !slices.Equal(ms, want) {
		t.Errorf("parseMountinfo:\n got %+v\nwant %+v", ms, want)
	}
}

func TestParseMountinfoErrors(t *testing.T) {
	for _, line := range []string{
		"22 27 0:21 / /proc rw,relatime proc proc rw",   // no separator
		"22 27 0:21 / /proc rw,relatime - proc",         // short after separator
		"22 27 021 / /proc rw,relatime - proc proc rw",  // device without colon
		"22 27 x:21 / /proc rw,relatime - proc proc rw", // bad major
		"22 27",
	} {
		_, err := parseMountinfo(strings.NewReader(line + "\n"))
		if !errors.Is(err, errMountinfo) || !strings.HasPrefix(err.Error(), "line 1: ") {
			t.Errorf("parseMountinfo(%q) = %v, want a line-1 errMountinfo", line, err)
		}
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`: "/a b", `/t\011x`: "/t\tx", `/b\134s`: `/b\s`, `/end\04`: `/end\04`, `/bad\999`: `/bad\999`, `/x`: "/x",
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseMountinfo(f *testing.F) {
	b, err := os.ReadFile("testdata/mountinfo")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	for _, l := range strings.Split(string(b), "\n") {
		f.Add(l)
	}
	f.Add("1 2 3:4 / / - - - -")
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := parseMountinfo(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.mountpoint == "" || m.fstype == "" || m.source == "" {
				t.Fatalf("parsed %q into %+v with an empty field", s, m)
			}
		}
	})
}

// fakeProc builds a procfs tree: self/mountinfo from the fixture, and
// processes whose links point into dir (the file system under test) or
// into /proc (another one).
func fakeProc(t *testing.T) (proc, dir string) {
	t.Helper()
	proc, dir = t.TempDir(), t.TempDir()
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Join(proc, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		if err := os.Symlink(target, filepath.Join(proc, p)); err != nil {
			t.Fatal(err)
		}
	}
	mk("self")
	b, err := os.ReadFile("testdata/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(proc, "self", "mountinfo"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "held")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mk("101/fd") // cwd in dir
	link(dir, "101/cwd")
	mk("102/fd") // an open file in dir
	link("/proc", "102/cwd")
	link(file, "102/fd/3")
	mk("103/fd") // nothing in dir
	link("/proc", "103/cwd")
	link("/proc/self", "103/fd/0")
	mk("104/fd") // a mapping of a file in dir, device in hex
	link("/proc", "104/cwd")
	mk("105/fd") // ourselves, left out
	link(dir, "105/cwd")
	mk("not-a-pid")
	link(dir, "not-a-pid/cwd")
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	maps := "7f00-7f10 r-xp 00000000 " + hexDev(st.Dev) + " 1234 " + file + "\n7f10-7f20 rw-p 00000000 00:00 0 [heap]\n"
	if err := os.WriteFile(filepath.Join(proc, "104", "maps"), []byte(maps), 0o644); err != nil {
		t.Fatal(err)
	}
	return proc, dir
}

func hexDev(dev uint64) string {
	return fmt.Sprintf("%02x:%02x", unix.Major(dev), unix.Minor(dev))
}

func TestHolders(t *testing.T) {
	proc, dir := fakeProc(t)
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	var procSt unix.Stat_t
	if err := unix.Stat("/proc", &procSt); err != nil {
		t.Fatal(err)
	}
	if procSt.Dev == st.Dev {
		t.Fatal("the temp dir and /proc share a device; the fixture cannot tell them apart")
	}
	got, err := holders(proc, st.Dev, 105)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{101, 102, 104}; !slices.Equal(got, want) {
		t.Errorf("holders = %v, want %v", got, want)
	}
}

func TestStatusFromMountinfo(t *testing.T) {
	proc, _ := fakeProc(t)
	tests := []struct {
		args    []string
		want    bool
		wantErr string
	}{
		{[]string{"/dev/loop3", "/srv/data", "ext4"}, true, ""},
		{[]string{"/dev/loop3", "/srv/data/", "ext4"}, true, ""},
		{[]string{"/dev/loop4", "/srv/other", "ext4"}, false, ""},
		{[]string{"/dev/sdb1", "/mnt/with space", "xfs"}, true, ""},
		{[]string{"server:/export", "/export/nfs", "nfs4"}, true, ""},
		{[]string{"/dev/loop9", "/srv/data", "ext4"}, false, "mounted from /dev/loop3"},
	}
	for _, tc := range tests {
		a, err := New(tc.args, Options{Proc: proc})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Status(t.Context())
		if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: Status = %v, %v; want %v, error %q", a, got, err, tc.want, tc.wantErr)
		}
	}
}
