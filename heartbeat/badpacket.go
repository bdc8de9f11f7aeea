package heartbeat

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/sirupsen/logrus"
)

// authLimiter keeps 3.0.6's authentication-failure lines from filling the
// disk: one report per source address per second, with a count of what was
// suppressed since the last one (3.0.6 logs ~14 lines for every packet).
type authLimiter struct {
	last       map[netip.Addr]time.Time
	suppressed map[netip.Addr]int
}

// allow reports whether a failure from src may be logged now, and how many
// were suppressed before it.
func (a *authLimiter) allow(src netip.Addr, now time.Time) (bool, int) {
	if a.last == nil {
		a.last = map[netip.Addr]time.Time{}
		a.suppressed = map[netip.Addr]int{}
	}
	if t, ok := a.last[src]; ok && now.Sub(t) < time.Second {
		a.suppressed[src]++
		return false, 0
	}
	a.last[src] = now
	n := a.suppressed[src]
	delete(a.suppressed, src)
	return true, n
}

// badPacket logs a datagram that failed authentication or decoding.
func (l *Loop) badPacket(p media.Packet, err error) {
	ok, suppressed := l.allow(p.From.Addr(), p.At)
	if !ok {
		return
	}
	log := l.Log.WithField("from", p.From.String())
	if suppressed > 0 {
		logf(log, halog.Warning, "%d more packet(s) from %s failed authentication or decoding", suppressed, p.From.Addr())
	}
	var ae *wire.AuthError
	if !errors.As(err, &ae) {
		logf(log, halog.Err, "dropping bad packet from %s: %v", p.From, err)
		return
	}
	switch {
	case errors.Is(err, wire.ErrUnknownKey):
		logf(log, halog.Err, "Invalid authentication [%d] in message!", ae.Index)
	case errors.Is(err, wire.ErrBadAuthToken):
		logf(log, halog.Err, "Bad/invalid auth token, authtoken=%s", ae.Token)
	default:
		logf(log, halog.Err, "authtoken does not match, authtoken=%s, authstr=%s", ae.Received, ae.Computed)
	}
	if ae.Msg != nil {
		dump := ae.Msg.Dump()
		logf(log, halog.Err, "MSG: Dumping message with %d fields", len(dump))
		for _, line := range dump {
			halog.Log(log, halog.Err, line)
		}
	}
}

func logf(e *logrus.Entry, p halog.Priority, format string, args ...any) {
	halog.Log(e, p, fmt.Sprintf(format, args...))
}
