package pcmk_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/heartbeat-go/heartbeat-go/haresources/pcmk"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// lab answers the interface checks of ha.cf without the kernel.
type lab struct{}

func (lab) Broadcast(string) (netip.Addr, error) { return netip.MustParseAddr("10.250.0.255"), nil }
func (lab) Addr(string) (netip.Addr, error)      { return netip.MustParseAddr("10.250.0.1"), nil }

type counter struct{ n byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

// goldenCases are configuration directories: the own cases and the shared
// 3.0.6 lab configuration.
func goldenCases(t *testing.T) map[string]string {
	dirs := map[string]string{}
	entries, err := os.ReadDir("testdata/cases")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		dirs[e.Name()] = filepath.Join("testdata/cases", e.Name())
	}
	shared := t.TempDir()
	src := "../../../shared/testdata/heartbeat-3.0.6/config"
	if err := os.Mkdir(filepath.Join(shared, "resource.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ha.cf", "haresources", "authkeys", "resource.d/spectest"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shared, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dirs["shared-3.0.6-lab"] = shared
	return dirs
}

// TestGolden exports every case with a fixed host and compares the whole
// output stream with testdata/golden/NAME.txt (refresh with -update).
func TestGolden(t *testing.T) {
	for name, dir := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			if err := os.Chmod(filepath.Join(dir, "authkeys"), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := config.Load(config.Options{Dir: dir, Node: "alpha", Interfaces: lab{}})
			if name == "shared-3.0.6-lab" {
				cfg = config.Load(config.Options{Dir: dir, Node: "node1", Interfaces: lab{}})
			}
			if !cfg.OK() {
				t.Fatalf("config: %v", cfg.Err())
			}
			host := pcmk.Host{Root: filepath.Join(dir, "root"), HADir: dir, Hostname: cfg.Node, Rand: &counter{},
				StonithParams: func(typ string) ([]string, error) {
					if typ == "external/ipmi" {
						return []string{"hostname", "ipaddr", "userid", "passwd", "interface"}, nil
					}
					return nil, errors.New("unknown plugin")
				}}
			res, err := pcmk.Export(context.Background(), pcmk.FromConfig(cfg.HACF, cfg.Resources, cfg.Keys), host,
				pcmk.Options{Addrs: map[string][]string{cfg.Node: {"10.250.0.1"}}})
			if err != nil {
				t.Fatal(err)
			}
			got := bytes.ReplaceAll(pcmk.Stream(res.Files()), []byte(dir), []byte("HA_DIR"))
			golden := filepath.Join("testdata/golden", name+".txt")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update and review the diff):\n%s", golden, firstDiff(string(want), string(got)))
			}
		})
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range min(len(w), len(g)) {
		if w[i] != g[i] {
			return "line " + strconv.Itoa(i+1) + ":\n- " + w[i] + "\n+ " + g[i]
		}
	}
	return "lengths differ"
}
