package pcmk_test

import (
	"context"
	"encoding/xml"
	"os"
	"strings"
	"testing"

	"github.com/heartbeat-go/heartbeat-go/haresources"
	"github.com/heartbeat-go/heartbeat-go/haresources/pcmk"
)

// FuzzExport feeds arbitrary haresources text through the parser and the
// export: it must never panic, and the CIB must stay well-formed XML.
func FuzzExport(f *testing.F) {
	for _, c := range []string{"web-drbd", "mcast-legacy", "stonith-legacy"} {
		b, err := os.ReadFile("testdata/cases/" + c + "/haresources")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("alpha 10.0.0.1/24/eth0 drbddisk Filesystem::a httpd::x\nbeta ::: 1.2.3.4////\n")
	f.Add("alpha <&\"'>::x IPaddr::\x00 drbddisk::<r0>\n")
	f.Fuzz(func(t *testing.T, text string) {
		res, err := haresources.Parse("haresources", strings.NewReader(text), haresources.Options{})
		if err != nil {
			return
		}
		src := &pcmk.Source{Nodes: []string{"alpha", "beta"}, AutoFailback: "on", Groups: pcmk.FromConfigGroups(res)}
		out, _ := pcmk.Export(context.Background(), src, pcmk.Host{HADir: t.TempDir(), Rand: &counter{}}, pcmk.Options{AllowTODO: true})
		if out == nil {
			t.Fatal("no result")
		}
		var v any
		if err := xml.Unmarshal(out.CIB.XML(), &v); err != nil {
			t.Fatalf("CIB not well formed: %v\n%s", err, out.CIB.XML())
		}
	})
}
