//go:build integration

package tests

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
)

// labHaresources is testdata's haresources with the cluster's VIP.
const labHaresources = "node1 {{.VIP}}/24/eth0 spectest::alpha spectest::beta\n"

// TestClusterReal proves the harness with two real heartbeat 3.0.6 nodes
// and the lab configuration (keepalive 1, deadtime 5, initdead 10, bcast
// eth0, auto_failback on): both become active, node1 acquires its group,
// and after node1's daemon is SIGKILLed node2 declares it dead and takes
// the group, VIP included, which a client then reaches.
func TestClusterReal(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	c := cluster.New(t, cluster.Options{
		Haresources: labHaresources,
		ResourceD:   map[string]string{"spectest": cluster.Spectest},
	})
	n1, n2 := c.Nodes[0], c.Nodes[1]
	vip := c.VIP()

	// The masks work: a masked pgrep only logs.
	if _, err := n1.Exec(ctx, "pgrep", "heartbeat"); err != nil {
		t.Fatal(err)
	}
	if masked, _ := n1.ReadFile("log/masked-commands.log"); !strings.Contains(masked, "MASKED: /usr/bin/pgrep heartbeat") {
		t.Fatalf("pgrep not masked in node1; masked-commands.log = %q", masked)
	}
	if h, err := n1.Exec(ctx, "uname", "-n"); err != nil || strings.TrimSpace(h) != "node1" {
		t.Fatalf("node1's hostname = %q, %v", h, err)
	}

	for _, n := range c.Nodes {
		if err := n.StartReal(ctx); err != nil {
			t.Fatal(err)
		}
	}
	bothActive(t, ctx, c)
	holds := func(n *cluster.Node) func() error {
		return func() error {
			if ok, err := n.HasAddr(ctx, "eth0", vip); err != nil || !ok {
				return fmt.Errorf("%s: VIP %s on eth0: %t, %v", n.Name, vip, ok, err)
			}
			for _, r := range []string{"alpha", "beta"} {
				if _, err := os.Stat(filepath.Join(n.Dir, "run", "spectest."+r)); err != nil {
					return fmt.Errorf("%s: %w", n.Name, err)
				}
			}
			return nil
		}
	}
	if err := cluster.WaitFor(ctx, "node1 to hold its group", holds(n1)); err != nil {
		t.Fatal(err)
	}
	if ok, err := n2.HasAddr(ctx, "eth0", vip); err != nil || ok {
		t.Fatalf("node2 holds the VIP too (%t, %v)", ok, err)
	}

	// Crash node1's heartbeat; clear what the crash of a real machine would.
	mark := n2.LogMark()
	if err := n1.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n1.NS.Run(ctx, "ip", "addr", "del", netip.PrefixFrom(vip, 24).String(), "dev", "eth0"); err != nil {
		t.Fatal(err)
	}
	if err := n2.WaitLogSince(ctx, mark, "node node1: is dead"); err != nil {
		t.Fatal(err)
	}
	if err := cluster.WaitFor(ctx, "node2 to take over the group", holds(n2)); err != nil {
		t.Fatal(err)
	}

	// The client reaches the VIP, now on node2.
	var ln net.Listener
	if err := cluster.InNS(n2.NS.Name, func() (err error) {
		ln, err = net.Listen("tcp", netip.AddrPortFrom(vip, 8080).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "served by node2") })}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("http server: %v", err)
		}
	}()
	defer srv.Close()
	code, body, err := c.HTTPGet(ctx, "http://"+netip.AddrPortFrom(vip, 8080).String()+"/")
	if err != nil || code != http.StatusOK || body != "served by node2" {
		t.Fatalf("GET via the VIP = %d %q, %v", code, body, err)
	}
	for _, n := range c.Nodes {
		masked, _ := n.ReadFile("log/masked-commands.log")
		t.Logf("%s masked-commands.log:\n%s", n.Name, masked)
	}
}

// TestClusterHarness checks the harness itself without heartbeat: a
// foreground daemon started with StartGo is found through the pid file and
// stopped, Kill leaves no process, and Isolate cuts node from node while
// the client still reaches both, until Heal.
func TestClusterHarness(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c := cluster.New(t, cluster.Options{})
	n1, n2 := c.Nodes[0], c.Nodes[1]

	if err := n1.StartGo("/bin/sh", "-c", "echo $$ > /run/heartbeat.pid; exec sleep 600"); err != nil {
		t.Fatal(err)
	}
	if err := cluster.WaitFor(ctx, "the pid file", func() error { _, err := n1.DaemonPID(); return err }); err != nil {
		t.Fatal(err)
	}
	if ps := n1.Pids(); len(ps) != 1 || ps[0].Comm != "sleep" {
		t.Fatalf("node1 processes %v, want the one sleep", ps)
	}
	if err := n1.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if ps := n1.Pids(); len(ps) != 0 {
		t.Fatalf("processes left after Stop: %v", ps)
	}
	// The node's PID 1 adopts what a daemonising program leaves behind
	// and reaps it when it exits.
	if err := n1.StartGo("/bin/sh", "-c", "sleep 2 & exit 0"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{1, 0} {
		if err := cluster.WaitFor(ctx, fmt.Sprintf("%d child(ren) of PID 1", want), func() error {
			if pids, err := n1.Orphans(); err != nil || len(pids) != want {
				return fmt.Errorf("children of PID 1: %v (%v)", pids, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := n2.StartGo("/bin/sh", "-c", "sleep 600 & sleep 600"); err != nil {
		t.Fatal(err)
	}
	if err := cluster.WaitFor(ctx, "two sleeps", func() error {
		if ps := n2.Pids(); len(ps) != 3 {
			return fmt.Errorf("node2 processes %v", ps)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := n2.Kill(ctx); err != nil {
		t.Fatal(err)
	}

	ping := func(ns interface {
		Run(context.Context, string, ...string) (string, error)
	}, to netip.Addr) error {
		_, err := ns.Run(ctx, "ping", "-c", "1", "-W", "1", to.String())
		return err
	}
	if err := ping(n1.NS, n2.Addr()); err != nil {
		t.Fatal(err)
	}
	if err := c.Isolate(ctx, n1, n2); err != nil {
		t.Fatal(err)
	}
	if err := ping(n1.NS, n2.Addr()); err == nil {
		t.Error("node1 reaches node2 while both are isolated")
	}
	for _, n := range c.Nodes {
		if err := ping(c.Client, n.Addr()); err != nil {
			t.Errorf("client cannot reach isolated %s: %v", n.Name, err)
		}
	}
	if err := c.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(n1.NS, n2.Addr()); err != nil {
		t.Errorf("after Heal: %v", err)
	}
	if err := n1.Unplug(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(c.Client, n1.Addr()); err == nil {
		t.Error("client reaches unplugged node1")
	}
}
