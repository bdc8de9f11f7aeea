package filesystem

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mount is one line of /proc/PID/mountinfo.
type mount struct {
	dev        uint64 // st_dev of the files in the mount
	mountpoint string
	fstype     string
	source     string
}

// errMountinfo marks a line that is not in mountinfo(5) format.
var errMountinfo = errors.New("malformed mountinfo line")

// parseMountinfo reads proc(5) mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT
// OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS", with blanks, tabs,
// newlines and backslashes in paths escaped as \ooo.
func parseMountinfo(r io.Reader) ([]mount, error) {
	var ms []mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		m, err := parseMountinfoLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		ms = append(ms, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading mountinfo: %w", err)
	}
	return ms, nil
}

func parseMountinfoLine(line string) (mount, error) {
	var m mount
	f := strings.Fields(line)
	sep := -1
	for i := 6; i < len(f); i++ {
		if f[i] == "-" {
			sep = i
			break
		}
	}
	if len(f) < 6 || sep < 0 || len(f) < sep+3 {
		return m, fmt.Errorf("%w: %q", errMountinfo, line)
	}
	majS, minS, ok := strings.Cut(f[2], ":")
	maj, err1 := strconv.ParseUint(majS, 10, 32)
	mnr, err2 := strconv.ParseUint(minS, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		return m, fmt.Errorf("%w: device %q", errMountinfo, f[2])
	}
	m.dev = unix.Mkdev(uint32(maj), uint32(mnr))
	m.mountpoint = unescape(f[4])
	m.fstype = unescape(f[sep+1])
	m.source = unescape(f[sep+2])
	return m, nil
}

// unescape undoes the kernel's \ooo octal escapes.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
