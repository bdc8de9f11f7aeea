package authkeys

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"hash"
	"strconv"
)

// Method is an authentication method of authkeys: sha1, md5 or crc.
type Method string

// The methods heartbeat 3.0.6 ships as HBauth plugins.
const (
	SHA1 Method = "sha1"
	MD5  Method = "md5"
	CRC  Method = "crc"
)

// Valid reports whether m is one of the three methods 3.0.6 knows.
func (m Method) Valid() bool {
	return m == SHA1 || m == MD5 || m == CRC
}

// NeedsKey reports whether the method takes a secret (sha1, md5) or refuses one (crc).
func (m Method) NeedsKey() bool {
	return m == SHA1 || m == MD5
}

// Digest returns the lower-case hex digest of data as 3.0.6 prints it on the wire:
// HMAC-SHA1 or HMAC-MD5 with secret as the key, or for crc the MSB-first CRC-32
// (polynomial 0x04C11DB7, initial value 0, no length appended, inverted) printed
// without leading zeros. It returns "" for an unknown method.
func (m Method) Digest(secret string, data []byte) string {
	var h func() hash.Hash
	switch m {
	case SHA1:
		h = sha1.New
	case MD5:
		h = md5.New
	case CRC:
		return strconv.FormatUint(uint64(crc(data)), 16)
	default:
		return ""
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write(data)
	return hexLower(mac.Sum(nil))
}

func hexLower(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i] = digits[c>>4]
		out[2*i+1] = digits[c&0xf]
	}
	return string(out)
}

// crcTable is the MSB-first table for polynomial 0x04C11DB7.
var crcTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// crc is heartbeat's crc.so: MSB-first, initial 0, no length, result inverted.
func crc(data []byte) uint32 {
	var c uint32
	for _, b := range data {
		c = c<<8 ^ crcTable[byte(c>>24)^b]
	}
	return ^c
}
