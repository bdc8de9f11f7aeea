//go:build integration

package tests

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/resource.d"
	"github.com/heartbeat-go/heartbeat-go/tests/netns"
)

// TestResourceOCFDummy runs the real Dummy agent of the resource-agents
// package, as root, with an OCF_RESKEY_ argument from the haresources word.
func TestResourceOCFDummy(t *testing.T) {
	netns.RequireRoot(t)
	state := filepath.Join(t.TempDir(), "dummy.state")
	r := resource.NewResolver(resource.Config{HADir: t.TempDir() + "/", InitDir: t.TempDir()})
	t.Cleanup(func() { _ = r.Close() })
	res, err := r.Lookup(t.Context(), "Dummy::state="+state)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != resource.KindOCF || res.Path != "/usr/lib/ocf/resource.d/heartbeat/Dummy" {
		t.Fatalf("Lookup = %v %s", res.Kind, res.Path)
	}
	a := res.Agent
	status := func(want bool) {
		t.Helper()
		if running, err := a.Status(t.Context()); err != nil || running != want {
			t.Fatalf("Status = %v, %v; want %v", running, err, want)
		}
	}
	status(false)
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("Dummy did not use OCF_RESKEY_state: %v", err)
	}
	status(true)
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	status(false)
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state file after stop: %v", err)
	}
}

// TestResourceSystemdAbsent: with the host's real /run/systemd/system and
// systemctl, a name nothing provides is ErrNotFound (systemd does not run
// here, so systemctl is not even asked; where it runs it says not-found).
func TestResourceSystemdAbsent(t *testing.T) {
	netns.RequireRoot(t)
	r := resource.NewResolver(resource.Config{HADir: t.TempDir() + "/", InitDir: t.TempDir()})
	t.Cleanup(func() { _ = r.Close() })
	word := "hbgo-nosuch-" + netns.Suffix()
	if _, err := r.Resolve(t.Context(), word); !errors.Is(err, resource.ErrNotFound) {
		t.Fatalf("Resolve(%s) = %v, want ErrNotFound", word, err)
	}
}

// drbdStandIn writes a drbdadm that records its calls and plays the roles
// (there is no DRBD in this kernel): fail.VERB holds how many
// primary/secondary calls fail next, role.RES the current role.
func drbdStandIn(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "drbdadm")
	script := `#!/bin/sh
echo "$*" >> ` + dir + `/calls
cd ` + dir + `
case "$1" in
primary|secondary)
	if [ -f "fail.$1" ]; then
		read -r n < "fail.$1"
		if [ "$n" -gt 0 ]; then echo $((n-1)) > "fail.$1"; exit 11; fi
	fi
	if [ "$1" = primary ]; then echo Primary/Secondary; else echo Secondary/Primary; fi > "role.$2";;
role) [ -f "role.$2" ] || exit 10; cat "role.$2";;
*) exit 1;;
esac
`
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestResourceDrbddiskLikeDebian runs Debian's /etc/ha.d/resource.d/drbddisk
// (with the stand-in bind-mounted over /sbin/drbdadm in a private mount
// namespace) and the built-in drbddisk through the same scenarios, and
// requires the same drbdadm calls, the same success and the same status.
// Real DRBD is not exercised.
func TestResourceDrbddiskLikeDebian(t *testing.T) {
	netns.RequireRoot(t)
	const debian = "/etc/ha.d/resource.d/drbddisk"
	if _, err := os.Stat(debian); err != nil {
		t.Fatalf("needs the drbd-utils package: %v", err)
	}
	drbdadm, err := filepath.EvalSymlinks("/sbin/drbdadm")
	if err != nil {
		t.Fatalf("needs /sbin/drbdadm to bind the stand-in over: %v", err)
	}
	type outcome struct {
		calls   string
		ok      bool
		running bool
	}
	for _, tc := range []struct {
		name  string
		op    string
		fails int
		role  string // initial role file, "" for none
	}{
		{"start after 2 failures", "start", 2, ""},
		{"start fails", "start", 6, ""},
		{"stop after 2 failures", "stop", 2, "Primary/Secondary"},
		{"stop fails", "stop", 3, "Primary/Secondary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(t *testing.T, real bool) outcome {
				dir := t.TempDir()
				standIn := drbdStandIn(t, dir)
				verb := map[string]string{"start": "primary", "stop": "secondary"}[tc.op]
				if err := os.WriteFile(filepath.Join(dir, "fail."+verb), []byte(fmt.Sprint(tc.fails)), 0o644); err != nil {
					t.Fatal(err)
				}
				if tc.role != "" {
					if err := os.WriteFile(filepath.Join(dir, "role.r0"), []byte(tc.role+"\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				var o outcome
				if real {
					sh := func(op string) (string, error) {
						// unshare(1) makes the new mount namespace private.
						out, err := exec.CommandContext(t.Context(), "unshare", "-m", "sh", "-c",
							`mount --bind "$1" "$2" && exec "$3" r0 "$4"`, "sh",
							standIn, drbdadm, debian, op).Output()
						return string(out), err
					}
					_, err := sh(tc.op)
					o.ok = err == nil
					out, _ := sh("status")
					o.running = resource.StatusRunning(out)
				} else {
					r := resource.NewResolver(resource.Config{Drbdadm: standIn})
					t.Cleanup(func() { _ = r.Close() })
					a, err := r.Resolve(t.Context(), "drbddisk::r0")
					if err != nil {
						t.Fatal(err)
					}
					if tc.op == "start" {
						err = a.Start(t.Context())
					} else {
						err = a.Stop(t.Context())
						var se *resource.StopError
						if err != nil && !errors.As(err, &se) {
							t.Errorf("failed stop %v is no *StopError", err)
						}
					}
					o.ok = err == nil
					if o.running, err = a.Status(t.Context()); err != nil {
						t.Fatal(err)
					}
				}
				calls, _ := os.ReadFile(filepath.Join(dir, "calls"))
				o.calls = strings.TrimSpace(string(calls))
				return o
			}
			deb, gone := run(t, true), run(t, false)
			if deb != gone {
				t.Errorf("Debian script: %+v\nbuilt-in:      %+v", deb, gone)
			}
			if !strings.Contains(deb.calls, "r0") {
				t.Errorf("the Debian script did not reach the stand-in: %+v", deb)
			}
		})
	}
}

// TestResourceHungScriptAsRoot: a root script that forks a daemon-like child
// into its process group and hangs is killed with the child.
func TestResourceHungScriptAsRoot(t *testing.T) {
	netns.RequireRoot(t)
	ha := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ha, "resource.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(ha, "child.pid")
	script := "#!/bin/sh\nsleep 1000 &\necho $! > " + pidFile + ".tmp\nmv " + pidFile + ".tmp " + pidFile + "\nwait\n"
	if err := os.WriteFile(filepath.Join(ha, "resource.d", "hang"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := resource.NewResolver(resource.Config{HADir: ha + "/", InitDir: t.TempDir(),
		Timeout: 500 * time.Millisecond, WaitDelay: 100 * time.Millisecond})
	t.Cleanup(func() { _ = r.Close() })
	a, err := r.Resolve(t.Context(), "hang")
	if err != nil {
		t.Fatal(err)
	}
	var se *resource.StopError
	if err := a.Stop(t.Context()); !errors.Is(err, resource.ErrTimeout) || !errors.As(err, &se) {
		t.Fatalf("Stop = %v, want a *StopError around ErrTimeout", err)
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %s of the hung script survived", strings.TrimSpace(string(pid)))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
