// Package netns builds throw-away network namespaces, veth pairs and bridges
// for the integration tests, and removes them when the test ends (also when
// it fails). Every name carries a random suffix so that concurrent and
// interrupted runs never collide, and every address is private.
package netns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// RequireRoot fails the test (never skips it) when it does not run as root:
// a skipped integration test would read as a pass.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("integration tests need root (network namespaces, mounts)")
	}
	for _, tool := range []string{"ip", "unshare", "nsenter", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("integration tests need %s: %v", tool, err)
		}
	}
}

// Suffix returns a short random hex string for unique names.
func Suffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NS is one network namespace.
type NS struct {
	Name string
}

// New creates a network namespace named prefix-<random> with its loopback up
// and deletes it in t.Cleanup.
func New(t testing.TB, prefix string) *NS {
	t.Helper()
	ns := &NS{Name: prefix + "-" + Suffix()}
	Must(t, "ip", "netns", "add", ns.Name)
	t.Cleanup(func() {
		killAll(ns.Name)
		_ = exec.Command("ip", "netns", "del", ns.Name).Run()
	})
	ns.Must(t, "ip", "link", "set", "lo", "up")
	return ns
}

// killAll kills every process left in the namespace so it can be deleted.
func killAll(name string) {
	out, _ := exec.Command("ip", "netns", "pids", name).Output()
	for _, pid := range strings.Fields(string(out)) {
		_ = exec.Command("kill", "-9", pid).Run()
	}
}

// Cmd returns a command that runs inside the namespace.
func (ns *NS) Cmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// Run runs a command inside the namespace and returns its combined output.
func (ns *NS) Run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := ns.Cmd(ctx, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s in %s: %w: %s", name, strings.Join(args, " "), ns.Name, err, out)
	}
	return string(out), nil
}

// Must runs a command inside the namespace and fails the test if it fails.
func (ns *NS) Must(t testing.TB, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := ns.Run(ctx, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Must runs a command in the caller's namespace and fails the test if it fails.
func Must(t testing.TB, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Veth creates a veth pair with one end named ifname in ns (address addr in
// CIDR form, link up) and the other end in sw, enslaved to bridge br.
// It returns the name of the bridge-side end.
func Veth(t testing.TB, ns *NS, ifname, addr string, sw *NS, br string) string {
	t.Helper()
	peer := "p" + Suffix()
	tmp := "v" + Suffix()
	Must(t, "ip", "link", "add", tmp, "type", "veth", "peer", "name", peer)
	Must(t, "ip", "link", "set", tmp, "netns", ns.Name)
	Must(t, "ip", "link", "set", peer, "netns", sw.Name)
	ns.Must(t, "ip", "link", "set", tmp, "name", ifname)
	if addr != "" {
		ns.Must(t, "ip", "addr", "add", addr, "brd", "+", "dev", ifname)
	}
	ns.Must(t, "ip", "link", "set", ifname, "up")
	sw.Must(t, "ip", "link", "set", peer, "master", br)
	sw.Must(t, "ip", "link", "set", peer, "up")
	return peer
}

// Switch creates a namespace holding one bridge named br0 and returns it.
func Switch(t testing.TB) *NS {
	t.Helper()
	sw := New(t, "hbsw")
	sw.Must(t, "ip", "link", "add", "br0", "type", "bridge")
	sw.Must(t, "ip", "link", "set", "br0", "up")
	return sw
}
