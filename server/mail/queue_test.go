package mail

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestQueue_StatsFollowDeliveries: a message that fails once is retried
// and then sent; one that always fails is given up after its attempts; a
// full queue drops. The figures count each.
func TestQueue_StatsFollowDeliveries(t *testing.T) {
	var calls atomic.Int64
	sender := SenderFunc(func(_ context.Context, m Message) error {
		if m.To == "never@example.com" || calls.Add(1) == 1 {
			return errors.New("smtp: try later")
		}
		return nil
	})
	q := NewQueue(sender, 1, slog.New(slog.DiscardHandler))
	q.SetBackoff(time.Millisecond)
	if !q.Enqueue(Message{To: "ann@example.com"}) {
		t.Fatal("the first message was refused")
	}
	if q.Enqueue(Message{To: "bob@example.com"}) {
		t.Fatal("a full queue took a second message")
	}
	if s := q.Stats(); s.Depth != 1 || s.Capacity != 1 || s.Dropped != 1 {
		t.Fatalf("before delivery: %+v", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	waitFor := func(want QueueStats) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for q.Stats() != want {
			if time.Now().After(deadline) {
				t.Fatalf("stats %+v, want %+v", q.Stats(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(QueueStats{Capacity: 1, Sent: 1, Failures: 1, Dropped: 1})
	if !q.Enqueue(Message{To: "never@example.com"}) {
		t.Fatal("an empty queue refused a message")
	}
	waitFor(QueueStats{Capacity: 1, Sent: 1, Failures: 1 + 2, GaveUp: 1, Dropped: 1})
}

// TestQueue_ShutdownDeliversWhatIsQueued: stopping Run finishes the
// delivery under way rather than cutting it off, and Drain then delivers
// the messages still queued, until its deadline.
func TestQueue_ShutdownDeliversWhatIsQueued(t *testing.T) {
	sending, release := make(chan struct{}), make(chan struct{})
	var sent atomic.Int64
	sender := SenderFunc(func(ctx context.Context, m Message) error {
		if m.To == "first@example.com" {
			close(sending)
			<-release
		}
		if err := ctx.Err(); err != nil {
			return err // a connection cut off mid-message
		}
		sent.Add(1)
		return nil
	})
	q := NewQueue(sender, 10, slog.New(slog.DiscardHandler))
	for _, to := range []string{"first@example.com", "second@example.com", "third@example.com"} {
		if !q.Enqueue(Message{To: to}) {
			t.Fatalf("%s refused", to)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { q.Run(ctx); close(stopped) }()
	<-sending
	if d := q.Stats().Depth; d != 3 {
		t.Errorf("during the first delivery the depth is %d, want 3 (one being sent, two queued)", d)
	}
	stop() // the server is told to shut down during the first delivery
	close(release)
	<-stopped
	if left := q.Drain(context.Background()); left != 0 {
		t.Errorf("Drain left %d undelivered", left)
	}
	if n := sent.Load(); n != 3 {
		t.Errorf("%d of 3 messages sent", n)
	}

	// Past its deadline, Drain sends nothing more and counts what is left.
	q.Enqueue(Message{To: "late@example.com"})
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	if left := q.Drain(expired); left != 1 {
		t.Errorf("Drain past its deadline left %d, want 1", left)
	}
}

// TestQueue_ARetryDueDuringShutdownIsCountedLost: a message waiting for
// its retry when Run stops is lost, and Drain counts it, even when its
// retry falls due after the stop but before Drain counts (the shutdown
// sending the mail still queued).
func TestQueue_ARetryDueDuringShutdownIsCountedLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sender := SenderFunc(func(context.Context, Message) error { return errors.New("smtp: try later") })
		q := NewQueue(sender, 10, slog.New(slog.DiscardHandler))
		q.SetBackoff(time.Second)
		ctx, stop := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { q.Run(ctx); close(stopped) }()
		q.Enqueue(Message{To: "ann@example.com"})
		synctest.Wait() // the first attempt failed; the retry waits
		stop()
		<-stopped
		time.Sleep(2 * time.Second) // the bubble's clock: the retry falls due
		synctest.Wait()
		if left := q.Drain(context.Background()); left != 1 {
			t.Errorf("Drain counted %d lost, want 1 (the message whose retry came after the stop)", left)
		}
	})
}
