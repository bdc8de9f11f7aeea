package authkeys

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		active  int
		indexes []int
		errs    []string // FILE:LINE: message
		legacy  []string
	}{
		{name: "lab", text: "auth 1\n1 sha1 spec-test-secret\n", active: 1, indexes: []int{1}},
		{name: "all methods, every key kept", text: "auth 3\n1 sha1 a\n2 md5 b\n3 crc\n", active: 3, indexes: []int{1, 2, 3}},
		{name: "blanks, tabs, CRLF, comments, no final newline", text: "# c\n\n  auth\t2\r\n\t# x\n 2   md5\tsecret\r\n1 crc", active: 2, indexes: []int{1, 2}},
		// Checked against the real 3.0.6: a later `auth 2` without key 2 is ignored.
		{name: "later auth line without key", text: "auth 1\n1 sha1 secret\nauth 2\n", active: 1, indexes: []int{1}},
		{name: "auth without blank", text: "auth2\n2 md5 x\n", active: 2, indexes: []int{2}},
		{name: "hash inside a key is part of it", text: "auth 1\n1 sha1 se#cret # not a comment\n", active: 1, indexes: []int{1}},
		{name: "auth must come first", text: "1 sha1 x\nauth 1\n", indexes: []int{1}, active: -1,
			errs:   []string{"authkeys:2: Auth Key [1] not found: no key to sign with"},
			legacy: []string{"ERROR: Auth Key [1] not found in keyfile [/etc/ha.d//authkeys]"}},
		{name: "auth 2 only key 1", text: "auth 2\n1 sha1 x\n", indexes: []int{1}, active: -1,
			errs:   []string{"authkeys:1: Auth Key [2] not found: no key to sign with"},
			legacy: []string{"ERROR: Auth Key [2] not found in keyfile [/etc/ha.d//authkeys]"}},
		{name: "missing auth", text: "1 sha1 x\n", indexes: []int{1}, active: -1,
			errs:   []string{"authkeys: Missing auth directive: no key to sign with"},
			legacy: []string{"ERROR: Missing auth directive in keyfile [/etc/ha.d//authkeys]"}},
		{name: "sha1 without key", text: "auth 1\n1 sha1\n", active: -1,
			errs:   []string{"authkeys:1: Auth Key [1] not found: no key to sign with", "authkeys:2: Auth method [sha1] requires a key"},
			legacy: []string{"ERROR: Auth Key [1] not found in keyfile [/etc/ha.d//authkeys]", "ERROR: Auth method [sha1] requires a key"}},
		{name: "crc with key", text: "auth 1\n1 sha1 k\n2 crc abc\n", active: 1, indexes: []int{1},
			errs:   []string{"authkeys:3: Auth method [crc] doesn't use a key"},
			legacy: []string{"info: Auth method [crc] doesn't use a key"}},
		{name: "rot13", text: "auth 1\n1 sha1 k\n2 rot13 abc\n", active: 1, indexes: []int{1},
			errs: []string{"authkeys:3: Invalid authtype [rot13]"},
			legacy: []string{"ERROR: LoadPlugin on rot13 returned 5: No such plugin/interface/interface type",
				"ERROR: Lookup extended#2 returned FALSE for rot13", "ERROR: Table size: 1", "ERROR: Invalid authtype [rot13]"}},
		{name: "index out of range", text: "auth 1\n1 sha1 k\n16 sha1 k\n", active: 1, indexes: []int{1},
			errs: []string{"authkeys:3: Invalid authnum [16]"}, legacy: []string{"ERROR: Invalid authnum [16] in /etc/ha.d//authkeys"}},
		{name: "bad auth line", text: "auth one\nauth 1\n1 sha1 k\n", active: 1, indexes: []int{1},
			errs: []string{"authkeys:1: Invalid auth line [auth one]"}, legacy: []string{"ERROR: Invalid auth line [auth one] in /etc/ha.d//authkeys"}},
		{name: "garbage line", text: "auth 1\n1 sha1 k\nhello world\n", active: 1, indexes: []int{1},
			errs: []string{"authkeys:3: Auth line [hello world] is invalid."}, legacy: []string{"ERROR: Auth line [hello world] is invalid."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := Parse("authkeys", strings.NewReader(tt.text), Options{LegacyName: "/etc/ha.d//authkeys"})
			var errs, legacy []string
			for _, e := range scan.Errors(err) {
				errs = append(errs, e.Error())
				for _, l := range e.Legacy {
					legacy = append(legacy, l.String())
				}
			}
			if !slices.Equal(errs, tt.errs) || !slices.Equal(legacy, tt.legacy) {
				t.Errorf("errors %q legacy %q\nwant %q legacy %q", errs, legacy, tt.errs, tt.legacy)
			}
			if keys.Active != tt.active || !slices.Equal(keys.Indexes(), tt.indexes) {
				t.Errorf("active %d indexes %v, want %d %v", keys.Active, keys.Indexes(), tt.active, tt.indexes)
			}
		})
	}
}

func TestSecretKept(t *testing.T) {
	keys, err := Parse("authkeys", strings.NewReader("auth 1\n1 sha1 spec-test-secret extra words\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	k, ok := keys.ActiveKey()
	if !ok || k.Secret != "spec-test-secret" || k.Method != SHA1 {
		t.Errorf("key %+v", k)
	}
}

type mode fs.FileMode

func (m mode) Name() string       { return "authkeys" }
func (m mode) Size() int64        { return 0 }
func (m mode) Mode() fs.FileMode  { return fs.FileMode(m) }
func (m mode) ModTime() time.Time { return time.Time{} }
func (m mode) IsDir() bool        { return false }
func (m mode) Sys() any           { return nil }

func TestCheckPerm(t *testing.T) {
	for _, m := range []fs.FileMode{0o600, 0o400, 0o620, 0o700, 0o602} {
		if err := CheckPerm("authkeys", "/etc/ha.d//authkeys", mode(m)); err != nil {
			t.Errorf("%04o refused: %v", m, err)
		}
	}
	for _, m := range []fs.FileMode{0o644, 0o640, 0o604, 0o444} {
		err := CheckPerm("authkeys", "/etc/ha.d//authkeys", mode(m))
		e := scan.Errors(err)
		if len(e) != 1 || e[0].Legacy[0].String() != "ERROR: Bad permissions on keyfile [/etc/ha.d//authkeys], 600 recommended." {
			t.Errorf("%04o: %v", m, err)
		}
	}
}

func TestTestdataAccepted(t *testing.T) {
	files, _ := filepath.Glob("testdata/authkeys*")
	if len(files) < 5 {
		t.Fatalf("%d files", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(f, strings.NewReader(string(b)), Options{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/authkeys*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("auth -1\n-1 sha1 x\n99999999999999999999 md5 y\n1\nauth\n")
	f.Fuzz(func(t *testing.T, text string) {
		keys, err := Parse("authkeys", strings.NewReader(text), Options{})
		if keys == nil {
			t.Fatal("nil keys")
		}
		if err == nil {
			if _, ok := keys.ActiveKey(); !ok {
				t.Fatal("no error but no active key")
			}
		}
	})
}
