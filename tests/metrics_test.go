//go:build integration

package tests

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
)

// metricsAddr is the example address of contrib/default/heartbeat.
const metricsAddr = "127.0.0.1:9694"

// scrapeIn fetches http://addr/metrics inside node n's network namespace
// and returns its samples keyed by name{labels} as the exposition writes
// them (labels sorted by name).
func scrapeIn(ctx context.Context, n *cluster.Node, addr string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			var conn net.Conn
			err := cluster.InNS(n.NS.Name, func() error {
				var err error
				conn, err = (&net.Dialer{}).DialContext(ctx, network, a)
				return err
			})
			return conn, err
		},
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: GET /metrics: %d %v", n.Name, resp.StatusCode, err)
	}
	samples := map[string]float64{}
	for line := range strings.Lines(string(body)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			return nil, fmt.Errorf("%s: bad sample line %q", n.Name, line)
		}
		samples[line[:i]] = v
	}
	return samples, nil
}

// metricWant is a value wanted in a scrape; min/max bound it (equal for
// an exact value).
type metricWant struct {
	series   string
	min, max float64
}

func exactly(series string, v float64) metricWant { return metricWant{series, v, v} }

// checkSamples returns an error naming every expectation the samples miss.
func checkSamples(s map[string]float64, wants ...metricWant) error {
	var bad []string
	for _, w := range wants {
		v, ok := s[w.series]
		if !ok || v < w.min || v > w.max {
			bad = append(bad, fmt.Sprintf("%s = %v (present %t), want [%v, %v]", w.series, v, ok, w.min, w.max))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}

// TestMetrics starts two heartbeat-go nodes with contrib's init script,
// node2 with HEARTBEAT_METRICS_ADDR set in /etc/default/heartbeat and node1
// with the shipped file (the setting commented out). node1 serves nothing;
// node2 serves /metrics on 127.0.0.1:9694 inside its namespace, and the
// values follow node1's link being cut (dead link and node, the age of
// its last packet, a takeover of a dead peer, the resources started for
// it) and restored (link and node back, the resources released again).
// Every scrape on the way must succeed.
func TestMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bin := cluster.GoBinary(t, "heartbeat")
	contrib := contribDir(t)
	shipped, err := os.ReadFile(filepath.Join(contrib, "default/heartbeat"))
	if err != nil {
		t.Fatal(err)
	}
	on := strings.Replace(string(shipped), "#HEARTBEAT_METRICS_ADDR="+metricsAddr, "HEARTBEAT_METRICS_ADDR="+metricsAddr, 1)
	if on == string(shipped) {
		t.Fatalf("contrib/default/heartbeat has no #HEARTBEAT_METRICS_ADDR=%s example", metricsAddr)
	}
	c := cluster.New(t, cluster.Options{
		Haresources: labHaresources,
		ResourceD:   map[string]string{"spectest": cluster.Spectest},
	})
	n1, n2 := c.Nodes[0], c.Nodes[1]
	for _, n := range c.Nodes {
		// A private /etc/default per node, bound in its mount namespace.
		dflt := filepath.Join(n.Dir, "default")
		text := string(shipped)
		if n == n2 {
			text = on
		}
		if err := os.MkdirAll(dflt, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dflt, "heartbeat"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, m := range [][2]string{{bin, cluster.RealHeartbeat}, {filepath.Join(contrib, "init.d/heartbeat"), "/etc/init.d/heartbeat"}, {dflt, "/etc/default"}} {
			if _, err := n.Exec(ctx, "mount", "--bind", m[0], m[1]); err != nil {
				t.Fatal(err)
			}
		}
		expectOut(t, ctx, n, 0, "Starting High-Availability services: Done.\n\n", "/etc/init.d/heartbeat", "start")
	}
	if err := n2.WaitLog(ctx, "info: Prometheus metrics on http://"+metricsAddr+"/metrics"); err != nil {
		t.Fatal(err)
	}
	if err := cluster.WaitFor(ctx, "node1 to hold its group", func() error { return holds(ctx, n1, c) }); err != nil {
		t.Fatal(err)
	}
	if _, err := scrapeIn(ctx, n1, metricsAddr); err == nil {
		t.Error("node1 serves metrics without the setting")
	}
	if log, _ := n1.ReadLog(); strings.Contains(log, "Prometheus") {
		t.Error("node1 logged a metrics endpoint without the setting")
	}

	// wait polls node2's metrics until they show wants; a scrape that
	// fails ends the test.
	var last map[string]float64
	wait := func(what string, wants ...metricWant) {
		t.Helper()
		err := cluster.WaitFor(ctx, what, func() error {
			s, err := scrapeIn(ctx, n2, metricsAddr)
			if err != nil {
				t.Fatalf("scrape while waiting for %s: %v", what, err)
			}
			last = s
			return checkSamples(s, wants...)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	alphaStarts := `heartbeat_resource_operation_duration_seconds_count{op="start",resource="spectest::alpha"}`
	alphaStops := `heartbeat_resource_operation_duration_seconds_count{op="stop",resource="spectest::alpha"}`
	wait("both nodes up",
		exactly(`heartbeat_node_state{node="node1",state="active"}`, 1),
		exactly(`heartbeat_node_state{node="node2",state="active"}`, 1),
		exactly(`heartbeat_link_up{link="eth0",node="node1"}`, 1),
		exactly(`heartbeat_link_up{link="eth0",node="node2"}`, 1),
		metricWant{`heartbeat_peer_last_heard_age_seconds{node="node1"}`, 0, 3}, // keepalive 1, warntime 3
		metricWant{`heartbeat_link_last_heard_age_seconds{link="eth0",node="node1"}`, 0, 3},
		exactly(`heartbeat_takeovers_total{cause="dead_peer"}`, 0),
		exactly(`heartbeat_bad_packets_total{reason="auth"}`, 0),
	)
	if _, ok := last[alphaStarts]; ok {
		t.Errorf("node2 started spectest::alpha before any failover")
	}
	if _, ok := last[`heartbeat_peer_last_heard_age_seconds{node="node2"}`]; ok {
		t.Errorf("a last-heard age for the local node")
	}

	if err := n1.Unplug(ctx); err != nil {
		t.Fatal(err)
	}
	wait("node1's link cut and its group taken over",
		exactly(`heartbeat_link_up{link="eth0",node="node1"}`, 0),
		exactly(`heartbeat_node_state{node="node1",state="dead"}`, 1),
		exactly(`heartbeat_node_state{node="node1",state="active"}`, 0),
		metricWant{`heartbeat_peer_last_heard_age_seconds{node="node1"}`, 5, 60}, // deadtime 5
		metricWant{`heartbeat_link_last_heard_age_seconds{link="eth0",node="node1"}`, 5, 60},
		exactly(`heartbeat_takeovers_total{cause="dead_peer"}`, 1),
		exactly(`heartbeat_takeovers_total{cause="shutdown"}`, 0),
		exactly(alphaStarts, 1),
		exactly(`heartbeat_resource_operation_failures_total{op="start",resource="spectest::alpha"}`, 0),
		exactly(`heartbeat_resource_holding{holding="all"}`, 1),
	)
	if err := holds(ctx, n2, c); err != nil {
		t.Errorf("metrics say node2 took over, but: %v", err)
	}

	if err := n1.Plug(ctx); err != nil {
		t.Fatal(err)
	}
	wait("node1 back and node2's copy of the group released",
		exactly(`heartbeat_link_up{link="eth0",node="node1"}`, 1),
		exactly(`heartbeat_node_state{node="node1",state="active"}`, 1),
		metricWant{`heartbeat_peer_last_heard_age_seconds{node="node1"}`, 0, 3},
		exactly(alphaStops, 1),
		exactly(`heartbeat_takeovers_total{cause="dead_peer"}`, 1),
	)
	if err := cluster.WaitFor(ctx, "node2 to release the group", func() error { return idle(ctx, n2, c) }); err != nil {
		t.Error(err)
	}
}
