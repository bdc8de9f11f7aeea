package heartbeat

import "testing"

func TestSeqTrack(t *testing.T) {
	type msg struct {
		gen, seq       uint64
		isStatus, dead bool
		want           seqVerdict
		wantMissing    int
	}
	tests := []struct {
		name string
		msgs []msg
	}{
		{"in order then duplicate", []msg{
			{gen: 5, seq: 1, isStatus: true, want: seqAccept},
			{gen: 5, seq: 2, want: seqAccept},
			{gen: 5, seq: 2, want: seqDup},
			{gen: 5, seq: 3, isStatus: true, want: seqAccept},
		}},
		{"gap then retransmission fills it", []msg{
			{gen: 5, seq: 0x8d, want: seqAccept},
			{gen: 5, seq: 0x8f, want: seqGap, wantMissing: 1},
			{gen: 5, seq: 0x8e, want: seqFilled},
			{gen: 5, seq: 0x8e, want: seqOld},
			{gen: 5, seq: 0x90, want: seqAccept},
		}},
		{"replay of an older generation", []msg{
			{gen: 5, seq: 10, isStatus: true, want: seqAccept},
			{gen: 4, seq: 11, isStatus: true, want: seqReplay},
		}},
		{"restart with a higher generation", []msg{
			{gen: 5, seq: 40, isStatus: true, want: seqAccept},
			{gen: 6, seq: 1, isStatus: true, want: seqRestart},
			{gen: 6, seq: 2, want: seqAccept},
		}},
		{"non-status of a newer generation waits for its status", []msg{
			{gen: 5, seq: 40, isStatus: true, want: seqAccept},
			{gen: 6, seq: 2, want: seqOld},
		}},
		{"dead peer returns after partition", []msg{
			{gen: 5, seq: 40, isStatus: true, want: seqAccept},
			{gen: 5, seq: 40, isStatus: true, dead: true, want: seqStale},
			{gen: 5, seq: 57, isStatus: true, dead: true, want: seqReturn, wantMissing: 16},
		}},
		{"too many lost resynchronises", []msg{
			{gen: 5, seq: 1, want: seqAccept},
			{gen: 5, seq: 1 + maxMissing + 2, want: seqResync},
			{gen: 5, seq: 2, want: seqOld},
		}},
		{"sequence zero", []msg{
			{gen: 5, seq: 0, want: seqBadNumber},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s seqTrack
			for i, m := range tt.msgs {
				if got := s.check(m.gen, m.seq, m.isStatus, m.dead); got != m.want {
					t.Fatalf("message %d (gen %d seq %d): verdict %d, want %d", i, m.gen, m.seq, got, m.want)
				}
				if len(s.missing) != m.wantMissing {
					t.Fatalf("message %d: %d missing, want %d", i, len(s.missing), m.wantMissing)
				}
			}
		})
	}
}
