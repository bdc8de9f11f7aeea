package heartbeat

import (
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
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

// badPacket counts and logs a datagram that failed authentication or
// decoding (the log, not the count, is rate-limited). An
// authentication failure gets 3.0.6's lines for the datagram's form: for a
// netstring datagram the reason, "netstring authentication failed" with the
// raw datagram and a dump of its fields; for a classic one the reason (none
// for a wrong digest) and "string2msg_ll: node [NODE] failed authentication".
func (l *Loop) badPacket(p media.Packet, err error) {
	var ae *wire.AuthError
	isAuth := errors.As(err, &ae)
	if isAuth {
		l.badPackets.Auth++
	} else {
		l.badPackets.Malformed++
	}
	ok, suppressed := l.allow(p.From.Addr(), p.At)
	if !ok {
		return
	}
	log := l.Log.WithField("from", p.From.String())
	if suppressed > 0 {
		halog.PacketsSuppressed(log, suppressed, p.From.Addr().String())
	}
	if !isAuth {
		halog.BadPacket(log, p.From.String(), err)
		return
	}
	if d, perr := wire.Parse(p.Buf); perr == nil && d.Format == wire.Classic {
		switch {
		case errors.Is(err, wire.ErrUnknownKey):
			halog.InvalidAuthType(log, ae.Index)
		case errors.Is(err, wire.ErrBadAuthToken):
			halog.BadAuthToken(log, d.Token)
		}
		src, _ := d.Msg.Value(fSrc)
		halog.FailedAuthentication(log, src)
		return
	}
	switch {
	case errors.Is(err, wire.ErrUnknownKey):
		halog.InvalidAuthIndex(log, ae.Index)
	case errors.Is(err, wire.ErrBadAuthToken):
		halog.BadNetstringAuth(log)
	default:
		halog.AuthTokenMismatch(log, ae.Received, ae.Computed)
	}
	halog.NetstringAuthFailed(log, p.Buf)
	if ae.Msg != nil {
		halog.DumpMessage(log, dumpFields(ae.Msg))
	}
}

// dumpFields renders m's fields as 3.0.6's message dump shows them, from
// wire's dump lines "MSG[i] : [FIELD]".
func dumpFields(m *wire.Message) []string {
	lines := m.Dump()
	fields := make([]string, len(lines))
	for i, line := range lines {
		_, f, _ := strings.Cut(line, " : [")
		fields[i] = strings.TrimSuffix(f, "]")
	}
	return fields
}
