package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/sirupsen/logrus"
)

// Message types, request types and fields of the API (heartbeat's
// hb_api_core.h and ha_msg.h).
const (
	TypeRequest  = "hbapi-req"
	TypeResponse = "hbapi-resp"

	FieldReqType = "reqtype"
	FieldResult  = "result"
	FieldReason  = "info"
	FieldFromID  = "from_id"
	FieldPID     = "pid"

	ResultOK     = "OK"
	ResultMore   = "ok/more"
	ResultBadReq = "badreq"

	ReqSignon      = "signon"
	ReqSignoff     = "signoff"
	ReqNodeList    = "nodelist"
	ReqNodeStatus  = "nodestatus"
	ReqNodeType    = "nodetype"
	ReqNodeWeight  = "nodeweight"
	ReqNodeSite    = "nodesite"
	ReqIfList      = "iflist"
	ReqIfStatus    = "ifstatus"
	ReqGetParm     = "getparm"
	ReqGetRsc      = "getrsc"
	ReqClient      = "clientstatus"
	ReqSetFilter   = "setfilter"
	ReqSetSignal   = "setsignal"
	ReqSendQLen    = "set_sendqlen"
	ReqGetUUID     = "getuuid"
	ReqGetNodeName = "getnodename"
)

// Node types and link states as the API words them.
const (
	NormalNode = "normal"
	PingNode   = "ping"
	LinkUp     = "up"
	LinkDead   = "dead"
)

// Info is what the daemon knows from its configuration: the answers that do
// not depend on the cluster's state.
type Info struct {
	Node        string        // the local node
	Deadtime    time.Duration // sent in the signon answer (hex ms)
	Keepalive   time.Duration
	Version     string            // hbversion
	LogFacility int               // syslog facility code (128 = local0), -1 for none
	Params      map[string]string // ha.cf values as written, for hbparameter
	PingNodes   []string          // ping nodes of ha.cf (listed, never answered for)
}

// Server answers API clients such as cl_status from the daemon's snapshots.
type Server struct {
	Info Info
	// Status returns the loop's last snapshot; nil while it starts.
	Status func() *heartbeat.Status
	Log    *logrus.Entry

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// Listen creates the API socket at path, mode 0777 as 3.0.6 makes it, after
// removing a socket a dead daemon left behind.
func Listen(path string) (*net.UnixListener, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().Type() == os.ModeSocket {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, fmt.Errorf("API socket %s: another daemon is listening", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("removing stale API socket: %w", err)
		}
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("creating API socket: %w", err)
	}
	if err := os.Chmod(path, 0o777); err != nil {
		ln.Close()
		return nil, fmt.Errorf("API socket %s: %w", path, err)
	}
	return ln, nil
}

// Serve accepts clients until ctx ends, then closes ln and every
// connection and waits for their goroutines.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	s.conns = map[net.Conn]struct{}{}
	s.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	defer stop()
	defer s.wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("accepting API client: %w", err)
		}
		s.mu.Lock()
		if ctx.Err() != nil {
			// Accepted while stopping, after the stop function closed
			// the connections it knew of.
			s.mu.Unlock()
			c.Close()
			return nil
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.serveConn(c)
		})
	}
}

// serveConn answers one client: a signon first, then requests until
// signoff, a bad message or the end of the connection.
func (s *Server) serveConn(c net.Conn) {
	signedOn := false
	for {
		req, err := ReadFrame(c)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.Log.WithError(err).Debug("API client")
			}
			return
		}
		if t, _ := req.Value(wire.FieldType); t != TypeRequest {
			s.Log.Infof("api_process_request: general message from casual client!")
			return
		}
		rt, _ := req.Value(FieldReqType)
		if !signedOn && rt != ReqSignon {
			s.Log.Errorf("api_process_registration_msg: bad message")
			return
		}
		signedOn = true
		resps := s.Handle(req)
		for _, r := range resps {
			if err := WriteFrame(c, r); err != nil {
				s.Log.WithError(err).Debug("answering API client")
				return
			}
		}
		if rt == ReqSignoff {
			return
		}
	}
}

// Handle answers one request with the messages 3.0.6 sends back: none for
// signoff and set_sendqlen, several for nodelist and iflist.
func (s *Server) Handle(req *wire.Message) []*wire.Message {
	rt, _ := req.Value(FieldReqType)
	resp := newMsg(wire.FieldType, TypeResponse, FieldReqType, rt)
	if _, ok := req.Value(FieldFromID); !ok {
		if _, ok := req.Value(FieldPID); !ok {
			return nil // 3.0.6 drops it: "no fromid/pid/reqtype in message"
		}
	}
	st := s.snapshot()
	node := func() (heartbeat.NodeStatus, bool) {
		name, _ := req.Value("node")
		return lookup(st, name)
	}
	switch rt {
	case ReqSignon:
		resp.Set(FieldResult, ResultOK)
		resp.Set("deadtime", strconv.FormatInt(s.Info.Deadtime.Milliseconds(), 16))
		resp.Set("keepalive", strconv.FormatInt(s.Info.Keepalive.Milliseconds(), 16))
		resp.Set("node", s.Info.Node)
		resp.Set("hbversion", s.Info.Version)
		resp.Set("pacemaker", "off")
		resp.Set("logfacility", strconv.Itoa(s.Info.LogFacility))
		return []*wire.Message{resp}
	case ReqSignoff, ReqSendQLen:
		return nil
	case ReqSetFilter, ReqSetSignal:
		return ok(resp)
	case ReqGetRsc:
		resp.Set("rsc_hold", st.Hold)
		return ok(resp)
	case ReqNodeList:
		return s.nodeList(st, resp)
	case ReqNodeStatus:
		n, found := node()
		if !found {
			return bad(resp, "EINVAL")
		}
		resp.Set("st", n.State)
		return ok(resp)
	case ReqNodeType:
		n, found := node()
		if !found {
			return bad(resp, "EINVAL")
		}
		resp.Set("nodetype", nodeType(n))
		return ok(resp)
	case ReqNodeWeight:
		if _, found := node(); !found {
			return bad(resp, "EINVAL")
		}
		resp.Set("weight", "100")
		return ok(resp)
	case ReqNodeSite:
		if _, found := node(); !found {
			return bad(resp, "EINVAL")
		}
		resp.Set("site", "")
		return ok(resp)
	case ReqIfList:
		n, found := node()
		if !found {
			return bad(resp, "EINVAL")
		}
		return ifList(n, resp)
	case ReqIfStatus:
		n, found := node()
		name, _ := req.Value("ifname")
		for _, l := range n.Links {
			if found && l.Name == name {
				resp.Set("st", linkState(l))
				return ok(resp)
			}
		}
		return bad(resp, "EINVAL")
	case ReqGetParm:
		name, found := req.Value("pname")
		if !found {
			return bad(resp, "EINVAL")
		}
		if v, known := s.Info.Params[name]; known {
			resp.Set("pvalue", v)
		}
		return ok(resp)
	case ReqClient:
		return s.clientStatus(req, st, resp)
	case ReqGetUUID, ReqGetNodeName:
		return ok(resp) // unknown node: 3.0.6 answers OK without a value
	}
	if s.Log != nil {
		s.Log.Errorf("Unknown API request")
	}
	return bad(resp, "")
}

// nodeList answers one message per node, in ha.cf order, all but the last
// with result ok/more. cl_status prints them in reverse (spec 9.1 item 16).
func (s *Server) nodeList(st *heartbeat.Status, resp *wire.Message) []*wire.Message {
	var out []*wire.Message
	for _, n := range st.Nodes {
		m := clone(resp)
		m.Set("node", n.Name)
		m.Set("nodetype", nodeType(n))
		m.Set("st", n.State)
		m.Set(FieldResult, ResultMore)
		out = append(out, m)
	}
	if len(out) == 0 {
		return bad(resp, "no nodes")
	}
	out[len(out)-1].Set(FieldResult, ResultOK)
	return out
}

func ifList(n heartbeat.NodeStatus, resp *wire.Message) []*wire.Message {
	var out []*wire.Message
	for _, l := range n.Links {
		m := clone(resp)
		m.Set("ifname", l.Name)
		m.Set("st", linkState(l))
		m.Set(FieldResult, ResultMore)
		out = append(out, m)
	}
	if len(out) == 0 {
		return bad(resp, "UhOh")
	}
	out[len(out)-1].Set(FieldResult, ResultOK)
	return out
}

// clientStatus answers a client-status query. heartbeat-go has no API
// clients of its own (no ipfail, no respawn), so every client is offline on
// this node; 3.0.6 would ask an active peer over the network, we answer
// offline for the peer too.
func (s *Server) clientStatus(req *wire.Message, st *heartbeat.Status, resp *wire.Message) []*wire.Message {
	name, _ := req.Value("node")
	_, cn := req.Value("cn")
	if _, found := lookup(st, name); !found || !cn {
		return bad(resp, "EINVAL")
	}
	resp.Set("subt", "respond-cstatus")
	resp.Set("cs", "offline")
	return ok(resp)
}

// snapshot returns the loop's status, or, before the loop published one,
// every node of ha.cf dead but ourselves starting up; either way with the
// ping nodes appended. The loop's snapshot is shared with every other
// reader, so the ping nodes go into a copy.
func (s *Server) snapshot() *heartbeat.Status {
	st := heartbeat.Status{Node: s.Info.Node, Hold: "transition",
		Nodes: []heartbeat.NodeStatus{{Name: s.Info.Node, State: "init"}}}
	if s.Status != nil {
		if p := s.Status(); p != nil {
			st = *p
		}
	}
	st.Nodes = slices.Clip(st.Nodes)
	for _, p := range s.Info.PingNodes {
		st.Nodes = append(st.Nodes, heartbeat.NodeStatus{Name: p, State: PingNode})
	}
	return &st
}

func lookup(st *heartbeat.Status, name string) (heartbeat.NodeStatus, bool) {
	for _, n := range st.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return heartbeat.NodeStatus{}, false
}

// nodeType tells ping nodes (whose state is "ping") from normal ones.
func nodeType(n heartbeat.NodeStatus) string {
	if n.State == PingNode {
		return PingNode
	}
	return NormalNode
}

func linkState(l heartbeat.LinkStatus) string {
	if l.Up {
		return LinkUp
	}
	return LinkDead
}

func ok(resp *wire.Message) []*wire.Message {
	resp.Set(FieldResult, ResultOK)
	return []*wire.Message{resp}
}

func bad(resp *wire.Message, reason string) []*wire.Message {
	resp.Set(FieldResult, ResultBadReq)
	if reason != "" {
		resp.Set(FieldReason, reason)
	}
	return []*wire.Message{resp}
}

func clone(m *wire.Message) *wire.Message {
	return &wire.Message{Fields: append([]wire.Field(nil), m.Fields...)}
}
