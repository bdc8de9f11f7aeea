package heartbeat

import "slices"

// maxMissing is how many missing sequence numbers a receiver tracks before
// it gives up and resynchronises (3.0.6: "lost a lot of packets!").
const maxMissing = 250

// seqVerdict is what the sequence bookkeeping of spec 4.5 says of one
// sequenced message.
type seqVerdict int

const (
	seqAccept    seqVerdict = iota // in order (or first message heard): process it
	seqFilled                      // a missing one arrived (retransmission): process it
	seqGap                         // newer than expected: process it, the gap is now missing
	seqResync                      // too many lost: process it, bookkeeping restarted
	seqRestart                     // status of a higher generation: the peer restarted
	seqReturn                      // status of a peer marked dead: returning after partition
	seqDup                         // the same seq again (several media): drop silently
	seqOld                         // older than expected and not missing: drop
	seqStale                       // status of a peer marked dead, not newer: drop
	seqReplay                      // older generation: drop and log a replay attack
	seqBadNumber                   // seq 0: drop
)

// accepted reports whether the message is to be processed.
func (v seqVerdict) accepted() bool {
	return v <= seqReturn
}

// seqTrack is the per-sender sequence state of a receiver (spec 4.5).
type seqTrack struct {
	known      bool
	gen        uint64
	last       uint64   // highest sequence number accepted
	lastStatus uint64   // sequence number of the last status accepted
	missing    []uint64 // sorted sequence numbers below last not yet seen
}

// check applies the rules of spec 4.5 to a sequenced message of generation
// gen and number seq from a sender; dead says the sender is marked dead.
// It updates the bookkeeping for accepted messages.
func (s *seqTrack) check(gen, seq uint64, isStatus, dead bool) seqVerdict {
	if seq == 0 {
		return seqBadNumber
	}
	if s.known && gen < s.gen {
		return seqReplay
	}
	if !s.known || (isStatus && gen > s.gen) {
		restarted := s.known
		*s = seqTrack{known: true, gen: gen, last: seq}
		if isStatus {
			s.lastStatus = seq
		}
		if restarted {
			return seqRestart
		}
		return seqAccept
	}
	if gen > s.gen {
		// A newer generation must announce itself with a status first.
		return seqOld
	}
	if isStatus && dead {
		if seq <= s.lastStatus {
			return seqStale
		}
		s.advance(seq)
		s.lastStatus = seq
		return seqReturn
	}
	v := s.advance(seq)
	if v.accepted() && isStatus {
		s.lastStatus = max(s.lastStatus, seq)
	}
	return v
}

// advance records seq in the window and says how it relates to it.
func (s *seqTrack) advance(seq uint64) seqVerdict {
	switch {
	case seq == s.last:
		return seqDup
	case seq == s.last+1:
		s.last = seq
		return seqAccept
	case seq > s.last+1:
		if seq-s.last-1+uint64(len(s.missing)) > maxMissing {
			s.missing = s.missing[:0]
			s.last = seq
			return seqResync
		}
		for m := s.last + 1; m < seq; m++ {
			s.missing = append(s.missing, m)
		}
		s.last = seq
		return seqGap
	}
	if i, ok := slices.BinarySearch(s.missing, seq); ok {
		s.missing = slices.Delete(s.missing, i, i+1)
		return seqFilled
	}
	return seqOld
}

// inOrder reports whether nothing below the last accepted number is missing.
func (s *seqTrack) inOrder() bool {
	return len(s.missing) == 0
}
