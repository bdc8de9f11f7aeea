package main

import (
	"io"
	"testing"
)

// TestMetricsSetting: the Prometheus endpoint is off unless
// HEARTBEAT_METRICS_ADDR is set, and then listens where it says.
func TestMetricsSetting(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{nil, ""},
		{map[string]string{"HA_DIR": "/etc/ha.d"}, ""},
		{map[string]string{"HEARTBEAT_METRICS_ADDR": "127.0.0.1:9694"}, "127.0.0.1:9694"},
	}
	for _, tt := range tests {
		got := daemonOptions(options{foreground: true, debug: 2}, func(k string) string { return tt.env[k] }, io.Discard)
		if got.MetricsAddr != tt.want || !got.Foreground || got.Debug != 2 {
			t.Errorf("env %v: %+v, want MetricsAddr %q", tt.env, got, tt.want)
		}
	}
}
