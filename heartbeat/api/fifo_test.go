package api

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
)

// hbStandbyText is what /usr/share/heartbeat/hb_standby writes through
// ha_clustermsg: (echo ">>>"; cat -; echo "<<<").
const hbStandbyText = ">>>\nt=ask_resources\nrsc_hold=all\ninfo=me\n<<<\n"

func fields(m *wire.Message) string {
	var s []string
	for _, f := range m.Fields {
		s = append(s, f.Name+"="+string(f.Value))
	}
	return strings.Join(s, " ")
}

func TestScanClassic(t *testing.T) {
	tests := []struct {
		name string
		in   string
		got  []string
		bad  int
	}{
		{"hb_standby", hbStandbyText, []string{"t=ask_resources rsc_hold=all info=me"}, 0},
		{"two in one write", hbStandbyText + ">>>\nt=hb_takeover\nrsc_hold=local\n<<<\n",
			[]string{"t=ask_resources rsc_hold=all info=me", "t=hb_takeover rsc_hold=local"}, 0},
		{"garbage around", "hello\n" + hbStandbyText + "\n", []string{"t=ask_resources rsc_hold=all info=me"}, 1},
		{"bad field", ">>>\nnoequals\n<<<\n" + hbStandbyText, []string{"t=ask_resources rsc_hold=all info=me"}, 1},
		{"cut", ">>>\nt=ask_resources\n", nil, 0},
		{"too large", ">>>\nt=" + strings.Repeat("x", wire.MaxSize) + "\n<<<\n" + hbStandbyText,
			[]string{"t=ask_resources rsc_hold=all info=me"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			bad := 0
			err := ScanClassic(strings.NewReader(tt.in), func(m *wire.Message) { got = append(got, fields(m)) }, func(error) { bad++ })
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.got, "|") || bad != tt.bad {
				t.Errorf("got %q and %d bad, want %q and %d", got, bad, tt.got, tt.bad)
			}
		})
	}
}

// TestSendFIFONoReader: with no daemon, sending fails at once instead of
// blocking as 3.0.6's scripts do.
func TestSendFIFONoReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if created, err := CreateFIFO(path); err != nil || !created {
		t.Fatalf("CreateFIFO: %v %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode().Type() != os.ModeNamedPipe {
		t.Fatalf("FIFO mode %v, %v", fi.Mode(), err)
	}
	if created, err := CreateFIFO(path); err != nil || created {
		t.Fatalf("second CreateFIFO: %v %v", created, err)
	}
	err = SendFIFO(path, newMsg("t", "ask_resources"), time.Minute)
	if !errors.Is(err, ErrNoReader) {
		t.Fatalf("got %v, want ErrNoReader", err)
	}
	if err := SendFIFO(filepath.Join(t.TempDir(), "none"), newMsg("t", "x"), time.Second); err == nil {
		t.Error("missing FIFO: no error")
	}
	plain := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateFIFO(plain); err == nil {
		t.Error("CreateFIFO over a regular file succeeded")
	}
}

// TestReadFIFO: the reader gets what our sender and a shell-style writer
// write, and stops when its context ends.
func TestReadFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if _, err := CreateFIFO(path); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		done <- ReadFIFO(ctx, path, func(m *wire.Message) { got <- fields(m) }, func(err error) { got <- "bad: " + err.Error() })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := SendFIFO(path, newMsg("t", "hb_takeover", "rsc_hold", "all"), time.Second)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrNoReader) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // the reader has not opened the FIFO yet
	}
	if g := <-got; g != "t=hb_takeover rsc_hold=all" {
		t.Errorf("got %q", g)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The shell writes the pieces of one message separately.
	for _, piece := range []string{">>>\n", "t=ask_resources\nrsc_hold=foreign\ninfo=me\n", "<<<\n"} {
		if _, err := f.Write([]byte(piece)); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	if g := <-got; g != "t=ask_resources rsc_hold=foreign info=me" {
		t.Errorf("got %q", g)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func FuzzScanClassic(f *testing.F) {
	f.Add([]byte(hbStandbyText))
	f.Add([]byte(">>>\n>>>\n<<<\n<<<\n"))
	f.Add([]byte(">>>\n(1)x=AAAA\n<<<\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = ScanClassic(bytes.NewReader(b), func(m *wire.Message) {
			if _, err := wire.MarshalClassic(m); err != nil {
				t.Fatalf("parsed message does not re-encode: %v", err)
			}
		}, func(error) {})
	})
}
