package api

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
)

func TestToolArguments(t *testing.T) {
	noFIFO := filepath.Join(t.TempDir(), "fifo")
	tests := []struct {
		takeover     bool
		args         []string
		code         int
		stdout, errs string
	}{
		{false, []string{"a", "b"}, 1, "hb_standby: too many arguments\nusage:\n", "hb_standby [all|foreign|local|failback]\n"},
		{false, []string{"x"}, 1, "hb_standby: wrong resources(x).\nusage:\n", "hb_standby [all|foreign|local|failback]\n"},
		{true, []string{"--help"}, 1, "usage:\n", "hb_standby [all|foreign|local|failback]\n"},
		{false, nil, 1, "", "Nov 22 17:20:47 Going standby [all].\nhb_standby: " + noFIFO + ": " + ErrNoReader.Error() + "\n"},
	}
	for _, tt := range tests {
		var out, errs bytes.Buffer
		tool := Tool{Takeover: tt.takeover, FIFO: noFIFO, Now: func() time.Time { return time.Date(2026, 11, 22, 17, 20, 47, 0, time.UTC) }}
		if _, err := CreateFIFO(noFIFO); err != nil {
			t.Fatal(err)
		}
		code := tool.Run("hb_standby", tt.args, &out, &errs)
		if code != tt.code || out.String() != tt.stdout || errs.String() != tt.errs {
			t.Errorf("%v: exit %d, %q, %q", tt.args, code, out.String(), errs.String())
		}
	}
}

// TestToolMessages: what each tool writes into the FIFO, read back as the
// daemon reads it.
func TestToolMessages(t *testing.T) {
	tests := []struct {
		takeover bool
		arg      string
		want     string
	}{
		{false, "", "t=ask_resources rsc_hold=all info=me"},
		{false, "failback", "t=ask_resources rsc_hold=foreign info=me"},
		{false, "local", "t=ask_resources rsc_hold=local info=me"},
		{true, "", "t=hb_takeover rsc_hold=all"},
		{true, "failback", "t=hb_takeover rsc_hold=failback"},
	}
	path := filepath.Join(t.TempDir(), "fifo")
	if _, err := CreateFIFO(path); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() { _ = ReadFIFO(ctx, path, func(m *wire.Message) { got <- fields(m) }, func(error) {}) }()
	for _, tt := range tests {
		var args []string
		if tt.arg != "" {
			args = []string{tt.arg}
		}
		tool := Tool{Takeover: tt.takeover, FIFO: path, Now: time.Now}
		for {
			var errs bytes.Buffer
			code := tool.Run("hb", args, &bytes.Buffer{}, &errs)
			if code == 0 {
				break
			}
			if !strings.Contains(errs.String(), ErrNoReader.Error()) {
				t.Fatalf("exit %d: %s", code, errs.String())
			}
			time.Sleep(10 * time.Millisecond) // the reader is not there yet
		}
		if g := <-got; g != tt.want {
			t.Errorf("%v %q: got %q, want %q", tt.takeover, tt.arg, g, tt.want)
		}
	}
	if !errors.Is(SendFIFO(path+"x", newMsg("t", "x"), time.Second), fs.ErrNotExist) {
		t.Error("missing FIFO not reported as missing")
	}
}
