package wire_test

import (
	"testing"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
)

// BenchmarkDecode measures the receive path of a steady-state status
// datagram: parse, HMAC-SHA1 check of the trailer, required fields.
func BenchmarkDecode(b *testing.B) {
	keys := keyring(1, sha1Key)
	p := []byte(steady)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := wire.Decode(p, keys); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode measures the send path of the same datagram: both MACs.
func BenchmarkEncode(b *testing.B) {
	keys := keyring(1, sha1Key)
	m, err := wire.Decode([]byte(steady), keys)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wire.Encode(m, keys); err != nil {
			b.Fatal(err)
		}
	}
}
