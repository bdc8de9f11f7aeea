package filesystem

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Check reports, without changing anything, whether this node could mount
// the file system now: a device given as a path (or LABEL=, UUID=) must
// exist for block-device types, and a given fstype must be known to the
// kernel (/proc/filesystems), loadable as a module of the running kernel
// (a module of that name or a fs-TYPE alias under ModulesDir) or have a
// mount helper. It runs no modprobe, so it is cheap and safe for
// `heartbeat -t`; Start still loads the module as the OCF agent does.
func (a *Agent) Check(ctx context.Context) error {
	if _, err := a.resolve(ctx, true); err != nil {
		return err
	}
	fstype := a.cfg.fstype
	if !needsKernel(fstype) || a.kernelHas(fstype) || a.moduleFor(fstype) {
		return nil
	}
	return fmt.Errorf("unknown fstype %q: not in %s, no kernel module in %s and no mount helper",
		fstype, filepath.Join(a.opts.Proc, "filesystems"), a.modulesDir())
}

// needsKernel reports whether mounting fstype needs the kernel to know the
// type: not for an unnamed type (probed at start), "none" (bind mounts) or
// a type with a mount helper (nfs, cifs, fuse.*).
func needsKernel(fstype string) bool {
	return fstype != "" && fstype != "none" && !hasHelper(fstype)
}

// kernelHas reports whether Proc/filesystems lists fstype (the last field
// of a line; "nodev" may precede it).
func (a *Agent) kernelHas(fstype string) bool {
	f, err := os.Open(filepath.Join(a.opts.Proc, "filesystems"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) > 0 && fs[len(fs)-1] == fstype {
			return true
		}
	}
	return false
}

// modulesDir is Options.ModulesDir or /lib/modules/RELEASE.
func (a *Agent) modulesDir() string {
	if a.opts.ModulesDir != "" {
		return a.opts.ModulesDir
	}
	b, err := os.ReadFile(filepath.Join(a.opts.Proc, "sys", "kernel", "osrelease"))
	if err != nil {
		return "/lib/modules/(unknown release)"
	}
	return filepath.Join("/lib/modules", strings.TrimSpace(string(b)))
}

// moduleFor reports whether modprobe could load fstype: a module of that
// name in modules.dep or an "alias fs-TYPE" in modules.alias. Without a
// module tree nothing can be loaded, so the answer is no.
func (a *Agent) moduleFor(fstype string) bool {
	dir := a.modulesDir()
	for _, f := range []struct {
		name  string
		match func(io.Reader, string) bool
	}{{"modules.dep", depHasModule}, {"modules.alias", aliasHasFS}} {
		r, err := os.Open(filepath.Join(dir, f.name))
		if err != nil {
			continue
		}
		found := f.match(r, fstype)
		r.Close()
		if found {
			return true
		}
	}
	return false
}

// moduleName normalises a module name as modprobe does ('-' is '_').
func moduleName(s string) string { return strings.ReplaceAll(s, "-", "_") }

// depHasModule reads modules.dep ("kernel/fs/xfs/xfs.ko.xz: deps...") and
// reports whether a module is named name.
func depHasModule(r io.Reader, name string) bool {
	want := moduleName(name)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		path, _, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		base := filepath.Base(path)
		if i := strings.Index(base, ".ko"); i > 0 && moduleName(base[:i]) == want {
			return true
		}
	}
	return false
}

// aliasHasFS reads modules.alias ("alias fs-xfs xfs") and reports whether
// a module provides file system type fstype.
func aliasHasFS(r io.Reader, fstype string) bool {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "alias" && f[1] == "fs-"+fstype {
			return true
		}
	}
	return false
}
