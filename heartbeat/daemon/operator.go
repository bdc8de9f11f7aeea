package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/heartbeat-go/heartbeat-go/hacf"
	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/api"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/sirupsen/logrus"
)

// SocketPath is the API socket under the run directory.
const SocketPath = "heartbeat/register"

// FIFOName is the FIFO under the state directory.
const FIFOName = "fifo"

// startOperator starts what operators talk to for one run of the loop: the
// FIFO reader (hb_standby, hb_takeover), the API socket (cl_status), the
// ha.cf reload on SIGHUP. The returned
// function stops them and waits.
func startOperator(ctx context.Context, cfg *config.Config, o Options, loop *heartbeat.Loop, requests chan<- heartbeat.Request, log *logrus.Entry, logs *halog.Logs) (func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	stop := func() {
		cancel()
		wg.Wait()
	}

	fifo := filepath.Join(o.StateDir, FIFOName)
	created, err := api.CreateFIFO(fifo)
	if err != nil {
		stop()
		return nil, err
	}
	if created {
		halog.CreatingFIFO(log, fifo)
	}
	wg.Go(func() {
		err := api.ReadFIFO(ctx, fifo, func(m *wire.Message) { fifoRequest(ctx, m, requests, log) },
			func(err error) { log.WithError(err).Warn("ignoring FIFO input") })
		if err != nil {
			halog.Log(log, halog.Err, fmt.Sprintf("FIFO reader: %v", err))
		}
	})

	sock := filepath.Join(o.RunDir, SocketPath)
	if err := os.MkdirAll(filepath.Dir(sock), 0o750); err != nil {
		stop()
		return nil, fmt.Errorf("creating the API socket's directory: %w", err)
	}
	ln, err := api.Listen(sock)
	if err != nil {
		stop()
		return nil, err
	}
	srv := &api.Server{Info: apiInfo(cfg, o), Status: loop.Status, Log: log}
	wg.Go(func() {
		if err := srv.Serve(ctx, ln); err != nil {
			halog.Log(log, halog.Err, fmt.Sprintf("API socket: %v", err))
		}
		os.Remove(sock)
	})

	rl := newReloader(cfg, o, log, logs)
	wg.Go(func() { rl.run(ctx) })
	return stop, nil
}

// fifoRequest turns a FIFO message into a loop request: hb_standby writes
// t=ask_resources rsc_hold=SET info=me, hb_takeover t=hb_takeover
// rsc_hold=SET. 3.0.6 sends anything else to the cluster as it is; we log
// and drop it.
func fifoRequest(ctx context.Context, m *wire.Message, requests chan<- heartbeat.Request, log *logrus.Entry) {
	t, _ := m.Value(wire.FieldType)
	set, _ := m.Value("rsc_hold")
	info, _ := m.Value("info")
	var req heartbeat.Request
	switch {
	case t == "ask_resources" && info == "me":
		if _, ok := heartbeat.ParseHolding(set); !ok {
			log.Warnf("FIFO: ignoring standby request for unknown resources [%s]", set)
			return
		}
		req = heartbeat.Request{Kind: heartbeat.ReqStandby, Set: set}
	case t == "hb_takeover":
		req = heartbeat.Request{Kind: heartbeat.ReqTakeover, Set: set}
	default:
		log.Warnf("FIFO: ignoring message of type [%s]: heartbeat-go only acts on hb_standby and hb_takeover", t)
		return
	}
	select {
	case requests <- req:
	case <-ctx.Done():
	}
}

// apiInfo is what the API answers from the configuration.
func apiInfo(cfg *config.Config, o Options) api.Info {
	h := cfg.HACF
	info := api.Info{
		Node:        cfg.Node,
		Deadtime:    h.Deadtime,
		Keepalive:   h.Keepalive,
		Version:     HBVersion(o.Version),
		LogFacility: -1,
		Params:      map[string]string{"hbversion": HBVersion(o.Version)},
	}
	if fac, err := halog.ParseFacility(h.LogFacility); err == nil {
		info.LogFacility = int(fac)
	}
	for k, p := range h.Params {
		info.Params[k] = p.Value
	}
	for _, n := range h.Nodes {
		if n.Type == hacf.PingNode {
			info.PingNodes = append(info.PingNodes, n.Name)
		}
	}
	return info
}

// HBVersion is what hbparameter -p hbversion and heartbeat -V print:
// 3.0.6's version, so that scripts comparing it keep working, and ours
// where 3.0.6 names its source revision.
func HBVersion(v string) string {
	if v == "" {
		v = "dev"
	}
	return config.Version + " (heartbeat-go " + v + ")"
}
