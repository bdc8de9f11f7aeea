// Package ipaddr is the native IPaddr, IPaddr2 and IPv6addr resource agent:
// it adds a virtual IP address to an interface through netlink, announces it
// with gratuitous ARP (IPv4) or unsolicited neighbour advertisements (IPv6),
// and removes it again. It accepts the argument forms of the heartbeat
// wrappers in /etc/ha.d/resource.d and the OCF parameter names, and finds
// the interface and netmask from the routing table as findif does.
package ipaddr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Announcement defaults of the OCF agents in resource-agents 4.12: IPaddr
// runs send_arp -i ARP_INTERVAL_MS(500) -r ARP_REPEAT(10); IPaddr2 runs it
// with arp_interval 200 and arp_count 5, and send_ua with the same values
// for IPv6. send_arp sends a request and a reply per round, half an
// interval apart.
const (
	ipaddrRepeat    = 10
	ipaddrInterval  = 500 * time.Millisecond
	ipaddr2Repeat   = 5
	ipaddr2Interval = 200 * time.Millisecond
)

// Options are the environment of an agent. The zero value works on the
// current network namespace and logs nothing.
type Options struct {
	// Netns is the path of a network namespace (/var/run/netns/NAME) to
	// manage the address in; empty means the caller's namespace.
	Netns string
	// Log receives the agent's messages; nil discards them.
	Log *logrus.Entry
	// ARPRepeat and ARPInterval replace the kind's defaults (rounds of
	// gratuitous ARP or neighbour advertisements and the time between
	// rounds) when non-zero. Arguments (ARP_REPEAT=, arp_count=, ...) win.
	ARPRepeat   int
	ARPInterval time.Duration
	// DADTimeout bounds the wait for IPv6 duplicate address detection
	// (default 10s, as IPaddr2 polls ten times a second apart).
	DADTimeout time.Duration
}

// Agent manages one virtual IP address. Its methods may be called from
// several goroutines.
type Agent struct {
	cfg      config
	args     []string
	opts     Options
	log      *logrus.Entry
	repeat   int
	interval time.Duration

	mu     sync.Mutex
	cancel context.CancelFunc // stops the running announcer, nil if none
	done   chan struct{}      // closed when the announcer has returned
}

// New parses the haresources arguments of kind ("IPaddr", "IPaddr2" or
// "IPv6addr") without touching the kernel. Errors wrap ErrBadArgs.
func New(kind string, args []string, opts Options) (*Agent, error) {
	cfg, err := parseArgs(kind, args)
	if err != nil {
		return nil, fmt.Errorf("%s::%s: %w", kind, strings.Join(args, "::"), err)
	}
	a := &Agent{cfg: cfg, args: args, opts: opts, log: opts.Log}
	if a.log == nil {
		l := logrus.New()
		l.Out = io.Discard
		a.log = logrus.NewEntry(l)
	}
	a.log = a.log.WithField("resource", a.String())
	a.repeat, a.interval = ipaddr2Repeat, ipaddr2Interval
	if kind == KindIPaddr {
		a.repeat, a.interval = ipaddrRepeat, ipaddrInterval
	}
	if opts.ARPRepeat > 0 {
		a.repeat = opts.ARPRepeat
	}
	if opts.ARPInterval > 0 {
		a.interval = opts.ARPInterval
	}
	if cfg.repeat > 0 {
		a.repeat = cfg.repeat
	}
	if cfg.interval > 0 {
		a.interval = cfg.interval
	}
	if a.opts.DADTimeout <= 0 {
		a.opts.DADTimeout = 10 * time.Second
	}
	return a, nil
}

// String names the resource as haresources writes it.
func (a *Agent) String() string {
	if len(a.args) == 0 {
		return a.cfg.kind
	}
	return a.cfg.kind + "::" + strings.Join(a.args, "::")
}

func (a *Agent) family() int {
	if a.cfg.ip.Is4() {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}

func (a *Agent) handle() (*netlink.Handle, error) {
	if a.opts.Netns == "" {
		h, err := netlink.NewHandle()
		if err != nil {
			return nil, fmt.Errorf("opening netlink: %w", err)
		}
		return h, nil
	}
	ns, err := openNS(a.opts.Netns)
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("opening netlink in %s: %w", a.opts.Netns, err)
	}
	return h, nil
}

// found is one kernel address equal to the agent's IP.
type found struct {
	link netlink.Link
	addr netlink.Addr
}

// lookup returns every address equal to the agent's IP, on any link.
func (a *Agent) lookup(h *netlink.Handle) ([]found, error) {
	addrs, err := h.AddrList(nil, a.family())
	if err != nil {
		return nil, fmt.Errorf("listing addresses: %w", err)
	}
	var res []found
	for _, ad := range addrs {
		ip, ok := netip.AddrFromSlice(ad.IP)
		if !ok || ip.Unmap() != a.cfg.ip {
			continue
		}
		l, err := h.LinkByIndex(ad.LinkIndex)
		if err != nil {
			return nil, fmt.Errorf("link %d of %s: %w", ad.LinkIndex, a.cfg.ip, err)
		}
		res = append(res, found{link: l, addr: ad})
	}
	return res, nil
}

// Status reports whether the address is configured here. An address on
// another interface than the configured nic is "not running" for IPaddr2
// and IPv6addr, and an error for IPaddr, as the OCF agents report it.
func (a *Agent) Status(ctx context.Context) (bool, error) {
	h, err := a.handle()
	if err != nil {
		return false, err
	}
	defer h.Close()
	return a.status(h)
}

func (a *Agent) status(h *netlink.Handle) (bool, error) {
	fs, err := a.lookup(h)
	if err != nil {
		return false, err
	}
	for _, f := range fs {
		if a.cfg.nic == "" || f.link.Attrs().Name == a.cfg.nic {
			return true, nil
		}
	}
	if len(fs) > 0 && a.cfg.kind == KindIPaddr {
		return false, fmt.Errorf("%s is running on interface %s instead of the configured one (%s)",
			a.cfg.ip, fs[0].link.Attrs().Name, a.cfg.nic)
	}
	return false, nil
}

// Start adds the address unless it is already there, sends the first
// announcement right after the address is up and the others in the
// background until they are done, Stop is called or ctx ends.
func (a *Agent) Start(ctx context.Context) error {
	h, err := a.handle()
	if err != nil {
		return err
	}
	defer h.Close()
	if up, err := a.status(h); err == nil && up {
		a.log.Info("address already configured")
		return nil
	}
	t, err := findIf(h, a.cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", a, err)
	}
	if a.cfg.label != "" {
		if err := checkLabel(t.link.Attrs().Name, a.cfg.label); err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
	}
	addr := &netlink.Addr{
		IPNet: &net.IPNet{IP: a.cfg.ip.AsSlice(), Mask: net.CIDRMask(t.prefix, a.cfg.ip.BitLen())},
	}
	if t.brd.IsValid() {
		addr.Broadcast = t.brd.AsSlice()
	}
	switch {
	case a.cfg.kind == KindIPaddr:
		if addr.Label, err = freeAlias(h, t.link); err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
	case a.cfg.label != "":
		addr.Label = t.link.Attrs().Name + ":" + a.cfg.label
	}
	if a.cfg.nodad {
		addr.Flags |= unix.IFA_F_NODAD
	}
	// Open the announcement socket first so that nothing but the
	// write lies between the address coming up and the first packet.
	var ann announcer
	isLoop := t.link.Attrs().Flags&net.FlagLoopback != 0
	if !isLoop && a.cfg.ip.Is4() {
		ann, err = a.dialARP(t.link)
		if err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
	}
	if err := h.AddrAdd(t.link, addr); err != nil {
		closeAnn(ann)
		return fmt.Errorf("adding %s/%d on %s: %w", a.cfg.ip, t.prefix, t.link.Attrs().Name, err)
	}
	if err := h.LinkSetUp(t.link); err != nil {
		closeAnn(ann)
		return fmt.Errorf("bringing %s up: %w", t.link.Attrs().Name, err)
	}
	a.log.WithField("label", addr.Label).Infof("added %s/%d on %s", a.cfg.ip, t.prefix, t.link.Attrs().Name)
	if isLoop {
		return nil
	}
	if a.cfg.ip.Is6() {
		if err := a.waitDAD(ctx, h, t.link); err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
		if ann, err = a.dialNA(t.link); err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
	}
	return a.announce(ctx, ann)
}

func closeAnn(ann announcer) {
	if ann != nil {
		_ = ann.Close()
	}
}

// freeAlias returns the first nic:N label (N from 0) that no address on
// link carries, as the IPaddr agent's ifconfig alias allocation does.
func freeAlias(h *netlink.Handle, link netlink.Link) (string, error) {
	addrs, err := h.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return "", fmt.Errorf("listing addresses of %s: %w", link.Attrs().Name, err)
	}
	used := map[string]bool{}
	for _, ad := range addrs {
		used[ad.Label] = true
	}
	for n := 0; n < 512; n++ {
		l := fmt.Sprintf("%s:%d", link.Attrs().Name, n)
		if len(l) > maxLabel {
			break
		}
		if !used[l] {
			return l, nil
		}
	}
	return "", fmt.Errorf("no free alias label on %s", link.Attrs().Name)
}

// waitDAD waits until the kernel has finished duplicate address detection
// for the address, and fails if it found a duplicate.
func (a *Agent) waitDAD(ctx context.Context, h *netlink.Handle, link netlink.Link) error {
	ctx, cancel := context.WithTimeout(ctx, a.opts.DADTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		addrs, err := h.AddrList(link, netlink.FAMILY_V6)
		if err != nil {
			return fmt.Errorf("listing addresses of %s: %w", link.Attrs().Name, err)
		}
		tentative := true
		for _, ad := range addrs {
			if ip, _ := netip.AddrFromSlice(ad.IP); ip != a.cfg.ip {
				continue
			}
			if ad.Flags&unix.IFA_F_DADFAILED != 0 {
				_ = h.AddrDel(link, &ad)
				return fmt.Errorf("IPv6 address collision %s [DAD]", a.cfg.ip)
			}
			tentative = ad.Flags&unix.IFA_F_TENTATIVE != 0
		}
		if !tentative {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for duplicate address detection of %s: %w", a.cfg.ip, ctx.Err())
		case <-tick.C:
		}
	}
}

// announce sends packet 0 now and the rest in a goroutine that Stop ends.
func (a *Agent) announce(ctx context.Context, ann announcer) error {
	if err := ann.Send(0); err != nil {
		_ = ann.Close()
		return fmt.Errorf("%s: sending first announcement: %w", a, err)
	}
	n, gap := ann.Schedule(a.repeat, a.interval)
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	// The background sends end with ctx too, as the brief of Start says.
	stop := context.AfterFunc(ctx, cancel)
	done := make(chan struct{})
	a.mu.Lock()
	a.stopAnnouncer()
	a.cancel, a.done = cancel, done
	a.mu.Unlock()
	go func() {
		defer close(done)
		defer stop()
		defer ann.Close()
		if err := sendRest(bg, ann, n, gap); err != nil {
			a.log.WithError(err).Error("could not send announcements")
		}
	}()
	return nil
}

// stopAnnouncer ends a running announcer and waits for it; a.mu is held.
func (a *Agent) stopAnnouncer() {
	if a.cancel != nil {
		a.cancel()
		<-a.done
		a.cancel, a.done = nil, nil
	}
}

// sendRest sends packets 1..n-1, gap apart, until ctx ends.
func sendRest(ctx context.Context, ann announcer, n int, gap time.Duration) error {
	t := time.NewTimer(gap)
	defer t.Stop()
	for i := 1; i < n; i++ {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := ann.Send(i); err != nil {
			return fmt.Errorf("packet %d of %d: %w", i+1, n, err)
		}
		t.Reset(gap)
	}
	return nil
}

// Stop ends the announcements and removes the address from the configured
// interface (from every interface when none is configured). Removing an
// address that is not there succeeds.
func (a *Agent) Stop(ctx context.Context) error {
	a.mu.Lock()
	a.stopAnnouncer()
	a.mu.Unlock()
	h, err := a.handle()
	if err != nil {
		return err
	}
	defer h.Close()
	fs, err := a.lookup(h)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range fs {
		name := f.link.Attrs().Name
		if a.cfg.nic != "" && name != a.cfg.nic {
			continue
		}
		if err := h.AddrDel(f.link, &f.addr); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			errs = append(errs, fmt.Errorf("removing %s from %s: %w", f.addr.IPNet, name, err))
			continue
		}
		a.log.Infof("removed %s from %s", f.addr.IPNet, name)
	}
	return errors.Join(errs...)
}

// Announce sends the gratuitous ARPs (or unsolicited neighbour
// advertisements) of Start again for an address that is configured here, so
// that neighbours that learnt another node's MAC for it (while both nodes
// held it during a partition) come back to this one. It does nothing when
// the address is not here or sits on a loopback link.
func (a *Agent) Announce(ctx context.Context) error {
	h, err := a.handle()
	if err != nil {
		return err
	}
	defer h.Close()
	fs, err := a.lookup(h)
	if err != nil || len(fs) == 0 {
		return err
	}
	link := fs[0].link
	if link.Attrs().Flags&net.FlagLoopback != 0 {
		return nil
	}
	var ann announcer
	if a.cfg.ip.Is4() {
		ann, err = a.dialARP(link)
	} else {
		ann, err = a.dialNA(link)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", a, err)
	}
	return a.announce(ctx, ann)
}
