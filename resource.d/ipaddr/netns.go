package ipaddr

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"
)

func openNS(path string) (netns.NsHandle, error) {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return ns, fmt.Errorf("opening network namespace %s: %w", path, err)
	}
	return ns, nil
}

// inNS runs fn on an OS thread inside the network namespace at path (the
// caller's namespace when path is empty). Sockets fn opens stay in that
// namespace. The thread is handed back to the scheduler only after it has
// returned to its own namespace; otherwise it dies with its goroutine.
func inNS(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("reading the current network namespace: %w", err)
			return
		}
		defer orig.Close()
		target, err := openNS(path)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			errc <- fmt.Errorf("entering network namespace %s: %w", path, err)
			return
		}
		err = fn()
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}
