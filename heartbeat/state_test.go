package heartbeat

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNextGeneration(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1795367800, 0)
	gen, first, err := NextGeneration(dir, now)
	if err != nil || !first || gen != 1795367801 {
		t.Fatalf("first start: %d %v %v, want 1795367801 true nil", gen, first, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, generationFile))
	// 3.0.6's layout: right-aligned in 15 columns (spec 9.3).
	if string(b) != "     1795367801\n" {
		t.Fatalf("file holds %q", b)
	}
	gen, first, err = NextGeneration(dir, now)
	if err != nil || first || gen != 1795367802 {
		t.Fatalf("second start: %d %v %v", gen, first, err)
	}
	os.WriteFile(filepath.Join(dir, generationFile), []byte("garbage"), 0o644)
	if _, _, err := NextGeneration(dir, now); err == nil {
		t.Fatal("garbage generation accepted")
	}
}

func TestLoadUUID(t *testing.T) {
	dir := t.TempDir()
	u1, created, err := LoadUUID(dir)
	if err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	u2, created, err := LoadUUID(dir)
	if err != nil || created || u1 != u2 {
		t.Fatalf("second: %x %v %v, want %x", u2, created, err, u1)
	}
}
