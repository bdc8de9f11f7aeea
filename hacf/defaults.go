package hacf

import (
	"fmt"
	"io"
	"strings"
)

// WriteDefaults prints the directives that have a default value, as
// `heartbeat -D` does (or `heartbeat -DW`, for the wiki, when wiki is true).
// version is printed in the wiki header.
func WriteDefaults(w io.Writer, wiki bool, version string) error {
	var b strings.Builder
	namew, defw := 0, 0
	for _, name := range directiveOrder {
		if d := directives[name]; d.def != "" {
			namew, defw = max(namew, len(name)), max(defw, len(d.def))
		}
	}
	if wiki {
		b.WriteString("##Put this output in the ha.cf/DefaultValues page\n")
		b.WriteString("The [wiki:ha.cf ha.cf] directives with default values are shown below - along with a brief description.\n")
		fmt.Fprintf(&b, "This was produced by {{{heartbeat -DW}}} ''# (version %s)''\n\n", version)
		b.WriteString("||''Directive''||''Default''||''Description''||\n")
	} else {
		fmt.Fprintf(&b, "%-*s %-*s %s\n", namew+1, "Directive", defw+1, "Default", "Description")
		b.WriteString(strings.Repeat("-", 80) + "\n")
	}
	for _, name := range directiveOrder {
		d := directives[name]
		switch {
		case d.def == "":
		case wiki:
			fmt.Fprintf(&b, "||[wiki:ha.cf/%sDirective %s]||%s||%s||\n", wikiName(name), name, d.def, d.help)
		default:
			fmt.Fprintf(&b, "%-*s %-*s %s\n", namew+1, name, defw+1, d.def, d.help)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wikiName is the CamelCase page name of a directive: conn_logd_time → ConnLogdTime.
func wikiName(name string) string {
	parts := strings.Split(name, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}
