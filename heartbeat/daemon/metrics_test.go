package daemon

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

func scrape(t *testing.T, addr net.Addr) string {
	t.Helper()
	resp, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(b)
}

// TestMetricsOffByDefault: without MetricsAddr nothing listens and the
// loop gets no hooks.
func TestMetricsOffByDefault(t *testing.T) {
	logger, hook := test.NewNullLogger()
	var o Options
	addr, stop, err := startMetrics(t.Context(), &o, logrus.NewEntry(logger))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if addr != nil || o.Status != nil || o.resourceOp != nil || len(hook.AllEntries()) != 0 {
		t.Errorf("metrics started without a setting: %v, hooks %v %v, log %v", addr, o.Status != nil, o.resourceOp != nil, hook.AllEntries())
	}
}

// TestMetricsOn: with MetricsAddr the endpoint serves the operations the
// runner reports, passes the loop on to the caller's Status hook, logs
// where it listens and stops with the returned function.
func TestMetricsOn(t *testing.T) {
	logger, hook := test.NewNullLogger()
	var got *heartbeat.Loop
	o := Options{MetricsAddr: "127.0.0.1:0", Status: func(l *heartbeat.Loop) { got = l }}
	addr, stop, err := startMetrics(t.Context(), &o, logrus.NewEntry(logger))
	if err != nil {
		t.Fatal(err)
	}
	if body := scrape(t, addr); strings.Contains(body, "heartbeat_") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("before any run: %s", body)
	}
	loop := &heartbeat.Loop{}
	o.Status(loop)
	if got != loop {
		t.Error("the caller's Status hook did not receive the loop")
	}
	o.resourceOp(heartbeat.ResourceOp{Resource: "httpd", Op: "start", Duration: time.Second, Err: errors.New("exit status 1")})
	body := scrape(t, addr)
	for _, want := range []string{
		`heartbeat_resource_operation_duration_seconds_sum{op="start",resource="httpd"} 1` + "\n",
		`heartbeat_resource_operation_failures_total{op="start",resource="httpd"} 1` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %q in\n%s", want, body)
		}
	}
	if e := hook.LastEntry(); e == nil || e.Message != "Prometheus metrics on http://"+addr.String()+"/metrics" {
		t.Errorf("log: %v", hook.AllEntries())
	}
	stop()
	if _, err := http.Get("http://" + addr.String() + "/metrics"); err == nil {
		t.Error("endpoint answers after stop")
	}
}

func TestMetricsBadSetting(t *testing.T) {
	logger, _ := test.NewNullLogger()
	o := Options{MetricsAddr: "9694"}
	if _, _, err := startMetrics(t.Context(), &o, logrus.NewEntry(logger)); !errors.Is(err, config.ErrConfig) || !strings.Contains(err.Error(), MetricsEnv) {
		t.Errorf("malformed address: %v, want a configuration error naming %s", err, MetricsEnv)
	}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	o = Options{MetricsAddr: busy.Addr().String()}
	_, _, err = startMetrics(t.Context(), &o, logrus.NewEntry(logger))
	if err == nil || errors.Is(err, config.ErrConfig) || o.Status != nil {
		t.Errorf("address in use: %v (hooks set: %v), want a start failure that is not a configuration error", err, o.Status != nil)
	}
}
