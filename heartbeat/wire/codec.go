package wire

import (
	"bytes"
	"crypto/hmac"
	"fmt"
	"io"
	"strconv"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
)

// Format is the encoding of a datagram.
type Format byte

// The two encodings of spec 4.2.
const (
	Netstring Format = iota + 1 // "###\n" fields "%%%\n" plus the MAC trailer
	Classic                     // ">>>\n" lines "<<<\n", MAC in the auth field
)

// Datagram is a parsed datagram that has not been authenticated.
type Datagram struct {
	Format Format
	Msg    *Message
	// Token is "<index> <digest>": the trailer of a netstring datagram, or
	// the value of the auth field of a classic one (nil if it has none).
	Token []byte
	// signed holds the bytes the trailer's MAC covers (netstring only).
	signed []byte
}

// Parse parses a datagram in either form without authenticating it, for
// tools that show packets. Decode is what a receiver uses. The result does
// not alias b.
func Parse(b []byte) (*Datagram, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(b))
	}
	d, err := parse(bytes.Clone(b))
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// Decode parses a datagram and authenticates it: a netstring datagram by its
// trailer, a classic one by its auth field, each with the key of the index it
// names (3.0.6 uses the locally active key for the trailer, which breaks a
// rolling key change, spec 9.1 item 2). It also requires the fields 3.0.6
// drops a message without: t, src and ts. A failed authentication returns an
// *AuthError. The result does not alias b.
func Decode(b []byte, keys *authkeys.Keys) (*Message, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(b))
	}
	d, err := parse(bytes.Clone(b))
	if err != nil {
		return nil, err
	}
	if err := d.Verify(keys); err != nil {
		return nil, err
	}
	if err := checkRequired(d.Msg.Fields); err != nil {
		return nil, err
	}
	return d.Msg, nil
}

func parse(b []byte) (Datagram, error) {
	switch {
	case bytes.HasPrefix(b, []byte(netStart)):
		fields, end, err := parseFields(b, 0)
		if err != nil {
			return Datagram{}, err
		}
		token, next, err := readNetstring(b, end)
		if err != nil {
			return Datagram{}, fmt.Errorf("authentication trailer: %w", err)
		}
		if next != len(b) {
			return Datagram{}, fmt.Errorf("offset %d: %w", next, ErrTrailingData)
		}
		if err := checkDuplicates(fields); err != nil {
			return Datagram{}, err
		}
		return Datagram{Format: Netstring, Msg: &Message{Fields: fields}, Token: token, signed: b[:end]}, nil
	case bytes.HasPrefix(b, []byte(classicStart)):
		fields, n, err := parseClassic(b, 0)
		if err != nil {
			return Datagram{}, err
		}
		// 3.0.6 sends a classic message with its terminating NUL.
		if rest := b[n:]; len(rest) > 1 || (len(rest) == 1 && rest[0] != 0) {
			return Datagram{}, fmt.Errorf("offset %d: %w", n, ErrTrailingData)
		}
		if err := checkDuplicates(fields); err != nil {
			return Datagram{}, err
		}
		d := Datagram{Format: Classic, Msg: &Message{Fields: fields}}
		if f, ok := d.Msg.Get(FieldAuth); ok && f.Type == TypeString {
			d.Token = f.Value
		}
		return d, nil
	case len(b) < len(netStart) && (bytes.HasPrefix([]byte(netStart), b) || bytes.HasPrefix([]byte(classicStart), b)):
		return Datagram{}, fmt.Errorf("message start: %w", io.ErrUnexpectedEOF)
	}
	return Datagram{}, fmt.Errorf("%w: starts with neither %q nor %q", ErrFormat, netStart, classicStart)
}

// Verify authenticates d with the key of the index its token names: the
// trailer of a netstring datagram, the auth field of a classic one. It
// returns nil or an *AuthError.
func (d *Datagram) Verify(keys *authkeys.Keys) error {
	if d.Format == Classic {
		return VerifyInner(d.Msg, keys)
	}
	return verify(d.Token, d.signed, d.Msg, keys)
}

// VerifyInner checks the auth field of m, the MAC of m's classic rendering
// without it (spec 4.2.2), with the key of the index it names. 3.0.6 checks it
// on classic datagrams only; tools use it to check both MACs of a netstring
// one. It returns nil or an *AuthError.
func VerifyInner(m *Message, keys *authkeys.Keys) error {
	f, ok := m.Get(FieldAuth)
	if !ok || f.Type != TypeString {
		return &AuthError{Index: -1, Msg: m, Err: ErrBadAuthToken}
	}
	body, err := appendClassic(make([]byte, 0, 512), m.Fields, 0, true)
	if err != nil {
		return &AuthError{Index: -1, Token: string(f.Value), Msg: m, Err: fmt.Errorf("%w: %w", ErrBadAuthToken, err)}
	}
	return verify(f.Value, body, m, keys)
}

// verify checks that token, "<index> <digest>", is the MAC of signed.
func verify(token, signed []byte, m *Message, keys *authkeys.Keys) error {
	index, digest, ok := parseToken(token)
	if !ok {
		return &AuthError{Index: -1, Token: string(token), Msg: m, Err: ErrBadAuthToken}
	}
	key, ok := keys.Key(index)
	if !ok {
		return &AuthError{Index: index, Token: string(token), Received: string(digest), Msg: m, Err: ErrUnknownKey}
	}
	sum := key.Sum(signed)
	if !hmac.Equal([]byte(sum), digest) {
		return &AuthError{Index: index, Token: string(token), Received: string(digest), Computed: sum, Msg: m, Err: ErrBadDigest}
	}
	return nil
}

// maxDigest bounds a received digest; sha1 has 40 hex digits.
const maxDigest = 128

// parseToken splits "<index> <digest>": an index of one or two digits
// without a leading zero, one blank, a digest without blanks.
func parseToken(token []byte) (int, []byte, bool) {
	num, digest, ok := bytes.Cut(token, []byte(" "))
	if !ok || len(num) == 0 || len(num) > 2 || (len(num) == 2 && num[0] == '0') ||
		len(digest) == 0 || len(digest) > maxDigest || bytes.IndexByte(digest, ' ') >= 0 {
		return 0, nil, false
	}
	index := 0
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, nil, false
		}
		index = index*10 + int(c-'0')
	}
	return index, digest, true
}

// Encode signs m with the active key and renders it for the network as 3.0.6
// does: the auth field (the MAC of the classic rendering of the other fields)
// replaces an existing one in place or becomes the last field, then the
// netstring form gets the trailer with the MAC of everything before it
// (spec 4.2). m itself is not modified. m must have t, src and ts.
func Encode(m *Message, keys *authkeys.Keys) ([]byte, error) {
	return encode(m, keys, true)
}

// Reencode renders m, which already carries its auth field, with a new
// trailer signed by the active key, leaving the auth field as it is. This is
// what 3.0.6 sends when it retransmits a message from its history: after a
// key change the inner field still has the old key (17-reload has one).
func Reencode(m *Message, keys *authkeys.Keys) ([]byte, error) {
	if f, ok := m.Get(FieldAuth); !ok || f.Type != TypeString {
		return nil, fmt.Errorf("field %q: %w", FieldAuth, ErrMissingField)
	}
	return encode(m, keys, false)
}

func encode(m *Message, keys *authkeys.Keys, sign bool) ([]byte, error) {
	if keys == nil {
		return nil, fmt.Errorf("signing without keys: %w", ErrUnknownKey)
	}
	key, ok := keys.ActiveKey()
	if !ok {
		return nil, fmt.Errorf("signing with the active key: %w", ErrUnknownKey)
	}
	if !key.Method.Valid() {
		return nil, fmt.Errorf("signing with key %d: unknown method %q", key.Index, key.Method)
	}
	if err := validate(m.Fields); err != nil {
		return nil, err
	}
	if err := checkRequired(m.Fields); err != nil {
		return nil, err
	}
	auth, hasAuth := m.Get(FieldAuth)
	buf := make([]byte, 0, 512)
	if sign {
		var err error
		if buf, err = appendClassic(buf, m.Fields, 0, true); err != nil {
			return nil, err
		}
		auth = Field{Type: TypeString, Name: FieldAuth, Value: appendToken(nil, key, buf)}
	}

	size := len(netStart) + len(netEnd) + netstringSize(len(auth.Value)+maxDigest)
	for _, f := range m.Fields {
		size += netFieldSize(f)
	}
	if !hasAuth {
		size += netFieldSize(auth)
	}
	if size > MaxSize+maxDigest {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, size)
	}
	out := append(make([]byte, 0, size), netStart...)
	for _, f := range m.Fields {
		if f.Name == FieldAuth {
			f = auth
		}
		out = appendNetField(out, f)
	}
	if !hasAuth {
		out = appendNetField(out, auth)
	}
	out = append(out, netEnd...)
	token := appendToken(buf[:0], key, out)
	out = appendNetstringLen(out, len(token))
	out = append(append(out, token...), ',')
	if len(out) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(out))
	}
	return out, nil
}

// appendToken appends "<index> <digest of data>".
func appendToken(dst []byte, key authkeys.Key, data []byte) []byte {
	dst = strconv.AppendInt(dst, int64(key.Index), 10)
	dst = append(dst, ' ')
	return append(dst, key.Sum(data)...)
}

// validate checks a top-level message built by a caller as the parsers check
// what they read.
func validate(fields []Field) error {
	if len(fields) > MaxFields {
		return fmt.Errorf("%w: %d", ErrTooManyFields, len(fields))
	}
	for i, f := range fields {
		if f.Type > TypeUncompressed {
			return fmt.Errorf("field %d: %w: %d", i, ErrBadType, f.Type)
		}
		if err := checkName(f.Name); err != nil {
			return fmt.Errorf("field %d: %w", i, err)
		}
		if err := checkValue(f, 0); err != nil {
			return fmt.Errorf("field %d: %w", i, err)
		}
	}
	return checkDuplicates(fields)
}

// checkDuplicates rejects two top-level fields of the same name: 3.0.6 reads
// the first and ignores the other, so they can only confuse. (Nested messages
// may repeat names, as CRM's XML does.)
func checkDuplicates(fields []Field) error {
	for i := 1; i < len(fields); i++ {
		for j := range i {
			if fields[i].Name == fields[j].Name {
				return fmt.Errorf("field %d %q: %w", i, fields[i].Name, ErrDuplicate)
			}
		}
	}
	return nil
}

// required are the string fields without which 3.0.6 drops a message
// ("process_clustermsg: missing from/ts/type").
var required = [...]string{FieldType, FieldSrc, FieldTime}

func checkRequired(fields []Field) error {
	m := Message{Fields: fields}
	for _, name := range required {
		f, ok := m.Get(name)
		if !ok {
			return fmt.Errorf("field %q: %w", name, ErrMissingField)
		}
		if f.Type != TypeString {
			return fmt.Errorf("field %q: %w: %d", name, ErrBadType, f.Type)
		}
	}
	return nil
}
