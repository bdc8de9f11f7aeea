package resource

import (
	"context"
	"fmt"
	"strings"
)

// systemdAgent drives a unit through systemctl: start, stop, is-active.
type systemdAgent struct {
	word string
	unit string
	run  *runner
}

func unitName(name string) string {
	if strings.HasSuffix(name, ".service") {
		return name
	}
	return name + ".service"
}

func (s *systemdAgent) String() string { return s.word }

func (s *systemdAgent) systemctl(ctx context.Context, verb string) (result, []string, error) {
	timeout := s.run.cfg.Timeout
	if verb == "is-active" || verb == "show" {
		timeout = s.run.cfg.StatusTimeout
	}
	argv := []string{s.run.cfg.Systemctl, verb, s.unit}
	if verb == "show" {
		argv = []string{s.run.cfg.Systemctl, "show", "--property=LoadState", "--value", s.unit}
	}
	res, err := s.run.run(ctx, command{word: s.word, op: verb, argv: argv, timeout: timeout})
	return res, argv, err
}

func (s *systemdAgent) change(ctx context.Context, verb string) error {
	res, argv, err := s.systemctl(ctx, verb)
	if err == nil && res.code != 0 {
		err = &ExitError{Command: argv, Code: res.code}
	}
	return err
}

// loaded reports whether systemd knows the unit (LoadState other than
// not-found), which is how the Resolver decides that the unit exists.
func (s *systemdAgent) loaded(ctx context.Context) (bool, error) {
	res, argv, err := s.systemctl(ctx, "show")
	if err == nil && res.code != 0 {
		err = &ExitError{Command: argv, Code: res.code}
	}
	if err != nil {
		return false, fmt.Errorf("looking up %s: %w", s.unit, err)
	}
	state := strings.TrimSpace(res.stdout)
	return state != "" && state != "not-found", nil
}

// Start runs `systemctl start unit`.
func (s *systemdAgent) Start(ctx context.Context) error {
	if err := s.change(ctx, "start"); err != nil {
		return fmt.Errorf("starting %s: %w", s.word, err)
	}
	return nil
}

// Stop runs `systemctl stop unit`; a failure is a *StopError.
func (s *systemdAgent) Stop(ctx context.Context) error {
	return stopFailed(s.word, s.change(ctx, "stop"))
}

// Status runs `systemctl is-active unit`: exit 0 is running, 3 (inactive,
// failed, activating) stopped, anything else an error (4: no such unit).
func (s *systemdAgent) Status(ctx context.Context) (bool, error) {
	res, argv, err := s.systemctl(ctx, "is-active")
	if err != nil {
		return false, fmt.Errorf("status of %s: %w", s.word, err)
	}
	switch res.code {
	case 0:
		return true, nil
	case 3:
		return false, nil
	}
	return false, fmt.Errorf("status of %s: %w", s.word, &ExitError{Command: argv, Code: res.code})
}
