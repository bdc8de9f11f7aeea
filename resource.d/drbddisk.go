package resource

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// drbddisk is the built-in form of Debian's /etc/ha.d/resource.d/drbddisk
// (`drbddisk [resource]`, default resource "all"): start promotes with
// `drbdadm primary` (6 attempts), stop demotes with `drbdadm secondary`
// (3 attempts), Config.DRBDRetryInterval apart; status asks `drbdadm role`
// and falls back to /proc/drbd.
type drbddisk struct {
	word     string
	resource string
	run      *runner
}

// Attempts of the drbddisk script: start retries in case heartbeat's
// deadtime is shorter than DRBD's ping time; stop is retried by heartbeat too.
const (
	drbdStartTries = 6
	drbdStopTries  = 3
)

func newDrbddisk(run *runner, word string, args []string) (Agent, error) {
	switch len(args) {
	case 0:
		return &drbddisk{word: word, resource: "all", run: run}, nil
	case 1:
		return &drbddisk{word: word, resource: args[0], run: run}, nil
	}
	return nil, fmt.Errorf("drbddisk takes at most one argument (the DRBD resource), got %d", len(args))
}

func (d *drbddisk) String() string { return d.word }

// drbdadm runs `drbdadm verb resource`.
func (d *drbddisk) drbdadm(ctx context.Context, verb string, timeout time.Duration) (result, []string, error) {
	argv := []string{d.run.cfg.Drbdadm, verb, d.resource}
	res, err := d.run.run(ctx, command{word: d.word, op: verb, argv: argv, timeout: timeout})
	return res, argv, err
}

// retry runs `drbdadm verb` until it succeeds, at most tries times.
func (d *drbddisk) retry(ctx context.Context, verb string, tries int) error {
	for try := 1; ; try++ {
		res, argv, err := d.drbdadm(ctx, verb, d.run.cfg.Timeout)
		if err == nil && res.code != 0 {
			err = &ExitError{Command: argv, Code: res.code}
		}
		if err == nil {
			return nil
		}
		if try == tries || ctx.Err() != nil {
			return fmt.Errorf("%d attempts: %w", try, err)
		}
		t := time.NewTimer(d.run.cfg.DRBDRetryInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%d attempts: %w", try, errors.Join(err, context.Cause(ctx)))
		case <-t.C:
		}
	}
}

// Start promotes the resource to Primary.
func (d *drbddisk) Start(ctx context.Context) error {
	if err := d.retry(ctx, "primary", drbdStartTries); err != nil {
		return fmt.Errorf("starting %s: %w", d.word, err)
	}
	return nil
}

// Stop demotes the resource to Secondary; a failure is a *StopError.
func (d *drbddisk) Stop(ctx context.Context) error {
	return stopFailed(d.word, d.retry(ctx, "secondary", drbdStopTries))
}

// Status reports Primary as running, Secondary and Unconfigured as stopped.
// Any other answer counts as running ("may be running"), as in the script,
// so that a failed stop leads to heartbeat's recovery rather than to a
// second Primary. Like the script, it cannot answer for "all": stopped.
func (d *drbddisk) Status(ctx context.Context) (bool, error) {
	log := d.run.cfg.Log.WithField(FieldResource, d.word)
	if d.resource == "all" {
		log.Warn("drbddisk: a resource name is required for status inquiries")
		return false, nil
	}
	res, _, err := d.drbdadm(ctx, "role", d.run.cfg.StatusTimeout)
	role := ""
	if err == nil {
		role = cutLast(strings.TrimSpace(res.stdout), "/")
	}
	switch role {
	case "Primary", "Secondary", "Unconfigured":
	default:
		// drbdadm may fail for obscure reasons (read-only /var/lock).
		role = d.procRole(ctx)
	}
	switch role {
	case "Primary":
		return true, nil
	case "Secondary", "Unconfigured":
		return false, nil
	}
	log.Warnf("drbddisk: cannot determine status of %s, may be running (%s)", d.resource, role)
	return true, nil
}

// procRole finds the role of the resource's minor in /proc/drbd (DRBD 8).
func (d *drbddisk) procRole(ctx context.Context) string {
	if _, err := os.Stat(d.run.cfg.ProcDRBD); err != nil {
		return "Unconfigured"
	}
	minor := ""
	if res, _, err := d.drbdadm(ctx, "sh-dev", d.run.cfg.StatusTimeout); err == nil {
		minor = strings.TrimPrefix(strings.TrimSpace(res.stdout), "/dev/drbd")
	}
	if !allDigits(minor) {
		// sh-minor exists since drbd 8.3.1; older ones only know sh-dev.
		minor = ""
		if res, _, err := d.drbdadm(ctx, "sh-minor", d.run.cfg.StatusTimeout); err == nil {
			minor = strings.TrimSpace(res.stdout)
		}
	}
	if minor == "" || !allDigits(minor) {
		return "Unknown"
	}
	proc, err := os.ReadFile(d.run.cfg.ProcDRBD)
	if err != nil {
		return "Unknown"
	}
	return ProcDRBDRole(string(proc), minor)
}

// ProcDRBDRole reads the local role of a minor from a DRBD 8 /proc/drbd,
// where a device line reads ` 0: cs:Connected ro:Primary/Secondary …`
// (`st:` before 8.3). A minor that is not listed is "Unconfigured".
func ProcDRBDRole(proc, minor string) string {
	for line := range strings.Lines(proc) {
		rest, ok := strings.CutPrefix(strings.TrimLeft(line, " "), minor+": cs:")
		if !ok {
			continue
		}
		// The script splits "MINOR: cs:STATE ro:ROLES …" at ':' and blanks
		// and takes the fifth field: MINOR, cs, STATE, ro, ROLES.
		f := strings.Fields(strings.ReplaceAll(rest, ":", " "))
		if len(f) < 3 || cutLast(f[2], "/") == "" {
			return "Unconfigured"
		}
		return cutLast(f[2], "/")
	}
	return "Unconfigured"
}

// cutLast returns s before the last sep (the shell's ${s%sep*}).
func cutLast(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i]
	}
	return s
}

func allDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}
