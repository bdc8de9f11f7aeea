package resource

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// lab is a temp-dir host: the directories a Resolver searches, empty.
type lab struct {
	t    *testing.T
	root string
	cfg  Config
	hook *test.Hook
}

func newLab(t *testing.T) *lab {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"ha.d/resource.d", "init.d", "ocf/resource.d/heartbeat"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	logger, hook := test.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	return &lab{t: t, root: root, hook: hook, cfg: Config{
		HADir:      filepath.Join(root, "ha.d") + "/",
		InitDir:    filepath.Join(root, "init.d"),
		OCFRoot:    filepath.Join(root, "ocf"),
		SystemdDir: filepath.Join(root, "no-systemd"),
		Environ:    []string{"PATH=" + os.Getenv("PATH")},
		Log:        logrus.NewEntry(logger),
	}}
}

// script writes an executable shell script at dir/name under the lab root.
func (l *lab) script(dir, name, body string) string {
	l.t.Helper()
	p := filepath.Join(l.root, dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		l.t.Fatal(err)
	}
	return p
}

// path names a file under the lab root.
func (l *lab) path(name string) string { return filepath.Join(l.root, name) }

// resolver builds a Resolver for the lab's config and closes it at the end.
func (l *lab) resolver() *Resolver {
	r := NewResolver(l.cfg)
	l.t.Cleanup(func() { _ = r.Close() })
	return r
}

// resolve resolves word or fails the test.
func (l *lab) resolve(r *Resolver, word string) Agent {
	l.t.Helper()
	a, err := r.Resolve(l.t.Context(), word)
	if err != nil {
		l.t.Fatalf("Resolve(%q): %v", word, err)
	}
	return a
}

// read returns a file's content, "" when it does not exist.
func (l *lab) read(name string) string {
	l.t.Helper()
	b, err := os.ReadFile(l.path(name))
	if err != nil && !os.IsNotExist(err) {
		l.t.Fatal(err)
	}
	return string(b)
}

// pidsIn reads whitespace-separated pids from a lab file.
func (l *lab) pidsIn(name string) []int {
	l.t.Helper()
	var pids []int
	for _, f := range strings.Fields(l.read(name)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			l.t.Fatalf("%s: %v", name, err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) STATE …: the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// poll waits until cond holds, failing the test after a generous bound.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// waitDead waits until none of pids is alive.
func waitDead(t *testing.T, pids []int) {
	t.Helper()
	poll(t, fmt.Sprintf("processes %v to die", pids), func() bool {
		for _, p := range pids {
			if alive(p) {
				return false
			}
		}
		return true
	})
}
