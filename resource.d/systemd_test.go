package resource

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// systemdLab has a running "systemd" (SystemdDir exists) and a stand-in
// systemctl that records its calls and knows the units in units/.
func systemdLab(t *testing.T) *lab {
	l := newLab(t)
	for _, d := range []string{"systemd", "units"} {
		if err := os.Mkdir(l.path(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l.cfg.SystemdDir = l.path("systemd")
	l.cfg.Systemctl = l.script(".", "systemctl", `echo "$*" >> `+l.path("calls")+`
cd `+l.root+`
case "$1" in
show) [ -f "units/$4" ] && echo loaded || echo not-found;;
start) [ -f "fail.$2" ] && exit 1; touch "active.$2";;
stop) [ -f "fail.$2" ] && exit 1; rm -f "active.$2";;
is-active) [ -f "broken.$2" ] && exit 1
	if [ -f "active.$2" ]; then echo active; else echo inactive; exit 3; fi;;
esac
`)
	return l
}

func (l *lab) touch(name string) {
	l.t.Helper()
	if err := os.WriteFile(l.path(name), nil, 0o644); err != nil {
		l.t.Fatal(err)
	}
}

// TestSystemdUnit: last in the lookup order; start, stop, is-active.
func TestSystemdUnit(t *testing.T) {
	l := systemdLab(t)
	l.touch("units/web.service")
	l.touch("units/both.service")
	l.script("init.d", "both", "exit 0\n")
	r := l.resolver()

	if res, err := r.Lookup(t.Context(), "both"); err != nil || res.Kind != KindLSB {
		t.Errorf("both: %v %v, want the init script first", res.Kind, err)
	}
	res, err := r.Lookup(t.Context(), "web")
	if err != nil || res.Kind != KindSystemd || res.Path != "web.service" {
		t.Fatalf("web: %+v %v", res, err)
	}
	a := res.Agent
	step := func(name string, f func() error, wantRunning bool) {
		t.Helper()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		running, err := a.Status(t.Context())
		if err != nil || running != wantRunning {
			t.Fatalf("after %s: Status = %v, %v; want %v", name, running, err, wantRunning)
		}
	}
	step("nothing", func() error { return nil }, false)
	step("start", func() error { return a.Start(t.Context()) }, true)
	step("stop", func() error { return a.Stop(t.Context()) }, false)

	l.touch("fail.web.service")
	var se *StopError
	if err := a.Stop(t.Context()); !errors.As(err, &se) {
		t.Errorf("failed stop = %v, want *StopError", err)
	}
	if err := a.Start(t.Context()); err == nil {
		t.Error("failed start succeeded")
	}
	l.touch("broken.web.service")
	if _, err := a.Status(t.Context()); err == nil {
		t.Error("is-active exit 1: want an error")
	}
	if _, err := r.Resolve(t.Context(), "web::arg"); err == nil || !strings.Contains(err.Error(), "takes no arguments") {
		t.Errorf("web::arg: %v", err)
	}
	if _, err := r.Resolve(t.Context(), "nosuch"); !errors.Is(err, ErrNotFound) {
		t.Errorf("nosuch: %v, want ErrNotFound", err)
	}
	want := "show --property=LoadState --value both.service"
	if strings.Contains(l.read("calls"), want) {
		t.Errorf("systemctl asked about both although init.d has it")
	}
	for _, want := range []string{"show --property=LoadState --value web.service", "start web.service",
		"stop web.service", "is-active web.service", "show --property=LoadState --value nosuch.service"} {
		if !strings.Contains(l.read("calls"), want+"\n") {
			t.Errorf("systemctl calls lack %q:\n%s", want, l.read("calls"))
		}
	}
}

// TestSystemdAbsent: without /run/systemd/system systemctl is never asked.
func TestSystemdAbsent(t *testing.T) {
	l := systemdLab(t)
	l.touch("units/web.service")
	l.cfg.SystemdDir = l.path("nonexistent")
	if _, err := l.resolver().Resolve(t.Context(), "web"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve = %v, want ErrNotFound", err)
	}
	if calls := l.read("calls"); calls != "" {
		t.Errorf("systemctl called: %q", calls)
	}
}
