// Command hb2pcmk exports a heartbeat v1 cluster configuration (/etc/ha.d,
// or $HA_DIR) to Pacemaker + Corosync: corosync.conf, authkey, cib.xml,
// crm.txt, pcs.sh and REPORT.md in OUTDIR, or all of them on stdout with -o -.
//
// Exit status: 0 exported; 6 the heartbeat configuration is invalid (the
// same FILE:LINE errors as `heartbeat -t`); 1 resources need manual
// conversion (see -allow-todo) or an output could not be written; 2 usage.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/heartbeat-go/heartbeat-go/haresources/pcmk"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
)

var version = "dev"

// addrFlag collects -addr NODE=IP[,IP…] (one address per link).
type addrFlag map[string][]string

func (a addrFlag) String() string { return "" }

func (a addrFlag) Set(v string) error {
	node, ips, ok := strings.Cut(v, "=")
	if !ok || node == "" || ips == "" {
		return fmt.Errorf("want NODE=IP[,IP...], got %q", v)
	}
	for _, ip := range strings.Split(ips, ",") {
		if _, err := netip.ParseAddr(ip); err != nil {
			return fmt.Errorf("node %s: %w", node, err)
		}
	}
	a[strings.ToLower(node)] = strings.Split(ips, ",")
	return nil
}

type cli struct {
	out, root, node string
	opts            pcmk.Options
}

// errConfig marks an invalid heartbeat configuration (exit status 6).
var errConfig = errors.New("invalid heartbeat configuration")

func main() {
	c := cli{opts: pcmk.Options{Addrs: addrFlag{}}}
	fs := flag.NewFlagSet("hb2pcmk", flag.ContinueOnError)
	fs.StringVar(&c.out, "o", "", "output directory, or - for one stream on stdout (required)")
	fs.StringVar(&c.root, "root", "/", "root of the file system to look up init scripts and systemd units in")
	fs.StringVar(&c.node, "node", "", "local node name (default: nodeinfo or uname -n, as heartbeat)")
	fs.StringVar(&c.opts.ClusterName, "cluster-name", "hacluster", "corosync cluster_name")
	fs.StringVar(&c.opts.KeyFile, "keyfile", "/etc/corosync/authkey", "corosync keyfile path written into corosync.conf")
	fs.BoolVar(&c.opts.AllowTODO, "allow-todo", false, "export even if some resources need manual conversion")
	fs.Var(addrFlag(c.opts.Addrs), "addr", "NODE=IP[,IP...]: a node's address on each link (repeatable)")
	showVersion := fs.Bool("version", false, "print the version")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *showVersion {
		fmt.Println("hb2pcmk", version)
		return
	}
	if c.out == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: hb2pcmk -o OUTDIR|- [flags]")
		os.Exit(2)
	}
	err := c.run(context.Background(), os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, errConfig):
		os.Exit(6)
	case err != nil:
		fmt.Fprintln(os.Stderr, "hb2pcmk:", err)
		os.Exit(1)
	}
}

func (c *cli) run(ctx context.Context, stdout, stderr io.Writer) error {
	cfg := config.Load(config.Options{Node: c.node})
	for _, p := range cfg.Problems {
		fmt.Fprintln(stderr, p)
	}
	if !cfg.OK() {
		return errConfig
	}
	host := pcmk.Host{
		Root: c.root, HADir: cfg.Dir, Hostname: cfg.Node, Rand: rand.Reader,
		Resolver: net.DefaultResolver, LocalAddrs: localAddrs, StonithParams: stonithParams,
	}
	res, exportErr := pcmk.Export(ctx, pcmk.FromConfig(cfg.HACF, cfg.Resources, cfg.Keys), host, c.opts)
	if res == nil {
		return exportErr
	}
	for _, w := range res.Report.Warnings {
		fmt.Fprintln(stderr, "hb2pcmk: WARNING:", w)
	}
	if exportErr != nil {
		return exportErr
	}
	files := res.Files()
	if c.out == "-" {
		_, err := stdout.Write(pcmk.Stream(files))
		return err
	}
	for _, f := range files {
		p := filepath.Join(c.out, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
		// Remove first so a re-export can replace a 0400 authkey.
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("writing %s: %w", p, err)
		}
		if err := os.WriteFile(p, f.Data, os.FileMode(f.Mode)); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	return nil
}

// localAddrs lists the addresses of a local interface, IPv4 first.
func localAddrs(iface string) []netip.Addr {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil
	}
	var v4, v6 []netip.Addr
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil {
			continue
		}
		if p.Addr().Is4() {
			v4 = append(v4, p.Addr())
		} else if !p.Addr().IsLinkLocalUnicast() {
			v6 = append(v6, p.Addr())
		}
	}
	return append(v4, v6...)
}

// stonithParams asks cluster-glue for a plugin's parameter names.
func stonithParams(typ string) ([]string, error) {
	out, err := exec.Command("stonith", "-t", typ, "-n").Output()
	if err != nil {
		return nil, fmt.Errorf("stonith -t %s -n: %w", typ, err)
	}
	return strings.Fields(string(out)), nil
}
