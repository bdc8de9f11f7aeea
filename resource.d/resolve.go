package resource

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/heartbeat-go/heartbeat-go/resource.d/filesystem"
	"github.com/heartbeat-go/heartbeat-go/resource.d/ipaddr"
)

// Kind says what provides a resource.
type Kind int

// Kinds in lookup order.
const (
	KindBuiltin   Kind = iota + 1 // a Go agent of this module
	KindHeartbeat                 // a heartbeat resource script in Config.ResourceDir
	KindLSB                       // an init script in Config.InitDir
	KindOCF                       // an OCF resource agent
	KindSystemd                   // a systemd unit
)

func (k Kind) String() string {
	switch k {
	case KindBuiltin:
		return "built-in agent"
	case KindHeartbeat:
		return "heartbeat resource script"
	case KindLSB:
		return "LSB init script"
	case KindOCF:
		return "OCF resource agent"
	case KindSystemd:
		return "systemd unit"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Resolution is what a haresources word resolved to.
type Resolution struct {
	Word  string   // as written in haresources
	Name  string   // agent name after ParseWord (IPaddr for a bare address)
	Args  []string // arguments after ParseWord
	Kind  Kind
	Path  string // script or agent path, unit name for systemd, empty for built-ins
	Agent Agent
}

// String explains the resolution for `heartbeat -t`, e.g.
// "spectest::alpha: heartbeat resource script /etc/ha.d/resource.d/spectest".
func (r Resolution) String() string {
	if r.Path == "" {
		return fmt.Sprintf("%s: %s %s", r.Word, r.Kind, r.Name)
	}
	return fmt.Sprintf("%s: %s %s", r.Word, r.Kind, r.Path)
}

// builtin constructs a built-in agent from its word and arguments.
type builtin func(word string, args []string) (Agent, error)

// Resolver maps haresources words to agents. It is safe for concurrent use.
type Resolver struct {
	cfg      Config
	run      *runner
	builtins map[string]builtin
}

// NewResolver returns a Resolver for cfg (zero fields take their defaults).
func NewResolver(cfg Config) *Resolver {
	c := cfg.withDefaults()
	r := &Resolver{cfg: c}
	r.run = newRunner(&r.cfg)
	ip := func(kind string) builtin {
		return func(w string, a []string) (Agent, error) {
			opts := r.cfg.IPaddr
			if opts.Log == nil {
				opts.Log = r.cfg.Log.WithField(FieldResource, w)
			}
			agent, err := ipaddr.New(kind, a, opts)
			return adopt(w, agent, err)
		}
	}
	r.builtins = map[string]builtin{
		"IPaddr":   ip("IPaddr"),
		"IPaddr2":  ip("IPaddr2"),
		"IPv6addr": ip("IPv6addr"),
		"Filesystem": func(w string, a []string) (Agent, error) {
			opts := r.cfg.Filesystem
			if opts.Log == nil {
				opts.Log = r.cfg.Log.WithField(FieldResource, w)
			}
			agent, err := filesystem.New(a, opts)
			return adopt(w, agent, err)
		},
		"drbddisk": func(w string, a []string) (Agent, error) { return newDrbddisk(r.run, w, a) },
		"probe":    newProbe,
	}
	return r
}

// adopt wraps the result of a sub-package constructor (ipaddr, filesystem;
// they cannot import this package) in named.
func adopt(word string, a Agent, err error) (Agent, error) {
	if err != nil {
		return nil, err
	}
	return named{Agent: a, word: word}, nil
}

// named gives an agent of a sub-package the haresources word as written
// (a bare address included) and this package's *StopError for a failed stop.
type named struct {
	Agent
	word string
}

func (n named) String() string { return n.word }

func (n named) Stop(ctx context.Context) error { return stopFailed(n.word, n.Agent.Stop(ctx)) }

// Announce forwards to the agent's Announce (IPaddr: gratuitous ARP again),
// and does nothing for agents that have none.
func (n named) Announce(ctx context.Context) error {
	if a, ok := n.Agent.(interface{ Announce(context.Context) error }); ok {
		return a.Announce(ctx)
	}
	return nil
}

// Close stops reading output that background children of finished scripts
// still hold open. Call it after the last operation.
func (r *Resolver) Close() error {
	r.run.close()
	return nil
}

// Lookup resolves a word: built-in agent first, then Config.ResourceDir/NAME,
// Config.InitDir/NAME, the OCF agent OCFRoot/resource.d/PROVIDER/NAME
// (arguments name=value become OCF_RESKEY_name), and last the systemd unit
// NAME.service when systemd runs. Scripts must be executable regular files.
// It fails with an error wrapping ErrNotFound when nothing provides NAME,
// and with a plain error for arguments the agent rejects.
func (r *Resolver) Lookup(ctx context.Context, word string) (Resolution, error) {
	name, args, err := ParseWord(word)
	if err != nil {
		return Resolution{}, fmt.Errorf("resource %q: %w", word, err)
	}
	res := Resolution{Word: word, Name: name, Args: args}
	bind := func(k Kind, path string, a Agent, err error) (Resolution, error) {
		if err != nil {
			return Resolution{}, fmt.Errorf("resource %q: %w", word, err)
		}
		res.Kind, res.Path, res.Agent = k, path, a
		return res, nil
	}

	if mk, ok := r.builtins[name]; ok {
		a, err := mk(word, args)
		return bind(KindBuiltin, "", a, err)
	}
	for _, d := range []struct {
		kind Kind
		dir  string
	}{{KindHeartbeat, r.cfg.ResourceDir}, {KindLSB, r.cfg.InitDir}} {
		if p := filepath.Join(d.dir, name); executable(p) {
			return bind(d.kind, p, &script{word: word, path: p, args: args, run: r.run}, nil)
		}
	}
	if p := filepath.Join(r.cfg.OCFRoot, "resource.d", r.cfg.OCFProvider, name); executable(p) {
		a, err := newOCF(r.run, word, name, p, args)
		return bind(KindOCF, p, a, err)
	}
	if found, err := r.lookupUnit(ctx, &res); err != nil {
		return Resolution{}, err
	} else if found {
		return res, nil
	}
	return Resolution{}, fmt.Errorf("resource %q: cannot locate resource script %s: %w", word, name, ErrNotFound)
}

// lookupUnit fills res with the systemd unit NAME.service if systemd runs
// and knows the unit.
func (r *Resolver) lookupUnit(ctx context.Context, res *Resolution) (bool, error) {
	if fi, err := os.Stat(r.cfg.SystemdDir); err != nil || !fi.IsDir() {
		return false, nil
	}
	unit := &systemdAgent{word: res.Word, unit: unitName(res.Name), run: r.run}
	ok, err := unit.loaded(ctx)
	if err != nil {
		return false, fmt.Errorf("resource %q: %w", res.Word, err)
	}
	if !ok {
		return false, nil
	}
	if len(res.Args) > 0 {
		return false, fmt.Errorf("resource %q: systemd unit %s takes no arguments", res.Word, unit.unit)
	}
	res.Kind, res.Path, res.Agent = KindSystemd, unit.unit, unit
	return true, nil
}

// Resolve returns the agent for a haresources word (see Lookup).
func (r *Resolver) Resolve(ctx context.Context, word string) (Agent, error) {
	res, err := r.Lookup(ctx, word)
	return res.Agent, err
}

// Explain says what a word resolves to, for `heartbeat -t` (see Lookup).
// Built-in agents also check that this node could start them now; what
// they miss is reported with the explanation as an error wrapping
// ErrUnavailable.
func (r *Resolver) Explain(ctx context.Context, word string) (string, error) {
	res, err := r.Lookup(ctx, word)
	if err != nil {
		return "", err
	}
	return res.String(), check(ctx, res)
}

// executable is ResourceManager's `[ -f p -a -x p ]`.
func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && unix.Access(p, unix.X_OK) == nil
}
