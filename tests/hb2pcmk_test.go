//go:build integration

package tests

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/netns"
)

// exportCase is one heartbeat configuration directory to export.
type exportCase struct {
	name            string
	haCF, res, keys string // files copied into HA_DIR
	resourceD, root string // optional directories
	addrs           []string
}

func exportCases(t *testing.T) []exportCase {
	shared := "../../shared/testdata/heartbeat-3.0.6/config"
	var cases []exportCase
	for _, cf := range []string{"ha.cf", "ha.cf.autofailback-off", "ha.cf.legacy", "ha.cf.mcast", "ha.cf.ucast-node1", "ha.cf.ucast-node2"} {
		for _, keys := range []string{"authkeys", "authkeys.md5-run", "authkeys.crc-run"} {
			addrs := []string{"node1=127.0.0.1", "node2=10.250.0.2"}
			if strings.HasPrefix(cf, "ha.cf.ucast") {
				addrs = addrs[:1] // node2's address comes from the ucast line
				if cf == "ha.cf.ucast-node2" {
					addrs = []string{"node1=127.0.0.1"}
				}
			}
			cases = append(cases, exportCase{name: cf + "+" + keys, haCF: filepath.Join(shared, cf), res: filepath.Join(shared, "haresources"),
				keys: filepath.Join(shared, keys), resourceD: filepath.Join(shared, "resource.d"), addrs: addrs})
		}
	}
	own := "../haresources/pcmk/testdata/cases"
	entries, err := os.ReadDir(own)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		d := filepath.Join(own, e.Name())
		c := exportCase{name: e.Name(), haCF: filepath.Join(d, "ha.cf"), res: filepath.Join(d, "haresources"), keys: filepath.Join(d, "authkeys"),
			addrs: []string{"alpha=127.0.0.1", "beta=192.0.2.200"}}
		if e.Name() == "web-drbd" {
			c.addrs = c.addrs[:1] // beta from the ucast line
		}
		for _, sub := range []string{"resource.d", "root"} {
			if _, err := os.Stat(filepath.Join(d, sub)); err == nil {
				if sub == "root" {
					c.root = filepath.Join(d, sub)
				} else {
					c.resourceD = filepath.Join(d, sub)
				}
			}
		}
		for _, f := range []string{"ldirectord.cf"} {
			if _, err := os.Stat(filepath.Join(d, f)); err == nil {
				c.res += "," + filepath.Join(d, f)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// tool runs a command and returns its combined output and exit status.
func tool(t *testing.T, ctx context.Context, env []string, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("%s: %v (is the Debian package installed?)", name, err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

func hb2pcmkBinary(t *testing.T) string {
	if dir := os.Getenv("HBGO_BIN"); dir != "" {
		return filepath.Join(dir, "hb2pcmk")
	}
	bin := filepath.Join(t.TempDir(), "hb2pcmk")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/hb2pcmk").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", src, dst, err, out)
	}
}

// agentView builds copies of /usr/lib/ocf/resource.d and /etc/init.d with the
// export's wrappers and the case's init scripts; crmsh and pcs then run in a
// private mount namespace with the copies bound over the originals, so they
// check the agents without --force and without touching the machine.
func agentView(t *testing.T, out, root string) []string {
	dir := t.TempDir()
	ocf, initd := filepath.Join(dir, "ocf"), filepath.Join(dir, "initd")
	copyTree(t, "/usr/lib/ocf/resource.d", ocf)
	copyTree(t, "/etc/init.d", initd)
	if _, err := os.Stat(filepath.Join(out, "ocf/hbgo")); err == nil {
		copyTree(t, filepath.Join(out, "ocf/hbgo"), filepath.Join(ocf, "hbgo"))
	}
	if root != "" {
		scripts, _ := filepath.Glob(filepath.Join(root, "etc/init.d/*"))
		for _, s := range scripts {
			copyTree(t, s, initd)
		}
	}
	return []string{"unshare", "-m", "--propagation", "private", "sh", "-ec",
		`mount --bind "$1" /usr/lib/ocf/resource.d; mount --bind "$2" /etc/init.d; shift 2; exec "$@"`, "view", ocf, initd}
}

func TestHb2pcmkRealTools(t *testing.T) {
	netns.RequireRoot(t)
	bin := hb2pcmkBinary(t)
	for _, c := range exportCases(t) {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
			defer cancel()
			ha, out := t.TempDir(), t.TempDir()
			copyTree(t, c.haCF, filepath.Join(ha, "ha.cf"))
			for _, r := range strings.Split(c.res, ",") {
				name := filepath.Base(r)
				if !strings.HasSuffix(name, ".cf") {
					name = "haresources"
				}
				copyTree(t, r, filepath.Join(ha, name))
			}
			copyTree(t, c.keys, filepath.Join(ha, "authkeys"))
			if err := os.Chmod(filepath.Join(ha, "authkeys"), 0o600); err != nil {
				t.Fatal(err)
			}
			if c.resourceD != "" {
				copyTree(t, c.resourceD, filepath.Join(ha, "resource.d"))
			}
			node := strings.Split(c.addrs[0], "=")[0]
			args := []string{"-o", out, "-node", node, "-keyfile", filepath.Join(out, "authkey")}
			if c.root != "" {
				args = append(args, "-root", c.root)
			}
			for _, a := range c.addrs {
				args = append(args, "-addr", a)
			}
			if msg, rc := tool(t, ctx, []string{"HA_DIR=" + ha}, bin, args...); rc != 0 {
				t.Fatalf("hb2pcmk %v: exit %d\n%s", args, rc, msg)
			}
			cib := filepath.Join(out, "cib.xml")
			if msg, rc := tool(t, ctx, nil, "xmllint", "--noout", cib); rc != 0 {
				t.Fatalf("xmllint: exit %d\n%s", rc, msg)
			}
			verify := func(file string) {
				t.Helper()
				msg, rc := tool(t, ctx, nil, "crm_verify", "-V", "--xml-file", file)
				if rc != 0 || strings.Contains(msg, "chema") || strings.Contains(msg, "validation") || strings.Contains(msg, "Relax-NG") {
					t.Fatalf("crm_verify -V --xml-file %s: exit %d\n%s", file, rc, msg)
				}
			}
			verify(cib)
			if msg, rc := tool(t, ctx, nil, "corosync", "-t", "-c", filepath.Join(out, "corosync.conf")); rc != 0 {
				t.Fatalf("corosync -t: exit %d\n%s", rc, msg)
			}
			if key, err := os.ReadFile(filepath.Join(out, "authkey")); err == nil {
				secret := strings.Fields(lastLine(t, c.keys))
				if len(key) < 128 || len(secret) == 3 && bytes.Contains(key, []byte(secret[2])) {
					t.Errorf("authkey: %d bytes or contains the heartbeat secret", len(key))
				}
			}
			want := normalize(t, cib)
			view := agentView(t, out, c.root)

			empty, rc := tool(t, ctx, nil, "cibadmin", "--empty")
			if rc != 0 {
				t.Fatalf("cibadmin --empty: exit %d", rc)
			}
			crmCIB, pcsCIB := filepath.Join(out, "crm-cib.xml"), filepath.Join(out, "pcs-cib.xml")
			for _, f := range []string{crmCIB, pcsCIB} {
				if err := os.WriteFile(f, []byte(empty), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			script, err := os.ReadFile(filepath.Join(out, "crm.txt"))
			if err != nil {
				t.Fatal(err)
			}
			crm := exec.CommandContext(ctx, view[0], append(view[1:], "crm", "configure")...)
			crm.Env = append(os.Environ(), "CIB_file="+crmCIB)
			crm.Stdin = bytes.NewReader(script)
			// crmsh shows the offline cluster's status (no quorum, unknown
			// nodes) as warnings; anything else marked ERROR is a failure.
			msg, err := crm.CombinedOutput()
			if err != nil || slices.ContainsFunc(strings.Split(string(msg), "\n"), func(l string) bool {
				return strings.Contains(l, "ERROR") && !strings.Contains(l, "(cluster_status)")
			}) {
				t.Fatalf("crm configure < crm.txt: %v\n%s", err, msg)
			}
			verify(crmCIB)
			if got := normalize(t, crmCIB); !reflect.DeepEqual(got, want) {
				t.Errorf("crmsh CIB differs from cib.xml:\n%s", diff(want, got))
			}
			if msg, rc := tool(t, ctx, nil, view[0], append(view[1:], "sh", filepath.Join(out, "pcs.sh"), pcsCIB)...); rc != 0 {
				t.Fatalf("sh pcs.sh: exit %d\n%s", rc, msg)
			}
			verify(pcsCIB)
			if got := normalize(t, pcsCIB); !reflect.DeepEqual(got, want) {
				t.Errorf("pcs CIB differs from cib.xml:\n%s", diff(want, got))
			}
		})
	}
}

// TestHb2pcmkConfigErrors: bad input gets heartbeat -t's FILE:LINE errors and exit status 6.
func TestHb2pcmkConfigErrors(t *testing.T) {
	bin := hb2pcmkBinary(t)
	ha := t.TempDir()
	shared := "../../shared/testdata/heartbeat-3.0.6/config"
	copyTree(t, filepath.Join(shared, "ha.cf"), filepath.Join(ha, "ha.cf"))
	copyTree(t, filepath.Join(shared, "authkeys"), filepath.Join(ha, "authkeys"))
	if err := os.Chmod(filepath.Join(ha, "authkeys"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ha, "haresources"), []byte("node1 10.0.0.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(ha, "ha.cf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "bogus_directive 1")
	f.Close()
	msg, rc := tool(t, t.Context(), []string{"HA_DIR=" + ha}, bin, "-o", t.TempDir(), "-node", "node1")
	want := filepath.Join(ha, "ha.cf") + ":15: "
	if rc != 6 || !strings.Contains(msg, want) {
		t.Errorf("exit %d, output:\n%s\nwant exit 6 and %q", rc, msg, want)
	}
}

func lastLine(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// element is a generic XML tree.
type element struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []element  `xml:",any"`
}

func (e element) attr(name string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// normalize reduces a CIB to what the cluster does: the resources and
// constraints with their parameters, monitors, meta attributes, options;
// ids of nvpairs and ops, attribute order, defaults the tools add
// (rsc-role="Started") and the version attributes are left out.
func normalize(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var root element
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]string{}
	nvs := func(e element) string {
		var s []string
		for _, c := range e.Children {
			if c.XMLName.Local == "nvpair" {
				s = append(s, c.attr("name")+"="+c.attr("value"))
			}
		}
		sort.Strings(s)
		return strings.Join(s, " ")
	}
	var walk func(e element, path string)
	walk = func(e element, path string) {
		switch e.XMLName.Local {
		case "cluster_property_set", "meta_attributes", "instance_attributes":
			if path == "" {
				path = e.XMLName.Local
			}
			if v := nvs(e); v != "" {
				out[path+"/"+e.XMLName.Local] = v
			}
			return
		case "primitive":
			p := "rsc " + e.attr("id")
			out[p] = strings.Join([]string{path, e.attr("class"), e.attr("provider"), e.attr("type")}, ":")
			var ops []string
			for _, c := range e.Children {
				if c.XMLName.Local == "operations" {
					for _, o := range c.Children {
						ops = append(ops, o.attr("name")+"/"+o.attr("interval")+"/"+o.attr("timeout")+"/"+o.attr("role"))
					}
				} else {
					walk(c, p)
				}
			}
			sort.Strings(ops)
			out[p+" ops"] = strings.Join(ops, " ")
			return
		case "group", "clone":
			p := e.XMLName.Local + " " + e.attr("id")
			var members []string
			for _, c := range e.Children {
				if c.XMLName.Local == "primitive" {
					members = append(members, c.attr("id"))
				}
				walk(c, p)
			}
			out[p] = strings.Join(members, ",")
			return
		case "rsc_location", "rsc_colocation", "rsc_order":
			var attrs []string
			for _, a := range e.Attrs {
				if a.Name.Local == "id" || a.Name.Local == "rsc-role" && a.Value == "Started" {
					continue
				}
				attrs = append(attrs, a.Name.Local+"="+a.Value)
			}
			for _, r := range e.Children {
				attrs = append(attrs, "rule score="+r.attr("score")+" op="+r.attr("boolean-op"))
				for _, x := range r.Children {
					attrs = append(attrs, "expr "+x.attr("attribute")+" "+x.attr("operation")+" "+x.attr("value"))
				}
			}
			sort.Strings(attrs)
			out[e.XMLName.Local+" "+e.attr("rsc")+e.attr("first")+" "+strings.Join(attrs, " ")] = "present"
			return
		case "rsc_defaults":
			path = "rsc_defaults"
		}
		for _, c := range e.Children {
			walk(c, path)
		}
	}
	walk(root, "")
	return out
}

func diff(want, got map[string]string) string {
	var b strings.Builder
	keys := slices.Sorted(maps.Keys(want))
	for _, k := range keys {
		if got[k] != want[k] {
			fmt.Fprintf(&b, "  %s: want %q, got %q\n", k, want[k], got[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "  %s: unexpected %q\n", k, got[k])
		}
	}
	return b.String()
}
