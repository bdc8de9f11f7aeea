package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeProc writes /proc/PID/stat files: pid → "comm state".
func fakeProc(t *testing.T, procs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for pid, v := range procs {
		comm, state, _ := strings.Cut(v, " ")
		if err := os.MkdirAll(filepath.Join(dir, pid), 0o755); err != nil {
			t.Fatal(err)
		}
		stat := pid + " (" + comm + ") " + state + " 1 1 1 0 -1"
		if err := os.WriteFile(filepath.Join(dir, pid, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPidfileCheck(t *testing.T) {
	proc := fakeProc(t, map[string]string{
		"100": "heartbeat S", "200": "sleep S", "300": "heartbeat Z", "400": "my (heartbeat) R", "50": "heartbeat S",
	})
	tests := []struct {
		name    string
		content *string
		pid     int
		state   PIDState
	}{
		{"no file", nil, 0, NoPIDFile},
		{"running", ptr("100\n"), 100, Running},
		{"gone", ptr("999\n"), 999, StalePID},
		{"reused by another program", ptr("200\n"), 200, StalePID},
		{"zombie", ptr("300\n"), 300, StalePID},
		{"comm with parentheses", ptr("400\n"), 400, StalePID},
		{"ourselves", ptr("50\n"), 50, StalePID},
		{"garbage", ptr("abc\n"), 0, StalePID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Pidfile{Path: filepath.Join(t.TempDir(), "heartbeat.pid"), Proc: proc, Self: 50}
			if tt.content != nil {
				if err := os.WriteFile(p.Path, []byte(*tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			pid, st, err := p.Check()
			if err != nil || pid != tt.pid || st != tt.state {
				t.Errorf("got %d %v %v, want %d %v", pid, st, err, tt.pid, tt.state)
			}
		})
	}
}

func TestPidfileClaimRelease(t *testing.T) {
	proc := fakeProc(t, map[string]string{"100": "heartbeat S", "200": "sleep S"})
	p := Pidfile{Path: filepath.Join(t.TempDir(), "heartbeat.pid"), Proc: proc, Self: 50}
	if _, err := p.Claim(50); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p.Path); string(b) != "50\n" {
		t.Errorf("pid file %q", b)
	}
	// Stale (another program's pid): replaced.
	if err := os.WriteFile(p.Path, []byte("200\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Claim(50); err != nil {
		t.Fatalf("stale file not replaced: %v", err)
	}
	// A running heartbeat: refused, with its pid.
	if err := os.WriteFile(p.Path, []byte("100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if pid, err := p.Claim(50); !errors.Is(err, ErrRunning) || pid != 100 {
		t.Errorf("got %d, %v; want 100, ErrRunning", pid, err)
	}
	// Release leaves another daemon's file alone and removes ours.
	if err := p.Release(50); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.Path); err != nil {
		t.Error("released another daemon's pid file")
	}
	if err := os.WriteFile(p.Path, []byte("50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Release(50); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file left: %v", err)
	}
}

func ptr(s string) *string { return &s }
