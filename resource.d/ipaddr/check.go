package ipaddr

import "context"

// Check reports, without changing anything, whether Start could place the
// address now: the interface given exists, or a route of the main table
// names one (findif), and a label fits that interface. It only reads the
// kernel's links and routes, so it is safe for `heartbeat -t`.
func (a *Agent) Check(context.Context) error {
	h, err := a.handle()
	if err != nil {
		return err
	}
	defer h.Close()
	t, err := findIf(h, a.cfg)
	if err != nil {
		return err
	}
	if a.cfg.label != "" {
		return checkLabel(t.link.Attrs().Name, a.cfg.label)
	}
	return nil
}
