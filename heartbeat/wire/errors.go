package wire

import (
	"errors"
	"fmt"
)

// Errors returned for malformed input. Truncated input returns
// io.ErrUnexpectedEOF instead. All are wrapped with the offset or field they
// concern; test them with errors.Is.
var (
	ErrFormat        = errors.New("not a heartbeat message")
	ErrTooLarge      = errors.New("message too large")
	ErrTooManyFields = errors.New("too many fields")
	ErrTooDeep       = errors.New("structs nested too deeply")
	ErrBadLength     = errors.New("bad netstring length")
	ErrBadField      = errors.New("malformed field")
	ErrBadType       = errors.New("bad field type")
	ErrBadValue      = errors.New("bad field value")
	ErrTrailingData  = errors.New("data after end of message")
	ErrDuplicate     = errors.New("duplicate field")
	ErrMissingField  = errors.New("missing field")
)

// Authentication errors, carried by *AuthError.
var (
	ErrBadAuthToken = errors.New("bad or missing authentication token")
	ErrUnknownKey   = errors.New("unknown authentication key index")
	ErrBadDigest    = errors.New("authentication digest does not match")
)

// AuthError is a datagram that parsed but failed authentication. It carries
// what heartbeat 3.0.6 logs about it (spec 2.5): the key index and digest the
// packet names, the digest computed locally, and the decoded fields.
type AuthError struct {
	Index    int      // key index named by the packet (-1 if the token is unreadable)
	Token    string   // the token as received, "<index> <digest>" (3.0.6's autotoken)
	Received string   // digest received (3.0.6's authtoken)
	Computed string   // digest computed with our key (3.0.6's authstr); "" if no key
	Msg      *Message // the decoded fields, for the "MSG[i] : [...]" dump
	Err      error    // ErrBadAuthToken, ErrUnknownKey or ErrBadDigest
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("authenticating message with key %d: %v", e.Index, e.Err)
}

func (e *AuthError) Unwrap() error { return e.Err }
