package halog

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The real 3.0.6 captures (see the README there).
const realData = "../../../shared/testdata/heartbeat-3.0.6"

// record is one logical line of a real 3.0.6 log file, split into what produced it.
type record struct {
	file   string
	raw    string // the line as written, with its newline; continuation lines included
	script bool   // shell-script layout (spec §6.2) rather than the daemon layout
	debug  bool   // from a debugfile
	time   time.Time
	host   string
	entity string // daemon entity, or the script tag's Name
	inst   string // script tag's Instance
	pid    int
	prio   Priority // daemon lines only
	msg    string
}

var (
	daemonRe   = regexp.MustCompile(`^([A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d) (\S+) (\S+): \[(\d+)\]: (EMERG|ALERT|CRIT|ERROR|WARN|notice|info|debug): (.*)\n$`)
	scriptRe   = regexp.MustCompile(`^(\d{4}/\d\d/\d\d_\d\d:\d\d:\d\d)  (.+)\((.*)\)\[(\d+)\]:    (.*)\n$`)
	scriptDbRe = regexp.MustCompile(`^(.+)\((.*)\)\[(\d+)\]:\t(\d{4}/\d\d/\d\d_\d\d:\d\d:\d\d) (.*)\n$`)
)

// logYear is the year of the captures, which the syslog-style stamp omits.
const logYear = 2026

// readRecords parses a real log file. Lines written by something other than the logger
// (an agent's stray stdout, annotations of the capture) are returned apart.
func readRecords(t *testing.T, path string) (recs []record, foreign []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	debug := strings.Contains(filepath.Base(path), "ha-debug")
	// config-errors.txt quotes each case's stderr and logfile indented by four blanks.
	quoted := filepath.Ext(path) == ".txt"
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if quoted {
			var ok bool
			if line, ok = strings.CutPrefix(line, "    "); !ok {
				continue
			}
			// 3.0.6's ha.cf parser prints this to stderr without a newline, so the
			// first logger line shares its physical line.
			line = strings.TrimPrefix(line, "heartbeat: udpport setting must precede media statements")
		}
		if line == "" {
			continue
		}
		if !strings.HasSuffix(line, "\n") {
			line += "\n" // the .head excerpt may end mid-file
		}
		r, ok := parseRecord(t, line, debug)
		if ok {
			r.file = filepath.Base(path)
			recs = append(recs, r)
			continue
		}
		// The raw datagram of an auth failure spans lines: glue them back on.
		if n := len(recs); n > 0 && strings.HasPrefix(recs[n-1].msg, "netstring authentication failed") &&
			!strings.Contains(recs[n-1].raw, ", autotoken=") {
			recs[n-1].raw += line
			recs[n-1].msg += "\n" + strings.TrimSuffix(line, "\n")
			continue
		}
		foreign = append(foreign, line)
	}
	return recs, foreign
}

func parseRecord(t *testing.T, line string, debug bool) (record, bool) {
	t.Helper()
	r := record{raw: line, debug: debug}
	if m := daemonRe.FindStringSubmatch(line); m != nil {
		ts, err := time.ParseInLocation(syslogStamp, m[1], time.UTC)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		r.time = ts.AddDate(logYear, 0, 0)
		r.host, r.entity, r.pid, r.prio, r.msg = m[2], m[3], atoi(t, m[4]), prioByWord(t, m[5]), m[6]
		return r, true
	}
	var stamp string
	if m := scriptRe.FindStringSubmatch(line); m != nil && !debug {
		stamp, r.entity, r.inst, r.pid, r.msg = m[1], m[2], m[3], atoi(t, m[4]), m[5]
	} else if m := scriptDbRe.FindStringSubmatch(line); m != nil && debug {
		r.entity, r.inst, r.pid, stamp, r.msg = m[1], m[2], atoi(t, m[3]), m[4], m[5]
	} else {
		return r, false
	}
	ts, err := time.ParseInLocation(haStamp, stamp, time.UTC)
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	r.time, r.script = ts, true
	return r, true
}

func prioByWord(t *testing.T, w string) Priority {
	t.Helper()
	for p := Emerg; p <= Debug; p++ {
		if p.String() == w {
			return p
		}
	}
	t.Fatalf("no priority %q", w)
	return 0
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

// realLogFiles lists the logfiles and the debugfile excerpt of the captures, and the
// configuration-error runs (their stderr and logfile).
func realLogFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(realData, "logs", "*.ha-*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no real logs under %s: %v", realData, err)
	}
	return append(files, filepath.Join(realData, "tools-output", "config-errors.txt"))
}

// capturedDatagrams returns the UDP payloads of a classic little-endian Ethernet pcap.
func capturedDatagrams(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 24 || binary.LittleEndian.Uint32(data) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(data[20:]) != 1 {
		t.Fatalf("%s: not a little-endian Ethernet pcap", path)
	}
	var out [][]byte
	for off := 24; off+16 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[off+8:]))
		frame := data[off+16 : min(off+16+n, len(data))]
		off += 16 + n
		if len(frame) < 14+20+8 || binary.BigEndian.Uint16(frame[12:]) != 0x0800 {
			continue
		}
		ip := frame[14:]
		ihl := int(ip[0]&0x0f) * 4
		if ip[9] != 17 || len(ip) < ihl+8 {
			continue
		}
		udpLen := int(binary.BigEndian.Uint16(ip[ihl+4:]))
		if udpLen < 8 || ihl+udpLen > len(ip) {
			continue
		}
		out = append(out, bytes.Clone(ip[ihl+8:ihl+udpLen]))
	}
	return out
}
