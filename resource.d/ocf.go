package resource

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// OCF exit codes (OCF resource agent API 1.0).
const (
	ocfSuccess       = 0
	ocfNotRunning    = 7
	ocfRunningMaster = 8
)

var ocfParamName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ocfAgent runs an OCF resource agent the way pacemaker's executor does:
// `path op` with the parameters as OCF_RESKEY_name=value and the OCF_
// variables of the resource in the environment.
type ocfAgent struct {
	word     string
	path     string
	env      []string // OCF_ variables common to every op
	instance string
	run      *runner
}

// newOCF binds name=value arguments as OCF parameters.
func newOCF(run *runner, word, name, path string, args []string) (*ocfAgent, error) {
	instance := ocfInstance(word)
	env := []string{
		"OCF_RA_VERSION_MAJOR=1",
		"OCF_RA_VERSION_MINOR=0",
		"OCF_RESOURCE_INSTANCE=" + instance,
		"OCF_RESOURCE_TYPE=" + name,
		"OCF_RESOURCE_PROVIDER=" + run.cfg.OCFProvider,
		"OCF_EXIT_REASON_PREFIX=ocf-exit-reason:",
	}
	if run.cfg.Env.CurHost != "" {
		env = append(env, "OCF_RESKEY_CRM_meta_on_node="+run.cfg.Env.CurHost)
	}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || !ocfParamName.MatchString(k) {
			return nil, fmt.Errorf("OCF agent %s: argument %q is not name=value", name, a)
		}
		env = append(env, "OCF_RESKEY_"+k+"="+v)
	}
	return &ocfAgent{word: word, path: path, env: env, instance: instance, run: run}, nil
}

// ocfInstance names the resource instance after its haresources word, with
// every character outside [A-Za-z0-9_.-] replaced by "_", since agents use
// it in file names (Dummy keeps its state in $HA_VARRUN/Dummy-INSTANCE.state).
func ocfInstance(word string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			return r
		}
		return '_'
	}, word)
}

func (o *ocfAgent) String() string { return o.word }

// do runs `path op`; OCF_RESKEY_CRM_meta_timeout carries the time the agent
// has, in milliseconds, as pacemaker passes it.
func (o *ocfAgent) do(ctx context.Context, op string, timeout time.Duration) (result, []string, error) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	env := append([]string{
		"OCF_RESKEY_CRM_meta_timeout=" + strconv.FormatInt(timeout.Milliseconds(), 10),
	}, o.env...)
	if op == "monitor" {
		env = append(env, "OCF_RESKEY_CRM_meta_interval=0")
	}
	argv := []string{o.path, op}
	res, err := o.run.run(ctx, command{word: o.word, op: op, argv: argv, env: env, timeout: timeout})
	return res, argv, err
}

func (o *ocfAgent) change(ctx context.Context, op string) error {
	res, argv, err := o.do(ctx, op, o.run.cfg.Timeout)
	if err == nil && res.code != ocfSuccess {
		err = &ExitError{Command: argv, Code: res.code}
	}
	return err
}

// Start runs `agent start`; only OCF_SUCCESS succeeds.
func (o *ocfAgent) Start(ctx context.Context) error {
	if err := o.change(ctx, "start"); err != nil {
		return fmt.Errorf("starting %s: %w", o.word, err)
	}
	return nil
}

// Stop runs `agent stop`; anything but OCF_SUCCESS is a *StopError.
func (o *ocfAgent) Stop(ctx context.Context) error {
	return stopFailed(o.word, o.change(ctx, "stop"))
}

// Status runs `agent monitor`: OCF_SUCCESS (or OCF_RUNNING_MASTER) is
// running, OCF_NOT_RUNNING stopped, any other code an error.
func (o *ocfAgent) Status(ctx context.Context) (bool, error) {
	res, argv, err := o.do(ctx, "monitor", o.run.cfg.StatusTimeout)
	if err != nil {
		return false, fmt.Errorf("status of %s: %w", o.word, err)
	}
	switch res.code {
	case ocfSuccess, ocfRunningMaster:
		return true, nil
	case ocfNotRunning:
		return false, nil
	}
	return false, fmt.Errorf("status of %s: %w", o.word, &ExitError{Command: argv, Code: res.code})
}
