// Command heartbeat is heartbeat-go's daemon, a drop-in for heartbeat 3.0.6
// in v1 (haresources) mode. It parses the command line of 3.0.6 (spec
// 7.4) plus -t, daemonises, and maps errors to exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/heartbeat-go/heartbeat-go/hacf"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
	"github.com/heartbeat-go/heartbeat-go/resource.d"
)

// version is set at build time (-ldflags -X main.version=...).
var version = "dev"

// LSB exit codes heartbeat uses.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2 // LSB_EXIT_EINVAL
	exitConfigError = 6 // LSB_EXIT_NOTCONFIGED
)

// options are the flags of `heartbeat [-dDkMrRsvWlVft] [-C state]`.
type options struct {
	debug        int    // -d, repeatable
	defaults     bool   // -D
	wiki         bool   // -W
	kill         bool   // -k
	noResources  bool   // -M
	reload       bool   // -r
	restarting   bool   // -R
	status       bool   // -s
	verbose      bool   // -v
	noRealtime   bool   // -l
	foreground   bool   // -f
	check        bool   // -t (heartbeat-go)
	currentState string // -C
}

var errUsage = errors.New("usage")

func main() {
	os.Exit(realMain(os.Args, os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args, stdout, stderr)
	switch {
	case errors.Is(err, errVersion):
		return exitOK
	case err != nil:
		usage(stderr)
		return exitUsage
	}
	switch {
	case opts.defaults:
		if err := hacf.WriteDefaults(stdout, opts.wiki, config.Version); err != nil {
			return exitFailure
		}
		return exitOK
	case opts.check:
		return check(stdout, loadResolved())
	}
	if opts.restarting {
		// 3.0.6 re-execs itself as -R -C STATE keeping its resources;
		// heartbeat-go restarts inside the process and never passes them.
		fmt.Fprintf(stderr, "heartbeat: -R -C %s: ignored, starting normally\n", opts.currentState)
	}
	switch {
	case opts.kill:
		return kill(stderr)
	case opts.status:
		return status(stdout)
	case opts.reload:
		return reload(opts, stderr)
	}
	return start(opts, stderr)
}

var errVersion = errors.New("version printed")

// parseArgs parses flags like POSIX getopt with 3.0.6's option string:
// grouped flags (-DW), -C with an attached or separate argument, "--" ends
// the options. -V prints the version at once, as 3.0.6 does.
func parseArgs(args []string, stdout, stderr io.Writer) (options, error) {
	var o options
	prog := args[0]
	bad := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		for j := 1; j < len(a); j++ {
			switch c := a[j]; c {
			case 'd':
				o.debug++
			case 'D':
				o.defaults = true
			case 'k':
				o.kill = true
			case 'M':
				o.noResources = true
			case 'r':
				o.reload = true
			case 'R':
				o.restarting = true
			case 's':
				o.status = true
			case 'v':
				o.verbose = true
			case 'W':
				o.wiki = true
			case 'l':
				o.noRealtime = true
			case 'f':
				o.foreground = true
			case 't':
				o.check = true
			case 'V':
				fmt.Fprintf(stdout, "%s (heartbeat-go %s)\n", config.Version, version)
				return o, errVersion
			case 'C':
				switch {
				case j+1 < len(a):
					o.currentState = a[j+1:]
				case i+1 < len(args):
					i++
					o.currentState = args[i]
				default:
					fmt.Fprintf(stderr, "%s: option requires an argument -- 'C'\n", prog)
					bad = true
				}
				j = len(a)
			default:
				fmt.Fprintf(stderr, "%s: invalid option -- '%c'\n", prog, c)
				bad = true
			}
		}
	}
	if bad || (o.currentState != "" && !o.restarting) {
		return o, errUsage
	}
	return o, nil
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "\nUsage: %s [-dDkMrRsvWlVft] [-C Current-resource-state]\n", "heartbeat")
	fmt.Fprintf(w, "\t-C only valid with -R\n")
	fmt.Fprintf(w, "\t-r is mutually exclusive with -R\n")
}

// loadResolved loads the configuration and explains every haresources
// word with the lookup the daemon binds agents with (built-in, resource.d,
// init.d, OCF, systemd), so that -t and a start report an unknown agent or
// bad arguments at their line before anything runs.
func loadResolved() *config.Config {
	cfg := config.Load(config.Options{})
	r := resource.NewResolver(resource.Config{HADir: cfg.Dir + "/"})
	defer r.Close()
	cfg.ResolveResources(context.Background(), r)
	return cfg
}

// check prints the result of `heartbeat -t`: every problem as FILE:LINE,
// the agent of every resource, then the lines 3.0.6 would log.
func check(w io.Writer, cfg *config.Config) int {
	for _, p := range cfg.Problems {
		fmt.Fprintln(w, p)
	}
	for _, r := range cfg.Resolutions {
		if r.Desc != "" {
			fmt.Fprintf(w, "%s:%d: resource %s\n", r.Resource.File, r.Resource.Line, r.Desc)
		}
	}
	if len(cfg.Legacy) > 0 {
		fmt.Fprintln(w, "--- heartbeat 3.0.6 would log:")
		config.WriteLegacy(w, cfg.Legacy)
	}
	if !cfg.OK() {
		fmt.Fprintf(w, "heartbeat: configuration in %s has errors: the daemon would not start (node %s)\n", cfg.Dir, cfg.Node)
		return exitConfigError
	}
	fmt.Fprintf(w, "heartbeat: configuration in %s is valid (node %s)\n", filepath.Clean(cfg.Dir), cfg.Node)
	return exitOK
}
