package halog

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

var testTime = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

func setup(t *testing.T, o Options) *Logs {
	t.Helper()
	if o.Host == "" {
		o.Host = "node1"
	}
	o.Zone = time.UTC
	l, err := Setup(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func line(pid int, text string) string {
	return "Jan 01 00:00:00 node1 heartbeat: [" + strconv.Itoa(pid) + "]: " + text + "\n"
}

// TestFileFollowsLogrotate moves the logfile away between two lines (logrotate's default)
// and truncates it (copytruncate): no line is lost and each lands in the current file.
func TestFileFollowsLogrotate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ha-log")
	l := setup(t, Options{Logfile: path, SyslogMsgFmt: true})
	e := WithPID(l.Logger.WithTime(testTime), 1)

	NodeDead(e, "node2")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	LinkDead(e, "node2", "eth0")
	if got, want := readFile(t, path+".1"), line(1, "WARN: node node2: is dead"); got != want {
		t.Errorf("rotated file: %q, want %q", got, want)
	}
	if got, want := readFile(t, path), line(1, "info: Link node2:eth0 dead."); got != want {
		t.Errorf("new file: %q, want %q", got, want)
	}

	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	NodeDead(e, "node3")
	if got, want := readFile(t, path), line(1, "WARN: node node3: is dead"); got != want {
		t.Errorf("after truncate: %q, want %q", got, want)
	}

	// Reopen (SIGHUP) and Close leave the logger usable: the next line opens the path.
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	NodeDead(e, "node4")
	if got, want := readFile(t, path), line(1, "WARN: node node4: is dead"); got != want {
		t.Errorf("after reopen: %q, want %q", got, want)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("created with mode %v, want 0644", st.Mode().Perm())
	}
}

// TestDestinations checks which lines reach which sink, in which layout.
func TestDestinations(t *testing.T) {
	dir := t.TempDir()
	logfile, debugfile := filepath.Join(dir, "ha-log"), filepath.Join(dir, "ha-debug")
	var stderr bytes.Buffer
	l := setup(t, Options{Logfile: logfile, Debugfile: debugfile, SyslogMsgFmt: true, Foreground: true, Stderr: &stderr})
	e := WithPID(l.Logger.WithTime(testTime), 7)

	l.Logger.WithTime(testTime).WithField(FieldPID, 7).Debug("notify_world: setting SIGCHLD Handler to SIG_DFL")
	WithPID(l.Logger.WithTime(testTime), 7).Trace("hidden below debug 1")
	HarcRunning(e, "/etc/ha.d//rc.d", "status")
	Log(e, Notice, "a notice")

	debugLine := line(7, "debug: notify_world: setting SIGCHLD Handler to SIG_DFL")
	wantLog := "2000/01/01_00:00:00  harc(default)[7]:    info: Running /etc/ha.d//rc.d/status status\n" + line(7, "notice: a notice")
	wantDebug := debugLine + "harc(default)[7]:\t2000/01/01_00:00:00 info: Running /etc/ha.d//rc.d/status status\n" + line(7, "notice: a notice")
	if got := readFile(t, logfile); got != wantLog {
		t.Errorf("logfile:\n%q\nwant\n%q", got, wantLog)
	}
	if got := readFile(t, debugfile); got != wantDebug {
		t.Errorf("debugfile:\n%q\nwant\n%q", got, wantDebug)
	}
	if got := stderr.String(); got != debugLine+wantLog {
		t.Errorf("stderr:\n%q\nwant\n%q", got, debugLine+wantLog)
	}
}

func TestDebugLevelPassesTrace(t *testing.T) {
	debugfile := filepath.Join(t.TempDir(), "ha-debug")
	l := setup(t, Options{Debugfile: debugfile, Debug: 1})
	WithPID(l.Logger.WithTime(testTime), 3).Trace("detail")
	if got, want := readFile(t, debugfile), "heartbeat[3]: 2000/01/01_00:00:00 debug: detail\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestSameFileForBoth writes each line once when logfile and debugfile are one path.
func TestSameFileForBoth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ha-log")
	l := setup(t, Options{Logfile: path, Debugfile: path, SyslogMsgFmt: true})
	e := WithPID(l.Logger.WithTime(testTime), 1)
	e.Debug("d")
	NodeDead(e, "n")
	if got, want := readFile(t, path), line(1, "debug: d")+line(1, "WARN: node n: is dead"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestFailingSinkSparesOthers: a logfile that cannot be opened is reported and the
// debugfile still gets the line (logrus would stop at the first failing hook).
func TestFailingSinkSparesOthers(t *testing.T) {
	dir := t.TempDir()
	debugfile := filepath.Join(dir, "ha-debug")
	var errs []error
	l := setup(t, Options{Logfile: filepath.Join(dir, "missing", "ha-log"), Debugfile: debugfile,
		SyslogMsgFmt: true, OnError: func(err error) { errs = append(errs, err) }})
	NodeDead(WithPID(l.Logger.WithTime(testTime), 1), "n")
	if len(errs) != 1 || !errors.Is(errs[0], os.ErrNotExist) || !strings.Contains(errs[0].Error(), "missing/ha-log") {
		t.Errorf("errors %v, want one about missing/ha-log", errs)
	}
	if got, want := readFile(t, debugfile), line(1, "WARN: node n: is dead"); got != want {
		t.Errorf("debugfile %q, want %q", got, want)
	}
}

// TestFileOwner gives a created file the requested owner; without root the chown fails
// and is reported while the line is still written.
func TestFileOwner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ha-log")
	var errs []error
	l := setup(t, Options{Logfile: path, SyslogMsgFmt: true, Owner: &Owner{UID: 4242, GID: 4343},
		OnError: func(err error) { errs = append(errs, err) }})
	NodeDead(WithPID(l.Logger.WithTime(testTime), 1), "n")
	if got, want := readFile(t, path), line(1, "WARN: node n: is dead"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	if os.Geteuid() == 0 {
		if sys.Uid != 4242 || sys.Gid != 4343 || len(errs) != 0 {
			t.Errorf("owner %d:%d, errors %v; want 4242:4343 and none", sys.Uid, sys.Gid, errs)
		}
	} else if len(errs) != 1 || !errors.Is(errs[0], syscall.EPERM) {
		t.Errorf("errors %v, want one EPERM", errs)
	}
}

// TestSyslog receives what the syslog sink sends on a datagram socket.
func TestSyslog(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	l := setup(t, Options{Logfacility: "local0", SyslogNetwork: "unixgram", SyslogAddr: sock})
	e := WithPID(l.Logger.WithTime(testTime), 4953)

	LateHeartbeatDead(e, "node1", 5130*time.Millisecond)
	AcquiringGroup(e, "node1 10.0.0.1")
	ResourceReturnCode(e, 1, "/etc/ha.d//resource.d/x")
	e.Debug("d")

	tests := []struct {
		pri  int // facility local0 (16) * 8 + severity
		tail string
	}{
		{16*8 + 2, "heartbeat[" + strconv.Itoa(os.Getpid()) + "]: [4953]: CRIT: Late heartbeat: Node node1: interval 5130 ms (> deadtime)\n"},
		{16*8 + 5, "ResourceManager(default)[" + strconv.Itoa(os.Getpid()) + "]: info: Acquiring resource group: node1 10.0.0.1\n"},
		{16*8 + 3, "ResourceManager(default)[" + strconv.Itoa(os.Getpid()) + "]: ERROR: Return code 1 from /etc/ha.d//resource.d/x\n"},
		{16*8 + 7, "heartbeat[" + strconv.Itoa(os.Getpid()) + "]: [4953]: debug: d\n"},
	}
	buf := make([]byte, 4096)
	for _, tt := range tests {
		if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got := string(buf[:n])
		if !strings.HasPrefix(got, "<"+strconv.Itoa(tt.pri)+">") || !strings.HasSuffix(got, " "+tt.tail) {
			t.Errorf("got %q, want <%d>… %q", got, tt.pri, tt.tail)
		}
	}
}

func TestFacilities(t *testing.T) {
	for _, name := range []string{"local0", "local7", "daemon", "user", "auth", "authpriv", "security", "syslog"} {
		if _, err := ParseFacility(name); err != nil {
			t.Errorf("ParseFacility(%q): %v", name, err)
		}
	}
	for _, name := range []string{"none", "LOCAL0", "local8", "mark", ""} {
		if _, err := ParseFacility(name); !errors.Is(err, ErrBadFacility) {
			t.Errorf("ParseFacility(%q) = %v, want ErrBadFacility", name, err)
		}
	}
	if _, err := Setup(Options{Host: "h", Logfacility: "local9"}); !errors.Is(err, ErrBadFacility) {
		t.Errorf("Setup with local9: %v, want ErrBadFacility", err)
	}
	l, err := Setup(Options{Host: "h", Logfacility: "none"})
	if err != nil || len(l.Logger.Hooks[logrus.InfoLevel]) != 0 {
		t.Errorf("logfacility none: %v, hooks %v; want no sink", err, l.Logger.Hooks)
	}
}

// TestScriptLinesMatchHaLog runs the real ha_log of ocf-shellfuncs (resource-agents) with
// the logging variables the resource runner exports (resource.Environment) and checks that
// what it writes is what the Formatter writes for the same tag.
func TestScriptLinesMatchHaLog(t *testing.T) {
	const shellfuncs = "/usr/lib/ocf/lib/heartbeat/ocf-shellfuncs"
	dir := t.TempDir()
	o := Options{Logfile: filepath.Join(dir, "ha-log"), Debugfile: filepath.Join(dir, "ha-debug")}
	script := filepath.Join(dir, "ResourceManager")
	body := "#!/bin/sh\n. " + shellfuncs + "\nha_log \"info: Running /etc/ha.d//resource.d/IPaddr 10.0.0.1/24/eth0 start\"\nha_log \"Going standby [all].\"\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script)
	cmd.Env = []string{"HA_DATEFMT=%Y/%m/%d_%T\t", "HA_LOGFILE=" + o.Logfile, "HA_DEBUGLOG=" + o.Debugfile,
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT=/usr/lib/ocf"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running ha_log from %s: %v\n%s", shellfuncs, err, out)
	}
	for _, path := range []string{o.Logfile, o.Debugfile} {
		recs, foreign := readRecords(t, path)
		if len(recs) != 2 || len(foreign) != 0 {
			t.Fatalf("%s: %d records %q, want 2 lines", path, len(recs), foreign)
		}
		for _, r := range recs {
			if r.entity != "ResourceManager" || r.inst != "default" || r.pid != cmd.Process.Pid {
				t.Errorf("%s: tag %s(%s)[%d], want ResourceManager(default)[%d]", path, r.entity, r.inst, r.pid, cmd.Process.Pid)
			}
			f := &Formatter{Zone: time.UTC, DebugFile: r.debug} // readRecords reads stamps as UTC
			e := WithPID(Script(logrus.NewEntry(logrus.New()).WithTime(r.time), r.entity, r.inst), r.pid)
			e.Message = r.msg
			got, err := f.Format(e)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != r.raw {
				t.Errorf("%s:\nha_log wrote %q\nformatter   %q", path, r.raw, got)
			}
		}
	}
}

// TestShippedLogrotateConfig rotates with logrotate and the contrib stanzas (paths moved
// into a temp dir) between two lines; create makes an empty file the next line must use.
func TestShippedLogrotateConfig(t *testing.T) {
	conf, err := os.ReadFile("../../contrib/logrotate.d/heartbeat")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	confPath := filepath.Join(dir, "heartbeat")
	// Debian's /etc/logrotate.conf supplies the defaults the stanzas rely on.
	conf = append([]byte("weekly\nrotate 4\ncreate\n"), bytes.ReplaceAll(conf, []byte("/var/log/"), []byte(dir+"/"))...)
	if err := os.WriteFile(confPath, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	logfile := filepath.Join(dir, "ha-log")
	l := setup(t, Options{Logfile: logfile, SyslogMsgFmt: true})
	e := WithPID(l.Logger.WithTime(testTime), 1)
	NodeDead(e, "before")
	if out, err := exec.Command("logrotate", "-f", "-s", filepath.Join(dir, "state"), confPath).CombinedOutput(); err != nil {
		t.Fatalf("logrotate: %v\n%s", err, out)
	}
	NodeDead(e, "after")
	if got, want := readFile(t, logfile+".1"), line(1, "WARN: node before: is dead"); got != want {
		t.Errorf("rotated: %q, want %q", got, want)
	}
	if got, want := readFile(t, logfile), line(1, "WARN: node after: is dead"); got != want {
		t.Errorf("current: %q, want %q", got, want)
	}
}
