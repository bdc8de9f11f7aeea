package heartbeat

import (
	"strings"

	"github.com/heartbeat-go/heartbeat-go/resource.d"
)

// Resource is one word of a haresources line with its agent.
type Resource struct {
	Name  string         // script or agent name (IPaddr, Filesystem, httpd)
	Args  []string       // the `::` arguments
	Agent resource.Agent // what runs it
}

// Word renders the resource as haresources writes it (name::arg1::arg2).
func (r Resource) Word() string {
	return strings.Join(append([]string{r.Name}, r.Args...), "::")
}

// Group is one haresources line: a preferred node and its resources,
// started left to right and stopped right to left.
type Group struct {
	Owner     string     // preferred node (first token, lower case)
	Key       string     // the line after the node name, as 3.0.6 names the group
	Resources []Resource // in start order
}

// First is the first resource word of the line, which 3.0.6 uses to name
// the group on the wire (ip-request ipaddr=…) and in mach_down's log.
func (g *Group) First() string {
	first, _, _ := strings.Cut(g.Key, " ")
	return first
}
