//go:build integration

package tests

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTailFollowsLogrotate is the operator's habit: `tail -f
// /var/log/ha-log` keeps showing new lines across a rotation by logrotate
// with the shipped contrib/logrotate.d/heartbeat.
func TestTailFollowsLogrotate(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	conf, err := filepath.Abs("../contrib/logrotate.d/heartbeat")
	if err != nil {
		t.Fatal(err)
	}
	bin := cluster.GoBinary(t, "heartbeat")
	c := cluster.New(t, cluster.Options{HACf: `logfile /var/log/ha-log
debugfile /var/log/ha-debug
keepalive 500ms
deadtime 3
initdead 6
bcast eth0
auto_failback on
node node1 node2
`})
	n1, n2 := c.Nodes[0], c.Nodes[1]
	for _, n := range c.Nodes {
		if err := n.StartGo(bin, "-f"); err != nil {
			t.Fatal(err)
		}
	}
	if err := n1.WaitLog(ctx, "Status update for node node2: status active"); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	tail := n1.Cmd(ctx, "tail", "-n", "0", "-f", "/var/log/ha-log")
	tail.Stdout = &out
	if err := tail.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tail.Process.Kill(); _ = tail.Wait() })
	if _, err := n1.Exec(ctx, "logrotate", "-f", "-s", "/var/log/logrotate.state", conf); err != nil {
		t.Fatal(err)
	}
	if _, err := n1.ReadFile("log/ha-log.1"); err != nil {
		t.Fatalf("logrotate did not rotate ha-log: %v", err)
	}
	// Something to log after the rotation: node2 dies.
	if err := n2.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	err = cluster.WaitFor(ctx, "tail -f to show node2's death", func() error {
		if !strings.Contains(out.String(), "node node2: is dead") {
			return context.DeadlineExceeded
		}
		return nil
	})
	if err != nil {
		log, _ := n1.ReadLog()
		t.Fatalf("%v\ntail -f printed:\n%s\nha-log now:\n%s", err, out.String(), log)
	}
}
