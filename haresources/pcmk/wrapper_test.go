package pcmk

import (
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWrapper runs a generated wrapper with /bin/sh against a heartbeat-style
// script whose status output is set per case: monitor must follow
// ResourceManager's stdout rule, start/stop pass the arguments first.
func TestWrapper(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	write(t, filepath.Join(dir, "rd", "legacy"), `#!/bin/sh
echo "$*" >> `+log+`
[ "$3" = status ] && cat `+filepath.Join(dir, "status")+`
exit 0
`)
	w := (&exporter{}).wrapper("legacy")
	agent := filepath.Join(dir, "agent")
	write(t, agent, string(w.Script))
	run := func(action string) int {
		t.Helper()
		cmd := exec.Command("/bin/sh", agent, action)
		cmd.Env = append(os.Environ(), "HA_RESOURCEDIR="+filepath.Join(dir, "rd"), "OCF_RESKEY_args=a b")
		out, err := cmd.Output()
		if action == "meta-data" {
			var md struct {
				Name string `xml:"name,attr"`
			}
			if xerr := xml.Unmarshal(out, &md); xerr != nil || md.Name != "legacy" {
				t.Errorf("meta-data: %v %q", xerr, md.Name)
			}
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	for _, tc := range []struct {
		status string
		want   int
	}{
		{"running\n", 0}, {"OK\n", 0}, {"is NOT currently Running\n", 7}, {"Not running", 7},
		{"stopped\n", 7}, {"", 7}, {"RUNNING\n", 7}, {"ok\n", 7},
	} {
		write(t, filepath.Join(dir, "status"), tc.status)
		if got := run("monitor"); got != tc.want {
			t.Errorf("status %q: monitor = %d, want %d", tc.status, got, tc.want)
		}
	}
	write(t, filepath.Join(dir, "status"), "stopped")
	if got := run("start"); got != 0 {
		t.Errorf("start = %d", got)
	}
	if got := run("meta-data"); got != 0 {
		t.Errorf("meta-data = %d", got)
	}
	if got := run("bogus"); got != 3 {
		t.Errorf("unknown action = %d, want 3 (unimplemented)", got)
	}
	calls, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	// 8 monitors, then start's own status check and the start itself.
	if want := "a b status\n"; string(calls[len(calls)-len("a b status\na b start\n"):]) != want+"a b start\n" {
		t.Errorf("calls end %q, want the status check then %q", calls, "a b start")
	}
}
