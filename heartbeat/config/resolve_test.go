package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heartbeat-go/heartbeat-go/resource.d"
	"github.com/heartbeat-go/heartbeat-go/resource.d/filesystem"
)

// TestResolveResources is what `heartbeat -t` reports per haresources word,
// with the daemon's Resolver on a temp-dir host: the agent it resolves to,
// an error for what would stop the daemon from starting, a warning for
// what this node lacks for now.
func TestResolveResources(t *testing.T) {
	host := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		t.Helper()
		p := filepath.Join(host, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("init.d/httpd", "#!/bin/sh\nexit 0\n", 0o755)
	dummy := write("ocf/resource.d/heartbeat/Dummy", "#!/bin/sh\nexit 0\n", 0o755)
	// A stand-in systemctl that knows one unit.
	write("systemd/system/.keep", "", 0o644)
	systemctl := write("bin/systemctl", `#!/bin/sh
[ "$1 $2 $3 $4" = "show --property=LoadState --value web.service" ] && echo loaded || echo not-found
`, 0o755)
	proc := filepath.Dir(write("proc/filesystems", "nodev\tproc\n\text4\nnodev\ttmpfs\n", 0o644))
	modules := filepath.Dir(write("modules/modules.alias", "alias fs-xfs xfs\nalias char-major-10-229 fuse\n", 0o644))
	write("modules/modules.dep", "kernel/fs/btrfs/btrfs.ko.xz: kernel/lib/raid6/raid6_pq.ko.xz\n", 0o644)
	dev := write("dev/disk0", "", 0o644) // a device that exists (a file will do)

	tests := []struct {
		word string
		desc string // what -t prints after "resource "; "" for none
		want string // the problem at the word's line, without "FILE:LINE: "
	}{
		{word: "spectest::alpha", desc: "spectest::alpha: heartbeat resource script DIR/resource.d/spectest"},
		{word: "httpd", desc: "httpd: LSB init script " + host + "/init.d/httpd"},
		{word: "Dummy::state=/tmp/x", desc: "Dummy::state=/tmp/x: OCF resource agent " + dummy},
		{word: "web", desc: "web: systemd unit web.service"},
		{word: "IPaddr2::127.0.0.2/8/lo", desc: "IPaddr2::127.0.0.2/8/lo: built-in agent IPaddr2"},
		{word: "Filesystem::" + dev + "::/data::ext4", desc: "Filesystem::" + dev + "::/data::ext4: built-in agent Filesystem"},
		{word: "Filesystem::" + dev + "::/data::xfs", desc: "Filesystem::" + dev + "::/data::xfs: built-in agent Filesystem"},
		{word: "Filesystem::" + dev + "::/data::btrfs", desc: "Filesystem::" + dev + "::/data::btrfs: built-in agent Filesystem"},

		{word: "nosuch::x",
			want: `resource "nosuch::x": cannot locate resource script nosuch: no agent found`},
		{word: "IPaddr::10.0.0.300/24",
			want: `resource "IPaddr::10.0.0.300/24": IPaddr::10.0.0.300/24: bad arguments: IP address "10.0.0.300" not valid`},
		{word: "IPaddr2::10.0.0.5/33/lo",
			want: `resource "IPaddr2::10.0.0.5/33/lo": IPaddr2::10.0.0.5/33/lo: bad arguments: netmask "33": want 1..32`},
		{word: "10.0.0.6/24/eth0/10.0.1.255/x",
			want: `resource "10.0.0.6/24/eth0/10.0.1.255/x": IPaddr::10.0.0.6/24/eth0/10.0.1.255/x: bad arguments: "10.0.0.6/24/eth0/10.0.1.255/x": too many fields`},
		{word: "Filesystem::/data",
			want: `resource "Filesystem::/data": Filesystem::/data: bad arguments: want device::directory[::fstype[::options]], got 1 arguments`},
		{word: "Filesystem::/dev/x::/data::Ext4!",
			want: `resource "Filesystem::/dev/x::/data::Ext4!": Filesystem::/dev/x::/data::Ext4!: bad arguments: unknown fstype "Ext4!"`},
		{word: "Dummy::bogus",
			want: `resource "Dummy::bogus": OCF agent Dummy: argument "bogus" is not name=value`},

		{word: "IPaddr2::10.0.0.7/24/nosuch0", desc: "IPaddr2::10.0.0.7/24/nosuch0: built-in agent IPaddr2",
			want: `warning: resource "IPaddr2::10.0.0.7/24/nosuch0": not available on this node: invalid interface name [nosuch0]: Link not found`},
		{word: "Filesystem::" + host + "/dev/nosuch::/data::ext4", desc: "Filesystem::" + host + "/dev/nosuch::/data::ext4: built-in agent Filesystem",
			want: `warning: resource "Filesystem::` + host + `/dev/nosuch::/data::ext4": not available on this node: couldn't find device [` + host + `/dev/nosuch]: no such file or directory`},
		{word: "Filesystem::" + dev + "::/data::foofs", desc: "Filesystem::" + dev + "::/data::foofs: built-in agent Filesystem",
			want: `warning: resource "Filesystem::` + dev + `::/data::foofs": not available on this node: unknown fstype "foofs": not in ` +
				proc + `/filesystems, no kernel module in ` + modules + ` and no mount helper`},
	}

	var lines []string
	for _, tc := range tests {
		lines = append(lines, "node1 "+tc.word)
	}
	dir := labDir(t, func(dir string) {
		if err := os.WriteFile(filepath.Join(dir, "haresources"), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "resource.d"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "resource.d", "spectest"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	})
	cfg := load(dir, "node1")
	if !cfg.OK() {
		t.Fatalf("lab configuration: %v", cfg.Err())
	}
	r := resource.NewResolver(resource.Config{
		HADir:      dir + "/",
		InitDir:    filepath.Join(host, "init.d"),
		OCFRoot:    filepath.Join(host, "ocf"),
		SystemdDir: filepath.Join(host, "systemd/system"),
		Systemctl:  systemctl,
		Filesystem: filesystem.Options{Proc: proc, ModulesDir: modules},
	})
	t.Cleanup(func() { _ = r.Close() })
	cfg.ResolveResources(t.Context(), r)

	if len(cfg.Resolutions) != len(tests) {
		t.Fatalf("%d resolutions for %d words", len(cfg.Resolutions), len(tests))
	}
	haresources := filepath.Join(dir, "haresources")
	for i, tc := range tests {
		t.Run(tc.word, func(t *testing.T) {
			res := cfg.Resolutions[i]
			if want := strings.ReplaceAll(tc.desc, "DIR", dir); res.Desc != want {
				t.Errorf("desc %q, want %q", res.Desc, want)
			}
			var got []string
			for _, p := range cfg.Problems {
				if p.File == haresources && p.Line == i+1 {
					got = append(got, p.String())
				}
			}
			var want []string
			if tc.want != "" {
				want = []string{fmt.Sprintf("%s:%d: %s", haresources, i+1, tc.want)}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if (res.Err != nil) != (tc.want != "") {
				t.Errorf("Err = %v, want one: %v", res.Err, tc.want != "")
			}
		})
	}
	if cfg.OK() {
		t.Error("configuration with unknown agents and bad arguments is OK")
	}
}
