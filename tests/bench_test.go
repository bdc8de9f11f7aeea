//go:build integration && bench

package tests

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestFailoverBench measures, for kill -9, link down, graceful stop and
// failback, the outage a client sees (last answer before the fault to the
// first answer after it, polling the VIP every 50 ms) and the time from
// the survivor's "is dead" (as the test sees it appear in ha-log, 100 ms
// polling) or from the trigger to the first gratuitous ARP for the VIP on
// the wire. Medians over benchRuns runs, Go with Go and, for a
// side-by-side ratio, two real 3.0.6 nodes. It prints a table; it asserts
// no speed (run: make bench).
func TestFailoverBench(t *testing.T) {
	t.Parallel()
	results := map[string]map[string][]sample{}
	var mu sync.Mutex
	for _, p := range []placement{goGo, {realNode, realNode}} {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			r := benchPlacement(t, p)
			mu.Lock()
			results[p.String()] = r
			mu.Unlock()
		})
	}
	t.Cleanup(func() {
		var b strings.Builder
		fmt.Fprintf(&b, "\n%-12s %-6s %12s %16s %6s\n", "scenario", "nodes", "outage", "dead/trigger→GARP", "runs")
		for _, sc := range []string{"kill -9", "link down", "graceful", "failback"} {
			for _, p := range []string{"go-go", "c-c"} {
				s := results[p][sc]
				fmt.Fprintf(&b, "%-12s %-6s %12v %16v %6d\n", sc, p, median(s, func(x sample) time.Duration { return x.outage }),
					median(s, func(x sample) time.Duration { return x.garp }), len(s))
			}
		}
		t.Log(b.String())
	})
}

const benchRuns = 5

type sample struct{ outage, garp time.Duration }

func median(s []sample, f func(sample) time.Duration) time.Duration {
	if len(s) == 0 {
		return 0
	}
	d := make([]time.Duration, len(s))
	for i, x := range s {
		d[i] = f(x)
	}
	slices.Sort(d)
	return d[len(d)/2].Round(time.Millisecond)
}

// prober polls the VIP and remembers when each node answered.
type prober struct {
	mu      sync.Mutex
	answers []answer
}

type answer struct {
	at   time.Time
	node string // "" = no answer
}

func (pr *prober) run(ctx context.Context, s *scen) {
	for ctx.Err() == nil {
		at := time.Now()
		got := s.served()
		pr.mu.Lock()
		pr.answers = append(pr.answers, answer{at: at, node: got})
		pr.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
}

// outage is the gap between the last answer before from and the first
// answer by node want after from.
func (pr *prober) outage(from time.Time, want string) (time.Duration, bool) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	var last time.Time
	for _, a := range pr.answers {
		if a.at.Before(from) && a.node != "" {
			last = a.at
		}
		if !a.at.Before(from) && a.node == want {
			return a.at.Sub(last), !last.IsZero()
		}
	}
	return 0, false
}

// arpWatch records gratuitous ARPs for the VIP seen in the client namespace.
type arpWatch struct {
	mu    sync.Mutex
	times []time.Time
}

func (w *arpWatch) start(t *testing.T, ctx context.Context, s *scen) {
	vip := s.c.VIP().String()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", s.c.Client.Name, "tcpdump", "-i", "eth0", "-n", "-tt", "-l", "arp")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			// 1733085000.123456 ARP, Request who-has VIP tell VIP, length 28
			// 1733085000.123456 ARP, Reply VIP is-at MAC, length 28
			line := sc.Text()
			garp := strings.Contains(line, "who-has "+vip+" tell "+vip+",") || strings.Contains(line, "Reply "+vip+" is-at")
			if len(f) == 0 || !garp {
				continue
			}
			sec, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				continue
			}
			w.mu.Lock()
			w.times = append(w.times, time.Unix(0, int64(sec*1e9)))
			w.mu.Unlock()
		}
	}()
	t.Cleanup(func() { _ = cmd.Wait() })
}

// first returns the first gratuitous ARP at or after from.
func (w *arpWatch) first(from time.Time) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, at := range w.times {
		if !at.Before(from) {
			return at, true
		}
	}
	return time.Time{}, false
}

// benchPlacement runs every scenario benchRuns times on one cluster.
func benchPlacement(t *testing.T, p placement) map[string][]sample {
	s := newScen(t, p, scenOpts{}, 9*time.Minute)
	pctx, stop := context.WithCancel(s.ctx)
	defer stop()
	var pr prober
	var w arpWatch
	w.start(t, pctx, s)
	s.up()
	go pr.run(pctx, s)
	res := map[string][]sample{}
	measure := func(name string, from, deadSeen time.Time, want string) {
		s.owner(map[string]int{"node1": 1, "node2": 2}[want])
		time.Sleep(300 * time.Millisecond) // let the prober and tcpdump catch up
		out, ok1 := pr.outage(from, want)
		ref := from
		if !deadSeen.IsZero() {
			ref = deadSeen
		}
		garp, ok2 := w.first(from)
		if !ok1 || !ok2 {
			t.Fatalf("%s: no outage (%t) or no gratuitous ARP (%t) measured", name, ok1, ok2)
		}
		res[name] = append(res[name], sample{outage: out, garp: garp.Sub(ref)})
	}
	rejoin := func() {
		from := time.Now()
		s.start(1)
		measure("failback", from, time.Time{}, "node1")
	}
	for range benchRuns {
		// kill -9
		m2 := s.n(2).LogMark()
		from := time.Now()
		s.crash(1)
		if err := s.n(2).WaitLogSince(s.ctx, m2, "node node1: is dead"); err != nil {
			t.Fatal(err)
		}
		measure("kill -9", from, time.Now(), "node2")
		rejoin()

		// link down: node1 unplugged keeps its group but nobody reaches it.
		m2 = s.n(2).LogMark()
		from = time.Now()
		if err := s.n(1).Unplug(s.ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.n(2).WaitLogSince(s.ctx, m2, "node node1: is dead"); err != nil {
			t.Fatal(err)
		}
		measure("link down", from, time.Now(), "node2")
		if err := s.c.Heal(s.ctx); err != nil {
			t.Fatal(err)
		}
		s.owner(1)

		// graceful stop
		from = time.Now()
		if err := s.n(1).Stop(s.ctx); err != nil {
			t.Fatal(err)
		}
		measure("graceful", from, time.Time{}, "node2")
		rejoin()
	}
	return res
}
