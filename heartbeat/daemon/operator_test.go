package daemon

import (
	"strings"
	"testing"

	"github.com/heartbeat-go/heartbeat-go/hacf"
	"github.com/heartbeat-go/heartbeat-go/heartbeat"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

func TestFIFORequest(t *testing.T) {
	tests := []struct {
		kv   []string
		want string // kind/set, "" for none
	}{
		{[]string{"t", "ask_resources", "rsc_hold", "all", "info", "me"}, "standby/all"},
		{[]string{"t", "ask_resources", "rsc_hold", "foreign", "info", "me"}, "standby/foreign"},
		{[]string{"t", "ask_resources", "rsc_hold", "bogus", "info", "me"}, ""},
		{[]string{"t", "ask_resources", "rsc_hold", "all", "info", "other"}, ""},
		{[]string{"t", "hb_takeover", "rsc_hold", "local"}, "takeover/local"},
		{[]string{"t", "status"}, ""},
	}
	kinds := map[heartbeat.RequestKind]string{heartbeat.ReqStandby: "standby", heartbeat.ReqTakeover: "takeover"}
	for _, tt := range tests {
		m := &wire.Message{}
		for i := 0; i < len(tt.kv); i += 2 {
			m.Set(tt.kv[i], tt.kv[i+1])
		}
		reqs := make(chan heartbeat.Request, 1)
		l, hook := test.NewNullLogger()
		fifoRequest(t.Context(), m, reqs, logrus.NewEntry(l))
		got := ""
		select {
		case r := <-reqs:
			got = kinds[r.Kind] + "/" + r.Set
		default:
			if len(hook.Entries) == 0 {
				t.Errorf("%v: dropped without a log line", tt.kv)
			}
		}
		if got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.kv, got, tt.want)
		}
	}
}

func TestChangedParams(t *testing.T) {
	cfg := func(params map[string]string, nodes ...string) *config.Config {
		h := &hacf.Config{Params: map[string]hacf.Param{}}
		for k, v := range params {
			h.Params[k] = hacf.Param{Value: v}
		}
		for _, n := range nodes {
			h.Nodes = append(h.Nodes, hacf.Node{Name: n})
		}
		return &config.Config{HACF: h}
	}
	a := cfg(map[string]string{"deadtime": "5", "logfile": "/var/log/ha-log", "debug": "0"}, "node1", "node2")
	b := cfg(map[string]string{"deadtime": "10", "logfile": "/var/log/ha-log", "logfacility": "local0"}, "node1", "node3")
	if got := strings.Join(changedParams(a, b), ","); got != "deadtime,debug,logfacility,node" {
		t.Errorf("got %s", got)
	}
	if got := changedParams(a, a); len(got) != 0 {
		t.Errorf("same config: %v", got)
	}
}
