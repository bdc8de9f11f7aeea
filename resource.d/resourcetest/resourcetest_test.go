package resourcetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/heartbeat-go/heartbeat-go/resource.d"
)

func TestRecorderOrder(t *testing.T) {
	var rec Recorder
	alpha, beta := New("spectest::alpha", &rec), New("spectest::beta", &rec)
	ctx := t.Context()
	for _, a := range []*Agent{alpha, beta} {
		if running, _ := a.Status(ctx); !running {
			if err := a.Start(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, a := range []*Agent{beta, alpha} {
		if err := a.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := "spectest::alpha status,spectest::alpha start,spectest::beta status,spectest::beta start," +
		"spectest::beta stop,spectest::alpha stop"
	if got := strings.Join(rec.Ops(), ","); got != want {
		t.Errorf("calls = %s\nwant    %s", got, want)
	}
	rec.Reset()
	if len(rec.Calls()) != 0 {
		t.Error("Reset kept calls")
	}
}

func TestFailures(t *testing.T) {
	ctx := t.Context()
	a := New("x", nil)
	a.FailStart(1)
	if err := a.Start(ctx); !errors.Is(err, ErrInjected) || a.Running() {
		t.Fatalf("first start = %v, running %v", err, a.Running())
	}
	if err := a.Start(ctx); err != nil || !a.Running() {
		t.Fatalf("second start = %v, running %v", err, a.Running())
	}
	a.FailStop(-1)
	for range 3 {
		var se *resource.StopError
		if err := a.Stop(ctx); !errors.As(err, &se) || !errors.Is(err, ErrInjected) {
			t.Fatalf("stop = %v, want *resource.StopError", err)
		}
		if running, err := a.Status(ctx); !running || err != nil {
			t.Fatalf("after failed stop: Status = %v, %v; want running", running, err)
		}
	}
	a.StopLeavesRunning(false)
	if err := a.Stop(ctx); err == nil || a.Running() {
		t.Fatalf("stop = %v, running %v; want failure and stopped", err, a.Running())
	}
	a.FailStatus(true)
	if _, err := a.Status(ctx); !errors.Is(err, ErrInjected) {
		t.Fatalf("Status = %v, want ErrInjected", err)
	}
}

// TestGate: a gated start blocks (durably, in a synctest bubble) until released.
func TestGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec Recorder
		a := New("slow", &rec)
		release := a.Gate(true)
		done := make(chan error, 1)
		go func() { done <- a.Start(context.Background()) }()
		synctest.Wait()
		if a.Running() || len(rec.Calls()) != 1 {
			t.Fatalf("gated start: running %v, calls %v", a.Running(), rec.Ops())
		}
		release <- struct{}{}
		if err := <-done; err != nil || !a.Running() {
			t.Fatalf("released start = %v, running %v", err, a.Running())
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { done <- a.Stop(ctx) }()
		synctest.Wait()
		cancel()
		var se *resource.StopError
		if err := <-done; !errors.As(err, &se) || !errors.Is(err, context.Canceled) || !a.Running() {
			t.Fatalf("cancelled stop = %v, running %v", err, a.Running())
		}
	})
}
