//go:build integration

package tests

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/resource.d"
	"github.com/heartbeat-go/heartbeat-go/tests/netns"
)

// nginxChildEnv makes the test binary run the body of an nginx test: it is
// re-executed by the test inside a private network namespace (so port 80
// cannot clash with the host) and mount namespace (own /run for the pid
// file, own /var/log/nginx).
const nginxChildEnv = "HBGO_NGINX_CHILD"

// TestResourceNginxLSB runs the real Debian init script /etc/init.d/nginx
// (package nginx-common) as an LSB resource found by the Resolver in
// /etc/init.d: status, start, a page served on port 80, stop.
func TestResourceNginxLSB(t *testing.T) {
	nginxInNamespace(t, func(t *testing.T) {
		r := resource.NewResolver(resource.Config{HADir: t.TempDir() + "/", SystemdDir: t.TempDir() + "/none"})
		t.Cleanup(func() { _ = r.Close() })
		res, err := r.Lookup(t.Context(), "nginx")
		if err != nil {
			t.Fatal(err)
		}
		if res.Kind != resource.KindLSB || res.Path != "/etc/init.d/nginx" {
			t.Fatalf("nginx resolves to %v %s, want the LSB init script /etc/init.d/nginx", res.Kind, res.Path)
		}
		nginxCycle(t, res.Agent)
	})
}

// TestResourceNginxSystemd runs nginx from the real unit file
// /lib/systemd/system/nginx.service as a systemd resource. systemd does not
// run on this machine, so a stand-in systemctl executes the unit's
// ExecStartPre/ExecStart/ExecStop lines and answers is-active from its
// PIDFile, as systemd does for a Type=forking service; the Resolver is told
// that systemd runs (SystemdDir exists).
func TestResourceNginxSystemd(t *testing.T) {
	nginxInNamespace(t, func(t *testing.T) {
		dir := t.TempDir()
		calls := filepath.Join(dir, "calls")
		systemctl := filepath.Join(dir, "systemctl")
		if err := os.WriteFile(systemctl, []byte(`#!/bin/sh
# stand-in systemctl for Type=forking units of /lib/systemd/system
verb=$1; shift
[ "$verb" = show ] && shift 2
unit=$1 f=/lib/systemd/system/$1
echo "$verb $unit" >> `+calls+`
run() { # run the unit's lines of key $1; a leading "-" ignores failure
	sed -n "s/^$1=//p" "$f" | while read -r line; do
		case $line in -*) eval "${line#-}" ;; *) eval "$line" || exit 1 ;; esac
	done
}
active() { pid=$(cat "$(sed -n 's/^PIDFile=//p' "$f")" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; }
case $verb in
show) [ -f "$f" ] && echo loaded || echo not-found ;;
start) [ -f "$f" ] || exit 5; run ExecStartPre && run ExecStart ;;
stop) run ExecStop; ! active ;;
is-active) active && { echo active; exit 0; }; echo inactive; exit 3 ;;
*) exit 1 ;;
esac
`), 0o755); err != nil {
			t.Fatal(err)
		}
		systemd := filepath.Join(dir, "systemd")
		if err := os.Mkdir(systemd, 0o755); err != nil {
			t.Fatal(err)
		}
		// Empty init.d and OCF trees: /etc/init.d/nginx and the OCF agent
		// nginx of resource-agents come first in the lookup.
		r := resource.NewResolver(resource.Config{HADir: t.TempDir() + "/", InitDir: t.TempDir(),
			OCFRoot: t.TempDir(), SystemdDir: systemd, Systemctl: systemctl})
		t.Cleanup(func() { _ = r.Close() })
		res, err := r.Lookup(t.Context(), "nginx")
		if err != nil {
			t.Fatal(err)
		}
		if res.Kind != resource.KindSystemd || res.Path != "nginx.service" {
			t.Fatalf("nginx resolves to %v %s, want the systemd unit nginx.service", res.Kind, res.Path)
		}
		nginxCycle(t, res.Agent)
		b, err := os.ReadFile(calls)
		if err != nil {
			t.Fatal(err)
		}
		want := "show nginx.service\nis-active nginx.service\nstart nginx.service\nis-active nginx.service\n" +
			"stop nginx.service\nis-active nginx.service\n"
		if string(b) != want {
			t.Errorf("systemctl calls:\n%s\nwant:\n%s", b, want)
		}
	})
}

// nginxCycle checks status, start, the default page, status, stop, status.
func nginxCycle(t *testing.T, a resource.Agent) {
	t.Helper()
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
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = a.Stop(context.Background())
		}
	})
	status(true)
	body, err := nginxGet(t.Context())
	if err != nil || !strings.Contains(body, "Welcome to nginx!") {
		t.Fatalf("GET http://127.0.0.1/ after start: %v, %.80q", err, body)
	}
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	stopped = true
	status(false)
	if _, err := nginxGet(t.Context()); err == nil {
		t.Fatal("port 80 still answers after stop")
	}
	if out, err := exec.Command("pgrep", "-x", "nginx").Output(); err == nil {
		t.Fatalf("nginx processes left in the namespace after stop: %s", out)
	}
}

func nginxGet(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1/", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("status %s", resp.Status)
	}
	return string(b), err
}

// nginxInNamespace runs body in a re-executed copy of the test binary
// inside a fresh network namespace (ip netns exec also gives it a mount
// namespace whose mounts do not reach the host), with a tmpfs on /run and
// on /var/log/nginx. Afterwards no process may be left in the namespace.
func nginxInNamespace(t *testing.T, body func(t *testing.T)) {
	if os.Getenv(nginxChildEnv) == t.Name() {
		for _, dir := range []string{"/run", "/var/log/nginx"} {
			if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "mode=755"); err != nil {
				t.Fatalf("mounting a tmpfs on %s: %v", dir, err)
			}
		}
		body(t)
		return
	}
	netns.RequireRoot(t)
	if _, err := os.Stat("/usr/sbin/nginx"); err != nil {
		t.Fatalf("nginx is not installed (Debian package nginx-light): %v", err)
	}
	ns := netns.New(t, "hbngx")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := ns.Cmd(ctx, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), nginxChildEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	t.Logf("in namespace %s:\n%s", ns.Name, out)
	if err != nil {
		t.Fatalf("test in namespace %s: %v", ns.Name, err)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("test in namespace %s did not pass", ns.Name)
	}
	if pids := netns.Must(t, "ip", "netns", "pids", ns.Name); strings.TrimSpace(pids) != "" {
		t.Fatalf("processes left in namespace %s: %s", ns.Name, pids)
	}
}
