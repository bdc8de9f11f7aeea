// Package api is the daemon's operator interface of heartbeat 3.0.6 (spec
// 7.2, 7.3): the API socket /run/heartbeat/register that cl_status talks to,
// whose messages are classic ha_msg texts in cluster-glue's IPC framing, and
// the FIFO /var/lib/heartbeat/fifo that hb_standby and hb_takeover write
// classic messages into. It holds both sides of each: the server the daemon
// runs and the client our tools use, so that the stock cl_status binary and
// the stock shell scripts work against our daemon and ours against 3.0.6.
package api

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
)

// Magic is the second word of cluster-glue's IPC message header.
const Magic = 0xabcd

// headerLen is the size of the IPC header: payload length and magic, both
// 32-bit little-endian.
const headerLen = 8

// Errors of the framing.
var (
	ErrBadMagic = errors.New("bad IPC magic")
	ErrTooLarge = errors.New("IPC message too large")
	ErrNoNUL    = errors.New("IPC payload does not end in NUL")
)

// AppendFrame appends m as one IPC message: the header, the classic text and
// a NUL, which the length counts.
func AppendFrame(dst []byte, m *wire.Message) ([]byte, error) {
	text, err := wire.MarshalClassic(m)
	if err != nil {
		return dst, fmt.Errorf("encoding %s message: %w", typeOf(m), err)
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(text)+1))
	dst = binary.LittleEndian.AppendUint32(dst, Magic)
	dst = append(dst, text...)
	return append(dst, 0), nil
}

// WriteFrame writes m as one IPC message with a single write.
func WriteFrame(w io.Writer, m *wire.Message) error {
	b, err := AppendFrame(nil, m)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// ReadFrame reads one IPC message and parses its classic text. A clean end
// of input before the header returns io.EOF; a cut message
// io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader) (*wire.Message, error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(h[:4])
	if magic := binary.LittleEndian.Uint32(h[4:]); magic != Magic {
		return nil, fmt.Errorf("%w: %#x", ErrBadMagic, magic)
	}
	if n > wire.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if n == 0 || buf[n-1] != 0 {
		return nil, ErrNoNUL
	}
	m, err := wire.UnmarshalClassic(buf)
	if err != nil {
		return nil, fmt.Errorf("parsing IPC message: %w", err)
	}
	return m, nil
}

// typeOf returns the t field of m, for errors.
func typeOf(m *wire.Message) string {
	t, _ := m.Value("t")
	return t
}

// newMsg builds a message of string fields from name, value pairs.
func newMsg(kv ...string) *wire.Message {
	m := &wire.Message{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i], kv[i+1])
	}
	return m
}
