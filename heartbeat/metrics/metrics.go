// Package metrics exports a heartbeat node to Prometheus. A Collector reads
// the event loop's Status snapshot on every scrape (node and link states,
// the age of the last packet per peer and link, takeovers, bad datagrams)
// and keeps the resource operations the runner reports. Serve answers
// /metrics from a registry of its own; nothing here touches Prometheus'
// global registry or http.DefaultServeMux.
//
// The endpoint is opt-in: the daemon starts it only when
// HEARTBEAT_METRICS_ADDR is set (/etc/default/heartbeat), never from
// ha.cf, which must stay readable by heartbeat 3.0.6.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Node states and holdings as the state-set gauges list them.
var (
	nodeStates = []string{"init", "up", "active", "dead"}
	holdings   = []string{"none", "local", "foreign", "all", "transition"}
)

var (
	nodeStateDesc = prometheus.NewDesc("heartbeat_node_state",
		"State of each node of ha.cf as this node sees it: 1 for the current one of init, up, active, dead.",
		[]string{"node", "state"}, nil)
	linkUpDesc = prometheus.NewDesc("heartbeat_link_up",
		"Whether the node's heartbeats arrive on the link (cl_status hblinkstatus): 1 up, 0 dead.",
		[]string{"node", "link"}, nil)
	peerAgeDesc = prometheus.NewDesc("heartbeat_peer_last_heard_age_seconds",
		"Seconds since the last packet from the peer arrived; absent until it is heard.",
		[]string{"node"}, nil)
	linkAgeDesc = prometheus.NewDesc("heartbeat_link_last_heard_age_seconds",
		"Seconds since the last packet from the peer arrived on the link; absent until one did.",
		[]string{"node", "link"}, nil)
	holdingDesc = prometheus.NewDesc("heartbeat_resource_holding",
		"What cl_status rscstatus prints: 1 for the current one of none, local, foreign, all, transition.",
		[]string{"holding"}, nil)
	takeoversDesc = prometheus.NewDesc("heartbeat_takeovers_total",
		"Takeovers of a peer's resources by cause: dead_peer (silent for deadtime), shutdown (its shutdown notice), standby (hb_standby, hb_takeover, auto_failback). Starts again at 0 when the node restarts after a partition.",
		[]string{"cause"}, nil)
	badPacketsDesc = prometheus.NewDesc("heartbeat_bad_packets_total",
		"Datagrams dropped before the protocol saw them: reason auth (failed authentication) or malformed (could not be decoded). Starts again at 0 when the node restarts after a partition.",
		[]string{"reason"}, nil)
)

// durationBuckets span resource operations from a status check (a few
// milliseconds) to a slow stop (minutes).
var durationBuckets = []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// Collector is a prometheus.Collector for one heartbeat daemon.
type Collector struct {
	status     func() *heartbeat.Status // nil result: no loop runs yet
	now        func() time.Time
	opDuration *prometheus.HistogramVec
	opFailures *prometheus.CounterVec
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector that reads status on every scrape and
// measures last-heard ages against now (time.Now in the daemon: its
// monotonic reading keeps the ages right across wall-clock jumps).
func NewCollector(status func() *heartbeat.Status, now func() time.Time) *Collector {
	return &Collector{
		status: status,
		now:    now,
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "heartbeat_resource_operation_duration_seconds",
			Help:    "Duration of resource agent operations by haresources word and operation (start, stop, status), failed ones included.",
			Buckets: durationBuckets,
		}, []string{"resource", "op"}),
		opFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "heartbeat_resource_operation_failures_total",
			Help: "Failed resource agent operations by haresources word and operation; a status that cannot be told counts as failed.",
		}, []string{"resource", "op"}),
	}
}

// ObserveResourceOp records one agent operation; it is
// heartbeat.Loop.ResourceOp. The failure counter of an operation shows 0
// from its first run on.
func (c *Collector) ObserveResourceOp(op heartbeat.ResourceOp) {
	c.opDuration.WithLabelValues(op.Resource, op.Op).Observe(op.Duration.Seconds())
	failures := c.opFailures.WithLabelValues(op.Resource, op.Op)
	if op.Err != nil {
		failures.Inc()
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{nodeStateDesc, linkUpDesc, peerAgeDesc, linkAgeDesc, holdingDesc, takeoversDesc, badPacketsDesc} {
		ch <- d
	}
	c.opDuration.Describe(ch)
	c.opFailures.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.opDuration.Collect(ch)
	c.opFailures.Collect(ch)
	s := c.status()
	if s == nil {
		return
	}
	now := c.now()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, n := range s.Nodes {
		for _, st := range nodeStates {
			gauge(nodeStateDesc, boolValue(n.State == st), n.Name, st)
		}
		if !n.LastHeard.IsZero() {
			gauge(peerAgeDesc, now.Sub(n.LastHeard).Seconds(), n.Name)
		}
		for _, l := range n.Links {
			gauge(linkUpDesc, boolValue(l.Up), n.Name, l.Name)
			if !l.LastHeard.IsZero() {
				gauge(linkAgeDesc, now.Sub(l.LastHeard).Seconds(), n.Name, l.Name)
			}
		}
	}
	for _, h := range holdings {
		gauge(holdingDesc, boolValue(s.Hold == h), h)
	}
	counter(takeoversDesc, s.Takeovers.DeadPeer, "dead_peer")
	counter(takeoversDesc, s.Takeovers.Shutdown, "shutdown")
	counter(takeoversDesc, s.Takeovers.Standby, "standby")
	counter(badPacketsDesc, s.BadPackets.Auth, "auth")
	counter(badPacketsDesc, s.BadPackets.Malformed, "malformed")
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// NewRegistry returns a registry of its own holding c and the Go runtime
// and process collectors.
func NewRegistry(c *Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// ErrAddr says the endpoint's address is not HOST:PORT.
var ErrAddr = errors.New("metrics address must be HOST:PORT, such as 127.0.0.1:9694")

// CheckAddr checks an endpoint address: HOST:PORT with a numeric port (an
// empty host listens on every address).
func CheckAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, ErrAddr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%q: %w", addr, ErrAddr)
	}
	return nil
}

// Listen checks addr and opens the endpoint's TCP socket.
func Listen(addr string) (net.Listener, error) {
	if err := CheckAddr(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("opening the metrics endpoint: %w", err)
	}
	return ln, nil
}

// shutdownWait bounds how long Serve waits for scrapes in flight once
// ctx ends.
const shutdownWait = 2 * time.Second

// Serve answers GET /metrics on ln from reg until ctx ends, then closes
// ln. Errors while gathering go to errorLog (the handler still serves what
// it could gather).
func Serve(ctx context.Context, ln net.Listener, reg *prometheus.Registry, errorLog promhttp.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      errorLog,
		ErrorHandling: promhttp.ContinueOnError,
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	defer wg.Wait()
	stopped := make(chan struct{})
	defer close(stopped)
	wg.Go(func() {
		select {
		case <-ctx.Done():
		case <-stopped:
			return
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownWait)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
	})
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving metrics: %w", err)
	}
	return nil
}
