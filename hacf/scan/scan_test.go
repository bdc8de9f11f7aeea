package scan

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func lines(t *testing.T, r io.Reader) ([]string, []string) {
	t.Helper()
	s := New("f", r)
	var got []string
	for l, ok := s.Next(); ok; l, ok = s.Next() {
		got = append(got, l.Text+"@"+string(rune('0'+l.Num)))
	}
	var errs []string
	for _, e := range s.Errs {
		errs = append(errs, e.Error())
	}
	return got, errs
}

func TestScanner(t *testing.T) {
	long := strings.Repeat("x", MaxLine+1)
	tests := []struct {
		name       string
		in         string
		want, errs []string
	}{
		{"plain", "a\nb\n", []string{"a@1", "b@2"}, nil},
		{"no final newline", "a\nb", []string{"a@1", "b@2"}, nil},
		{"CR kept", "a\r\n", []string{"a\r@1"}, nil},
		{"longest line", strings.Repeat("y", MaxLine) + "\nz", []string{strings.Repeat("y", MaxLine) + "@1", "z@2"}, nil},
		{"too long", "a\n" + long + "\nb\n", []string{"a@1", "b@3"}, []string{"f:2: line longer than 5118 bytes (heartbeat 3.0.6 would split it)"}},
		{"too long at end", long, nil, []string{"f:1: line longer than 5118 bytes (heartbeat 3.0.6 would split it)"}},
		{"NUL", "a\x00b\nc\n", []string{"c@2"}, []string{"f:1: line contains a NUL byte (binary file?)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := lines(t, strings.NewReader(tt.in))
			if !slices.Equal(got, tt.want) || !slices.Equal(errs, tt.errs) {
				t.Errorf("got %q %q, want %q %q", got, errs, tt.want, tt.errs)
			}
		})
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	s := New("f", io.MultiReader(strings.NewReader("a\n"), iotest.ErrReader(boom)))
	if l, ok := s.Next(); !ok || l.Text != "a" {
		t.Fatalf("first line %q %v", l.Text, ok)
	}
	if _, ok := s.Next(); ok {
		t.Fatal("line after the error")
	}
	if len(s.Errs) != 1 || !errors.Is(s.Errs.Err(), boom) || s.Errs[0].Error() != "f:2: cannot read: boom" {
		t.Fatalf("errs %v", s.Errs)
	}
}

func TestErrorList(t *testing.T) {
	var l ErrorList
	if l.Err() != nil {
		t.Fatal("empty list is an error")
	}
	l.Add("b", 1, "x")
	l.Add("a", 9, "y")
	l.Add("a", 2, "z")
	l.Add("a", 0, "whole file")
	l.Sort()
	var got []string
	for _, e := range l {
		got = append(got, e.Error())
	}
	want := []string{"a: whole file", "a:2: z", "a:9: y", "b:1: x"}
	if !slices.Equal(got, want) {
		t.Errorf("%q", got)
	}
	if len(Errors(l.Err())) != 4 || len(Errors(l[0])) != 1 || Errors(errors.New("x")) != nil {
		t.Error("Errors")
	}
}
