package resource

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// defaultProbePort is the port of the azure-lb OCF agent.
const defaultProbePort = 61000

// probe answers a cloud load balancer's health probe: while the group is
// active here it accepts TCP connections on a port (and closes them at once,
// the handshake is the answer), like the azure-lb agent's `nc -l -k`.
// `probe[::port=N][::addr=IP]`; port defaults to 61000, addr to all.
type probe struct {
	word string
	addr string // host:port to listen on

	mu sync.Mutex
	ln net.Listener   // nil while stopped
	wg sync.WaitGroup // the accept loop
}

func newProbe(word string, args []string) (Agent, error) {
	port, host := defaultProbePort, ""
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "port":
			p, err := strconv.ParseUint(v, 10, 16)
			if err != nil || p == 0 {
				return nil, fmt.Errorf("probe: invalid port %q", v)
			}
			port = int(p)
		case "addr":
			ip, err := netip.ParseAddr(v)
			if err != nil {
				return nil, fmt.Errorf("probe: invalid addr %q: %w", v, err)
			}
			host = ip.String()
		default:
			return nil, fmt.Errorf("probe: unknown argument %q (want port=N or addr=IP)", a)
		}
	}
	return &probe{word: word, addr: net.JoinHostPort(host, strconv.Itoa(port))}, nil
}

func (p *probe) String() string { return p.word }

// Start opens the listener; starting a started probe does nothing.
func (p *probe) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", p.addr)
	if err != nil {
		return fmt.Errorf("starting %s: %w", p.word, err)
	}
	p.ln = ln
	p.wg.Go(func() { accept(ln) })
	return nil
}

// accept answers every connection by closing it, until ln is closed. On
// other errors (out of file descriptors) it backs off as net/http does.
func accept(ln net.Listener) {
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		switch {
		case err == nil:
			backoff = 0
			_ = c.Close()
		case errors.Is(err, net.ErrClosed):
			return
		default:
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
		}
	}
}

// Stop closes the listener and waits for its accept loop.
func (p *probe) Stop(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return nil
	}
	err := p.ln.Close()
	p.wg.Wait()
	p.ln = nil
	if err != nil {
		return stopFailed(p.word, err)
	}
	return nil
}

// Status reports whether the listener is open.
func (p *probe) Status(context.Context) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ln != nil, nil
}
