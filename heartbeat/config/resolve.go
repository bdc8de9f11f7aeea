package config

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
)

// ErrNoScript means no directory has an executable script of that name.
var ErrNoScript = errors.New("cannot locate resource script")

// ScriptResolver is 3.0.6's lookup (ResourceManager scriptpath): the first
// regular executable file Dirs[i]/NAME.
type ScriptResolver struct {
	Dirs []string
}

var _ Resolver = ScriptResolver{}

// Resolve returns the path of the script for name.
func (s ScriptResolver) Resolve(name string, _ []string) (string, error) {
	if name == "" || filepath.Base(name) != name {
		return "", fmt.Errorf("%w %q", ErrNoScript, name)
	}
	for _, dir := range s.Dirs {
		p := filepath.Join(dir, name)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w %s (looked in %v)", ErrNoScript, name, s.Dirs)
}

// executable checks that path is a regular file with an execute bit.
func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s: not an executable regular file: %w", path, exec.ErrNotFound)
	}
	return nil
}

func lookupUser(name string) error {
	_, err := user.Lookup(name)
	return err
}
