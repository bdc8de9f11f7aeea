// Command cl_status is heartbeat-go's cl_status: it asks the local
// heartbeat daemon (ours or 3.0.6) through the API socket and prints what
// heartbeat 3.0.6's cl_status prints, with its exit codes (spec 7.1).
// With -j (--json) it prints one JSON object instead, for scripts.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/api"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/sirupsen/logrus"
)

// Exit codes of cl_status.
const (
	exitOK      = 0
	exitFailure = 1  // node dead, heartbeat stopped, parameter not set, client offline
	exitParam   = 11 // bad parameter
	exitOther   = 13 // API did not answer
)

// timeout bounds every exchange with the daemon.
const timeout = 10 * time.Second

func main() {
	os.Exit(run(os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, socket: api.DefaultSocket}))
}

// env is what a run talks to; tests point it at their own socket.
type env struct {
	stdout, stderr io.Writer
	socket         string
	host           string // uname -n; "" means os.Hostname
}

// cmdline is a parsed command line.
type cmdline struct {
	sub     string
	human   bool   // -m
	verbose bool   // -v
	normal  bool   // -n
	ping    bool   // -p (listnodes)
	param   string // -p NAME (hbparameter)
	json    bool   // -j, --json
	help    bool
	args    []string
}

func parse(argv []string) (cmdline, error) {
	var c cmdline
	if len(argv) == 0 {
		c.help = true
		return c, nil
	}
	c.sub = argv[0]
	rest := argv[1:]
	if strings.HasPrefix(c.sub, "-") { // options before the sub-command
		rest, c.sub = argv, ""
	}
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--json" {
			c.json = true
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			if c.sub == "" {
				c.sub = a
			} else {
				c.args = append(c.args, a)
			}
			continue
		}
		for j := 1; j < len(a); j++ {
			switch a[j] {
			case 'm':
				c.human = true
			case 'v':
				c.verbose = true
			case 'n':
				c.normal = true
			case 'j':
				c.json = true
			case 'h':
				c.help = true
			case 'p':
				if c.sub != "hbparameter" {
					c.ping = true
					continue
				}
				switch {
				case j+1 < len(a):
					c.param = a[j+1:]
				case i+1 < len(rest):
					i++
					c.param = rest[i]
				default:
					return c, errors.New("option requires an argument -- 'p'")
				}
				j = len(a)
			default:
				return c, fmt.Errorf("invalid option -- '%c'", a[j])
			}
		}
	}
	if c.sub == "" {
		c.help = true
	}
	return c, nil
}

// run executes one cl_status command line and returns its exit code.
func run(argv []string, e env) int {
	r := &runner{env: e}
	r.log = r.logger()
	c, err := parse(argv)
	if err != nil {
		r.errorf("%v", err)
		return exitParam
	}
	if c.help {
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	r.c = c
	cmd, ok := commands[c.sub]
	if !ok {
		r.errorf("%s: invalid sub-command.", c.sub)
		return exitParam
	}
	if len(c.args) < cmd.args {
		r.errorf("%s: missing parameter.", c.sub)
		return exitParam
	}
	client, err := api.Dial(context.Background(), e.socket, r.node(), timeout)
	if err != nil {
		if c.sub == "hbstatus" {
			return r.print(map[string]any{"running": false}, "Heartbeat is stopped on this machine.\n", exitFailure)
		}
		r.errorf("Cannot signon with heartbeat")
		r.errorf("REASON: hb_api_signon: Can't initiate connection to heartbeat")
		return exitFailure
	}
	defer client.Close()
	r.cl = client
	return cmd.run(r)
}

// runner carries one run's state.
type runner struct {
	env
	c   cmdline
	cl  *api.Client
	log *logrus.Entry
}

// logger writes 3.0.6's error lines: "Nov 22 17:32:14 node1 cl_status:
// [9185]: ERROR: …" on stderr.
func (r *runner) logger() *logrus.Entry {
	logs, err := halog.Setup(halog.Options{Foreground: true, Stderr: r.stderr, Host: r.host, SyslogMsgFmt: true})
	if err != nil {
		logs, _ = halog.Setup(halog.Options{Foreground: true, Stderr: r.stderr, Host: "localhost", SyslogMsgFmt: true})
	}
	return logrus.NewEntry(logs.Logger).WithField(halog.FieldTag, "cl_status")
}

func (r *runner) errorf(format string, args ...any) {
	halog.Log(r.log, halog.Err, fmt.Sprintf(format, args...))
}

func (r *runner) node() string {
	if r.host != "" {
		return strings.ToLower(r.host)
	}
	h, _ := os.Hostname()
	return strings.ToLower(h)
}

// print writes text, or v as JSON with -j, and returns code.
func (r *runner) print(v any, text string, code int) int {
	if r.c.json {
		b, _ := json.Marshal(v)
		fmt.Fprintf(r.stdout, "%s\n", b)
		return code
	}
	fmt.Fprint(r.stdout, text)
	return code
}

// value asks for one field of a single answer; ok is false if the daemon
// refused or did not give it.
func (r *runner) value(field, reqtype string, kv ...string) (string, bool, error) {
	resps, err := r.cl.Do(reqtype, kv...)
	if errors.Is(err, api.ErrRefused) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	v, ok := resps[0].Value(field)
	return v, ok, nil
}

// apiFailed reports an exchange that did not complete.
func (r *runner) apiFailed(what string, err error) int {
	r.errorf("%s", what)
	r.errorf("REASON: %v", err)
	return exitOther
}

type command struct {
	args int // required parameters
	run  func(*runner) int
}

var commands = map[string]command{
	"hbstatus":     {0, hbstatus},
	"listnodes":    {0, listnodes},
	"nodestatus":   {1, nodestatus},
	"nodetype":     {1, func(r *runner) int { return nodeValue(r, "nodetype", "nodetype", "type") }},
	"nodeweight":   {1, func(r *runner) int { return nodeValue(r, "nodeweight", "weight", "weight") }},
	"nodesite":     {1, func(r *runner) int { return nodeValue(r, "nodesite", "site", "site") }},
	"listhblinks":  {1, listhblinks},
	"hblinkstatus": {2, hblinkstatus},
	"rscstatus":    {0, rscstatus},
	"clientstatus": {2, clientstatus},
	"hbparameter":  {0, hbparameter},
}

// nodeInfo is a node as listnodes -v and the JSON output show it.
type nodeInfo struct {
	Name   string     `json:"name"`
	Status string     `json:"status"`
	Type   string     `json:"type"`
	Links  []linkInfo `json:"links,omitempty"`
}

type linkInfo struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// nodes lists the cluster's nodes as cl_status does: in reverse of the
// daemon's (ha.cf) order, with their links when links is set.
func (r *runner) nodes(links bool) ([]nodeInfo, error) {
	resps, err := r.cl.Do(api.ReqNodeList)
	if err != nil {
		return nil, err
	}
	var out []nodeInfo
	for _, m := range resps {
		n := nodeInfo{}
		n.Name, _ = m.Value("node")
		n.Status, _ = m.Value("st")
		n.Type, _ = m.Value("nodetype")
		if n.Status == "" { // a daemon that does not put them in the list
			n.Status, _, _ = r.value("st", api.ReqNodeStatus, "node", n.Name)
			n.Type, _, _ = r.value("nodetype", api.ReqNodeType, "node", n.Name)
		}
		if links {
			if n.Links, err = r.links(n.Name); err != nil {
				return nil, err
			}
		}
		out = append(out, n)
	}
	slices.Reverse(out)
	return out, nil
}

func (r *runner) links(node string) ([]linkInfo, error) {
	resps, err := r.cl.Do(api.ReqIfList, "node", node)
	if err != nil {
		return nil, err
	}
	var out []linkInfo
	for _, m := range resps {
		l := linkInfo{}
		l.Name, _ = m.Value("ifname")
		l.Status, _ = m.Value("st")
		if l.Status == "" {
			l.Status, _, _ = r.value("st", api.ReqIfStatus, "node", node, "ifname", l.Name)
		}
		out = append(out, l)
	}
	return out, nil
}

func verboseNodes(ns []nodeInfo) string {
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "\n%s\t%s\t(nodetype: %s)\n", n.Name, n.Status, n.Type)
		for _, l := range n.Links {
			fmt.Fprintf(&b, "\t%s\t%s\n", l.Name, l.Status)
		}
	}
	return b.String()
}

func hbstatus(r *runner) int {
	if !r.c.verbose {
		return r.print(map[string]any{"running": true}, "Heartbeat is running on this machine.\n", exitOK)
	}
	ns, err := r.nodes(true)
	if err != nil {
		return r.apiFailed("Cannot get node list", err)
	}
	version, _ := r.cl.Signon.Value("hbversion")
	text := fmt.Sprintf("version:\t%s\nmanaged by:\t\"haresources\"\n%s", version, verboseNodes(ns))
	return r.print(map[string]any{"running": true, "version": version, "managed_by": "haresources", "nodes": ns}, text, exitOK)
}

func listnodes(r *runner) int {
	ns, err := r.nodes(r.c.verbose)
	if err != nil {
		return r.apiFailed("Cannot get node list", err)
	}
	var keep []nodeInfo
	for _, n := range ns {
		if (r.c.normal && n.Type != api.NormalNode) || (r.c.ping && n.Type != api.PingNode) {
			continue
		}
		keep = append(keep, n)
	}
	var text string
	if r.c.verbose {
		text = verboseNodes(keep)
	} else {
		for _, n := range keep {
			text += n.Name + "\n"
		}
	}
	if keep == nil {
		keep = []nodeInfo{}
	}
	return r.print(map[string]any{"nodes": keep}, text, exitOK)
}

func nodestatus(r *runner) int {
	node := r.c.args[0]
	st, ok, err := r.value("st", api.ReqNodeStatus, "node", node)
	if err != nil {
		return r.apiFailed("Cannot get node status", err)
	}
	if !ok {
		fmt.Fprintln(r.stderr, "Error. May be due to incorrect node name")
		return exitParam
	}
	code := exitFailure
	if st == "active" || st == "up" || st == "ping" {
		code = exitOK
	}
	text := st + "\n"
	if r.c.human {
		text = fmt.Sprintf("The cluster node %s is %s\n", node, st)
	}
	return r.print(map[string]string{"node": node, "status": st}, text, code)
}

// nodeValue prints one field of a per-node request (nodetype, nodeweight,
// nodesite).
func nodeValue(r *runner, reqtype, field, key string) int {
	node := r.c.args[0]
	v, ok, err := r.value(field, reqtype, "node", node)
	if err != nil {
		return r.apiFailed("Cannot get node "+key, err)
	}
	if !ok {
		fmt.Fprintln(r.stderr, "Error. May be due to incorrect node name")
		return exitParam
	}
	return r.print(map[string]string{"node": node, key: v}, v+"\n", exitOK)
}

func listhblinks(r *runner) int {
	node := r.c.args[0]
	ls, err := r.links(node)
	if errors.Is(err, api.ErrRefused) {
		r.errorf("Cannot get heartbeat link list")
		r.errorf("REASON: ")
		return exitOther
	}
	if err != nil {
		return r.apiFailed("Cannot get heartbeat link list", err)
	}
	var b strings.Builder
	for _, l := range ls {
		if r.c.verbose {
			fmt.Fprintf(&b, "\t%s\t%s\n", l.Name, l.Status)
		} else {
			fmt.Fprintf(&b, "\t%s\n", l.Name)
		}
	}
	return r.print(map[string]any{"node": node, "links": ls}, b.String(), exitOK)
}

func hblinkstatus(r *runner) int {
	node, link := r.c.args[0], r.c.args[1]
	st, ok, err := r.value("st", api.ReqIfStatus, "node", node, "ifname", link)
	if err != nil {
		return r.apiFailed("Cannot get heartbeat link status", err)
	}
	if !ok {
		r.errorf("Cannot get heartbeat link status")
		r.errorf("REASON: ")
		return exitOther
	}
	code := exitFailure
	if st == "up" {
		code = exitOK
	}
	return r.print(map[string]string{"node": node, "link": link, "status": st}, st+"\n", code)
}

// rscSentences are rscstatus -m's texts.
var rscSentences = map[string]string{
	"local":      "This node is holding local resources.",
	"foreign":    "This node is holding foreign resources.",
	"all":        "This node is holding all resources.",
	"none":       "This node is holding none resources.",
	"transition": "This node is in transition.",
}

func rscstatus(r *runner) int {
	v, ok, err := r.value("rsc_hold", api.ReqGetRsc)
	if err != nil || !ok {
		r.errorf("Cannot get cluster resource status")
		if err != nil {
			r.errorf("REASON: %v", err)
		} else {
			r.errorf("REASON: ")
		}
		return exitOther
	}
	text := v + "\n"
	if s, ok := rscSentences[v]; ok && r.c.human {
		text = s + "\n"
	}
	return r.print(map[string]string{"resources": v}, text, exitOK)
}

// clientCodes are clientstatus's exit codes by client state.
var clientCodes = map[string]int{"online": 0, "offline": 1, "join": 2, "leave": 3}

func clientstatus(r *runner) int {
	node, client := r.c.args[0], r.c.args[1]
	wait := 500 * time.Millisecond
	if len(r.c.args) > 2 {
		ms, err := strconv.Atoi(r.c.args[2])
		if err != nil || ms < 0 {
			r.errorf("%s: invalid timeout.", r.c.args[2])
			return exitParam
		}
		wait = time.Duration(ms) * time.Millisecond
	}
	_ = wait // answered at once by heartbeat-go; 3.0.6 waits this long for a peer
	resps, err := r.cl.Do(api.ReqClient, "node", node, "cn", client)
	var st string
	if err == nil {
		st, _ = resps[0].Value("cs")
	}
	if st == "" {
		r.errorf("Cannot get heartbeat client %s's status", client)
		r.errorf("REASON: No timely response.")
		return exitOther
	}
	code, ok := clientCodes[st]
	if !ok {
		code = exitOther
	}
	return r.print(map[string]string{"node": node, "client": client, "status": st}, st+"\n", code)
}

func hbparameter(r *runner) int {
	name := r.c.param
	if name == "" {
		r.errorf("hbparameter: parameter name missing (-p NAME).")
		return exitParam
	}
	v, ok, err := r.value("pvalue", api.ReqGetParm, "pname", name)
	if err != nil || !ok {
		r.errorf("Cannot get parameter %s's value", name)
		r.errorf("REASON: ")
		return exitFailure
	}
	text := v + "\n"
	if r.c.human {
		text = fmt.Sprintf("Heartbeat parameter %s's value: %s\n", name, v)
	}
	return r.print(map[string]string{"parameter": name, "value": v}, text, exitOK)
}

const usage = `Usage: cl_status <sub-command> [<options>] [<parameters>]

Sub-commands:
clientstatus <node-name> <client-id> [<timeout>]
	Show the status of heartbeat clients.
hblinkstatus <node-name> <link-name>
	Show the status of a heartbeat link
hbstatus
	Indicate if heartbeat is running on the local system.
	Options:
		-v	verbose: also add "listnodes -v" output
listnodes [<option>]
	List the nodes in the cluster.
	Options:
		-p	list only 'ping' type nodes
		-n	list only 'normal' type nodes
		-v	verbose: also list type and status,
			then add "listhblinks -v" output
listhblinks <node-name>
	List the network interfaces used as hearbeat links.
	Options:
		-v	verbose: list link status as well
nodestatus <node-name>
	List the node status.
nodeweight <node-name>
	List the node weight.
nodesite <node-name>
	List the node site.
nodetype <node-name>
	List the nodes of a given type.
rscstatus
	Show the status of cluster resources.
hbparameter -p <parameter-name>
	Retrieve the value of a cluster parameter.
	As for the valid parameter names, please refer to the man page.
`
