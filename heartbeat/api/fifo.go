package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
)

// DefaultFIFO is the FIFO of Debian's heartbeat ($HA_FIFO).
const DefaultFIFO = "/var/lib/heartbeat/fifo"

// ErrNoReader means no daemon has the FIFO open: heartbeat is not running.
// 3.0.6's scripts block forever in this case (spec 9.1 item 13).
var ErrNoReader = errors.New("no process reads the FIFO: heartbeat is not running")

// SendFIFO writes m in the classic form into the FIFO at path, as the
// shell function ha_clustermsg does, but never blocks for longer than
// timeout: opening a FIFO without a reader fails at once (ENXIO).
func SendFIFO(path string, m *wire.Message, timeout time.Duration) error {
	text, err := wire.MarshalClassic(m)
	if err != nil {
		return fmt.Errorf("encoding %s message: %w", typeOf(m), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	switch {
	case errors.Is(err, syscall.ENXIO):
		return fmt.Errorf("%s: %w", path, ErrNoReader)
	case err != nil:
		return fmt.Errorf("opening the FIFO: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("opening the FIFO: %w", err)
	}
	if fi.Mode().Type() != fs.ModeNamedPipe {
		return fmt.Errorf("%s is not a FIFO", path)
	}
	if err := f.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("writing to the FIFO: %w", err)
	}
	if _, err := f.Write(text); err != nil {
		return fmt.Errorf("writing to the FIFO %s: %w", path, err)
	}
	return nil
}

// CreateFIFO makes the FIFO (mode 0600, as 3.0.6's prw-------) unless it
// exists, and reports whether it made it. A non-FIFO at path is an error.
func CreateFIFO(path string) (bool, error) {
	fi, err := os.Lstat(path)
	if err == nil {
		if fi.Mode().Type() != fs.ModeNamedPipe {
			return false, fmt.Errorf("%s exists and is not a FIFO", path)
		}
		return false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("checking the FIFO: %w", err)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		return false, fmt.Errorf("creating FIFO %s: %w", path, err)
	}
	return true, nil
}

// ReadFIFO opens the FIFO read-write (so that writers never see it
// without a reader between two messages, and it never reads end of file)
// and calls got for every classic message until ctx ends. Text outside
// ">>>"/"<<<" lines and messages that do not parse go to bad.
func ReadFIFO(ctx context.Context, path string, got func(*wire.Message), bad func(error)) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("opening the FIFO: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	err = ScanClassic(f, got, bad)
	if ctx.Err() != nil {
		return nil
	}
	f.Close()
	return err
}

// ScanClassic reads classic messages from a byte stream (the FIFO) and
// calls got for each one that parses, bad for everything else, until r
// ends. A message longer than wire.MaxSize is skipped up to its "<<<".
func ScanClassic(r io.Reader, got func(*wire.Message), bad func(error)) error {
	br := bufio.NewReader(r)
	var msg []byte
	in, skipping := false, false
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			err = nil // a very long line: keep its pieces, the size cap decides
		}
		if len(line) > 0 {
			trimmed := bytes.TrimRight(line, "\n")
			switch {
			case !in && string(trimmed) == ">>>":
				in, skipping, msg = true, false, append(msg[:0], classicStartLine...)
			case !in:
				if len(bytes.TrimSpace(line)) > 0 {
					bad(fmt.Errorf("FIFO: text outside a message: %q", truncate(line)))
				}
			case string(trimmed) == "<<<" && line[len(line)-1] == '\n':
				in = false
				if skipping {
					bad(fmt.Errorf("FIFO: message longer than %d bytes", wire.MaxSize))
					continue
				}
				m, perr := wire.UnmarshalClassic(append(msg, line...))
				if perr != nil {
					bad(fmt.Errorf("FIFO: %w", perr))
					continue
				}
				got(m)
			case !skipping:
				if len(msg)+len(line) > wire.MaxSize {
					skipping, msg = true, msg[:0]
					continue
				}
				msg = append(msg, line...)
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("reading the FIFO: %w", err)
		}
	}
}

const classicStartLine = ">>>\n"

func truncate(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
