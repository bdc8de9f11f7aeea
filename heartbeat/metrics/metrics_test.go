package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

var epoch = time.Date(2026, 11, 22, 17, 16, 40, 0, time.UTC)

// twoNodes is node1's view of a cluster where node2 was heard 1.5 s ago on
// eth0 and never on eth1.
func twoNodes() *heartbeat.Status {
	heard := epoch.Add(-1500 * time.Millisecond)
	return &heartbeat.Status{
		Node: "node1",
		Nodes: []heartbeat.NodeStatus{
			{Name: "node1", State: "active", Links: []heartbeat.LinkStatus{{Name: "eth0", Up: true}, {Name: "eth1", Up: false}}},
			{Name: "node2", State: "dead", LastHeard: heard, Links: []heartbeat.LinkStatus{
				{Name: "eth0", Up: false, LastHeard: heard},
				{Name: "eth1", Up: false},
			}},
		},
		Hold:       "all",
		Takeovers:  heartbeat.Takeovers{DeadPeer: 2, Standby: 1},
		BadPackets: heartbeat.BadPackets{Auth: 7},
	}
}

const wantStatus = `# HELP heartbeat_bad_packets_total Datagrams dropped before the protocol saw them: reason auth (failed authentication) or malformed (could not be decoded). Starts again at 0 when the node restarts after a partition.
# TYPE heartbeat_bad_packets_total counter
heartbeat_bad_packets_total{reason="auth"} 7
heartbeat_bad_packets_total{reason="malformed"} 0
# HELP heartbeat_link_last_heard_age_seconds Seconds since the last packet from the peer arrived on the link; absent until one did.
# TYPE heartbeat_link_last_heard_age_seconds gauge
heartbeat_link_last_heard_age_seconds{link="eth0",node="node2"} 1.5
# HELP heartbeat_link_up Whether the node's heartbeats arrive on the link (cl_status hblinkstatus): 1 up, 0 dead.
# TYPE heartbeat_link_up gauge
heartbeat_link_up{link="eth0",node="node1"} 1
heartbeat_link_up{link="eth0",node="node2"} 0
heartbeat_link_up{link="eth1",node="node1"} 0
heartbeat_link_up{link="eth1",node="node2"} 0
# HELP heartbeat_node_state State of each node of ha.cf as this node sees it: 1 for the current one of init, up, active, dead.
# TYPE heartbeat_node_state gauge
heartbeat_node_state{node="node1",state="active"} 1
heartbeat_node_state{node="node1",state="dead"} 0
heartbeat_node_state{node="node1",state="init"} 0
heartbeat_node_state{node="node1",state="up"} 0
heartbeat_node_state{node="node2",state="active"} 0
heartbeat_node_state{node="node2",state="dead"} 1
heartbeat_node_state{node="node2",state="init"} 0
heartbeat_node_state{node="node2",state="up"} 0
# HELP heartbeat_peer_last_heard_age_seconds Seconds since the last packet from the peer arrived; absent until it is heard.
# TYPE heartbeat_peer_last_heard_age_seconds gauge
heartbeat_peer_last_heard_age_seconds{node="node2"} 1.5
# HELP heartbeat_resource_holding What cl_status rscstatus prints: 1 for the current one of none, local, foreign, all, transition.
# TYPE heartbeat_resource_holding gauge
heartbeat_resource_holding{holding="all"} 1
heartbeat_resource_holding{holding="foreign"} 0
heartbeat_resource_holding{holding="local"} 0
heartbeat_resource_holding{holding="none"} 0
heartbeat_resource_holding{holding="transition"} 0
# HELP heartbeat_takeovers_total Takeovers of a peer's resources by cause: dead_peer (silent for deadtime), shutdown (its shutdown notice), standby (hb_standby, hb_takeover, auto_failback). Starts again at 0 when the node restarts after a partition.
# TYPE heartbeat_takeovers_total counter
heartbeat_takeovers_total{cause="dead_peer"} 2
heartbeat_takeovers_total{cause="shutdown"} 0
heartbeat_takeovers_total{cause="standby"} 1
`

const wantOps = `# HELP heartbeat_resource_operation_duration_seconds Duration of resource agent operations by haresources word and operation (start, stop, status), failed ones included.
# TYPE heartbeat_resource_operation_duration_seconds histogram
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="0.01"} 0
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="0.05"} 0
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="0.1"} 0
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="0.25"} 0
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="0.5"} 0
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="1"} 0
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="2.5"} 2
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="5"} 2
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="10"} 2
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="30"} 2
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="60"} 2
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="120"} 2
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="300"} 2
heartbeat_resource_operation_duration_seconds_bucket{op="start",resource="IPaddr::10.0.0.5/24/eth0",le="+Inf"} 2
heartbeat_resource_operation_duration_seconds_sum{op="start",resource="IPaddr::10.0.0.5/24/eth0"} 3.5
heartbeat_resource_operation_duration_seconds_count{op="start",resource="IPaddr::10.0.0.5/24/eth0"} 2
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="0.01"} 0
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="0.05"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="0.1"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="0.25"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="0.5"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="1"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="2.5"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="5"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="10"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="30"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="60"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="120"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="300"} 1
heartbeat_resource_operation_duration_seconds_bucket{op="stop",resource="httpd",le="+Inf"} 1
heartbeat_resource_operation_duration_seconds_sum{op="stop",resource="httpd"} 0.03
heartbeat_resource_operation_duration_seconds_count{op="stop",resource="httpd"} 1
# HELP heartbeat_resource_operation_failures_total Failed resource agent operations by haresources word and operation; a status that cannot be told counts as failed.
# TYPE heartbeat_resource_operation_failures_total counter
heartbeat_resource_operation_failures_total{op="start",resource="IPaddr::10.0.0.5/24/eth0"} 1
heartbeat_resource_operation_failures_total{op="stop",resource="httpd"} 0
`

func fixed(s *heartbeat.Status) *Collector {
	return NewCollector(func() *heartbeat.Status { return s }, func() time.Time { return epoch })
}

// TestCollectStatus checks the whole exposition of a small status.
func TestCollectStatus(t *testing.T) {
	if err := testutil.CollectAndCompare(fixed(twoNodes()), strings.NewReader(wantStatus)); err != nil {
		t.Error(err)
	}
}

// TestCollectResourceOps checks the histograms and failure counters.
func TestCollectResourceOps(t *testing.T) {
	c := fixed(nil)
	ip := "IPaddr::10.0.0.5/24/eth0"
	for _, op := range []heartbeat.ResourceOp{
		{Resource: ip, Op: "start", Duration: 2 * time.Second, Err: errors.New("exit status 1")},
		{Resource: ip, Op: "start", Duration: 1500 * time.Millisecond},
		{Resource: "httpd", Op: "stop", Duration: 30 * time.Millisecond},
	} {
		c.ObserveResourceOp(op)
	}
	// No loop yet (nil status): only the operations.
	if err := testutil.CollectAndCompare(c, strings.NewReader(wantOps)); err != nil {
		t.Error(err)
	}
}

// TestCollectNoStatus: before the loop runs there is nothing to report.
func TestCollectNoStatus(t *testing.T) {
	if n := testutil.CollectAndCount(fixed(nil)); n != 0 {
		t.Errorf("%d metrics without a status, want 0", n)
	}
}

// TestLint runs promlint over a full exposition.
func TestLint(t *testing.T) {
	c := fixed(twoNodes())
	c.ObserveResourceOp(heartbeat.ResourceOp{Resource: "httpd", Op: "start", Duration: time.Second})
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:9694", true},
		{":9694", true},
		{"[::1]:9694", true},
		{"localhost:9694", true},
		{"", false},
		{"9694", false},
		{"127.0.0.1", false},
		{"127.0.0.1:http", false},
		{"127.0.0.1:65536", false},
		{"127.0.0.1:-1", false},
	}
	for _, tt := range tests {
		err := CheckAddr(tt.addr)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrAddr)) {
			t.Errorf("CheckAddr(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
	if _, err := Listen("9694"); !errors.Is(err, ErrAddr) {
		t.Errorf("Listen(9694): %v", err)
	}
}

// TestServe scrapes a running endpoint over TCP, checks that only GET
// /metrics is served, and that it stops with its context.
func TestServe(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(fixed(twoNodes()))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, reg, nil) }()
	base := "http://" + ln.Addr().String()

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	code, body := get("/metrics")
	for _, want := range []string{
		"heartbeat_node_state{node=\"node2\",state=\"dead\"} 1\n",
		"heartbeat_takeovers_total{cause=\"dead_peer\"} 2\n",
		"\ngo_goroutines ",
		"\nprocess_open_fds ",
	} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET /metrics: %d, missing %q", code, want)
		}
	}
	if code, _ := get("/"); code != http.StatusNotFound {
		t.Errorf("GET /: %d, want 404", code)
	}
	resp, err := http.Post(base+"/metrics", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %d, want 405", resp.StatusCode)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get(base + "/metrics"); err == nil {
		t.Error("endpoint still answers after its context ended")
	}
}

// TestOwnRegistry: the endpoint never registers in Prometheus' global
// registry.
func TestOwnRegistry(t *testing.T) {
	NewRegistry(fixed(twoNodes()))
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "heartbeat_") {
			t.Errorf("%s is in the default registry", mf.GetName())
		}
	}
}

// FuzzCheckAddr: any input gets an answer, never a panic, and an accepted
// address always splits into a host and a 16-bit port.
func FuzzCheckAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:9694", ":9694", "[::1]:9694", "9694", "[::1", "a:b:c", "127.0.0.1:99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if err := CheckAddr(addr); err != nil {
			if !errors.Is(err, ErrAddr) {
				t.Fatalf("CheckAddr(%q): %v does not wrap ErrAddr", addr, err)
			}
			return
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("accepted %q: %v", addr, err)
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			t.Fatalf("accepted %q with port %q", addr, port)
		}
	})
}
