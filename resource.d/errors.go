package resource

import (
	"errors"
	"fmt"
	"strings"
)

// ErrTimeout means an operation ran longer than its timeout and its process
// group was killed. Wrapped in the error of the operation.
var ErrTimeout = errors.New("timed out")

// StopError is returned by every Stop of this package, and by every agent
// the Resolver hands out, when the resource could not be stopped: it may
// still be active here, so the caller must apply heartbeat's safeguards
// (retry, status check, reboot) before anything starts it elsewhere.
type StopError struct {
	Resource string // the haresources word
	Err      error
}

func (e *StopError) Error() string {
	return fmt.Sprintf("stopping %s: %v", e.Resource, e.Err)
}

func (e *StopError) Unwrap() error { return e.Err }

// stopFailed wraps a failed stop in a *StopError (once).
func stopFailed(word string, err error) error {
	var se *StopError
	if err == nil || errors.As(err, &se) {
		return err
	}
	return &StopError{Resource: word, Err: err}
}

// ExitError reports a command that ran to its end with a non-zero exit code.
type ExitError struct {
	Command []string // path and arguments as run
	Code    int      // exit code, 1..255
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("%s: exit code %d", strings.Join(e.Command, " "), e.Code)
	if m := exitMeaning(e.Code); m != "" {
		msg += " (" + m + ")"
	}
	return msg
}

// ExitCode returns the command's exit code, for "Return code N" log lines.
func (e *ExitError) ExitCode() int { return e.Code }

// exitMeaning names the LSB init-script action codes 1..7, which OCF took
// over unchanged, and the OCF promotable codes 8 and 9.
func exitMeaning(code int) string {
	switch code {
	case 1:
		return "generic or unspecified error"
	case 2:
		return "invalid or excess arguments"
	case 3:
		return "unimplemented feature"
	case 4:
		return "insufficient privilege"
	case 5:
		return "program is not installed"
	case 6:
		return "program is not configured"
	case 7:
		return "program is not running"
	case 8:
		return "running as promoted"
	case 9:
		return "failed as promoted"
	}
	return ""
}
