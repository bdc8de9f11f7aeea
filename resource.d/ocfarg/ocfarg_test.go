package ocfarg

import (
	"strings"
	"testing"
)

func TestBool(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    bool
		wantErr bool
	}{
		// The true values of ocf_is_true (resource-agents ocf-shellfuncs).
		{"yes", true, false},
		{"true", true, false},
		{"1", true, false},
		{"YES", true, false},
		{"TRUE", true, false},
		{"True", true, false},
		{"ja", true, false},
		{"on", true, false},
		{"ON", true, false},
		{"no", false, false},
		{"NO", false, false},
		{"False", false, false},
		{"0", false, false},
		{"off", false, false},
		{"Off", false, false},
		{"", false, false},
		// ocf_is_true reads these as false; they look true, so they are errors.
		{"Yes", false, true},
		{"On", false, true},
		{"tRUE", false, true},
		{"maybe", false, true},
		{" yes", false, true},
	} {
		got, err := Bool(tc.in)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("Bool(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "not a boolean") {
			t.Errorf("Bool(%q): error %q", tc.in, err)
		}
	}
}
