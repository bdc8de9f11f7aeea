package pcmk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// Resolver resolves node names (net.DefaultResolver satisfies it).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Host is what the export may learn from the machine it runs on. Every
// path is a field so tests run against a fake root.
type Host struct {
	// Root prefixes /etc/init.d and the systemd unit directories ("/" by default).
	Root string
	// HADir is the heartbeat configuration directory (resource.d, conf/).
	HADir string
	// Hostname is `uname -n`; with LocalAddrs it assigns ucast addresses.
	Hostname string
	// LocalAddrs lists the addresses of a local interface; may be nil.
	LocalAddrs func(iface string) []netip.Addr
	// Resolver looks up node names; may be nil.
	Resolver Resolver
	// StonithParams names the positional parameters of a cluster-glue
	// stonith plugin (`stonith -t TYPE -n`); may be nil.
	StonithParams func(typ string) ([]string, error)
	// Rand is the entropy source of the Corosync key.
	Rand io.Reader
}

// Options are the user's choices.
type Options struct {
	ClusterName string              // corosync cluster_name; default "hacluster"
	Addrs       map[string][]string // node → link addresses, overrides every lookup
	KeyFile     string              // corosync keyfile path; default /etc/corosync/authkey
	AllowTODO   bool                // export even when some resources cannot be mapped
}

// Export scores: a preferred node gets locationScore; auto_failback off
// makes every member sticky by stickyScore, so a group (whose stickiness is
// the sum of its members) never moves back.
const (
	locationScore = "50"
	stickyScore   = "100"
)

// ErrTODO reports that some of the configuration needs a human; the
// PosErrors joined with it name the lines.
var ErrTODO = errors.New("configuration needs manual conversion")

// Result is a complete export.
type Result struct {
	CIB      CIB
	Corosync Corosync
	AuthKey  []byte    // nil when the transport has no crypto
	Wrappers []Wrapper // generated OCF wrappers for legacy resource.d scripts
	Report   Report
}

type exporter struct {
	src  *Source
	host Host
	opt  Options
	res  Result
	ids  map[string]bool
	todo []error
}

// Export converts src. It returns the Result together with an error wrapping
// ErrTODO when some resources could not be mapped; with opt.AllowTODO the
// error is nil and the report lists them.
func Export(ctx context.Context, src *Source, host Host, opt Options) (*Result, error) {
	if host.Root == "" {
		host.Root = "/"
	}
	if opt.ClusterName == "" {
		opt.ClusterName = "hacluster"
	}
	if opt.KeyFile == "" {
		opt.KeyFile = "/etc/corosync/authkey"
	}
	x := &exporter{src: src, host: host, opt: opt, ids: map[string]bool{}}
	if err := x.corosync(ctx); err != nil {
		return nil, err
	}
	x.properties()
	for _, g := range src.Groups {
		x.group(g)
	}
	x.fencing()
	x.ping()
	x.report()
	if len(x.todo) > 0 && !opt.AllowTODO {
		return &x.res, errors.Join(append([]error{ErrTODO}, x.todo...)...)
	}
	return &x.res, nil
}

// id returns a unique XML id built from want.
func (x *exporter) id(want string) string {
	var b strings.Builder
	for _, r := range want {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	id := strings.Trim(b.String(), "-")
	for strings.Contains(id, "--") {
		id = strings.ReplaceAll(id, "--", "-")
	}
	if id == "" || !(id[0] >= 'a' && id[0] <= 'z' || id[0] >= 'A' && id[0] <= 'Z' || id[0] == '_') {
		id = "r-" + id
	}
	base := id
	for n := 2; x.ids[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	x.ids[id] = true
	return id
}

func (x *exporter) properties() {
	var stick string
	switch x.src.AutoFailback {
	case "off":
		stick = stickyScore
	case "legacy":
		stick = "0"
		x.warn("auto_failback legacy has no Pacemaker equivalent; exported as auto_failback on (resource-stickiness=0)")
	default:
		stick = "0"
	}
	x.res.CIB.RscDefaults = []NV{{"resource-stickiness", stick}}
}

// fileExists reports whether path names a regular file.
func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

func (x *exporter) rootPath(p string) string { return filepath.Join(x.host.Root, p) }

func (x *exporter) warn(format string, a ...any) {
	x.res.Report.Warnings = append(x.res.Report.Warnings, fmt.Sprintf(format, a...))
}

func (x *exporter) note(format string, a ...any) {
	x.res.Report.Notes = append(x.res.Report.Notes, fmt.Sprintf(format, a...))
}

func (x *exporter) dropped(pos Pos, format string, a ...any) {
	x.res.Report.Dropped = append(x.res.Report.Dropped, Item{pos, fmt.Sprintf(format, a...)})
}

// needsHuman records a resource the export cannot map.
func (x *exporter) needsHuman(pos Pos, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	x.res.Report.TODO = append(x.res.Report.TODO, Item{pos, msg})
	x.todo = append(x.todo, &PosError{pos, msg})
}
