package halog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// Owner is the uid and gid given to log files the daemon creates (3.0.6 makes them
// hacluster:haclient).
type Owner struct {
	UID, GID int
}

// File appends lines to a log file that logrotate may move, copy or truncate at any time.
// It keeps the file open in O_APPEND mode and, before every line, checks that the path
// still names the open file; when it does not (moved or removed) it opens the path again,
// creating it 0644. Truncation (copytruncate) needs nothing: O_APPEND writes at the new end.
// 3.0.6 checks once a minute and loses lines meanwhile; checking per line loses none.
type File struct {
	path  string
	owner *Owner

	mu sync.Mutex
	f  *os.File
}

// NewFile returns a File for path; nothing is opened until the first line. A non-nil
// owner is applied to files it creates.
func NewFile(path string, owner *Owner) *File {
	return &File{path: path, owner: owner}
}

// Path returns the file's path.
func (w *File) Path() string { return w.path }

// Write appends p, one whole line, with a single write(2).
func (w *File) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil && !w.stillOurs() {
		_ = w.f.Close() // a close error on a rotated-away file leaves nothing to recover
		w.f = nil
	}
	var chownErr error
	if w.f == nil {
		var err error
		if chownErr, err = w.open(); err != nil {
			return 0, err
		}
	}
	n, err := w.f.Write(p)
	if err != nil {
		return n, fmt.Errorf("writing log file %s: %w", w.path, err)
	}
	return n, chownErr
}

// stillOurs reports whether the path still names the open file.
func (w *File) stillOurs() bool {
	byPath, err := os.Stat(w.path)
	if err != nil {
		return false
	}
	open, err := w.f.Stat()
	return err == nil && os.SameFile(byPath, open)
}

// open opens (creating) the path. A failed chown of a created file is returned apart so
// the line is still written.
func (w *File) open() (chownErr, err error) {
	created := false
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o644)
		created = err == nil
		if errors.Is(err, fs.ErrExist) { // another writer (a script) created it first
			f, err = os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND, 0)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening log file %s: %w", w.path, err)
	}
	w.f = f
	if created && w.owner != nil {
		if err := f.Chown(w.owner.UID, w.owner.GID); err != nil {
			return fmt.Errorf("setting owner of log file %s: %w", w.path, err), nil
		}
	}
	return nil, nil
}

// Close closes the open file, if any. A later Write opens the path again, so Close is
// also how a reopen is requested (SIGHUP).
func (w *File) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if err != nil {
		return fmt.Errorf("closing log file %s: %w", w.path, err)
	}
	return nil
}
