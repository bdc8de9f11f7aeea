package heartbeat

import "testing"

func TestDecideTakeover(t *testing.T) {
	tests := []struct {
		name string
		in   takeoverInput
		want takeoverDecision
	}{
		{"silent peer that held resources", takeoverInput{peerHeard: true}, takeoverDecision{takeover: true}},
		{"peer never heard (initdead)", takeoverInput{}, takeoverDecision{takeover: true}},
		{"peer shut down gracefully", takeoverInput{peerHeard: true, peerGaveUp: true}, takeoverDecision{takeover: true, gaveUp: true}},
		{"we are shutting down", takeoverInput{peerHeard: true, shuttingDown: true}, takeoverDecision{}},
		{"a stop failed here", takeoverInput{peerHeard: true, stopFailedHere: true}, takeoverDecision{}},
		{"gave-up claim of a never-heard peer is ignored", takeoverInput{peerGaveUp: true}, takeoverDecision{takeover: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decideTakeover(tt.in); got != tt.want {
				t.Errorf("decideTakeover(%+v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}
