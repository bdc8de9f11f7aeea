package resource

import (
	"context"
	"fmt"
	"time"
)

// script is a heartbeat resource script ($HA_DIR/resource.d) or an LSB init
// script (/etc/init.d), both run as ResourceManager runs them:
// `path [args…] op`, success by exit code 0, status by the text convention
// of StatusRunning with the exit code ignored.
type script struct {
	word string
	path string
	args []string
	run  *runner
}

func (s *script) String() string { return s.word }

// do runs `path args… op` and turns a non-zero exit into an *ExitError
// unless the caller looks at the output instead (status).
func (s *script) do(ctx context.Context, op string, timeout time.Duration, judge bool) (result, error) {
	argv := append(append([]string{s.path}, s.args...), op)
	res, err := s.run.run(ctx, command{word: s.word, op: op, argv: argv, timeout: timeout})
	if err == nil && judge && res.code != 0 {
		err = &ExitError{Command: argv, Code: res.code}
	}
	return res, err
}

// Start runs `path args start`.
func (s *script) Start(ctx context.Context) error {
	if _, err := s.do(ctx, "start", s.run.cfg.Timeout, true); err != nil {
		return fmt.Errorf("starting %s: %w", s.word, err)
	}
	return nil
}

// Stop runs `path args stop`; a failure is a *StopError.
func (s *script) Stop(ctx context.Context) error {
	_, err := s.do(ctx, "stop", s.run.cfg.Timeout, true)
	return stopFailed(s.word, err)
}

// Status runs `path args status` and matches its stdout; the exit code
// does not count (ResourceManager ignores it).
func (s *script) Status(ctx context.Context) (bool, error) {
	res, err := s.do(ctx, "status", s.run.cfg.StatusTimeout, false)
	if err != nil {
		return false, fmt.Errorf("status of %s: %w", s.word, err)
	}
	return StatusRunning(res.stdout), nil
}
