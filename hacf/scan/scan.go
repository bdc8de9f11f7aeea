// Package scan is the line scanner and the positioned error type shared by the
// parsers of heartbeat's configuration files (ha.cf, authkeys, haresources).
//
// It knows nothing about the grammar of any file: it hands out physical lines
// with their numbers, refuses lines heartbeat 3.0.6 could not read as one line
// (longer than its 5120-byte buffer, or holding a NUL byte), and collects
// errors of the form "file:line: message" sorted by line.
package scan

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// MaxLine is the longest line, without its newline, that heartbeat 3.0.6
// reads in one piece (fgets into a 5120-byte buffer keeps the newline and a NUL).
// 3.0.6 silently splits a longer line in pieces; the parsers refuse it instead.
const MaxLine = 5118

// Prio is the priority word of a heartbeat log line.
type Prio string

// The priority words heartbeat 3.0.6 prints.
const (
	PrioEmerg  Prio = "EMERG"
	PrioAlert  Prio = "ALERT"
	PrioCrit   Prio = "CRIT"
	PrioError  Prio = "ERROR"
	PrioWarn   Prio = "WARN"
	PrioNotice Prio = "notice"
	PrioInfo   Prio = "info"
	PrioDebug  Prio = "debug"
)

// LogLine is one line heartbeat 3.0.6 writes about a configuration file, with
// its exact text, so that the daemon can log it and operators' greps still match.
type LogLine struct {
	Line int // physical line of the file it is about; 0 if none
	Prio Prio
	Text string
	// Stderr marks a line 3.0.6 prints with fprintf to stderr only (it has
	// no priority and never reaches the log), e.g. "heartbeat: invalid port [abc] specified.".
	Stderr bool
}

// String formats the line as heartbeat's log message part: "ERROR: text".
func (l LogLine) String() string {
	if l.Stderr {
		return l.Text
	}
	return string(l.Prio) + ": " + l.Text
}

// Error is a problem at a line of a configuration file.
type Error struct {
	File string
	Line int // 0 when the problem concerns the whole file
	Msg  string
	Err  error
	// Legacy holds the lines 3.0.6 logs for this problem (possibly none:
	// `keepalive 2s` only gets the generic "configuration error" pair).
	Legacy []LogLine
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		if e.Msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorList collects errors of one or more files.
type ErrorList []*Error

// Add appends an error.
func (l *ErrorList) Add(file string, line int, msg string, legacy ...LogLine) *Error {
	e := &Error{File: file, Line: line, Msg: msg, Legacy: legacy}
	*l = append(*l, e)
	return e
}

// Sort orders the errors by file and line, keeping the order of equal positions.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].File != l[j].File {
			return l[i].File < l[j].File
		}
		return l[i].Line < l[j].Line
	})
}

// Err returns the list as an error, or nil if it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Unwrap lets errors.Is and errors.As look at every error of the list.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Errors returns the *Error values inside err: the elements of an
// ErrorList, a single *Error, or nothing.
func Errors(err error) []*Error {
	var l ErrorList
	if errors.As(err, &l) {
		return l
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

// Line is one physical line of a file, without its line end ("\n"; a "\r"
// before it is kept: each grammar decides what a CR means).
type Line struct {
	Num  int
	Text string
}

// Scanner reads a file line by line. Lines that are too long or contain a NUL
// byte are reported in Errs and skipped; a read error ends the scan and is
// reported too.
type Scanner struct {
	name string
	r    *bufio.Reader
	num  int
	Errs ErrorList
}

// New returns a Scanner of r, naming it name in errors.
func New(name string, r io.Reader) *Scanner {
	return &Scanner{name: name, r: bufio.NewReaderSize(r, 4096)}
}

// Next returns the next acceptable line; false at the end of the input.
func (s *Scanner) Next() (Line, bool) {
	for {
		text, long, err := s.read()
		if err != nil && text == nil && !long {
			if !errors.Is(err, io.EOF) {
				e := s.Errs.Add(s.name, s.num+1, "cannot read")
				e.Err = err
			}
			return Line{}, false
		}
		s.num++
		switch {
		case long:
			s.Errs.Add(s.name, s.num, fmt.Sprintf("line longer than %d bytes (heartbeat 3.0.6 would split it)", MaxLine))
		case bytes.IndexByte(text, 0) >= 0:
			s.Errs.Add(s.name, s.num, "line contains a NUL byte (binary file?)")
		default:
			return Line{Num: s.num, Text: string(text)}, true
		}
		if err != nil {
			return Line{}, false
		}
	}
}

// read returns the next line without "\n". A line longer than MaxLine is
// drained and reported as long without being kept in memory.
func (s *Scanner) read() (text []byte, long bool, err error) {
	var buf []byte
	for {
		chunk, err := s.r.ReadSlice('\n')
		if !long {
			buf = append(buf, chunk...)
			if len(bytes.TrimSuffix(buf, []byte("\n"))) > MaxLine {
				long, buf = true, nil
			}
		}
		switch {
		case err == nil:
			if long {
				return nil, true, nil
			}
			return buf[:len(buf)-1], false, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case long:
			return nil, true, err
		case len(buf) > 0:
			// Last line without a final newline: 3.0.6 accepts it.
			return buf, false, err
		default:
			return nil, false, err
		}
	}
}
