package main

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const goodHACF = "logfile /var/log/ha-log\nkeepalive 1\ndeadtime 5\ninitdead 10\nbcast lo\nauto_failback on\nnode node1 node2\n"

// confDir writes a configuration directory for node1; files maps a name to
// its content, a nil content making it a directory.
func confDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string][]byte{
		"ha.cf":       []byte(goodHACF),
		"authkeys":    []byte("auth 1\n1 sha1 secret\n"),
		"haresources": []byte("node1 10.250.0.100/24/eth0 spectest::alpha\n"),
		"nodeinfo":    []byte("node1\n"),
	}
	for k, v := range files {
		all[k] = v
	}
	for name, content := range all {
		p := filepath.Join(dir, name)
		if content == nil {
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The resource script of haresources, so that every word resolves.
	if err := os.Mkdir(filepath.Join(dir, "resource.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "resource.d", "spectest"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runMain(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("HA_DIR", dir)
	var stdout, stderr bytes.Buffer
	code := realMain(append([]string{"heartbeat"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCheck(t *testing.T) {
	garbage := make([]byte, 4096)
	rand.Read(garbage)
	long := append([]byte("node "), bytes.Repeat([]byte("x"), 10<<20)...)
	tests := []struct {
		name  string
		files map[string][]byte
		code  int
		want  string // part of a line of the output
	}{
		{"valid", nil, 0, "heartbeat: configuration in "},
		{"agent of a word", nil, 0, "/haresources:1: resource spectest::alpha: heartbeat resource script "},
		{"unknown agent", map[string][]byte{"haresources": []byte("node1 nosuch::x\n")}, 6,
			`/haresources:1: resource "nosuch::x": cannot locate resource script nosuch: no agent found`},
		{"bad IP", map[string][]byte{"haresources": []byte("node1 spectest::alpha \\\n IPaddr2::10.0.0.300/24\n")}, 6,
			`/haresources:2: resource "IPaddr2::10.0.0.300/24": IPaddr2::10.0.0.300/24: bad arguments: IP address "10.0.0.300" not valid`},
		{"binary ha.cf", map[string][]byte{"ha.cf": garbage}, 6, "ERROR: Heartbeat not started: configuration error."},
		{"binary authkeys", map[string][]byte{"authkeys": garbage}, 6, "ERROR: Authentication configuration error."},
		{"binary haresources", map[string][]byte{"haresources": garbage}, 6, "ERROR: Configuration error, heartbeat not started."},
		{"10 MB line", map[string][]byte{"ha.cf": append([]byte(goodHACF), long...)}, 6, "/ha.cf:8: line longer than 5118 bytes (heartbeat 3.0.6 would split it)"},
		{"ha.cf is a directory", map[string][]byte{"ha.cf": nil}, 6, "/ha.cf: cannot read: is a directory, not a file"},
		{"authkeys is a directory", map[string][]byte{"authkeys": nil}, 6, "/authkeys: cannot read: is a directory, not a file"},
		{"unknown node", map[string][]byte{"haresources": []byte("node9 a\n")}, 6, "/haresources:1: Bad nodename [node9]: not a node of ha.cf"},
		{"warning only", map[string][]byte{"ha.cf": []byte(goodHACF + "watchdog /dev/watchdog\n")}, 0, "/ha.cf:8: warning: watchdog: accepted, not implemented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := confDir(t, tt.files)
			code, out, errOut := runMain(t, dir, "-t")
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, out)
			}
			found := false
			for _, l := range strings.Split(out, "\n") {
				found = found || strings.Contains(l, tt.want)
			}
			if !found {
				t.Errorf("no line %q in\n%s", tt.want, out)
			}
			if errOut != "" {
				t.Errorf("stderr: %s", errOut)
			}
		})
	}
}

func TestFlags(t *testing.T) {
	code, _, errOut := runMain(t, t.TempDir(), "-x")
	if code != 2 || !strings.HasPrefix(errOut, "heartbeat: invalid option -- 'x'\n\nUsage: heartbeat [-dDkMrRsvWlVft] [-C Current-resource-state]\n") {
		t.Errorf("-x: exit %d, %q", code, errOut)
	}
	if code, _, _ := runMain(t, t.TempDir(), "-C", "all"); code != 2 {
		t.Errorf("-C without -R: exit %d", code)
	}
	code, out, _ := runMain(t, t.TempDir(), "-DW")
	if code != 0 || !strings.HasPrefix(out, "##Put this output in the ha.cf/DefaultValues page\n") {
		t.Errorf("-DW: exit %d, %q", code, out)
	}
	code, out, _ = runMain(t, t.TempDir(), "-V", "-x")
	if code != 0 || !strings.HasPrefix(out, "3.0.6 (heartbeat-go ") {
		t.Errorf("-V: exit %d, %q", code, out)
	}
	if code, _, errOut := runMain(t, t.TempDir(), "-f"); code != 6 || !strings.Contains(errOut, "ERROR: Configuration error, heartbeat not started.") {
		t.Errorf("-f without configuration: exit %d, %q", code, errOut)
	}
}

// TestBinaryGarbageNoStack runs the real binary: exit status 6 and no Go
// stack trace on any output.
func TestBinaryGarbageNoStack(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "heartbeat")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	garbage := make([]byte, 1<<16)
	rand.Read(garbage)
	dir := confDir(t, map[string][]byte{"ha.cf": garbage, "authkeys": garbage, "haresources": garbage})
	cmd := exec.Command(bin, "-t")
	cmd.Env = append(os.Environ(), "HA_DIR="+dir)
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 6 {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("goroutine ")) || bytes.Contains(out, []byte("panic:")) {
		t.Fatalf("Go stack in output:\n%s", out)
	}
}
