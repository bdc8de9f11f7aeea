// Package cluster runs heartbeat daemons (ours, or the real heartbeat 3.0.6)
// as the nodes of a throw-away cluster on one machine, the way the 3.0.6 lab
// of shared/testdata did (its README, "Reproducing", and lab/*.sh):
//
//   - a switch namespace with bridge br0; one network namespace per node with
//     eth0 = <subnet>.N/24 on the bridge; a client namespace (<subnet>.250)
//     on the same bridge for checks against a VIP;
//   - per node a long-lived anchor process started with `unshare --mount
//     --uts --pid --mount-proc` inside the node's network namespace: it makes
//     every mount private, sets the hostname nodeN, bind-mounts private
//     copies over /etc/ha.d, /run, /var/lib/heartbeat and /var/log, and binds
//     a logging stub over reboot, halt, shutdown, poweroff, init, systemctl,
//     pkill, pgrep and killall before any daemon can start;
//   - commands run in the node with nsenter into the anchor's mount, UTS,
//     network and PID namespaces.
//
// The PID namespace goes beyond the lab: 3.0.6 calls cl_reboot (the reboot(2)
// system call) on some fatal paths and ResourceManager runs `pkill -9
// heartbeat` after a failed stop; inside a PID namespace reboot(2) only ends
// the node's namespace and pkill only sees the node's processes.
//
// Everything is removed in t.Cleanup, also when the test fails: the anchors
// are killed (which kills every process of the node), the namespaces deleted
// and the temporary trees removed. The helpers never block longer than the
// context they are given.
package cluster

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/netns"
)

// The lab configuration of shared/testdata/heartbeat-3.0.6/config.
var (
	//go:embed testdata/ha.cf
	LabHACf string
	//go:embed testdata/authkeys
	LabAuthkeys string
	// Spectest is the lab's dummy resource script (spec §3.5): state in
	// /run/spectest.NAME, every call logged to /var/log/spectest.log.
	//go:embed testdata/spectest
	Spectest string
)

// RealHeartbeat is the Debian path of the heartbeat 3.0.6 daemon.
const RealHeartbeat = "/usr/libexec/heartbeat/heartbeat"

// Host numbers inside the subnet.
const (
	ClientHost = 250 // the client namespace
	VIPHost    = 100 // {{.VIP}} in the configuration templates
)

// Options describe a cluster. The configuration texts are text/template
// templates executed per node with a TemplateData, so one text can name
// the VIP and each node's peers: `ucast eth0 {{index .Peers 0}}`,
// `node1 {{.VIP}}/24/eth0 spectest::alpha`.
type Options struct {
	Nodes       int    // number of nodes, named node1..nodeN; default 2
	Subnet      string // an IPv4 /24 such as "10.250.7.0/24"; default random in 10.250.0.0/16
	HACf        string // /etc/ha.d/ha.cf; default LabHACf
	Haresources string // /etc/ha.d/haresources
	Authkeys    string // /etc/ha.d/authkeys (mode 0600); default LabAuthkeys
	// ResourceD maps script names to contents installed with mode 0755 in
	// /etc/ha.d/resource.d.
	ResourceD map[string]string
}

// TemplateData is what the configuration templates see for one node.
type TemplateData struct {
	Name  string       // nodeN
	Self  netip.Addr   // this node's eth0 address
	Peers []netip.Addr // the other nodes' addresses, in node order
	VIP   netip.Addr   // <subnet>.100
}

// Cluster is a running set of nodes on one bridge.
type Cluster struct {
	Nodes  []*Node
	Switch *netns.NS // holds bridge br0; node ports are its other links
	Client *netns.NS // eth0 = <subnet>.250 on the bridge
	Subnet netip.Prefix
	t      testing.TB
}

// New builds the network and the nodes (anchors running, trees in place, no
// daemon started) and registers their removal with t.Cleanup.
func New(t testing.TB, o Options) *Cluster {
	t.Helper()
	netns.RequireRoot(t)
	if o.Nodes == 0 {
		o.Nodes = 2
	}
	if o.Subnet == "" {
		o.Subnet = fmt.Sprintf("10.250.%d.0/24", 1+rand.IntN(254))
	}
	if o.HACf == "" {
		o.HACf = LabHACf
	}
	if o.Authkeys == "" {
		o.Authkeys = LabAuthkeys
	}
	subnet, err := netip.ParsePrefix(o.Subnet)
	if err != nil || !subnet.Addr().Is4() || subnet.Bits() != 24 {
		t.Fatalf("cluster: subnet %q is not an IPv4 /24", o.Subnet)
	}
	c := &Cluster{Subnet: subnet.Masked(), t: t}
	c.Switch = netns.Switch(t)
	c.Client = netns.New(t, "hbcl")
	netns.Veth(t, c.Client, "eth0", c.prefix(ClientHost), c.Switch, "br0")

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for i := 1; i <= o.Nodes; i++ {
		n := &Node{Name: fmt.Sprintf("node%d", i), Index: i, addr: c.Addr(i), t: t, sw: c.Switch}
		n.NS = netns.New(t, "hbn"+strconv.Itoa(i))
		n.Port = netns.Veth(t, n.NS, "eth0", c.prefix(i), c.Switch, "br0")
		n.Dir = t.TempDir()
		c.Nodes = append(c.Nodes, n)
	}
	for _, n := range c.Nodes {
		if err := n.prepare(c.data(n), o); err != nil {
			t.Fatalf("cluster: preparing %s: %v", n.Name, err)
		}
		t.Cleanup(n.destroy)
		if err := n.startAnchor(ctx); err != nil {
			t.Fatalf("cluster: starting %s: %v", n.Name, err)
		}
		if err := n.verifyMasks(ctx); err != nil {
			t.Fatalf("cluster: %s is not safe to run heartbeat in: %v", n.Name, err)
		}
	}
	return c
}

// Addr returns the address of host number host in the subnet (node N is N).
func (c *Cluster) Addr(host int) netip.Addr {
	a := c.Subnet.Addr().As4()
	a[3] = byte(host)
	return netip.AddrFrom4(a)
}

// VIP returns <subnet>.100, the {{.VIP}} of the templates.
func (c *Cluster) VIP() netip.Addr { return c.Addr(VIPHost) }

func (c *Cluster) prefix(host int) string {
	return netip.PrefixFrom(c.Addr(host), 24).String()
}

func (c *Cluster) data(n *Node) TemplateData {
	d := TemplateData{Name: n.Name, Self: n.addr, VIP: c.VIP()}
	for _, p := range c.Nodes {
		if p != n {
			d.Peers = append(d.Peers, p.addr)
		}
	}
	return d
}

// Isolate cuts the given nodes off from each other while each still
// reaches the client: their bridge ports become isolated ports, which the
// bridge never forwards between (the links stay up, unlike Unplug).
func (c *Cluster) Isolate(ctx context.Context, nodes ...*Node) error {
	for _, n := range nodes {
		if _, err := c.Switch.Run(ctx, "bridge", "link", "set", "dev", n.Port, "isolated", "on"); err != nil {
			return fmt.Errorf("isolating %s: %w", n.Name, err)
		}
	}
	return nil
}

// Heal undoes every Isolate and Unplug.
func (c *Cluster) Heal(ctx context.Context) error {
	for _, n := range c.Nodes {
		if _, err := c.Switch.Run(ctx, "bridge", "link", "set", "dev", n.Port, "isolated", "off"); err != nil {
			return fmt.Errorf("healing %s: %w", n.Name, err)
		}
		if err := n.Plug(ctx); err != nil {
			return err
		}
	}
	return nil
}

// masked are the commands a node must never run for real (spec §9.1 item
// 11); symlinks among them are bound through to their target.
var masked = []string{
	"/usr/sbin/reboot", "/sbin/reboot", "/usr/sbin/halt", "/usr/sbin/poweroff",
	"/usr/sbin/shutdown", "/usr/sbin/init", "/sbin/init", "/bin/systemctl", "/usr/bin/systemctl",
	"/usr/bin/pkill", "/usr/bin/pgrep", "/usr/bin/killall",
}

// maskStub logs what would have run to the node's /var/log.
const maskStub = `#!/bin/sh
echo "$(date '+%Y/%m/%d_%T') MASKED: $0 $*" >> /var/log/masked-commands.log
exit 0
`

// anchorScript runs as PID 1 of the node. It fails (and the node with it)
// if any mount fails, so no daemon can start unprotected.
const anchorScript = `set -e
mount --make-rprivate /
hostname "$NODE"
mount --bind "$DIR/ha.d" /etc/ha.d
mount --bind "$DIR/run" /run
mount --bind "$DIR/lib" /var/lib/heartbeat
mount --bind "$DIR/log" /var/log
for f in $MASKED; do
  if [ -e "$f" ]; then mount --bind "$DIR/mask.sh" "$f"; fi
done
: > "$DIR/anchor.ready"
# As init does, reap the orphans (a daemon detaches from its parent; a
# zombie would keep its pid file looking alive). perl-base is essential.
exec perl -e 'while (1) { sleep 1 if wait == -1 }'
`

// prepare builds the node's private trees under n.Dir.
func (n *Node) prepare(d TemplateData, o Options) error {
	dir := n.Dir
	for _, sub := range []string{"log", "lib", "run/heartbeat", "run/resource-agents", "run/lock/subsys", "run/crm"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for _, cp := range [][2]string{{"/etc/ha.d", "ha.d"}, {"/var/lib/heartbeat/.", "lib"}} {
		if out, err := exec.Command("cp", "-a", cp[0], filepath.Join(dir, cp[1])).CombinedOutput(); err != nil {
			return fmt.Errorf("copying %s: %w: %s", cp[0], err, out)
		}
	}
	// Each node is a new machine: it must not inherit a node identity a
	// daemon once left on this host (two nodes with one uuid confuse 3.0.6).
	for _, f := range []string{"hb_uuid", "hb_generation", "hostcache", "delhostcache", "fifo"} {
		if err := os.Remove(filepath.Join(dir, "lib", f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if out, err := exec.Command("chown", "hacluster:haclient", filepath.Join(dir, "run/heartbeat"), filepath.Join(dir, "run/crm")).CombinedOutput(); err != nil {
		return fmt.Errorf("chown: %w: %s", err, out)
	}
	for p, mode := range map[string]os.FileMode{"run/heartbeat": 0o750, "run/resource-agents": 0o1755, "run/lock": 0o1777} {
		if err := os.Chmod(filepath.Join(dir, p), mode); err != nil {
			return err
		}
	}
	files := []struct {
		name, text string
		mode       os.FileMode
	}{
		{"ha.d/ha.cf", o.HACf, 0o644},
		{"ha.d/haresources", o.Haresources, 0o644},
		{"ha.d/authkeys", o.Authkeys, 0o600},
	}
	for name, text := range o.ResourceD {
		files = append(files, struct {
			name, text string
			mode       os.FileMode
		}{"ha.d/resource.d/" + name, text, 0o755})
	}
	for _, f := range files {
		text, err := render(f.name, f.text, d)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, f.name), text, f.mode); err != nil {
			return err
		}
	}
	return writeFile(filepath.Join(dir, "mask.sh"), maskStub, 0o755)
}

func render(name, text string, d TemplateData) (string, error) {
	tmpl, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, d); err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	return b.String(), nil
}

// writeFile writes text with exactly mode (WriteFile's mode is umasked and
// ignored for existing files).
func writeFile(path, text string, mode os.FileMode) error {
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}

// startAnchor starts the node's anchor and waits until its mounts are done.
func (n *Node) startAnchor(ctx context.Context) error {
	cmd := exec.Command("ip", "netns", "exec", n.NS.Name,
		"unshare", "--mount", "--uts", "--pid", "--fork", "--mount-proc", "--propagation", "private",
		"sh", "-c", anchorScript)
	cmd.Env = append(os.Environ(), "NODE="+n.Name, "DIR="+n.Dir, "MASKED="+strings.Join(masked, " "))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("anchor: %w", err)
	}
	n.anchor = cmd
	n.anchorDone = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(n.anchorDone)
	}()
	ready := filepath.Join(n.Dir, "anchor.ready")
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		select {
		case <-n.anchorDone:
			return fmt.Errorf("anchor exited: %s", out.String())
		case <-ctx.Done():
			return fmt.Errorf("waiting for the anchor: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	// unshare --fork: the anchor (PID 1 of the node) is unshare's child.
	kids, err := children(cmd.Process.Pid)
	if err != nil {
		return fmt.Errorf("finding the anchor: %w", err)
	}
	if len(kids) != 1 {
		return fmt.Errorf("unshare has children %v, want one anchor", kids)
	}
	n.anchorPID = kids[0]
	return nil
}

// verifyMasks checks inside the node that every masked command that
// exists is the stub (same device and inode), so that no daemon can run
// the real one.
func (n *Node) verifyMasks(ctx context.Context) error {
	args := []string{"-L", "-c", "%n %d:%i", filepath.Join(n.Dir, "mask.sh")}
	for _, p := range masked {
		if _, err := os.Stat(p); err == nil {
			args = append(args, p)
		}
	}
	out, err := n.Exec(ctx, "stat", args...)
	if err != nil {
		return err
	}
	lines := strings.Fields(out)
	if len(lines) != 2*(len(args)-3) {
		return fmt.Errorf("unexpected stat output %q", out)
	}
	for i := 2; i < len(lines); i += 2 {
		if lines[i+1] != lines[1] {
			return fmt.Errorf("%s is not masked (%s, stub %s)", lines[i], lines[i+1], lines[1])
		}
	}
	return nil
}

// destroy kills the node: killing PID 1 of its namespace kills every
// process in it; the mount namespace and its mounts go with the last one.
func (n *Node) destroy() {
	n.mu.Lock()
	started := n.started
	n.mu.Unlock()
	if n.anchor == nil {
		return
	}
	if n.anchorPID > 0 {
		_ = syscall.Kill(n.anchorPID, syscall.SIGKILL)
	}
	_ = n.anchor.Process.Kill()
	select {
	case <-n.anchorDone:
	case <-time.After(30 * time.Second):
		n.t.Errorf("cluster: anchor of %s did not exit", n.Name)
	}
	for _, s := range started {
		_ = s.Process.Kill()
	}
	n.wg.Wait()
}

// Node is one cluster node. Its ha-log and other files are read from the
// host side under Dir.
type Node struct {
	Name  string    // nodeN, also its hostname
	Index int       // N
	NS    *netns.NS // its network namespace
	Port  string    // its bridge port in the switch namespace
	Dir   string    // host directory holding ha.d, run, lib and log

	addr       netip.Addr
	t          testing.TB
	sw         *netns.NS
	anchor     *exec.Cmd
	anchorDone chan struct{}
	anchorPID  int
	mu         sync.Mutex
	started    []*exec.Cmd // foreground daemons started by StartGo
	wg         sync.WaitGroup
}
