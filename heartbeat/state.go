package heartbeat

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Files of /var/lib/heartbeat that 3.0.6 keeps and we keep the same way, so
// that a node switched between the two daemons keeps its identity.
const (
	generationFile = "hb_generation" // decimal, right-aligned in 15 columns, newline
	uuidFile       = "hb_uuid"       // 16 raw bytes
)

// NextGeneration reads the stored generation, increments it and writes it
// back. Without a file it starts at the current Unix time + 1, as 3.0.6
// does; first is then true (3.0.6 warns "No Previous generation").
func NextGeneration(dir string, now time.Time) (gen uint64, first bool, err error) {
	path := filepath.Join(dir, generationFile)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		gen, first = uint64(now.Unix())+1, true
	case err != nil:
		return 0, false, fmt.Errorf("reading generation: %w", err)
	default:
		old, perr := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if perr != nil {
			return 0, false, fmt.Errorf("reading generation from %s: %w", path, perr)
		}
		gen = old + 1
	}
	if err := writeAtomic(path, fmt.Appendf(nil, "%15d\n", gen)); err != nil {
		return 0, false, fmt.Errorf("writing generation: %w", err)
	}
	return gen, first, nil
}

// LoadUUID returns the node's uuid, creating it on first start (created is
// then true: 3.0.6 logs "No uuid found for current node").
func LoadUUID(dir string) (uuid [16]byte, created bool, err error) {
	path := filepath.Join(dir, uuidFile)
	b, err := os.ReadFile(path)
	if err == nil && len(b) == len(uuid) {
		copy(uuid[:], b)
		return uuid, false, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return uuid, false, fmt.Errorf("reading uuid: %w", err)
	}
	if _, err := rand.Read(uuid[:]); err != nil {
		return uuid, false, fmt.Errorf("generating uuid: %w", err)
	}
	uuid[6] = uuid[6]&0x0f | 0x40 // version 4
	uuid[8] = uuid[8]&0x3f | 0x80
	if err := writeAtomic(path, uuid[:]); err != nil {
		return uuid, false, fmt.Errorf("writing uuid: %w", err)
	}
	return uuid, true, nil
}

// writeAtomic replaces a file through a temporary file and a rename.
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
