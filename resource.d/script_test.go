package resource

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStatusRunning is spec case 36 and the globs of spec 3.2.
func TestStatusRunning(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want bool
	}{
		{"OK", true},
		{"Not running", false},
		{"", false},
		{"is NOT currently Running", false},
		{"RUNNING", false},
		{"running", true},
		{"Running", true},
		{"stopped", false},
		{"apache2 is running.\n", true},
		{"nginx is not running ... failed!\n", false},
		{"not\nrunning", true},     // "not" must be followed by a blank
		{"not\trunning", true},     // … a blank, not a tab
		{"notrunning", true},       // no blank at all
		{"OK\nnot running", false}, // the not-running glob is tried first
		{"ok", false},              // OK is upper case only
		{"Not RUNNING", false},
		{"running (Primary)", true},
		{"stopped (Secondary)", false},
		// drbddisk's "may be running": 3.0.6 reads "cannot " + "running" as stopped.
		{"cannot determine status, may be running (Unknown)", false},
		{"line one\nstatus: OK\n", true},
	} {
		t.Run(fmt.Sprintf("%q", tc.out), func(t *testing.T) {
			if got := StatusRunning(tc.out); got != tc.want {
				t.Errorf("StatusRunning(%q) = %v, want %v", tc.out, got, tc.want)
			}
		})
	}
}

// TestScriptArgsThenOp checks the invocation `path args… op` of spec 3.2.
func TestScriptArgsThenOp(t *testing.T) {
	l := newLab(t)
	l.script("ha.d/resource.d", "rec", `for a; do printf '[%s]' "$a"; done >> `+l.path("calls")+"; echo >> "+l.path("calls")+"\n")
	r := l.resolver()
	for _, tc := range []struct {
		word string
		op   string
		want string
	}{
		{"rec", "start", "[start]"},
		{"rec::alpha", "stop", "[alpha][stop]"},
		{"rec::a::b::c", "start", "[a][b][c][start]"},
		{"rec::a::::b::", "status", "[a][b][status]"},
		{"rec::x=1::-v", "start", "[x=1][-v][start]"},
	} {
		t.Run(tc.word+" "+tc.op, func(t *testing.T) {
			_ = os.Remove(l.path("calls"))
			a := l.resolve(r, tc.word)
			var err error
			switch tc.op {
			case "start":
				err = a.Start(t.Context())
			case "stop":
				err = a.Stop(t.Context())
			case "status":
				_, err = a.Status(t.Context())
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(l.read("calls")); got != tc.want {
				t.Errorf("argv = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestScriptEnv checks the environment 3.0.6 gives its scripts (spec 3.2).
func TestScriptEnv(t *testing.T) {
	l := newLab(t)
	l.script("ha.d/resource.d", "envdump", "env > "+l.path("env")+"\n")
	l.cfg.Environ = append(l.cfg.Environ, "LC_ALL=fr_FR.UTF-8", "LANGUAGE=fr", "KEEP=me",
		"HA_CURHOST=stale", "OCF_RESKEY_leak=1")
	l.cfg.Env = Environment{LogFile: "/var/log/ha-log", DebugLog: "/var/log/ha-debug",
		LogFacility: "local0", CurHost: "node1", Debug: 2}
	a := l.resolve(l.resolver(), "envdump")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for line := range strings.Lines(l.read("env")) {
		k, v, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "=")
		env[k] = v
	}
	want := map[string]string{
		"HA_DIR":         l.cfg.HADir,
		"HA_FUNCS":       l.cfg.HADir + "/shellfuncs",
		"HA_DATEFMT":     "%Y/%m/%d_%T\t",
		"OCF_ROOT":       l.cfg.OCFRoot,
		"HA_LOGFILE":     "/var/log/ha-log",
		"HA_DEBUGLOG":    "/var/log/ha-debug",
		"HA_LOGFACILITY": "local0",
		"HA_CURHOST":     "node1",
		"HA_LOGD":        "no",
		"HA_debug":       "2",
		"KEEP":           "me",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"LC_ALL", "LANGUAGE", "OCF_RESKEY_leak"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s = %q, want unset", k, v)
		}
	}
}

// TestEnvDefaults checks the defaults: the 3.0.6 paths, optional variables unset.
func TestEnvDefaults(t *testing.T) {
	c := Config{Environ: []string{}}.withDefaults()
	got := strings.Join(c.environ(), "\n")
	want := strings.Join([]string{"HA_DIR=/etc/ha.d/", "HA_FUNCS=/etc/ha.d//shellfuncs",
		"HA_DATEFMT=%Y/%m/%d_%T\t", "OCF_ROOT=/usr/lib/ocf", "HA_LOGD=no"}, "\n")
	if got != want {
		t.Errorf("environ =\n%s\nwant\n%s", got, want)
	}
	if c.ResourceDir != "/etc/ha.d/resource.d" || c.InitDir != "/etc/init.d" ||
		c.Drbdadm != "/sbin/drbdadm" || c.SystemdDir != "/run/systemd/system" {
		t.Errorf("paths = %q %q %q %q", c.ResourceDir, c.InitDir, c.Drbdadm, c.SystemdDir)
	}
}

// TestLSBExitCodes: start and stop succeed on exit 0 only and keep the code
// (for "Return code N"); status ignores the code and reads the text.
func TestLSBExitCodes(t *testing.T) {
	l := newLab(t)
	l.script("init.d", "svc", `read -r code < `+l.path("code")+`
case "$1" in status) cat `+l.path("text")+`;; esac
exit $code
`)
	r := l.resolver()
	a := l.resolve(r, "svc")
	set := func(code int, text string) {
		t.Helper()
		if err := os.WriteFile(l.path("code"), []byte(fmt.Sprint(code)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(l.path("text"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for code := range 8 {
		t.Run(fmt.Sprintf("exit %d", code), func(t *testing.T) {
			set(code, "")
			startErr, stopErr := a.Start(t.Context()), a.Stop(t.Context())
			if code == 0 {
				if startErr != nil || stopErr != nil {
					t.Fatalf("start: %v, stop: %v", startErr, stopErr)
				}
				return
			}
			var ee *ExitError
			if !errors.As(startErr, &ee) || ee.ExitCode() != code || !strings.Contains(ee.Error(), exitMeaning(code)) {
				t.Errorf("start error %v, want *ExitError with code %d (%s)", startErr, code, exitMeaning(code))
			}
			var se *StopError
			if !errors.As(stopErr, &se) || se.Resource != "svc" || !errors.As(stopErr, &ee) || ee.Code != code {
				t.Errorf("stop error %v, want *StopError around exit code %d", stopErr, code)
			}
		})
	}
	for _, tc := range []struct {
		code int
		text string
		want bool
	}{
		{3, "svc is running\n", true}, // LSB 3 = not running, but the text wins
		{0, "svc is not running\n", false},
		{0, "", false},
		{4, "OK", true},
	} {
		t.Run(fmt.Sprintf("status exit %d %q", tc.code, tc.text), func(t *testing.T) {
			set(tc.code, tc.text)
			got, err := a.Status(t.Context())
			if err != nil || got != tc.want {
				t.Errorf("Status = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestScriptTimeoutKillsGroup: a hung script is killed with the children it
// started (its process group), and the operation fails with ErrTimeout; a
// hung stop is a *StopError.
func TestScriptTimeoutKillsGroup(t *testing.T) {
	l := newLab(t)
	l.cfg.Timeout = 300 * time.Millisecond
	l.cfg.WaitDelay = 100 * time.Millisecond
	l.script("ha.d/resource.d", "hang", `sleep 1000 &
echo $$ $! > `+l.path("pids.tmp")+`
mv `+l.path("pids.tmp")+" "+l.path("pids")+`
echo hanging
wait
`)
	a := l.resolve(l.resolver(), "hang")
	for _, op := range []string{"start", "stop"} {
		t.Run(op, func(t *testing.T) {
			_ = os.Remove(l.path("pids"))
			var err error
			if op == "start" {
				err = a.Start(t.Context())
			} else {
				err = a.Stop(t.Context())
			}
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("err = %v, want ErrTimeout", err)
			}
			var se *StopError
			if got := errors.As(err, &se); got != (op == "stop") {
				t.Errorf("errors.As(*StopError) = %v for %s", got, op)
			}
			pids := l.pidsIn("pids")
			if len(pids) != 2 {
				t.Fatalf("pids = %v", pids)
			}
			t.Cleanup(func() {
				for _, p := range pids {
					_ = syscall.Kill(p, syscall.SIGKILL)
				}
			})
			waitDead(t, pids)
		})
	}
}

// TestScriptChildSurvivesSuccess: a script that starts a daemon which keeps
// stdout open succeeds after WaitDelay, and the daemon is not killed.
func TestScriptChildSurvivesSuccess(t *testing.T) {
	l := newLab(t)
	l.cfg.WaitDelay = 50 * time.Millisecond
	l.script("ha.d/resource.d", "daemon", `case "$1" in
start) sleep 1000 & echo $! > `+l.path("pid")+`; echo started;;
status) sleep 1000 & echo $! >> `+l.path("pid")+`; echo running;;
esac
exit 0
`)
	r := l.resolver()
	a := l.resolve(r, "daemon")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	running, err := a.Status(t.Context())
	if err != nil || !running {
		t.Fatalf("Status = %v, %v; want running", running, err)
	}
	pids := l.pidsIn("pid")
	t.Cleanup(func() {
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	})
	for _, p := range pids {
		if !alive(p) {
			t.Errorf("background child %d was killed", p)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestScriptOutputLogged: stdout and stderr reach the injected logger, a
// line per entry, with the resource, op and stream fields.
func TestScriptOutputLogged(t *testing.T) {
	l := newLab(t)
	l.script("ha.d/resource.d", "talk", "echo out-$1\necho err-$1 >&2\nprintf 'no newline'\n")
	a := l.resolve(l.resolver(), "talk::x")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range l.hook.AllEntries() {
		got = append(got, fmt.Sprintf("%s %v %v %v %s", e.Level, e.Data[FieldResource], e.Data[FieldOp], e.Data[FieldStream], e.Message))
	}
	want := map[string]bool{
		"debug talk::x start stdout out-x":      true,
		"debug talk::x start stderr err-x":      true,
		"debug talk::x start stdout no newline": true,
	}
	if len(got) != len(want) {
		t.Fatalf("log = %q", got)
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected log entry %q (all: %q)", g, got)
		}
	}
}

// TestScriptNotExecutable: a script that cannot be run is an error from
// Start, and Status reports the error rather than a guess.
func TestScriptVanished(t *testing.T) {
	l := newLab(t)
	p := l.script("ha.d/resource.d", "gone", "exit 0\n")
	a := l.resolve(l.resolver(), "gone")
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Start = %v, want ErrNotExist", err)
	}
	if _, err := a.Status(t.Context()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Status = %v, want ErrNotExist", err)
	}
	var se *StopError
	if err := a.Stop(t.Context()); !errors.As(err, &se) {
		t.Errorf("Stop = %v, want *StopError", err)
	}
}
