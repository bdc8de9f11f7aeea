// Package ocfarg reads the values of OCF resource parameters the way the
// agents' shell library (ocf-shellfuncs) does, for the built-in agents that
// take OCF parameter names as haresources arguments.
package ocfarg

import (
	"fmt"
	"strings"
)

// Bool reads a boolean parameter. It is true exactly when ocf_is_true is
// (yes, true, 1, on in the spellings ocf_is_true lists, and ja). ocf_is_true
// treats every other value as false; Bool accepts as false only no, false, 0,
// off (in any case) and the empty value, and rejects the rest, so that a
// value such as "Yes", which the shell agents read as false, is reported
// instead of silently meaning the opposite of what it says.
func Bool(v string) (bool, error) {
	switch v {
	case "yes", "true", "1", "YES", "TRUE", "True", "ja", "on", "ON":
		return true, nil
	}
	switch strings.ToLower(v) {
	case "no", "false", "0", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", v)
}
