package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// exchange is one strace of cl_status (testdata/*.api.txt, copied from
// shared/testdata/heartbeat-3.0.6/tools-output): the bytes it sent and the
// bytes the real 3.0.6 answered, call by call.
type exchange struct {
	name string
	sent [][]byte
	recv [][]byte
}

var straceCall = regexp.MustCompile(`^(sendto|recvfrom)\(3, "((?:[^"\\]|\\.)*)"`)

func loadExchanges(t testing.TB) []exchange {
	t.Helper()
	files, err := filepath.Glob("testdata/*.api.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	var out []exchange
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ex := exchange{name: filepath.Base(f)}
		for line := range strings.Lines(string(b)) {
			m := straceCall.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			data := unescapeC(t, m[2])
			if m[1] == "sendto" {
				ex.sent = append(ex.sent, data)
			} else {
				ex.recv = append(ex.recv, data)
			}
		}
		out = append(out, ex)
	}
	return out
}

// unescapeC decodes strace's C string escapes (\n, \0, octal \315).
func unescapeC(t testing.TB, s string) []byte {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b = append(b, s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case '\\', '"':
			b = append(b, s[i])
		default:
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, err := strconv.ParseUint(s[i:j], 8, 8)
			if err != nil {
				t.Fatalf("bad escape in %q at %d", s, i)
			}
			b = append(b, byte(v))
			i = j - 1
		}
	}
	return b
}

// labServer answers like node1 of the 3.0.6 lab when the straces were
// taken: both nodes active, eth0 up, lab ha.cf.
func labServer(node string) *Server {
	st := &heartbeat.Status{Node: node, Hold: "none", Nodes: []heartbeat.NodeStatus{
		{Name: "node1", State: "active", Links: []heartbeat.LinkStatus{{Name: "eth0", Up: true}}},
		{Name: "node2", State: "active", Links: []heartbeat.LinkStatus{{Name: "eth0", Up: true}}},
	}}
	log, _ := test.NewNullLogger()
	return &Server{
		Info: Info{
			Node: node, Deadtime: 5 * time.Second, Keepalive: time.Second,
			Version:     "3.0.6 (node: 958e11be8686759f1b99204c17812f2c2633b169)",
			LogFacility: 128,
			Params:      map[string]string{"deadtime": "5", "keepalive": "1"},
		},
		Status: func() *heartbeat.Status { return st },
		Log:    logrus.NewEntry(log),
	}
}

// TestGoldenExchanges replays every request cl_status sent to 3.0.6 and
// checks that the server answers with the very bytes 3.0.6 sent back.
func TestGoldenExchanges(t *testing.T) {
	for _, ex := range loadExchanges(t) {
		t.Run(ex.name, func(t *testing.T) {
			req0, err := ReadFrame(bytes.NewReader(ex.sent[0]))
			if err != nil {
				t.Fatal(err)
			}
			node, _ := req0.Value("dest")
			s := labServer(node)
			var got []byte
			for _, raw := range ex.sent {
				r := bytes.NewReader(raw)
				req, err := ReadFrame(r)
				if err != nil {
					t.Fatalf("request %q: %v", raw, err)
				}
				if r.Len() != 0 {
					t.Fatalf("request %q: %d bytes left", raw, r.Len())
				}
				for _, resp := range s.Handle(req) {
					if got, err = AppendFrame(got, resp); err != nil {
						t.Fatal(err)
					}
				}
			}
			want := bytes.Join(ex.recv, nil)
			if !bytes.Equal(got, want) {
				t.Errorf("answers differ\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestHandleErrors(t *testing.T) {
	s := labServer("node1")
	tests := []struct {
		name string
		kv   []string
		want string // result, then fields expected, as name=value
	}{
		{"unknown node", []string{"reqtype", "nodestatus", "node", "nosuch"}, "result=badreq info=EINVAL"},
		{"unknown link", []string{"reqtype", "ifstatus", "node", "node2", "ifname", "eth9"}, "result=badreq info=EINVAL"},
		{"unknown parameter", []string{"reqtype", "getparm", "pname", "node"}, "result=OK"},
		{"parameter", []string{"reqtype", "getparm", "pname", "keepalive"}, "pvalue=1 result=OK"},
		{"unknown request", []string{"reqtype", "bogus"}, "result=badreq"},
		{"client status", []string{"reqtype", "clientstatus", "node", "node2", "cn", "ipfail"}, "subt=respond-cstatus cs=offline result=OK"},
		{"client status of unknown node", []string{"reqtype", "clientstatus", "node", "x", "cn", "ipfail"}, "result=badreq info=EINVAL"},
		{"weight", []string{"reqtype", "nodeweight", "node", "node2"}, "weight=100 result=OK"},
		{"site", []string{"reqtype", "nodesite", "node", "node2"}, "site= result=OK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newMsg(append([]string{"t", TypeRequest, "pid", "1", "from_id", "1"}, tt.kv...)...)
			resps := s.Handle(req)
			if len(resps) != 1 {
				t.Fatalf("%d answers", len(resps))
			}
			var got []string
			for _, f := range resps[0].Fields[2:] {
				got = append(got, f.Name+"="+string(f.Value))
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("got %q, want %q", g, tt.want)
			}
		})
	}
	if r := s.Handle(newMsg("t", TypeRequest, "reqtype", "nodelist")); r != nil {
		t.Errorf("request without pid and from_id answered: %v", r)
	}
}

// TestSnapshotBeforeLoop: before the loop publishes, the local node is
// starting and peers are unknown, and ping nodes are listed as such.
func TestSnapshotBeforeLoop(t *testing.T) {
	s := labServer("node1")
	s.Status = func() *heartbeat.Status { return nil }
	s.Info.PingNodes = []string{"10.0.0.254"}
	resps := s.Handle(newMsg("t", TypeRequest, "reqtype", "nodelist", "pid", "1"))
	var got []string
	for _, r := range resps {
		n, _ := r.Value("node")
		st, _ := r.Value("st")
		ty, _ := r.Value("nodetype")
		res, _ := r.Value("result")
		got = append(got, n+"/"+st+"/"+ty+"/"+res)
	}
	want := "node1/init/normal/ok/more 10.0.0.254/ping/ping/OK"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("got %q, want %q", g, want)
	}
}

// TestPingNodesLeaveSnapshot: ping nodes are added to the answer, never to
// the snapshot the loop published, which other readers share; asking twice
// lists each ping node once.
func TestPingNodesLeaveSnapshot(t *testing.T) {
	s := labServer("node1")
	published := s.Status()
	s.Info.PingNodes = []string{"10.0.0.254"}
	for i := range 2 {
		resps := s.Handle(newMsg("t", TypeRequest, "reqtype", "nodelist", "pid", "1"))
		var got []string
		for _, r := range resps {
			n, _ := r.Value("node")
			got = append(got, n)
		}
		if g := strings.Join(got, " "); g != "node1 node2 10.0.0.254" {
			t.Errorf("request %d: nodes %q, want node1 node2 10.0.0.254", i+1, g)
		}
	}
	if len(published.Nodes) != 2 {
		t.Errorf("published snapshot changed: %d nodes, want 2", len(published.Nodes))
	}
}

func TestFrameErrors(t *testing.T) {
	good, err := AppendFrame(nil, newMsg("t", "x"))
	if err != nil {
		t.Fatal(err)
	}
	badMagic := bytes.Clone(good)
	badMagic[4] = 0
	noNUL := bytes.Clone(good)
	noNUL[len(noNUL)-1] = '\n'
	huge := []byte{0, 0, 0, 1, 0xcd, 0xab, 0, 0}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.EOF},
		{"short header", good[:5], io.ErrUnexpectedEOF},
		{"short payload", good[:len(good)-2], io.ErrUnexpectedEOF},
		{"bad magic", badMagic, ErrBadMagic},
		{"no NUL", noNUL, ErrNoNUL},
		{"too large", huge, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadFrame(bytes.NewReader(tt.in)); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestClientServer runs our client against the server on a real socket.
func TestClientServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "register")
	ln, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o777 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	s := labServer("node1")
	done := make(chan error)
	go func() { done <- s.Serve(ctx, ln) }()

	c, err := Dial(t.Context(), path, "node1", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Signon.Value("deadtime"); v != "1388" {
		t.Errorf("signon deadtime %q", v)
	}
	resps, err := c.Do(ReqNodeList)
	if err != nil || len(resps) != 2 {
		t.Fatalf("nodelist: %v, %d answers", err, len(resps))
	}
	if _, err := c.Do(ReqNodeStatus, "node", "nosuch"); !errors.Is(err, ErrRefused) {
		t.Errorf("unknown node: %v", err)
	}
	if _, err := Listen(path); err == nil {
		t.Error("second Listen on a live socket succeeded")
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
	// A client that never signs off is cut when the server stops.
	c2, err := Dial(t.Context(), path, "node1", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.conn.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Do(ReqGetRsc); err == nil {
		t.Error("request after the server stopped succeeded")
	}
	// A socket left behind by a dead server is replaced.
	ln2, err := Listen(path)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	ln2.Close()
}

// lateListener hands Serve a connection only after ctx ended and Serve's
// stop function closed the listener and the connections it knew of: the
// race between Accept and shutdown.
type lateListener struct {
	cancel context.CancelFunc
	conn   net.Conn
	closed bool
}

func (l *lateListener) Accept() (net.Conn, error) {
	if l.conn == nil {
		return nil, net.ErrClosed
	}
	l.cancel()
	synctest.Wait() // the stop function has run
	c := l.conn
	l.conn = nil
	return c, nil
}

func (l *lateListener) Close() error   { l.closed = true; return nil }
func (l *lateListener) Addr() net.Addr { return nil }

// TestServeAcceptDuringStop: a client accepted while the server stops is
// cut too, so Serve returns instead of waiting for a client that never
// writes (synctest reports the deadlock otherwise).
func TestServeAcceptDuringStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		a, b := net.Pipe()
		defer b.Close()
		ln := &lateListener{cancel: cancel, conn: a}
		if err := labServer("node1").Serve(ctx, ln); err != nil {
			t.Fatal(err)
		}
		if !ln.closed {
			t.Error("listener not closed")
		}
		if _, err := b.Write([]byte{0}); err == nil {
			t.Error("connection accepted during the stop is still open")
		}
	})
}

// TestServeConnOrder: a request before signon, or a non-API message, ends
// the connection without an answer.
func TestServeConnOrder(t *testing.T) {
	for _, first := range []*wire.Message{
		newMsg("t", TypeRequest, "reqtype", "nodelist", "pid", "1"),
		newMsg("t", "ask_resources", "pid", "1"),
	} {
		a, b := net.Pipe()
		s := labServer("node1")
		done := make(chan struct{})
		go func() { s.serveConn(a); a.Close(); close(done) }()
		go func() { _ = WriteFrame(b, first) }()
		if _, err := ReadFrame(b); !errors.Is(err, io.EOF) {
			t.Errorf("%v: got %v, want EOF", first.Fields, err)
		}
		<-done
		b.Close()
	}
}

func FuzzReadFrame(f *testing.F) {
	for _, ex := range loadExchanges(f) {
		for _, b := range append(ex.sent, ex.recv...) {
			f.Add(b)
		}
	}
	f.Add([]byte{1, 0, 0, 0, 0xcd, 0xab, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadFrame(bytes.NewReader(b))
		if err != nil {
			return
		}
		enc, err := AppendFrame(nil, m)
		if err != nil {
			return // e.g. a field type the classic form cannot carry
		}
		m2, err := ReadFrame(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("re-read of %q: %v", enc, err)
		}
		enc2, err := AppendFrame(nil, m2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("round trip differs: %q vs %q (%v)", enc, enc2, err)
		}
	})
}
