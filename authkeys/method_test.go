package authkeys

import "testing"

func TestDigest(t *testing.T) {
	tests := []struct {
		m      Method
		secret string
		data   string
		want   string
	}{
		// spec 2.3: crc("123456789") = 765e7680.
		{CRC, "", "123456789", "765e7680"},
		// RFC 2202 test case 2 for HMAC-SHA1 and RFC 2104 for HMAC-MD5.
		{SHA1, "Jefe", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
		{MD5, "Jefe", "what do ya want for nothing?", "750c783e6ab0b503eaa86e310a5db738"},
		// The inner auth field of spec 4.2.2 (node1's steady-state status in 01-startup).
		{SHA1, "spec-test-secret", "t=status\nst=active\ndt=1388\nprotocol=1\nsrc=node1\n(1)srcuuid=dS94vQQwS8+YgUoAXHTQOg==\nseq=10\nhg=6b032379\nts=6b03237f\nld=0.48 0.29 0.16 1/111 5469\nttl=3\n", "36aa22df3a7aa950b75f54ea7cb39b1325453ccc"},
		{Method("rot13"), "abc", "x", ""},
	}
	for _, tt := range tests {
		if got := tt.m.Digest(tt.secret, []byte(tt.data)); got != tt.want {
			t.Errorf("%s.Digest(%q, %q) = %q, want %q", tt.m, tt.secret, tt.data, got, tt.want)
		}
	}
}

func TestCRCNoZeroPadding(t *testing.T) {
	// Find an input whose CRC is below 0x10000000: its digest must have fewer than 8 digits.
	for i := range 1000 {
		data := []byte{byte(i), byte(i >> 8), 'x'}
		if crc(data) < 0x10000000 {
			if d := CRC.Digest("", data); len(d) >= 8 || d[0] == '0' {
				t.Fatalf("crc digest %q of %v is zero-padded", d, data)
			}
			return
		}
	}
	t.Fatal("no short crc found in 1000 inputs")
}

func TestNilKeys(t *testing.T) {
	var k *Keys
	if _, ok := k.ActiveKey(); ok {
		t.Error("nil Keys has an active key")
	}
	if _, ok := k.Key(1); ok {
		t.Error("nil Keys has key 1")
	}
}
