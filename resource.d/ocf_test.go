package resource

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// ocfLab installs an OCF agent that dumps its environment per op to
// env.OP and exits with the code in code.OP (0 when absent).
func ocfLab(t *testing.T) *lab {
	l := newLab(t)
	l.script("ocf/resource.d/heartbeat", "Agent", `env > `+l.path("env.")+`$1
code=0; [ -f `+l.path("code.")+`$1 ] && read -r code < `+l.path("code.")+`$1
exit $code
`)
	return l
}

func (l *lab) env(op string) map[string]string {
	env := map[string]string{}
	for line := range strings.Lines(l.read("env." + op)) {
		k, v, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "=")
		env[k] = v
	}
	return env
}

func (l *lab) exitWith(op string, code int) {
	l.t.Helper()
	if err := os.WriteFile(l.path("code."+op), []byte(fmt.Sprint(code)), 0o644); err != nil {
		l.t.Fatal(err)
	}
}

// TestOCFEnv: the variables pacemaker sets, parameters from name=value.
func TestOCFEnv(t *testing.T) {
	l := ocfLab(t)
	l.cfg.Timeout = 7 * time.Second
	l.cfg.StatusTimeout = 3 * time.Second
	l.cfg.Env.CurHost = "node1"
	l.cfg.Environ = append(l.cfg.Environ, "OCF_RESKEY_stale=1")
	a := l.resolve(l.resolver(), "Agent::state=/run/x.state::fake=a=b")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Status(t.Context()); err != nil {
		t.Fatal(err)
	}
	common := map[string]string{
		"OCF_ROOT":                    l.cfg.OCFRoot,
		"OCF_RA_VERSION_MAJOR":        "1",
		"OCF_RA_VERSION_MINOR":        "0",
		"OCF_RESOURCE_INSTANCE":       "Agent__state__run_x.state__fake_a_b",
		"OCF_RESOURCE_TYPE":           "Agent",
		"OCF_RESOURCE_PROVIDER":       "heartbeat",
		"OCF_RESKEY_state":            "/run/x.state",
		"OCF_RESKEY_fake":             "a=b",
		"OCF_RESKEY_CRM_meta_on_node": "node1",
		"HA_CURHOST":                  "node1",
		"HA_LOGD":                     "no",
	}
	for op, extra := range map[string]map[string]string{
		"start":   {"OCF_RESKEY_CRM_meta_timeout": "7000"},
		"monitor": {"OCF_RESKEY_CRM_meta_timeout": "3000", "OCF_RESKEY_CRM_meta_interval": "0"},
	} {
		env := l.env(op)
		for _, want := range []map[string]string{common, extra} {
			for k, v := range want {
				if env[k] != v {
					t.Errorf("%s: %s = %q, want %q", op, k, env[k], v)
				}
			}
		}
		if _, ok := env["OCF_RESKEY_stale"]; ok {
			t.Errorf("%s: inherited OCF_RESKEY_stale passed on", op)
		}
	}
	if _, ok := l.env("start")["OCF_RESKEY_CRM_meta_interval"]; ok {
		t.Error("start: OCF_RESKEY_CRM_meta_interval set")
	}
}

// TestOCFExitCodes: monitor 0 and 8 running, 7 stopped, others an error;
// start and stop succeed on 0 only.
func TestOCFExitCodes(t *testing.T) {
	l := ocfLab(t)
	a := l.resolve(l.resolver(), "Agent")
	for code := range 10 {
		t.Run(fmt.Sprintf("monitor %d", code), func(t *testing.T) {
			l.exitWith("monitor", code)
			running, err := a.Status(t.Context())
			var ee *ExitError
			switch code {
			case 0, 8:
				if !running || err != nil {
					t.Errorf("Status = %v, %v; want running", running, err)
				}
			case 7:
				if running || err != nil {
					t.Errorf("Status = %v, %v; want stopped", running, err)
				}
			default:
				if !errors.As(err, &ee) || ee.Code != code {
					t.Errorf("Status = %v, %v; want *ExitError %d", running, err, code)
				}
			}
		})
	}
	for _, code := range []int{0, 1, 5, 7} {
		t.Run(fmt.Sprintf("start stop %d", code), func(t *testing.T) {
			l.exitWith("start", code)
			l.exitWith("stop", code)
			startErr, stopErr := a.Start(t.Context()), a.Stop(t.Context())
			if code == 0 {
				if startErr != nil || stopErr != nil {
					t.Errorf("start %v, stop %v", startErr, stopErr)
				}
				return
			}
			var ee *ExitError
			var se *StopError
			if !errors.As(startErr, &ee) || ee.Code != code || errors.As(startErr, &se) {
				t.Errorf("start = %v, want *ExitError %d", startErr, code)
			}
			if !errors.As(stopErr, &se) || !errors.As(stopErr, &ee) || ee.Code != code {
				t.Errorf("stop = %v, want *StopError around exit %d", stopErr, code)
			}
		})
	}
}

// TestOCFTimeoutFromContext: a shorter ctx deadline is what the agent is told.
func TestOCFTimeoutFromContext(t *testing.T) {
	l := ocfLab(t)
	a := l.resolve(l.resolver(), "Agent")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var ms int
	if _, err := fmt.Sscan(l.env("start")["OCF_RESKEY_CRM_meta_timeout"], &ms); err != nil {
		t.Fatal(err)
	}
	if ms <= 0 || ms > 30000 {
		t.Errorf("CRM_meta_timeout = %d ms, want within the 30 s of the context", ms)
	}
}
