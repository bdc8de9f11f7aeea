package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/metrics"
	"github.com/sirupsen/logrus"
)

// MetricsEnv is the setting of /etc/default/heartbeat that switches the
// Prometheus endpoint on: HOST:PORT to listen on, such as 127.0.0.1:9694.
const MetricsEnv = "HEARTBEAT_METRICS_ADDR"

// startMetrics starts the Prometheus endpoint when o.MetricsAddr is set
// and hooks it into o, so that it follows the loop of every run (it lives
// across restarts after a partition). It returns the address it listens
// on (nil when off) and a function that stops it. A malformed address is
// a configuration error.
func startMetrics(ctx context.Context, o *Options, log *logrus.Entry) (net.Addr, func(), error) {
	if o.MetricsAddr == "" {
		return nil, func() {}, nil
	}
	ln, err := metrics.Listen(o.MetricsAddr)
	if err != nil {
		if errors.Is(err, metrics.ErrAddr) {
			err = fmt.Errorf("%w: %s: %w", config.ErrConfig, MetricsEnv, err)
		}
		return nil, nil, err
	}
	var loop atomic.Pointer[heartbeat.Loop]
	c := metrics.NewCollector(func() *heartbeat.Status {
		if l := loop.Load(); l != nil {
			return l.Status()
		}
		return nil
	}, time.Now)
	status := o.Status
	o.Status = func(l *heartbeat.Loop) {
		loop.Store(l)
		if status != nil {
			status(l)
		}
	}
	o.resourceOp = c.ObserveResourceOp

	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	errorLog := log.WithField(halog.FieldPrio, halog.Err)
	wg.Go(func() {
		if err := metrics.Serve(ctx, ln, metrics.NewRegistry(c), errorLog); err != nil {
			halog.Log(log, halog.Err, fmt.Sprintf("Prometheus endpoint: %v", err))
		}
	})
	halog.Log(log, halog.Info, fmt.Sprintf("Prometheus metrics on http://%s/metrics", ln.Addr()))
	return ln.Addr(), func() {
		cancel()
		wg.Wait()
	}, nil
}
