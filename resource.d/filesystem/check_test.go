package filesystem

import (
	"strings"
	"testing"
)

func TestModuleFiles(t *testing.T) {
	const dep = "kernel/fs/xfs/xfs.ko.xz: kernel/lib/libcrc32c.ko.xz\nkernel/fs/nls/nls-utf8.ko:\nbroken line\n"
	const alias = "alias fs-ext4 ext4\nalias fs-ext3x\nalias char-major-10-229 fuse\n"
	for _, tc := range []struct {
		name       string
		dep, alias bool
	}{
		{"xfs", true, false},
		{"nls_utf8", true, false}, // modprobe treats - and _ alike
		{"nls-utf8", true, false},
		{"libcrc32c", false, false}, // a dependency, not a module line
		{"ext4", false, true},
		{"ext3x", false, false}, // malformed alias line
		{"fuse", false, false},  // not a fs- alias
		{"broken line", false, false},
	} {
		if got := depHasModule(strings.NewReader(dep), tc.name); got != tc.dep {
			t.Errorf("depHasModule(%q) = %v, want %v", tc.name, got, tc.dep)
		}
		if got := aliasHasFS(strings.NewReader(alias), tc.name); got != tc.alias {
			t.Errorf("aliasHasFS(%q) = %v, want %v", tc.name, got, tc.alias)
		}
	}
}

// FuzzModuleFiles feeds arbitrary modules.dep and modules.alias text: no
// panic, and a line naming the type is always found.
func FuzzModuleFiles(f *testing.F) {
	f.Add("kernel/fs/xfs/xfs.ko.xz: kernel/lib/libcrc32c.ko.xz\n", "xfs")
	f.Add("alias fs-ext4 ext4\n", "ext4")
	f.Add(":\n.ko:\n\x00", "")
	f.Fuzz(func(t *testing.T, text, name string) {
		depHasModule(strings.NewReader(text), name)
		aliasHasFS(strings.NewReader(text), name)
		// bufio.Scanner stops at a line over 64 KiB; real module files have
		// none. Names with blanks (also the non-ASCII U+0085 and U+00A0) or
		// path characters cannot stand in a module line.
		if len(text) > 60000 || name == "" || strings.ContainsAny(name, " \t\n\r\v\f/:.") || strings.ContainsFunc(name, func(r rune) bool { return r > 0x7f }) {
			return
		}
		if !depHasModule(strings.NewReader(text+"\nkernel/fs/"+name+".ko:\n"), name) {
			t.Errorf("module %q not found after its modules.dep line", name)
		}
		if !aliasHasFS(strings.NewReader(text+"\nalias fs-"+name+" m\n"), name) {
			t.Errorf("fs-%s alias not found after its line", name)
		}
	})
}
