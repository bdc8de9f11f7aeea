package resource

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
)

// maxCapture caps the stdout kept for a status match; the rest is only logged.
const maxCapture = 64 << 10

// Log field names of script output lines.
const (
	FieldResource = "resource" // the haresources word
	FieldOp       = "op"       // start, stop, status, monitor, …
	FieldStream   = "stream"   // stdout or stderr
)

// runner executes commands for the agents: in their own process group, with
// a timeout that kills the group, output logged line by line.
type runner struct {
	cfg *Config

	mu      sync.Mutex
	pending map[*os.File]bool // read ends still drained after their op returned
	wg      sync.WaitGroup    // output readers
}

func newRunner(cfg *Config) *runner {
	return &runner{cfg: cfg, pending: make(map[*os.File]bool)}
}

// command is one run of an external program.
type command struct {
	word    string   // haresources word, for the log
	op      string   // operation, for the log
	argv    []string // program and arguments
	env     []string // extra KEY=value pairs (see Config.environ)
	timeout time.Duration
}

// result is what a finished command left behind.
type result struct {
	code   int    // exit code
	stdout string // at most maxCapture bytes
}

// run starts c, waits for it and returns its exit code and stdout. A command
// that outlives its timeout (or ctx) is killed with its whole process group
// and run returns an error wrapping ErrTimeout (or the cause of ctx). A
// non-zero exit is not an error here: callers judge codes.
func (r *runner) run(ctx context.Context, c command) (result, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, ErrTimeout)
	defer cancel()
	line := strings.Join(c.argv, " ")

	cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
	cmd.Env = r.cfg.environ(c.env...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The group id is the child's pid (Setpgid with Pgid 0).
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = r.cfg.WaitDelay

	// Real pipes rather than io.Writers: Wait then returns when the process
	// exits, not when every child that inherited the pipe has closed it.
	var out capture
	log := r.cfg.Log.WithField(FieldResource, c.word).WithField(FieldOp, c.op)
	streams := make([]*os.File, 0, 2)
	done := make([]chan struct{}, 0, 2)
	for _, name := range []string{"stdout", "stderr"} {
		rd, wr, err := os.Pipe()
		if err != nil {
			closeAll(streams)
			return result{}, fmt.Errorf("running %s: %w", line, err)
		}
		streams = append(streams, rd, wr)
		if name == "stdout" {
			cmd.Stdout = wr
		} else {
			cmd.Stderr = wr
		}
	}
	if err := cmd.Start(); err != nil {
		closeAll(streams)
		return result{}, fmt.Errorf("running %s: %w", line, err)
	}
	for i, name := range []string{"stdout", "stderr"} {
		rd, wr := streams[2*i], streams[2*i+1]
		_ = wr.Close() // the child has its copy
		ch := make(chan struct{})
		done = append(done, ch)
		var keep *capture
		if name == "stdout" {
			keep = &out
		}
		r.mu.Lock()
		r.pending[rd] = true
		r.mu.Unlock()
		entry := log.WithField(FieldStream, name)
		r.wg.Go(func() {
			defer close(ch)
			defer r.release(rd)
			sc := bufio.NewScanner(rd)
			sc.Buffer(make([]byte, 0, 4096), maxCapture)
			for sc.Scan() {
				entry.Debug(sc.Text())
				if keep != nil {
					keep.add(sc.Bytes())
				}
			}
			// A line longer than maxCapture stops the scanner; keep
			// draining so the writer never blocks on a full pipe.
			_, _ = io.Copy(io.Discard, rd)
		})
	}

	waitErr := cmd.Wait()
	r.drained(done, log)

	if ctx.Err() != nil && waitErr != nil {
		cause := context.Cause(ctx)
		if errors.Is(cause, ErrTimeout) {
			log.Warnf("%s killed after %v", line, c.timeout)
			return result{}, fmt.Errorf("%s: killed after %v: %w", line, c.timeout, cause)
		}
		return result{}, fmt.Errorf("%s: %w", line, cause)
	}
	var ee *exec.ExitError
	switch {
	case waitErr == nil:
		return result{code: 0, stdout: out.String()}, nil
	case errors.As(waitErr, &ee) && ee.ExitCode() >= 0:
		return result{code: ee.ExitCode(), stdout: out.String()}, nil
	default:
		return result{}, fmt.Errorf("%s: %w", line, waitErr)
	}
}

// drained waits up to WaitDelay for the output readers of a finished command.
// Readers still blocked (a background child holds the pipe) keep draining
// until EOF or Close, so that child never writes into a closed pipe.
func (r *runner) drained(done []chan struct{}, log *logrus.Entry) {
	t := time.NewTimer(r.cfg.WaitDelay)
	defer t.Stop()
	for _, ch := range done {
		select {
		case <-ch:
		case <-t.C:
			log.Debugf("output still open after exit (a child runs on); not waiting for it")
			return
		}
	}
}

// release forgets and closes the read end of a finished reader.
func (r *runner) release(f *os.File) {
	r.mu.Lock()
	delete(r.pending, f)
	r.mu.Unlock()
	_ = f.Close()
}

// close stops the readers that still drain output of background children
// and waits for all readers.
func (r *runner) close() {
	r.mu.Lock()
	for f := range r.pending {
		_ = f.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		_ = f.Close()
	}
}

// capture keeps the first maxCapture bytes of stdout, a line per add. It is
// shared with a reader that may outlive the run, hence the lock.
type capture struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (c *capture) add(line []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf.Len()+len(line)+1 <= maxCapture {
		c.buf.Write(line)
		c.buf.WriteByte('\n')
	}
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}
