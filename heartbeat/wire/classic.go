package wire

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
)

// In the classic form cluster-glue writes '\n' inside a string value as
// specialSym, and the text of a struct held by a message at depth d (with its
// own ">>>" and "<<<" lines) on one line by writing its newlines as
// specialSyms[d].
const specialSym = 19

var specialSyms = [MaxDepth]byte{20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 15, 16, 17, 18}

var b64 = base64.StdEncoding.Strict()

// MarshalClassic renders m in the classic form, ">>>\n", one "name=value\n"
// line per field ("(T)name=value" for non-string fields, binary values in
// base64), "<<<\n", as the FIFO and the API socket carry it (the API framing
// adds a NUL). Fields, auth included, are written as they are. Type 5 fields
// have no classic form.
func MarshalClassic(m *Message) ([]byte, error) {
	if err := validate(m.Fields); err != nil {
		return nil, err
	}
	out := append(make([]byte, 0, 256), classicStart...)
	out, err := appendClassic(out, m.Fields, 0, false)
	if err != nil {
		return nil, err
	}
	return append(out, classicEnd...), nil
}

// UnmarshalClassic parses one classic message, optionally followed by a NUL,
// without authenticating it: for local input (the FIFO, the API socket).
// Blank lines between fields are skipped, as 3.0.6 does.
func UnmarshalClassic(b []byte) (*Message, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(b))
	}
	b = bytes.Clone(b)
	fields, n, err := parseClassic(b, 0)
	if err != nil {
		return nil, err
	}
	if rest := b[n:]; len(rest) > 1 || (len(rest) == 1 && rest[0] != 0) {
		return nil, fmt.Errorf("offset %d: %w", n, ErrTrailingData)
	}
	if err := checkDuplicates(fields); err != nil {
		return nil, err
	}
	return &Message{Fields: fields}, nil
}

// parseClassic parses ">>>\n" lines "<<<\n" at the start of b, a message at
// nesting depth depth, and returns its fields and the length it used.
func parseClassic(b []byte, depth int) ([]Field, int, error) {
	if !bytes.HasPrefix(b, []byte(classicStart)) {
		return nil, 0, errPrefix(b, classicStart)
	}
	var fields []Field
	off := len(classicStart)
	for {
		if off == len(b) {
			return nil, 0, fmt.Errorf("offset %d: end of message: %w", off, io.ErrUnexpectedEOF)
		}
		if b[off] == '\n' {
			off++
			continue
		}
		nl := bytes.IndexByte(b[off:], '\n')
		if nl < 0 {
			return nil, 0, fmt.Errorf("offset %d: line: %w", off, io.ErrUnexpectedEOF)
		}
		line := b[off : off+nl]
		if string(line) == classicEnd[:3] {
			return fields, off + nl + 1, nil
		}
		if len(fields) == MaxFields {
			return nil, 0, fmt.Errorf("offset %d: %w: more than %d", off, ErrTooManyFields, MaxFields)
		}
		f, err := parseClassicLine(line, depth)
		if err != nil {
			return nil, 0, fmt.Errorf("offset %d: %w", off, err)
		}
		fields = append(fields, f)
		off += nl + 1
	}
}

// parseClassicLine parses "name=value" or "(T)name=value".
func parseClassicLine(line []byte, depth int) (Field, error) {
	t := TypeString
	if line[0] == '(' {
		if len(line) < 3 || line[2] != ')' {
			return Field{}, fmt.Errorf("%w: unclosed (type)", ErrBadField)
		}
		// cluster-glue rejects an explicit (0) and has no classic form of 5.
		t = line[1] - '0'
		if t == TypeString || t > TypeCompressed {
			return Field{}, fmt.Errorf("%w: %q", ErrBadType, line[1])
		}
		line = line[3:]
	}
	name, value, ok := bytes.Cut(line, []byte("="))
	if !ok {
		return Field{}, fmt.Errorf("%w: no '='", ErrBadField)
	}
	if err := checkName(name); err != nil {
		return Field{}, err
	}
	f := Field{Type: t, Name: internName(name)}
	var err error
	switch t {
	case TypeString:
		f.Value = replaceByte(value, specialSym, '\n')
		err = checkText(f.Value, true)
	case TypeBinary, TypeCompressed:
		f.Value, err = b64.AppendDecode(make([]byte, 0, b64.DecodedLen(len(value))), value)
		if err != nil {
			err = fmt.Errorf("%w: base64: %v", ErrBadValue, err)
		}
	case TypeList:
		f.Value = value
		err = eachListItem(value, nil)
	case TypeStruct:
		f.Value, err = classicStruct(value, depth)
	}
	if err != nil {
		return Field{}, fmt.Errorf("field %q: %w", f.Name, err)
	}
	return f, nil
}

// classicStruct turns the classic text of a struct held by a message at
// depth depth into the netstring form Field.Value keeps.
func classicStruct(v []byte, depth int) ([]byte, error) {
	if depth+1 > MaxDepth {
		return nil, fmt.Errorf("%w: more than %d levels", ErrTooDeep, MaxDepth)
	}
	text := replaceByte(v, specialSyms[depth], '\n')
	fields, n, err := parseClassic(text, depth+1)
	if err != nil {
		return nil, badValue("nested message", err)
	}
	if n != len(text) {
		return nil, fmt.Errorf("%w: %d bytes after nested message", ErrBadValue, len(text)-n)
	}
	return appendNetMessage(nil, fields), nil
}

// replaceByte returns b with every old replaced by new, copying only if needed.
func replaceByte(b []byte, old, new byte) []byte {
	if bytes.IndexByte(b, old) < 0 {
		return b
	}
	out := bytes.Clone(b)
	replaceInPlace(out, old, new)
	return out
}

// appendClassic appends the classic lines of fields, held by a message at
// depth depth, skipping the auth field if noAuth (the text the inner MAC
// covers, spec 4.2.2).
func appendClassic(dst []byte, fields []Field, depth int, noAuth bool) ([]byte, error) {
	for _, f := range fields {
		if noAuth && f.Name == FieldAuth {
			continue
		}
		if f.Type != TypeString {
			dst = append(dst, '(', '0'+f.Type, ')')
		}
		dst = append(dst, f.Name...)
		dst = append(dst, '=')
		switch f.Type {
		case TypeString:
			start := len(dst)
			dst = append(dst, f.Value...)
			replaceInPlace(dst[start:], '\n', specialSym)
		case TypeBinary, TypeCompressed:
			dst = b64.AppendEncode(dst, f.Value)
		case TypeList:
			dst = append(dst, f.Value...)
		case TypeStruct:
			child, err := parseStruct(f.Value, depth+1)
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", f.Name, err)
			}
			start := len(dst)
			dst = append(dst, classicStart...)
			if dst, err = appendClassic(dst, child, depth+1, false); err != nil {
				return nil, err
			}
			dst = append(dst, classicEnd...)
			replaceInPlace(dst[start:], '\n', specialSyms[depth])
		default:
			return nil, fmt.Errorf("field %q: %w: type %d has no classic form", f.Name, ErrBadType, f.Type)
		}
		dst = append(dst, '\n')
	}
	return dst, nil
}

func replaceInPlace(b []byte, old, new byte) {
	for i, c := range b {
		if c == old {
			b[i] = new
		}
	}
}
