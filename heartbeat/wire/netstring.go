package wire

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

const (
	netStart     = "###\n"
	netEnd       = "%%%\n"
	classicStart = ">>>\n"
	classicEnd   = "<<<\n"
)

// maxLenDigits bounds the decimal length of a netstring: MaxSize has 6 digits.
const maxLenDigits = 6

// readNetstring reads "<len>:<data>," at b[off:] and returns data and the
// offset after the comma. The length is canonical decimal (no leading zero).
func readNetstring(b []byte, off int) (data []byte, next int, err error) {
	i := off
	n := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if i-off == maxLenDigits {
			return nil, 0, fmt.Errorf("offset %d: %w: more than %d digits", off, ErrBadLength, maxLenDigits)
		}
		n = n*10 + int(b[i]-'0')
		i++
	}
	switch {
	case i == len(b):
		return nil, 0, fmt.Errorf("offset %d: netstring length: %w", off, io.ErrUnexpectedEOF)
	case i == off || b[i] != ':':
		return nil, 0, fmt.Errorf("offset %d: %w: want digits and ':'", off, ErrBadLength)
	case i-off > 1 && b[off] == '0':
		return nil, 0, fmt.Errorf("offset %d: %w: leading zero", off, ErrBadLength)
	case n > MaxSize:
		return nil, 0, fmt.Errorf("offset %d: %w: %d bytes", off, ErrBadLength, n)
	}
	i++
	if n >= len(b)-i {
		return nil, 0, fmt.Errorf("offset %d: netstring of %d bytes: %w", off, n, io.ErrUnexpectedEOF)
	}
	if b[i+n] != ',' {
		return nil, 0, fmt.Errorf("offset %d: %w: no ',' after %d bytes", off, ErrBadLength, n)
	}
	return b[i : i+n], i + n + 1, nil
}

// appendNetstringLen appends "<len>:" to dst; the caller appends the data
// and ','.
func appendNetstringLen(dst []byte, n int) []byte {
	return append(strconv.AppendInt(dst, int64(n), 10), ':')
}

// netstringSize is the length of the netstring holding n bytes.
func netstringSize(n int) int {
	return digits(n) + 1 + n + 1
}

func digits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// parseFields parses "###\n" fields "%%%\n" at the start of b, a message at
// nesting depth depth, and returns its fields and the length it used.
func parseFields(b []byte, depth int) ([]Field, int, error) {
	if !bytes.HasPrefix(b, []byte(netStart)) {
		return nil, 0, errPrefix(b, netStart)
	}
	fields := make([]Field, 0, 16)
	off := len(netStart)
	for {
		rest := b[off:]
		if bytes.HasPrefix(rest, []byte(netEnd)) {
			return fields, off + len(netEnd), nil
		}
		if len(rest) < len(netEnd) && bytes.HasPrefix([]byte(netEnd), rest) {
			return nil, 0, fmt.Errorf("offset %d: end of message: %w", off, io.ErrUnexpectedEOF)
		}
		if len(fields) == MaxFields {
			return nil, 0, fmt.Errorf("offset %d: %w: more than %d", off, ErrTooManyFields, MaxFields)
		}
		data, next, err := readNetstring(b, off)
		if err != nil {
			return nil, 0, err
		}
		f, err := parseNetField(data, depth)
		if err != nil {
			return nil, 0, fmt.Errorf("offset %d: %w", off, err)
		}
		fields = append(fields, f)
		off = next
	}
}

// errPrefix explains why b does not start with prefix.
func errPrefix(b []byte, prefix string) error {
	if len(b) < len(prefix) && bytes.HasPrefix([]byte(prefix), b) {
		return fmt.Errorf("message start: %w", io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("%w: does not start with %q", ErrFormat, prefix)
}

// badValue reports err, found inside a field value, as ErrBadValue while
// keeping its own sentinel (ErrTooDeep, ErrBadField, ...), except
// io.ErrUnexpectedEOF: the outer netstring length is authoritative, so a
// short nested value is malformed, not a truncated datagram.
func badValue(what string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %s: %v", ErrBadValue, what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrBadValue, what, err)
}

// parseStruct parses the value of a struct field: exactly one nested message.
func parseStruct(v []byte, depth int) ([]Field, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: more than %d levels", ErrTooDeep, MaxDepth)
	}
	fields, n, err := parseFields(v, depth)
	if err != nil {
		return nil, badValue("nested message", err)
	}
	if n != len(v) {
		return nil, fmt.Errorf("%w: %d bytes after nested message", ErrBadValue, len(v)-n)
	}
	return fields, nil
}

// parseNetField parses "(T)name=value".
func parseNetField(data []byte, depth int) (Field, error) {
	if len(data) < 3 || data[0] != '(' || data[2] != ')' {
		return Field{}, fmt.Errorf("%w: no (type) prefix", ErrBadField)
	}
	t := data[1] - '0'
	if t > TypeUncompressed {
		return Field{}, fmt.Errorf("%w: %q", ErrBadType, data[1])
	}
	name, value, ok := bytes.Cut(data[3:], []byte("="))
	if !ok {
		return Field{}, fmt.Errorf("%w: no '='", ErrBadField)
	}
	if err := checkName(name); err != nil {
		return Field{}, err
	}
	f := Field{Type: t, Name: internName(name), Value: value}
	if err := checkValue(f, depth); err != nil {
		return Field{}, err
	}
	return f, nil
}

// checkName accepts 1 to MaxNameLen printable ASCII bytes without '=' that do
// not start with '(' (which would read as a type prefix in the classic form).
func checkName[T string | []byte](name T) error {
	if len(name) == 0 || len(name) > MaxNameLen {
		return fmt.Errorf("%w: name of %d bytes", ErrBadField, len(name))
	}
	if name[0] == '(' {
		return fmt.Errorf("%w: name %q starts with '('", ErrBadField, name)
	}
	for i := range len(name) {
		if c := name[i]; c <= ' ' || c > '~' || c == '=' {
			return fmt.Errorf("%w: name %q has byte %#x", ErrBadField, name, c)
		}
	}
	return nil
}

// checkValue validates a field value for its type; a message at depth depth
// holds f.
func checkValue(f Field, depth int) error {
	var err error
	switch f.Type {
	case TypeString:
		err = checkText(f.Value, true)
	case TypeStruct, TypeUncompressed:
		_, err = parseStruct(f.Value, depth+1)
	case TypeList:
		err = eachListItem(f.Value, nil)
	}
	if err != nil {
		return fmt.Errorf("field %q: %w", f.Name, err)
	}
	return nil
}

// checkText rejects what cannot survive the classic form: NUL (values are C
// strings in 3.0.6) and the control bytes 0x0f-0x1f, which cluster-glue uses
// as stand-ins for newlines there. A string may hold '\n' (newline true); a
// list item may not.
func checkText(v []byte, newline bool) error {
	for _, c := range v {
		if c == 0 || (c >= 0x0f && c <= 0x1f) || (c == '\n' && !newline) {
			return fmt.Errorf("%w: byte %#x", ErrBadValue, c)
		}
	}
	return nil
}

// eachListItem checks the packed list v ("3:abc,1:d,") and calls fn, if not
// nil, with each item. Items are non-empty text without newlines.
func eachListItem(v []byte, fn func([]byte)) error {
	for off := 0; off < len(v); {
		item, next, err := readNetstring(v, off)
		if err != nil {
			return badValue("list", err)
		}
		if len(item) == 0 {
			return fmt.Errorf("%w: empty list item at offset %d", ErrBadValue, off)
		}
		if err := checkText(item, false); err != nil {
			return fmt.Errorf("list item at offset %d: %w", off, err)
		}
		if fn != nil {
			fn(item)
		}
		off = next
	}
	return nil
}

// internName returns the common field names without allocating.
func internName(b []byte) string {
	switch string(b) {
	case FieldType:
		return FieldType
	case FieldSrc:
		return FieldSrc
	case FieldSrcUUID:
		return FieldSrcUUID
	case FieldDest:
		return FieldDest
	case FieldDestUUID:
		return FieldDestUUID
	case FieldSeq:
		return FieldSeq
	case FieldGen:
		return FieldGen
	case FieldTime:
		return FieldTime
	case FieldLoad:
		return FieldLoad
	case FieldTTL:
		return FieldTTL
	case FieldAuth:
		return FieldAuth
	case "st":
		return "st"
	case "dt":
		return "dt"
	case "protocol":
		return "protocol"
	case "ackseq":
		return "ackseq"
	case "rsc_hold":
		return "rsc_hold"
	case "info":
		return "info"
	}
	return string(b)
}

// netFieldSize is the length of the netstring of a field.
func netFieldSize(f Field) int {
	return netstringSize(3 + len(f.Name) + 1 + len(f.Value))
}

// appendNetField appends "<len>:(T)name=value,".
func appendNetField(dst []byte, f Field) []byte {
	dst = appendNetstringLen(dst, 3+len(f.Name)+1+len(f.Value))
	dst = append(dst, '(', '0'+f.Type, ')')
	dst = append(dst, f.Name...)
	dst = append(dst, '=')
	dst = append(dst, f.Value...)
	return append(dst, ',')
}

// appendNetMessage appends "###\n" fields "%%%\n".
func appendNetMessage(dst []byte, fields []Field) []byte {
	dst = append(dst, netStart...)
	for _, f := range fields {
		dst = appendNetField(dst, f)
	}
	return append(dst, netEnd...)
}
