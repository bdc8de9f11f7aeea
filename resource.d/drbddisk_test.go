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

// drbdLab has a stand-in drbdadm (there is no DRBD in this kernel) that
// records its calls, plays the roles in role.RES, fails the next N
// primary/secondary calls (fail.VERB holds N) and answers sh-dev/sh-minor
// from the files dev and minor.
func drbdLab(t *testing.T) *lab {
	l := newLab(t)
	l.cfg.DRBDRetryInterval = time.Millisecond
	l.cfg.ProcDRBD = l.path("proc-drbd")
	l.cfg.Drbdadm = l.script(".", "drbdadm", `echo "$*" >> `+l.path("calls")+`
cd `+l.root+`
case "$1" in
primary|secondary)
	if [ -f "fail.$1" ]; then
		read -r n < "fail.$1"
		if [ "$n" -gt 0 ]; then
			echo $((n-1)) > "fail.$1"
			echo "$2: State change failed: (-2) Need access to UpToDate data" >&2
			exit 11
		fi
	fi
	if [ "$1" = primary ]; then echo Primary/Secondary; else echo Secondary/Primary; fi > "role.$2";;
role) [ -f "role.$2" ] || { echo "'$2' not defined in your config" >&2; exit 10; }; cat "role.$2";;
sh-dev) [ -f dev ] && cat dev || exit 1;;
sh-minor) [ -f minor ] && cat minor || exit 1;;
*) exit 20;;
esac
`)
	return l
}

func (l *lab) write(name, content string) {
	l.t.Helper()
	if err := os.WriteFile(l.path(name), []byte(content), 0o644); err != nil {
		l.t.Fatal(err)
	}
}

func (l *lab) calls() []string {
	return strings.Split(strings.TrimSuffix(l.read("calls"), "\n"), "\n")
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestDrbddiskRetries: the attempts of the drbddisk script, 6 for primary
// and 3 for secondary.
func TestDrbddiskRetries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		op    string
		fails int
		calls []string
		ok    bool
	}{
		{"start first try", "start", 0, []string{"primary r0"}, true},
		{"start after 5 failures", "start", 5, repeat("primary r0", 6), true},
		{"start fails 6 times", "start", 6, repeat("primary r0", 6), false},
		{"stop after 2 failures", "stop", 2, repeat("secondary r0", 3), true},
		{"stop fails 3 times", "stop", 3, repeat("secondary r0", 3), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := drbdLab(t)
			verb := map[string]string{"start": "primary", "stop": "secondary"}[tc.op]
			l.write("fail."+verb, fmt.Sprint(tc.fails))
			a := l.resolve(l.resolver(), "drbddisk::r0")
			var err error
			if tc.op == "start" {
				err = a.Start(t.Context())
			} else {
				err = a.Stop(t.Context())
			}
			if got := l.calls(); strings.Join(got, ",") != strings.Join(tc.calls, ",") {
				t.Errorf("calls = %q, want %q", got, tc.calls)
			}
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]bool{"start": true, "stop": false}[tc.op]
				if running, err := a.Status(t.Context()); err != nil || running != want {
					t.Errorf("Status = %v, %v; want %v", running, err, want)
				}
				return
			}
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != 11 {
				t.Errorf("err = %v, want exit code 11", err)
			}
			var se *StopError
			if errors.As(err, &se) != (tc.op == "stop") {
				t.Errorf("err = %v: *StopError only for stop", err)
			}
		})
	}
}

// TestDrbddiskDefaultAll: without an argument the resource is "all", and
// status cannot be told (the script answers stopped without asking drbdadm).
func TestDrbddiskDefaultAll(t *testing.T) {
	l := drbdLab(t)
	a := l.resolve(l.resolver(), "drbddisk")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if running, err := a.Status(t.Context()); running || err != nil {
		t.Errorf("Status = %v, %v; want stopped", running, err)
	}
	if got := strings.Join(l.calls(), ","); got != "primary all,secondary all" {
		t.Errorf("calls = %s", got)
	}
}

// TestDrbddiskStatus: drbdadm role first, /proc/drbd when it gives no role.
func TestDrbddiskStatus(t *testing.T) {
	const proc = "version: 8.4.11 (api:1/proto:86-101)\n" +
		" 0: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----\n" +
		"    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n" +
		" 1: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"primary", map[string]string{"role.r0": "Primary/Secondary\n"}, true},
		{"primary drbd9", map[string]string{"role.r0": "Primary\n"}, true},
		{"secondary", map[string]string{"role.r0": "Secondary/Primary\n"}, false},
		{"unconfigured", map[string]string{"role.r0": "Unconfigured\n"}, false},
		{"no role, no /proc/drbd", nil, false},
		{"proc minor 1 primary", map[string]string{"proc-drbd": proc, "dev": "/dev/drbd1\n"}, true},
		{"proc minor 0 secondary", map[string]string{"proc-drbd": proc, "dev": "/dev/drbd0\n"}, false},
		{"proc minor not listed", map[string]string{"proc-drbd": proc, "dev": "/dev/drbd7\n"}, false},
		{"proc via sh-minor", map[string]string{"proc-drbd": proc, "dev": "/dev/mapper/x\n", "minor": "1\n"}, true},
		{"unknown minor: may be running", map[string]string{"proc-drbd": proc}, true},
		{"odd role: may be running", map[string]string{"role.r0": "Weird/Secondary\n", "proc-drbd": proc}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := drbdLab(t)
			for name, content := range tc.files {
				l.write(name, content)
			}
			running, err := l.resolve(l.resolver(), "drbddisk::r0").Status(t.Context())
			if err != nil || running != tc.want {
				t.Errorf("Status = %v, %v; want %v", running, err, tc.want)
			}
		})
	}
}

// TestDrbddiskCancel: a cancelled context ends the retries.
func TestDrbddiskCancel(t *testing.T) {
	l := drbdLab(t)
	l.cfg.DRBDRetryInterval = time.Hour
	l.write("fail.primary", "100")
	a := l.resolve(l.resolver(), "drbddisk::r0")
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- a.Start(ctx) }()
	poll(t, "the first drbdadm call", func() bool { return l.read("calls") != "" })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Start = %v, want context.Canceled", err)
	}
}

func TestProcDRBDRole(t *testing.T) {
	for _, tc := range []struct{ proc, minor, want string }{
		{" 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n", "0", "Primary"},
		{"0: cs:Connected st:Secondary/Primary ld:Consistent\n", "0", "Secondary"}, // DRBD 0.7
		{" 10: cs:Unconfigured\n", "10", "Unconfigured"},
		{" 10: cs:StandAlone ro:Primary/Unknown\n", "1", "Unconfigured"},
		{"version: 9.0\n", "0", "Unconfigured"},
		{" 0: cs:WFConnection ro:Primary/Unknown/x\n", "0", "Primary/Unknown"}, // ${5%/*}
	} {
		if got := ProcDRBDRole(tc.proc, tc.minor); got != tc.want {
			t.Errorf("ProcDRBDRole(%q, %s) = %q, want %q", tc.proc, tc.minor, got, tc.want)
		}
	}
}
