package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/api"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// lab is node1 of the 3.0.6 lab while the outputs of
// testdata/cl_status-and-initscript.txt were taken: both nodes active,
// node1 holding its group.
func lab(t *testing.T, hold string) env {
	t.Helper()
	st := &heartbeat.Status{Node: "node1", Hold: hold, Nodes: []heartbeat.NodeStatus{
		{Name: "node1", State: "active", Links: []heartbeat.LinkStatus{{Name: "eth0", Up: true}}},
		{Name: "node2", State: "active", Links: []heartbeat.LinkStatus{{Name: "eth0", Up: true}}},
	}}
	log, _ := test.NewNullLogger()
	srv := &api.Server{
		Info: api.Info{Node: "node1", Deadtime: 5 * time.Second, Keepalive: time.Second,
			Version: "3.0.6 (node: 958e11be8686759f1b99204c17812f2c2633b169)", LogFacility: 128,
			Params: map[string]string{"keepalive": "1", "deadtime": "5", "warntime": "3", "initdead": "10",
				"udpport": "694", "auto_failback": "on", "logfacility": "local0",
				"hbversion": "3.0.6 (node: 958e11be8686759f1b99204c17812f2c2633b169)"}},
		Status: func() *heartbeat.Status { return st },
		Log:    logrus.NewEntry(log),
	}
	path := filepath.Join(t.TempDir(), "register")
	ln, err := api.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(t.Context(), ln); close(done) }()
	t.Cleanup(func() { <-done })
	return env{socket: path, host: "node1"}
}

type golden struct {
	args []string
	out  string
	code int
}

// stamp is the variable head of cl_status's error lines.
var stamp = regexp.MustCompile(`(?m)^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d node1 cl_status: \[\d+\]: `)

// goldenRows reads the node1 cl_status runs taken before node1 was killed.
func goldenRows(t *testing.T) []golden {
	b, err := os.ReadFile("testdata/cl_status-and-initscript.txt")
	if err != nil {
		t.Fatal(err)
	}
	text, _, _ := strings.Cut(string(b), "kill -9 node1")
	var rows []golden
	for _, sec := range strings.Split(text, "### ")[1:] {
		head, body, _ := strings.Cut(sec, "\n")
		cmd, ok := strings.CutPrefix(head, "node1$ cl_status")
		if !ok {
			continue
		}
		i := strings.LastIndex(body, "[exit code ")
		code, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(body[i+len("[exit code "):]), "]"))
		if err != nil {
			t.Fatalf("%q: %v", head, err)
		}
		rows = append(rows, golden{args: strings.Fields(cmd), out: stamp.ReplaceAllString(body[:i], "STAMP "), code: code})
	}
	if len(rows) < 30 {
		t.Fatalf("only %d rows", len(rows))
	}
	return rows
}

// TestGolden runs every cl_status line 3.0.6's cl_status ran on node1 and
// compares output and exit code.
func TestGolden(t *testing.T) {
	for _, g := range goldenRows(t) {
		t.Run(strings.Join(g.args, "_"), func(t *testing.T) {
			e := lab(t, "local")
			var out bytes.Buffer
			e.stdout, e.stderr = &out, &out
			code := run(g.args, e)
			got := stamp.ReplaceAllString(out.String(), "STAMP ")
			if code != g.code || got != g.out {
				t.Errorf("exit %d, output\n%q\nwant exit %d, output\n%q", code, got, g.code, g.out)
			}
		})
	}
}

func TestStopped(t *testing.T) {
	e := env{socket: filepath.Join(t.TempDir(), "none"), host: "node1"}
	tests := []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{[]string{"hbstatus"}, 1, "Heartbeat is stopped on this machine.\n", ""},
		{[]string{"rscstatus"}, 1, "", "STAMP ERROR: Cannot signon with heartbeat\nSTAMP ERROR: REASON: hb_api_signon: Can't initiate connection to heartbeat\n"},
		{[]string{"hbstatus", "-j"}, 1, "{\"running\":false}\n", ""},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		e.stdout, e.stderr = &out, &errOut
		code := run(tt.args, e)
		if code != tt.code || out.String() != tt.out || stamp.ReplaceAllString(errOut.String(), "STAMP ") != tt.errOut {
			t.Errorf("%v: exit %d, %q, %q", tt.args, code, out.String(), errOut.String())
		}
	}
}

func TestJSON(t *testing.T) {
	e := lab(t, "all")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"rscstatus", "-j"}, `{"resources":"all"}`},
		{[]string{"--json", "nodestatus", "node2"}, `{"node":"node2","status":"active"}`},
		{[]string{"listnodes", "-v", "-j"}, `{"nodes":[{"name":"node2","status":"active","type":"normal","links":[{"name":"eth0","status":"up"}]},{"name":"node1","status":"active","type":"normal","links":[{"name":"eth0","status":"up"}]}]}`},
		{[]string{"listnodes", "-p", "-j"}, `{"nodes":[]}`},
		{[]string{"hbparameter", "-j", "-p", "deadtime"}, `{"parameter":"deadtime","value":"5"}`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		e.stdout, e.stderr = &out, &out
		if code := run(tt.args, e); code != 0 {
			t.Errorf("%v: exit %d: %s", tt.args, code, out.String())
		}
		if got := strings.TrimSpace(out.String()); got != tt.want || !json.Valid(out.Bytes()) {
			t.Errorf("%v: got %s, want %s", tt.args, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	e := lab(t, "none")
	for _, args := range [][]string{{"nodestatus"}, {"listnodes", "-x"}, {"hbparameter", "-p"}, {"clientstatus", "node2", "ipfail", "abc"}} {
		var out bytes.Buffer
		e.stdout, e.stderr = &out, &out
		if code := run(args, e); code != exitParam {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitParam, out.String())
		}
	}
}
