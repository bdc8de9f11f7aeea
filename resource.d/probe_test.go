package resource

import (
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"testing"
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestProbe: a real TCP connect succeeds while the probe is started and is
// refused before and after.
func TestProbe(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	addr := net.JoinHostPort("127.0.0.1", port)
	a, err := NewResolver(Config{}).Resolve(t.Context(), "probe::port="+port+"::addr=127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	connect := func() error {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			// The probe closes at once: the read sees EOF.
			_, err = c.Read(make([]byte, 1))
			c.Close()
			if errors.Is(err, io.EOF) {
				err = nil
			}
		}
		return err
	}
	check := func(step string, want bool) {
		t.Helper()
		running, err := a.Status(t.Context())
		if err != nil || running != want {
			t.Errorf("%s: Status = %v, %v; want %v", step, running, err, want)
		}
		err = connect()
		if want && err != nil {
			t.Errorf("%s: connect: %v", step, err)
		}
		if !want && !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s: connect = %v, want refused", step, err)
		}
	}
	check("before start", false)
	for range 2 { // starting twice is harmless
		if err := a.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	check("started", true)
	check("still answering", true)
	for range 2 {
		if err := a.Stop(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	check("stopped", false)
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	check("restarted", true)
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestProbePortBusy: a port taken by another listener fails the start.
func TestProbePortBusy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	a, err := NewResolver(Config{}).Resolve(t.Context(), "probe::addr=127.0.0.1::port="+port)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Start = %v, want EADDRINUSE", err)
	}
	if running, _ := a.Status(t.Context()); running {
		t.Error("failed probe reports running")
	}
}

func TestProbeDefaults(t *testing.T) {
	for word, want := range map[string]string{
		"probe":                ":61000",
		"probe::port=8080":     ":8080",
		"probe::addr=10.0.0.1": "10.0.0.1:61000",
		// "::" separates arguments: IPv6 addresses are written uncompressed.
		"probe::addr=fe80:0:0:0:0:0:0:1::port=1": "[fe80::1]:1",
	} {
		_, args, err := ParseWord(word)
		if err != nil {
			t.Fatal(err)
		}
		a, err := newProbe(word, args)
		if err != nil || a.(*probe).addr != want {
			t.Errorf("%s: %v, want listen address %s", word, err, want)
		}
	}
}
