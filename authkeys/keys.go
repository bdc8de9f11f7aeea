package authkeys

// MaxIndex is the highest key index authkeys accepts (3.0.6 has 16 slots).
const MaxIndex = 15

// Key is one `<index> <method> [<secret>]` line of authkeys.
type Key struct {
	Index  int
	Method Method
	Secret string
}

// Sum returns the digest of data under this key, as it goes on the wire.
func (k Key) Sum(data []byte) string {
	return k.Method.Digest(k.Secret, data)
}

// Keys is a parsed authkeys file: every key by index, and the index of the
// `auth N` line used to sign outgoing packets.
type Keys struct {
	Active int
	keys   [MaxIndex + 1]*Key
}

// Key returns the key with the given index, if the file defines it.
func (k *Keys) Key(index int) (Key, bool) {
	if k == nil || index < 0 || index > MaxIndex || k.keys[index] == nil {
		return Key{}, false
	}
	return *k.keys[index], true
}

// ActiveKey returns the key that signs outgoing packets.
func (k *Keys) ActiveKey() (Key, bool) {
	if k == nil {
		return Key{}, false
	}
	return k.Key(k.Active)
}

// Set defines (or replaces) the key of key.Index; it ignores an index out of range.
func (k *Keys) Set(key Key) {
	if key.Index < 0 || key.Index > MaxIndex {
		return
	}
	k.keys[key.Index] = &key
}
