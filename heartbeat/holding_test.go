package heartbeat

import "testing"

func TestHoldingSwap(t *testing.T) {
	tests := []struct{ in, want Holding }{
		{HoldNone, HoldNone},
		{HoldLocal, HoldForeign},
		{HoldForeign, HoldLocal},
		{HoldAll, HoldAll},
	}
	for _, tt := range tests {
		if got := tt.in.Swap(); got != tt.want {
			t.Errorf("%v.Swap() = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseHolding(t *testing.T) {
	for _, s := range []string{"none", "local", "foreign", "all"} {
		h, ok := ParseHolding(s)
		if !ok || h.String() != s {
			t.Errorf("ParseHolding(%q) = %v, %v", s, h, ok)
		}
	}
	if h, ok := ParseHolding("failback"); !ok || h != HoldForeign {
		t.Errorf("failback = %v, %v; want foreign", h, ok)
	}
	if _, ok := ParseHolding("most"); ok {
		t.Error("ParseHolding accepted most")
	}
}
