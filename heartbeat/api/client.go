package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
)

// DefaultSocket is the API socket of Debian's heartbeat.
const DefaultSocket = "/run/heartbeat/register"

// ErrRefused is a request the daemon answered with a failure.
var ErrRefused = errors.New("request refused")

// Client is a casual (anonymous) API client, as cl_status is.
type Client struct {
	conn    net.Conn
	node    string // dest of every request: the local node
	id      string // pid, which is also the client id
	timeout time.Duration
	// Signon is the daemon's answer to the signon: node, hbversion,
	// deadtime, keepalive, logfacility.
	Signon *wire.Message
}

// Dial connects to the API socket at path and signs on as node's client.
// Every later exchange must finish within timeout.
func Dial(ctx context.Context, path, node string, timeout time.Duration) (*Client, error) {
	conn, err := (&net.Dialer{Timeout: timeout}).DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", path, err)
	}
	c := &Client{conn: conn, node: node, id: strconv.Itoa(os.Getpid()), timeout: timeout}
	resps, err := c.Do(ReqSignon, "uid", strconv.Itoa(os.Getuid()), "gid", strconv.Itoa(os.Getgid()))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("signing on: %w", err)
	}
	c.Signon = resps[0]
	return c, nil
}

// Do sends one request with the given name, value pairs and returns the
// answers up to the one whose result is not ok/more. A badreq answer is
// returned with an error wrapping ErrRefused.
func (c *Client) Do(reqtype string, kv ...string) ([]*wire.Message, error) {
	req := newMsg(wire.FieldType, TypeRequest, FieldReqType, reqtype, wire.FieldDest, c.node,
		FieldPID, c.id, FieldFromID, c.id)
	for i := 0; i+1 < len(kv); i += 2 {
		req.Set(kv[i], kv[i+1])
	}
	if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return nil, err
	}
	if err := WriteFrame(c.conn, req); err != nil {
		return nil, fmt.Errorf("sending %s: %w", reqtype, err)
	}
	var out []*wire.Message
	for {
		m, err := ReadFrame(c.conn)
		if err != nil {
			return nil, fmt.Errorf("reading the answer to %s: %w", reqtype, err)
		}
		if t, _ := m.Value(wire.FieldType); t != TypeResponse {
			continue // an unrequested message: 3.0.6 queues it for later
		}
		out = append(out, m)
		switch res, _ := m.Value(FieldResult); res {
		case ResultMore:
			continue
		case ResultOK:
			return out, nil
		default:
			why, _ := m.Value(FieldReason)
			return out, fmt.Errorf("%s: %w: %s %s", reqtype, ErrRefused, res, why)
		}
	}
}

// Close signs off (the daemon does not answer) and closes the connection.
func (c *Client) Close() error {
	req := newMsg(wire.FieldType, TypeRequest, FieldReqType, ReqSignoff, wire.FieldDest, c.node,
		FieldPID, c.id, FieldFromID, c.id)
	werr := WriteFrame(c.conn, req)
	return errors.Join(werr, c.conn.Close())
}
