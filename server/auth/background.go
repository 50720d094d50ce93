package auth

import "context"

// background runs the work a request leaves behind (a reset link's mail,
// a failed sign-in's event) off the request's path, so its answer takes
// no longer when there is such work: at most a bounded number of runs at
// once, and waited for at shutdown (Service.Wait), so none is cut off
// half done.
type background chan struct{}

func newBackground(limit int) background { return make(background, limit) }

// start runs f in its own goroutine and reports true, or reports false
// when the limit's worth of runs are under way (or the service has
// stopped: wait).
func (b background) start(f func()) bool {
	select {
	case b <- struct{}{}:
	default:
		return false
	}
	go func() {
		defer func() { <-b }()
		f()
	}()
	return true
}

// wait waits until the runs under way are done, or ctx ends, and refuses
// any run after it: it takes every slot, for good.
func (b background) wait(ctx context.Context) error {
	for range cap(b) {
		select {
		case b <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Wait waits, at shutdown once no request is served any more, for the
// work requests left in the background (Recovery's mails, Activity's
// failed sign-ins), until ctx ends; work asked for after it is dropped
// with a warning.
func (s *Service) Wait(ctx context.Context) error {
	if err := s.Recovery.background.wait(ctx); err != nil {
		return err
	}
	return s.Activity.background.wait(ctx)
}
