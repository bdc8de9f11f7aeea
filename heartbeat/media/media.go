// Package media implements heartbeat's UDP communication media exactly as
// heartbeat 3.0.6 opens them from the ha.cf lines `bcast IFACE`,
// `mcast IFACE GROUP PORT TTL LOOP` and `ucast IFACE PEER` (spec §4.1).
//
// A medium only moves bytes: Send writes one datagram, and a reader goroutine
// owned by the medium delivers every received datagram as a [Packet] on a
// bounded channel given at open time, stamped with its arrival time right
// after the read. Authentication, decoding and duplicate suppression belong
// to the caller. The in-memory fake for unit tests is package mediatest.
package media

import (
	"errors"
	"net/netip"
	"time"
)

// Packet is one datagram received on a medium.
type Packet struct {
	// Buf holds the datagram; it is owned by the receiver.
	Buf []byte
	// From is the sender's address and source port.
	From netip.AddrPort
	// At is the arrival time, read right after the datagram was received
	// (it keeps Go's monotonic reading).
	At time.Time
	// Medium is the link name of the medium the datagram arrived on (the
	// interface, "eth0"), as cl_status lists it.
	Medium string
}

// Medium is one communication medium: one ha.cf media line (one peer of a
// ucast line). Received datagrams go to the channel given when the medium was
// opened; after Close returns nothing more is delivered.
type Medium interface {
	// Name is the link name cl_status shows for the medium ("eth0").
	Name() string
	// Send writes b as one datagram to the medium's destination.
	Send(b []byte) error
	// Close stops the reader, closes the sockets and waits for the reader
	// to exit. It is safe to call more than once.
	Close() error
}

// ErrNoInterface reports that the interface named by a media line does not
// exist (3.0.6 rejects such a configuration, spec §6.5).
var ErrNoInterface = errors.New("no such interface")

// ErrNoBroadcast reports that a bcast interface has no IPv4 broadcast
// address.
var ErrNoBroadcast = errors.New("interface has no IPv4 broadcast address")

// MaxDatagram is the size of the receive buffer; larger datagrams are
// truncated by the kernel (heartbeat's messages are a few hundred bytes and
// at most 64 KiB).
const MaxDatagram = 64 * 1024
