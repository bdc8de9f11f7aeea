package hacf

import (
	"strconv"
	"strings"
)

// The character sets of heartbeat's ha.cf reader (include/heartbeat.h).
const (
	whitespace = " \t\n\r\f"
	delims     = ", \t\n\r\f"
)

// ParseTime converts a time value as 3.0.6 does (cluster-glue cl_get_msec):
// a decimal number of seconds, or of milliseconds with a "ms"/"msec" suffix,
// or of microseconds with "us"/"usec", blanks allowed before the suffix,
// rounded to the nearest millisecond. Any other suffix, "s" included, is
// refused. Like cl_get_msec only the first two letters of the suffix are
// compared, so "5msx" is 5 ms.
func ParseTime(s string) (ms int64, ok bool) {
	s = strings.TrimLeft(s, whitespace)
	if s == "" || !strings.ContainsRune("0123456789.", rune(s[0])) {
		return 0, false
	}
	n := len(s) - len(strings.TrimLeft(s, "0123456789."))
	num, units := s[:n], strings.TrimLeft(s[n:], whitespace)
	mult, div := 1000.0, 1.0
	switch {
	case hasPrefixFold(units, "ms"):
		mult = 1
	case hasPrefixFold(units, "us"):
		mult, div = 1, 1000
	case units != "" && units[0] != '\n' && units[0] != '\r':
		return 0, false
	}
	f := atof(num)
	return int64(f*mult/div + 0.5), true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// atof reads the longest prefix of s (digits and dots) that is a decimal
// number, as C's atof does: "1.5.2" is 1.5, "." is 0.
func atof(s string) float64 {
	end := 0
	dot := false
	for end < len(s) {
		c := s[end]
		if c == '.' {
			if dot {
				break
			}
			dot = true
		}
		end++
	}
	f, err := strconv.ParseFloat(s[:end], 64)
	if err != nil {
		return 0
	}
	return f
}

// Atoi converts like C's atoi: leading blanks, an optional sign, then digits;
// anything after them is ignored and no digits give 0. Values outside the int
// range are clamped (glibc's atoi is strtol cast to int; clamping keeps range
// checks meaningful).
func Atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n < 1<<40 {
			n = n*10 + int64(s[i]-'0')
		}
	}
	if neg {
		n = -n
	}
	return int(n)
}

// ParseBool reads a boolean as cluster-glue cl_str_to_boolean does:
// true/on/yes/y/1 and false/off/no/n/0, in any case.
func ParseBool(s string) (v, ok bool) {
	switch strings.ToLower(s) {
	case "true", "on", "yes", "y", "1":
		return true, true
	case "false", "off", "no", "n", "0":
		return false, true
	}
	return false, false
}
